"""/opendata: the open datasets with their licence, column documentation and DCAT-AP_IT
metadata (JSON-LD, in the page and at /opendata/catalog.jsonld), and the nightly dump."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template

from registry.db import today_in_rome
from registry.opendata import catalog, dump
from registry.public import exports
from registry.storage import NotStored, get_store

bp = Blueprint("opendata", __name__)

DUMP_TYPES = {"csv": "registro-bollino-blu.csv.gz", "json": "registro-bollino-blu.json.gz"}


def _catalog(latest: dump.Dump | None) -> dict:
    modified = latest.as_of.date() if latest else today_in_rome()
    return catalog.catalog(current_app.config, modified)


@bp.get("/opendata")
def index():
    latest = dump.latest()
    return render_template("opendata/index.html", latest=latest,
                           jsonld=catalog.as_script(_catalog(latest)),
                           columns=catalog.COLUMNS, json_columns=catalog.JSON_ONLY_COLUMNS,
                           licence_url=exports.LICENCE_URL, licence_name=exports.LICENCE_NAME)


@bp.get("/opendata/catalog.jsonld")
def catalog_jsonld():
    response = current_app.json.response(_catalog(dump.latest()))
    response.mimetype = "application/ld+json"
    return response


def _no_dump():
    return render_template("opendata/no_dump.html"), 404


@bp.get("/opendata/dump.<kind>.gz")
def dump_file(kind: str):
    if kind not in DUMP_TYPES:
        return _no_dump()
    latest = dump.latest()
    if latest is None:
        return _no_dump()
    try:
        response: Response = get_store().send(dump.dump_key(kind), "application/gzip",
                                              DUMP_TYPES[kind])
    except NotStored:
        return _no_dump()
    response.headers["X-Data-As-Of"] = exports.as_of_text(latest.as_of)
    response.headers["X-License"] = exports.LICENCE_ID
    response.headers["Link"] = f'<{exports.LICENCE_URL}>; rel="license"'
    return response
