"""The administrator's pages: users and roles (schemes and assignments join later)."""
