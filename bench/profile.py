"""Profile the register's read paths in process: SQL statements per request, and where the
time goes (cProfile), measured against /healthz in the same run.

`python -m bench.profile --url sqlite:///path/to/generated.sqlite3 [--keys folder]
[--requests 200] [--top 15]` on a database made by `python -m bench.generate`. Deterministic
figures (statements per request, calls per request) do not depend on the machine's load;
the per-request times and their ratio to /healthz do, a little, which is why they are
taken in the same run, path after path, with the test client (no network, no gunicorn).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import sys
import time
import urllib.parse
from pathlib import Path

from sqlalchemy import event, select

from bench.generate import SEARCH_QUERY


def paths(app) -> list[tuple[str, str]]:
    """(name, path) of the read paths measured; /healthz first (the floor)."""
    from registry.certificates.models import Certificate
    from registry.extensions import db
    from registry.firms.models import Firm

    with app.app_context():
        firm_id = db.session.scalar(select(Firm.id).where(
            Firm.current_certificate_id.is_not(None)).order_by(Firm.id).limit(1))
        number = db.session.scalar(select(Certificate.number).order_by(Certificate.id)
                                   .limit(1))
    q = urllib.parse.quote(SEARCH_QUERY)
    return [("hello", "/healthz"), ("verify", f"/v/{number}"),
            ("search", f"/register?q={q}"), ("browse", "/register"),
            ("browse_500", "/register?page=500"), ("firm", f"/register/{firm_id}"),
            ("api_search", f"/api/v1/register?q={q}"), ("api_list", "/api/v1/register"),
            ("api_500", "/api/v1/register?page=500")]


def count_statements(app, client, path: str) -> tuple[int, list[str]]:
    """The SQL statements one GET of `path` runs (after a warm-up GET)."""
    client.get(path)
    seen: list[str] = []

    def before(_conn, _cursor, statement, _parameters, _context, _many):
        seen.append(statement)

    with app.app_context():
        engine = app.extensions["sqlalchemy"].engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        response = client.get(path)
    finally:
        event.remove(engine, "before_cursor_execute", before)
    if response.status_code != 200:
        raise RuntimeError(f"GET {path} answered {response.status_code}")
    return len(seen), seen


def time_per_request(client, path: str, requests: int) -> float:
    """Mean CPU seconds per GET (process time: the machine's other load counts less)."""
    client.get(path)
    started = time.process_time()
    for _ in range(requests):
        client.get(path)
    return (time.process_time() - started) / requests


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True, help="SQLAlchemy URL of a generated database")
    parser.add_argument("--keys", default=None, help="the generator's keys folder")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--top", type=int, default=0,
                        help="print the N functions with the most cumulative time per path")
    parser.add_argument("--only", default="", help="comma-separated path names")
    parser.add_argument("--sql", action="store_true", help="print each path's statements")
    parser.add_argument("--kept", action="store_true",
                        help="with --top: profile the kept path, not the rendered one")
    args = parser.parse_args(argv)
    from registry import create_app

    keys = Path(args.keys) if args.keys else Path("/tmp/bench-profile-keys")
    app = create_app({"SQLALCHEMY_DATABASE_URI": args.url, "KEYS_FOLDER": str(keys),
                      "SECRET_KEY": "bench-profile", "RATELIMIT_ENABLED": False})
    client = app.test_client()
    wanted = {name for name in args.only.split(",") if name}
    print(f"{'path':<11} {'statements':>10} {'cpu ms':>8} {'÷ hello':>8} "
          f"{'rendered':>9} {'÷ hello':>8}  url")
    for name, path in paths(app):
        if wanted and name not in wanted and name != "hello":
            continue
        statements, seen = count_statements(app, client, path)
        # The floor is measured right before and right after the path, and averaged: the
        # shared machine's speed drifts within a minute.
        before = time_per_request(client, "/healthz", args.requests)
        seconds = time_per_request(client, path, args.requests)
        # The same path with the kept pages off: what a request that finds none costs.
        app.config["REGISTER_CACHE"] = app.config["VERIFY_CACHE"] = False
        rendered = time_per_request(client, path, args.requests)
        app.config["REGISTER_CACHE"] = app.config["VERIFY_CACHE"] = True
        floor = (before + time_per_request(client, "/healthz", args.requests)) / 2
        print(f"{name:<11} {statements:>10} {seconds * 1000:>8.2f} {seconds / floor:>8.2f} "
              f"{rendered * 1000:>9.2f} {rendered / floor:>8.2f}  {path}")
        if args.sql:
            for statement in seen:
                print("      ", " ".join(statement.split())[:200])
        if args.top and name != "hello":
            # By default the rendered path: the one with work left to find.
            app.config["REGISTER_CACHE"] = app.config["VERIFY_CACHE"] = args.kept
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(args.requests):
                client.get(path)
            profiler.disable()
            app.config["REGISTER_CACHE"] = app.config["VERIFY_CACHE"] = True
            stats = pstats.Stats(profiler)
            stats.sort_stats("cumulative").print_stats(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
