"""Watching suppliers: email follows, client watch-lists, webhooks."""
