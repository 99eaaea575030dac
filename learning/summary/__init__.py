"""The annual summary: figures, charts, page, PDF and CSV for a reporting year."""
