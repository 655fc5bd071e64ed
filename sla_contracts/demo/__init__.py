"""The demo organisation: ``flask --app app seed-demo``."""

from .seed import advance_charter, has_departments, print_demo_accounts, seed_demo

__all__ = ["advance_charter", "has_departments", "print_demo_accounts", "seed_demo"]
