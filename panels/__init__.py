"""Learning panels: schedule, agenda, attendees, replies, calendar invites and feeds, panel packs."""
