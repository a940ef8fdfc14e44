"""The nightly full dump of the public register: gzipped CSV and JSON (the same columns and
items as /register/export.csv and .json without filters, public fields only), written to
the configured storage with a small metadata file saying when the data were read.

The metadata file is written last, so a reader that finds it also finds the files it
describes; each object is replaced atomically by the store.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import tempfile
from dataclasses import dataclass

from registry.db import utcnow
from registry.extensions import db
from registry.public import exports, register
from registry.storage import OPENDATA, NotStored, get_store

FORMATS = {"csv": exports.csv_stream, "json": exports.json_stream}
META_KEY = f"{OPENDATA}/registro.meta.json"
DUMP_SECONDS = 6 * 3600  # a job, not a web request: the register at scale must fit


def dump_key(kind: str) -> str:
    return f"{OPENDATA}/registro.{kind}.gz"


@dataclass(frozen=True)
class Dump:
    """The latest dump: when its data were read and how big each file is."""

    as_of: dt.datetime
    rows: int
    sizes: dict[str, int]


def write_dump(now: dt.datetime | None = None) -> Dump:
    """Write the whole public register as registro.csv.gz and registro.json.gz (read-only
    on the database). Returns what the metadata file now says."""
    as_of = now or utcnow()
    store = get_store()
    query = register.Query()
    sizes: dict[str, int] = {}
    for kind, stream in FORMATS.items():
        deadline = exports.deadline_after(DUMP_SECONDS)
        chunks = (stream(query, False, deadline, as_of) if kind == "json"
                  else stream(query, False, deadline))
        with tempfile.TemporaryFile() as raw:
            # mtime fixed: the same data give the same bytes (no time inside the gzip header).
            with gzip.GzipFile(fileobj=raw, mode="wb", mtime=0) as packed:
                for chunk in chunks:
                    packed.write(chunk.encode())
            sizes[kind] = raw.tell()
            raw.seek(0)
            store.put(dump_key(kind), raw)
    rows = register.count(query)
    meta = {"dati_al": exports.as_of_text(as_of), "righe": rows, "byte": sizes,
            "licenza": exports.LICENCE_ID}
    store.put_bytes(META_KEY, json.dumps(meta).encode())
    return Dump(as_of, rows, sizes)


def latest() -> Dump | None:
    """The latest dump's metadata, or None when no dump was written yet."""
    try:
        meta = json.loads(get_store().read(META_KEY))
    except NotStored:
        return None
    as_of = dt.datetime.strptime(meta["dati_al"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
    return Dump(as_of, int(meta["righe"]), {k: int(v) for k, v in meta["byte"].items()})


def seed_demo_dump() -> None:
    """Demo data: write the dump of the demo register (the night's job would)."""
    db.session.flush()
    write_dump()
