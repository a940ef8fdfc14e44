"""Property-based fuzzing of every route and every form: no response is a 5xx, and every
answer is well-formed (JSON parses, Atom and SVG parse as XML, HTML pages are whole, CSV is
UTF-8, XLSX is a zip, PDF starts as one).

- Routes: every rule of `app.url_map` (static files aside), as an anonymous visitor and as
  each role, with generated path values (ids huge, negative, zero, real; text with control
  characters and any unicode) and generated query strings (the register's parameters and
  others, with control characters, unicode, huge numbers, raw percent-escapes).
- Forms: every POST form the roles meet on their pages (found by crawling them from the
  dashboard, so a new form is fuzzed without editing this file), submitted by the person
  who saw it with generated field values (options, dates, numbers, text, files).

Failures are collected rather than raised, so one run lists every bad answer with the
request that caused it (the app logs the traceback). The default run is small (about a
minute per database); `make fuzz` sets FUZZ_EXAMPLES for a long one. The number of requests
is printed at the end of the session ("fuzz: N requests, 0 responses >= 500").
"""

from __future__ import annotations

import io
import json
import os
import re
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import quote, urlencode, urljoin, urlsplit

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from registry.certificates.models import StatusChange
from registry.extensions import db
from registry.firms.models import Firm, MembershipRequest
from registry.inputs import MAX_ID
from tests import factories, rows
from tests.steps import assessed, client_for, log_in

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES") or 0)
ROUTE_EXAMPLES = EXAMPLES or 800
FORM_EXAMPLES = EXAMPLES or 600
PAGES_PER_PERSON = 50
# The footer's pages (legal texts, API documentation, open data) and downloads (the lists'
# exports, the statistics' tables, documents, images) have no form: not worth a page of the
# crawl's budget for every person.
SKIPPED_LINKS = re.compile(
    r"^/(static/|lang/|account/logout|accessibility$|privacy$|legal$|contacts$|api$|opendata)"
    r"|/export\.|\.(csv|xlsx|json|jsonld|pdf|svg|png|gz|atom)(\?|$)")
SKIPPED_FORMS = re.compile(r"^/account/logout")  # would end the session being fuzzed


def fuzz_settings(examples: int):
    return settings(max_examples=examples, deadline=None, database=None,
                    phases=(Phase.explicit, Phase.generate),
                    suppress_health_check=list(HealthCheck))


# Generated values ---------------------------------------------------------------------------

HOSTILE = ["", "\x00", "a\x00b", "\x0b", "\r\n", "\t", "\x1b[31m", "\x7f", "\x85", "\ufeff",
           "\ufffe", "\u202e", "\U0001f600", "ñ", "Ωμέγα", "=HYPERLINK(\"x\")", "+39", "-1",
           "@SUM(1)", "0", "-2147483649", "2147483648", "9" * 25, "1e309", "NaN", "null",
           "[]", "{}", "Infinity", "sNaN", "-0", "%00", "%", "../../etc/passwd",
           "<script>alert(1)</script>", "' OR 1=1 --", "a" * 5000, " ", "２０２６-01-01",
           "2026-02-30", "20260101",
           "9999-12-31", "0000-01-01", "BB-2026-00001", "BB-9999-99999", "LEG-01", "L9",
           "Lazio", "lazio", "RM", "valid", "name", "level"]
printable = st.text(st.characters(exclude_categories=("Cs", "Cc")), max_size=40)
anything = st.text(max_size=40)  # control characters included
numbers = st.one_of(st.integers(-10, 10), st.integers(-(2**70), 2**70)).map(str)
# Most examples keep to what the input guard lets through (line breaks included), so they
# reach the views; one in four may carry any control character and meet the guard.
clean = st.one_of(printable, numbers, st.sampled_from(
    [h for h in HOSTILE if h.isprintable()] + ["a\r\nb", "\t", "\n"]))
dirty = st.one_of(clean, anything, st.sampled_from(HOSTILE))


