"""Models of the panels package."""
