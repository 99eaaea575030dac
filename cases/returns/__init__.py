"""An agency's return on a case: involvement, findings, chronology and learning points."""