def value_pool(draw):
    return dirty if draw(st.integers(0, 3)) == 0 else clean
ids = st.one_of(st.integers(-5, 50), st.integers(MAX_ID - 2, MAX_ID + 2),
                st.integers(0, 10**30)).map(str) | st.just("9" * 5000)
PARAMETERS = ["q", "status", "region", "province", "level", "scheme", "sort", "page", "at",
              "t", "next", "min_extra_eu", "n", "kind", "lang"]


@st.composite
def query_strings(draw, values):
    """A raw query string: known and unknown names, any values, sometimes bare escapes."""
    if values is dirty and draw(st.booleans()):
        raw = draw(st.binary(max_size=60))
        return "".join(f"%{byte:02X}" if draw(st.booleans()) else chr(byte % 128)
                       for byte in raw).replace("#", "%23")
    names = draw(st.lists(st.one_of(st.sampled_from(PARAMETERS), values), max_size=4))
    return urlencode([(name, draw(values)) for name in names])


# Checking an answer -------------------------------------------------------------------------

@dataclass
class Tally:
    """What the fuzz did, shared with the session's summary (tests/conftest.py)."""

    counts: dict
    failures: list = field(default_factory=list)

    def check(self, response, what: str) -> None:
        self.counts["requests"] += 1
        try:
            body = response.get_data()  # a streamed export may fail only now
        except Exception as error:  # any failure mid-stream is a finding
            self.counts["server_errors"] += 1
            self.failures.append(f"{what}: failed while streaming: {error!r}")
            return
        if response.status_code >= 500:
            self.counts["server_errors"] += 1
            self.failures.append(f"{what}: {response.status_code}")
            return
        problem = malformed(response, body)
        if problem:
            self.counts["malformed"] += 1
            self.failures.append(f"{what}: {response.status_code} {problem}")


def malformed(response, body: bytes) -> str | None:
    """Why `body` is not a well-formed instance of its content type, or None."""
    kind = response.mimetype
    try:
        if kind == "application/json":
            json.loads(body)
        elif kind in ("application/atom+xml", "image/svg+xml"):
            ET.fromstring(body)  # noqa: S314 - our own output; strictness is the point
        elif kind == "text/html" and not 300 <= response.status_code < 400:
            text = body.decode("utf-8")
            if not text.rstrip().endswith("</html>"):
                return "HTML page cut short"
        elif kind == "text/csv":
            body.decode("utf-8")
        elif kind.endswith("spreadsheetml.sheet"):
            zipfile.ZipFile(io.BytesIO(body)).testzip()
        elif kind == "application/pdf" and not body.startswith(b"%PDF-"):
            return "not a PDF"
    except (ValueError, ET.ParseError, zipfile.BadZipFile, UnicodeDecodeError) as error:
        return f"malformed {kind}: {error}"
    return None


# Pages and their forms ----------------------------------------------------------------------

@dataclass
class Form:
    action: str
    enctype: str
    fields: list = field(default_factory=list)  # (name, kind, value, options)
    submits: list = field(default_factory=list)  # (name, value)

    def key(self):
        return (re.sub(r"\d+", "N", self.action), tuple(sorted(f[0] for f in self.fields)))


class PageParser(HTMLParser):
    """Same-site links and POST forms of a page."""

    def __init__(self, url: str):
        super().__init__(convert_charrefs=True)
        self.url = url
        self.links: list[str] = []
        self.forms: list[Form] = []
        self.form: Form | None = None
        self.select: list | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(urljoin(self.url, a["href"]))
        elif tag == "form":
            if (a.get("method") or "get").lower() == "post":
                self.form = Form(urljoin(self.url, a.get("action") or self.url),
                                 a.get("enctype") or "")
        elif tag == "option" and self.select is not None:
            self.select.append(a.get("value", ""))
        elif self.form is None or not a.get("name"):
            return
        elif tag == "input":
            kind = (a.get("type") or "text").lower()
            if kind == "submit":
                self.form.submits.append((a["name"], a.get("value") or "1"))
            else:
                self.form.fields.append((a["name"], kind, a.get("value") or "", []))
        elif tag == "button" and (a.get("type") or "submit") == "submit":
            self.form.submits.append((a["name"], a.get("value") or "1"))
        elif tag == "textarea":
            self.form.fields.append((a["name"], "textarea", "", []))
        elif tag == "select":
            self.select = []
            self.form.fields.append((a["name"], "select", "", self.select))

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None
        elif tag == "form" and self.form is not None:
            self.forms.append(self.form)
            self.form = None


