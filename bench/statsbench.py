"""The ministry's statistics page at the benchmark's size, measured in process.

wrk measures anonymous pages; the statistics need a logged-in ministry official with a
second factor, so this module times them in process instead, with Flask's test client on a
real server-side session (as tests/steps.log_in does), against the register search timed the
same way on the same database — the "same budget" the issue asks for is read as that ratio.

The generator writes certificates, decisions and status histories but no application events;
before measuring, `add_history` writes four per decided application with INSERT … SELECT
statements, so the pipeline figures have the rows they will have in production. Run it
after the HTTP measurements: it adds rows to the database.

    python -m bench.statsbench --firms 10000 --database sqlite   # a small check on its own
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import tempfile
import time
import urllib.parse
from pathlib import Path

from sqlalchemy import text

RUNS = 5
EVENTS = (  # action, from, to, days before the decision
    ("submit", "draft", "submitted", 40), ("start_audit", "submitted", "under_audit", 25),
    ("complete_assessment", "under_audit", "assessed", 8), ("certify", "assessed", "certified", 0))


def _median_ms(function, runs: int = RUNS) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return round(statistics.median(times), 1)


def _days_before(dialect: str, column: str, days: int) -> str:
    if dialect == "postgresql":
        return f"{column} - interval '{days} days'"
    return f"datetime({column}, '-{days} days')"


def add_history(db) -> dict:
    """Application events for every generated decision, unless the database has some already
    (SQL only: nothing is read into Python)."""
    session = db.session
    dialect = session.get_bind().dialect.name
    started = time.perf_counter()
    if session.scalar(text("SELECT count(*) FROM application_event")):
        return {"added": False}
    for action, before, after, days in EVENTS:
        session.execute(text(
            "INSERT INTO application_event (application_id, action, from_state, to_state, at) "
            f"SELECT d.application_id, :action, :before, :after, "
            f"{_days_before(dialect, 'd.decided_at', days)} FROM decision d"),
            {"action": action, "before": before, "after": after})
    session.commit()
    if dialect == "postgresql":
        session.execute(text("ANALYZE application_event"))
        session.commit()
    else:
        session.execute(text("ANALYZE"))
        session.commit()
    return {"added": True, "seconds": round(time.perf_counter() - started, 1),
            "events": session.scalar(text("SELECT count(*) FROM application_event"))}


def run(url: str, keys_folder: Path, search_query: str = "contact") -> dict:
    """Time each statistics query, the figures with their charts, the whole page and the
    register search (in process, median of RUNS after one warm-up)."""
    from bench.generate import _app
    from registry.accounts.services import create_user
    from registry.accounts.sessions import start_session
    from registry.db import today_in_rome
    from registry.extensions import db
    from registry.ministry import charts, facts, history

    app = _app(url, keys_folder)
    out: dict = {"runs": RUNS}
    with app.app_context():
        out["history"] = add_history(db)
        official = create_user(f"statsbench{time.time_ns()}@bench.test", "Bench",
                               "Bench-Statistics-2026", ["ministry"])
        # A server-side session passed with a second factor, as after the login form and
        # the code (tests/steps.log_in does the same).
        token = start_session(official, ip_address="127.0.0.1", user_agent="statsbench",
                              second_factor="totp")
        db.session.commit()
    with app.test_request_context("/"):
        filters = history.read_filters({}, today_in_rome()).filters
        queries = {}
        for name in ("snapshot", "movements", "applications_by_stage", "days_in_stage",
                     "days_to_decision", "area_bands"):
            function = getattr(history, name)
            function(filters)
            queries[name] = _median_ms(lambda function=function: function(filters))
        out["queries_ms"] = queries
        charts.figures(filters)
        out["figures_ms"] = _median_ms(lambda: [f.svg for f in charts.figures(filters)])
        charts.render.cache_clear()
        out["figures_uncached_svg_ms"] = _median_ms(
            lambda: ([f.svg for f in charts.figures(filters)], charts.render.cache_clear()), 3)
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = token
        session["_fresh"] = True
    assert client.get("/ministry/statistics").status_code == 200
    kept = app.extensions["statistics_cache"]

    def cold():
        kept.entries.clear()
        client.get("/ministry/statistics")

    # Cold: the figures computed (the charts' SVG is kept by its own cache, as in service);
    # warm: an official reloading or filtering back, the figures' stamp unchanged. First
    # from the history (no facts yet), then from the facts the nightly job folds.
    out["page_cold_live_ms"] = _median_ms(cold, 3)
    with app.app_context():
        started = time.perf_counter()
        run_ = facts.compute(today_in_rome() - dt.timedelta(days=1))
        db.session.commit()
        out["facts"] = {"seconds": round(time.perf_counter() - started, 1),
                        "rows": run_.facts}
    out["page_cold_ms"] = _median_ms(cold)

    def cold_and_new_charts():
        charts.render.cache_clear()
        cold()

    # A filter never drawn before: the charts' SVG drawn too (Vega, about 10 ms a chart).
    out["page_cold_new_charts_ms"] = _median_ms(cold_and_new_charts, 3)
    past = f"/ministry/statistics?at={(today_in_rome() - dt.timedelta(days=400)).isoformat()}"
    assert client.get(past).status_code == 200
    out["page_cold_past_day_ms"] = _median_ms(lambda: (kept.entries.clear(), client.get(past)))
    out["page_ms"] = _median_ms(lambda: client.get("/ministry/statistics"))
    search = f"/register?q={urllib.parse.quote(search_query)}"
    assert client.get(search).status_code == 200
    out["search_ms"] = _median_ms(lambda: client.get(search))
    out["page_over_search"] = round(out["page_ms"] / out["search_ms"], 1)
    out["page_cold_over_search"] = round(out["page_cold_ms"] / out["search_ms"], 1)
    out["page_cold_live_over_search"] = round(out["page_cold_live_ms"] / out["search_ms"], 1)
    return out


def main(argv: list[str] | None = None) -> int:
    from bench import generate as gen
    from bench.serve import create_pg_database, drop_pg_database

    parser = argparse.ArgumentParser(prog="python -m bench.statsbench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--firms", type=int, default=10_000)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bollino-statsbench-") as folder:
        name = None
        if args.database == "postgresql":
            name = f"statsbench_{int(time.time())}"
            url = create_pg_database(name)
        else:
            url = f"sqlite:///{Path(folder) / 'stats.sqlite3'}"
        try:
            data = gen.generate(url, args.firms, Path(folder) / "keys", log=lambda m: None)
            result = run(url, Path(folder) / "keys", data.search_query)
        finally:
            if name:
                drop_pg_database(name)
    for key, value in result.items():
        print(f"{key}: {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
