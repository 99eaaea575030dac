"""Shared learning compiled from agencies' findings, action records, and the annual summary."""
