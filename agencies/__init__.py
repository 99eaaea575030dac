"""Organisations, people, sign-in, who may see what, and each agency's findings."""
