"""Fixtures by theme, loaded by tests/conftest.py through ``pytest_plugins``."""
