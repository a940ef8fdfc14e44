"""Expected status codes for the firm routes, by who asks (see tests/test_permissions.py)."""

FIRM_ROUTES: dict = {}
