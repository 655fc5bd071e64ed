"""Reviews, assessments, action items and reminders (the reviews issue fills this module)."""
