"""A case's merged chronology: every agency's submitted contacts in one timeline."""
