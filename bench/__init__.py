"""Benchmark harness of the registry: `python -m bench` (or `make bench`).

generate  fills a fresh database with N firms and 1.5·N certificates (bulk Core inserts)
serve     runs the app under gunicorn on a free loopback port
load      drives it with wrk and reads throughput and latency percentiles
pdf       times the certificate PDF against the bare QR page
run       does all of it, compares with the targets, prints one table, writes JSON
"""
