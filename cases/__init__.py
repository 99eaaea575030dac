"""Multi-agency cases: invitations, agency returns, learning themes and retention."""
