"""Email: the transactional outbox, composition, reminders and the sending worker."""
