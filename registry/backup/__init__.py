"""Backup and restore: one archive with the database, the stored files and the keys.

`archive` is the format (members, manifest, value encoding, key encryption) and knows neither
Flask nor the database; `database` takes the snapshot and loads it back; `services` runs the
three commands (`flask --app registry backup FILE`, `backup --verify FILE`, `restore FILE`).
"""
