"""Public pages and the read-only API: verification, register, keys (no login)."""
