"""Admin view of the outbox (filled in by the notifications capability)."""
