"""Documents an agency attaches to its return."""