def parse_page(url: str, html: str) -> PageParser:
    parser = PageParser(url)
    parser.feed(html)
    return parser


def local_path(url: str) -> str | None:
    parts = urlsplit(url)
    if parts.netloc not in ("", "localhost", "registry.test") or not parts.path.startswith("/"):
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def crawl(client, tally: Tally, seeds: list[str], limit: int = PAGES_PER_PERSON) -> list[Form]:
    """GET pages from `seeds` along same-site links; the POST forms met on them."""
    queue, seen, forms = list(seeds), set(), {}
    while queue and len(seen) < limit:
        path = queue.pop(0)
        shape = re.sub(r"\d+", "N", path.split("?")[0])
        if shape in seen or SKIPPED_LINKS.match(path):
            continue
        seen.add(shape)
        response = client.get(path)
        tally.check(response, f"GET {path}")
        if response.mimetype != "text/html" or response.status_code != 200:
            continue
        page = parse_page("http://localhost" + path, response.get_data(as_text=True))
        for form in page.forms:
            action = local_path(form.action)
            if action and not SKIPPED_FORMS.match(action):
                form.action = action
                forms.setdefault(form.key(), form)
        queue.extend(p for p in map(local_path, page.links) if p)
    return list(forms.values())


def field_value(draw, values, kind: str, default: str, options: list[str]):
    if kind == "select" and options and draw(st.integers(0, 3)):
        return draw(st.sampled_from(options))
    if kind == "hidden" and draw(st.integers(0, 3)):
        return default
    if kind in ("checkbox", "radio"):
        return draw(st.sampled_from([default or "y", None, draw(values)]))
    if kind == "file":
        content = draw(st.sampled_from([b"%PDF-1.4\n%%EOF\n", b"PK\x03\x04", b"",
                                        b"MZ\x90\x00", draw(st.binary(max_size=200))]))
        return (io.BytesIO(content), draw(st.one_of(st.sampled_from(
            ["doc.pdf", "x.html", "a.exe", "", "..\\..\\x.pdf"]), values)))
    if kind == "date" and draw(st.booleans()):
        return draw(st.dates()).isoformat()
    if kind == "number" and draw(st.booleans()):
        return draw(numbers)
    if default and not draw(st.integers(0, 3)):
        return default
    return draw(values)


# The world the forms are found in ----------------------------------------------------------

@pytest.fixture
def fuzz_app(make_app):
    # Exports and the API are fuzzed too, not only their rate limit's 429.
    return make_app(EXPORT_RATE_LIMIT="100000 per minute", API_RATE_LIMIT="100000 per minute")


