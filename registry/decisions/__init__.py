"""The officer's decision on an assessed application, and appeals against it."""
