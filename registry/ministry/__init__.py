"""Ministry officials: the whole register with its non-public columns, and statistics."""
