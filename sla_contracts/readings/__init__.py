"""Readings between reviews (issue 13): entering them (``operations``), by form, CSV or API."""