@pytest.fixture
def world(fuzz_app, people):
    """Somebody in every position a form appears in: an application assessed and waiting
    for a decision, one under audit with a finding, a firm with a draft and a pending join
    request, a certified firm with a suspension under appeal, a firm-less applicant, and one
    user per role."""
    app = fuzz_app
    assessed(app, people, "L2")
    with app.app_context():
        drafter, outsider, audited_owner = (factories.make_user("applicant") for _ in "abc")
        firm = factories.make_firm(owner=drafter, name="Bozza S.r.l.")
        factories.make_application(firm, drafter)
        db.session.add(MembershipRequest(firm_id=firm.id, kind="join", user_id=outsider.id,
                                         email=outsider.email, created_by_id=outsider.id))
        audited = factories.make_application(
            factories.make_firm(owner=audited_owner, name="In Verifica S.r.l."),
            audited_owner, complete=True, state="submitted")
        row = rows.certified_firm("Certificata S.r.l.", region="Lazio")
        rows.change_status(row, "suspended", public_reason="Verifica in corso")
        holder = db.session.get(Firm, row.firm_id).owner_id
        suspension = db.session.scalar(db.select(StatusChange.id).where(
            StatusChange.status == "suspended"))
        ids = {"drafter": drafter.id, "audited_owner": audited_owner.id,
               "audited": audited.id, "holder": holder}
        staff = {role: factories.make_user(role).id for role in factories.ROLES}
    # The audit of the second application: assigned, declared, one non-conformity found.
    assert client_for(app, people["admin"]).post(
        f"/admin/applications/{ids['audited']}",
        data={"auditor_id": people["auditor2"], "role": "lead"}).status_code == 302
    auditor = client_for(app, people["auditor2"])
    assert auditor.post(f"/audit/applications/{ids['audited']}/declaration",
                        data={"decl-confirm": "y", "decl-submit": "1"}).status_code == 302
    assert auditor.post(f"/audit/applications/{ids['audited']}/criteria/LEG-01",
                        data={"fd-kind": "major_nc", "fd-text": "Manca il DVR",
                              "fd-due_on": "2030-01-31", "fd-submit": "1"}).status_code == 302
    client_for(app, ids["holder"]).post(
        f"/manage/certificates/{row.number}/changes/{suspension}/appeal",
        data={"apl-text": "La sospensione non è motivata", "apl-submit": "1"})
    identities = {"anonymous": None, "owner": people["owner"], "auditor": people["auditor"],
                  "auditor2": people["auditor2"], "officer": people["officer"],
                  "officer2": people["officer2"], "admin": people["admin"],
                  "drafter": ids["drafter"], "audited_owner": ids["audited_owner"],
                  "holder": ids["holder"], **staff}
    return {"identities": identities, "number": row.number, "firm": row.firm_id,
            "application": people["application"]}


def as_person(client, user_id):
    """The client logged in as `user_id` again (a form may have changed the session)."""
    if user_id is None:
        with client.session_transaction() as session:
            session.clear()
    else:
        log_in(client, user_id)
    return client


# The tests ----------------------------------------------------------------------------------

SWEPT_IDS = ["0", "2147483647", "2147483648", "9" * 25, "-1"]
SWEPT_TEXTS = ["%00", "%FF", "%0A", "a" * 300, "BB-2026-00001"]  # raw in the path
SWEPT_VALUES = ["\x00", "9" * 25, "-1", "Atlantide", "\n"]


def fill(rule, draw_value) -> str:
    """The rule's path with each variable replaced by draw_value(name, converter)."""
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>",
                  lambda m: draw_value(m.group(1), rule._converters[m.group(1)]), rule.rule)


def test_every_route_with_each_hostile_value(fuzz_app, fuzz_tally):
    """Not generated but swept, so every route meets each of them on every run: hostile path
    values on every GET route; each known parameter with hostile values on the public pages."""
    client = fuzz_app.test_client()
    tally = Tally(fuzz_tally)
    rules = [rule for rule in fuzz_app.url_map.iter_rules()
             if rule.endpoint != "static" and "GET" in rule.methods]
    public = []
    for rule in rules:
        for index in range(len(SWEPT_IDS)):
            path = fill(rule, lambda _name, converter, i=index: (
                SWEPT_IDS if type(converter).__name__ == "IdConverter" else SWEPT_TEXTS)[i])
            response = client.get(path)
            tally.check(response, f"GET {path}")
        plain = fill(rule, lambda _name, _converter: "1")
        if client.get(plain).status_code == 200:
            public.append(plain)
    for path in public:
        for name in PARAMETERS:
            for value in SWEPT_VALUES:
                response = client.get(path, query_string={name: value})
                tally.check(response, f"GET {path}?{name}={value!r}")
    assert not tally.failures, "\n".join(tally.failures[:30])


