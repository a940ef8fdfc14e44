"""Firms: the outsourcer's profile, operating sites, Italian identifiers and membership."""
