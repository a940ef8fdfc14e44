"""Complaints about certified firms: the public's reports, the workers' anonymous channel."""
