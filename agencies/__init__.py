"""Organisations, people, sign-in, two-step verification and who may see what (access.py)."""
