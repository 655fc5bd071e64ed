"""The audit trail: append-only events chained by SHA-256."""
