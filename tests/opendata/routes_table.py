"""Expected status codes for the open-data routes (public) and the staff list exports."""

from tests.factories import ROLES

ANON = "anonymous"
ALL = [ANON, *ROLES]

OPENDATA_ROUTES = {
    "opendata.index": ("GET", "/opendata", dict.fromkeys(ALL, 200)),
    "opendata.catalog_jsonld": ("GET", "/opendata/catalog.jsonld", dict.fromkeys(ALL, 200)),
    # no dump written yet in the permission test: a page that says so, for everyone
    "opendata.dump_file": ("GET", "/opendata/dump.csv.gz", dict.fromkeys(ALL, 404)),
}
