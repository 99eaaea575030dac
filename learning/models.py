"""Models of the learning package."""