def test_every_route_answers_below_500_with_well_formed_bodies(fuzz_app, world, fuzz_tally):
    app = fuzz_app
    tally = Tally(fuzz_tally)
    rules = [rule for rule in app.url_map.iter_rules()
             if rule.endpoint != "static" and "GET" in rule.methods]
    known = {"number": world["number"], "firm_id": world["firm"], "code": "LEG-01",
             "application_id": world["application"], "kind": "csv"}
    people = list(world["identities"].items())
    client = app.test_client()

    @fuzz_settings(ROUTE_EXAMPLES)
    @given(st.data())
    def request_a_route(data):
        rule = data.draw(st.sampled_from(rules))
        who, user_id = data.draw(st.sampled_from(people)) if data.draw(st.booleans()) \
            else ("anonymous", None)
        as_person(client, user_id)
        values = value_pool(data.draw)
        path_values = {}
        for name, converter in rule._converters.items():
            if type(converter).__name__ == "IdConverter":
                value = data.draw(st.one_of(ids, st.just(known.get(name, 1))))
            elif type(converter).__name__ == "AnyConverter":
                value = data.draw(st.sampled_from([*converter.items, "x"]))
            else:
                value = data.draw(st.one_of(values, st.just(str(known.get(name, "x")))))
            path_values[name] = quote(str(value), safe="")
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: path_values[m.group(1)], rule.rule)
        query = data.draw(query_strings(values))
        response = client.get(path, query_string=query)
        tally.check(response, f"GET {path}?{query} as {who}")

    request_a_route()
    assert not tally.failures, "\n".join(tally.failures[:30])


def test_every_form_answers_below_500(fuzz_app, world, fuzz_tally):
    app = fuzz_app
    tally = Tally(fuzz_tally)
    client = app.test_client()
    found = {}  # a form by its shape, with the first person who met it
    for who, user_id in world["identities"].items():
        as_person(client, user_id)
        seeds = ["/", "/dashboard", "/account/signup", "/account/reset", "/firm/new",
                 "/firm/members", "/firm/changes", "/firm/changes/new",
                 f"/manage/certificates/{world['number']}", "/officer", "/audit",
                 "/admin/applications", "/admin/users/new", "/admin/schemes"]
        for form in crawl(client, tally, seeds):
            found.setdefault(form.key(), (who, user_id, form))
    forms = list(found.values())
    kinds = {form.key()[0] for _w, _u, form in forms}
    if os.environ.get("FUZZ_LIST_FORMS"):
        print(*sorted({(w, f.key()[0]) for w, _u, f in forms}), sep="\n")
    # The forms every role's pages must have shown, so a broken crawl cannot pass quietly.
    for expected in ("/account/login", "/firm/edit", "/officer/applications/N",
                     "/admin/users/new", f"/manage/certificates/{world['number']}",
                     "/applications/N/criteria/LEG-N"):
        assert re.sub(r"\d+", "N", expected) in kinds, (expected, sorted(kinds))

    @fuzz_settings(FORM_EXAMPLES)
    @given(st.data())
    def submit_a_form(data):
        who, user_id, form = data.draw(st.sampled_from(forms))
        as_person(client, user_id)
        values = value_pool(data.draw)
        payload = {}
        for name, kind, default, options in form.fields:
            value = field_value(data.draw, values, kind, default, options)
            if value is not None:
                payload[name] = value
        if form.submits:
            name, value = data.draw(st.sampled_from(form.submits))
            payload[name] = value
        response = client.post(form.action, data=payload)  # multipart when a file is in
        shown = {k: (v if not isinstance(v, tuple) else f"<file {v[1]!r}>")
                 for k, v in payload.items()}
        tally.check(response, f"POST {form.action} as {who} {shown!r:.300}")

    submit_a_form()
    assert not tally.failures, "\n".join(tally.failures[:30])
