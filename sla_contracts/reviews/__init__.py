"""Periodic reviews of charters, their reminders and action plans."""
