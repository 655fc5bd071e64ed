"""Frozen versions, signatures and share links (the signing issue fills this module)."""
