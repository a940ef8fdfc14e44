"""People and their roles: log in and out, passwords, resets, and the admin's user pages."""
