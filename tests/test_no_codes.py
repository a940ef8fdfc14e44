"""No internal code reaches a person: the pages people read, in Italian and English, the
emails the services send and a freshly issued certificate's PDF show words, not the stored
codes (`suspended`, `L2`, `initial`, `major_nc`, …).

One file goes through the whole workflow (application, audit, decision, certificate,
suspension, withdrawal); at each step the pages its people read are rendered and their
visible text (tags, attributes, scripts and styles stripped; what a screen reader reads in
`aria-label`, `alt` and `title` kept) is searched for codes as whole tokens.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from email import message_from_bytes
from email.policy import default
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import template_rendered
from werkzeug.exceptions import HTTPException

from registry.accounts.models import User
from registry.applications.models import Application
from registry.applications.workflow import ApplicationState
from registry.certificates import lifecycle, reminders
from registry.certificates.models import Certificate, Receipt
from registry.certificates.status import CertificateStatus
from registry.complaints.models import Complaint, ComplaintEvent
from registry.complaints.workflow import ComplaintAction
from registry.decisions.models import Appeal
from registry.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET, demo_logins, load_demo_data
from registry.extensions import db
from registry.firms.models import Firm, Site
from registry.watching.models import EmailFollow
from registry.watching.outbox import unsubscribe_link
from tests import factories
from tests.steps import (
    assign,
    audit_details,
    client_for,
    log_in_with_password,
    open_file,
    score_all,
    scores_for,
    totp,
)

# Codes that are no word of Italian prose: none may show in an Italian text.
ITALIAN_CODES = ("valid", "suspended", "withdrawn", "expired", "renounced", "superseded",
                 "initial", "surveillance", "certified", "submitted", "assessed", "draft",
                 "refused", "certify", "refuse", "upheld", "overturned", "lead")
# Codes that cannot be English prose either: none may show in any text.
ANY_LANGUAGE = re.compile(r"(?<![\w./:-])(?:L[1-9]|[a-z]+_[a-z_]+)(?![\w-])")
URL = re.compile(r"(?:https?://|/)\S+")
TEMPLATES = Path(__file__).parent.parent / "templates"


class VisibleText(HTMLParser):
    """The text a person reads (or hears) on a page."""

    # Code shown as code (<code>, <pre>, …) is for the programs' writers: the API and
    # open-data pages name the fields and values a program reads, on purpose.
    SKIP = {"script", "style", "template", "head", "code", "pre", "kbd", "samp"}
    SPOKEN = ("aria-label", "alt", "title", "placeholder")

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skipping += 1
        for name, value in attrs:
            if name in self.SPOKEN and value:
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in self.SKIP and self.skipping:
            self.skipping -= 1

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def visible(html: str) -> str:
    parser = VisibleText()
    parser.feed(html)
    return " ".join(parser.parts)


def codes_in(text: str, lang: str) -> set[str]:
    text = URL.sub(" ", text)
    found = set(ANY_LANGUAGE.findall(text))
    if lang == "it":
        found |= {code for code in ITALIAN_CODES
                  if re.search(rf"(?<![\w.-]){code}(?![\w-])", text)}
    return found


def around(text: str, codes: set[str]) -> list[str]:
    """Where the codes are, for the failure message."""
    return [" ".join(text[max(0, m.start() - 80):m.end() + 40].split())
            for code in sorted(codes) for m in re.finditer(re.escape(code), text)][:6]


def assert_no_codes(client, path: str, where: dict):
    for lang in ("it", "en"):
        response = client.get(f"{path}{'&' if '?' in path else '?'}lang={lang}")
        assert response.status_code == (404 if "99999" in path else 200), (path, response)
        text = visible(response.get_data(as_text=True))
        found = codes_in(text, lang)
        assert not found, f"{path} ({lang}) shows codes {sorted(found)}: {around(text, found)}"
        where[f"{path} {lang}"] = True


def test_a_whole_certification_shows_words_not_codes(app, people):
    seen: dict[str, bool] = {}
    application = people["application"]
    with app.app_context():
        ministry = factories.make_user("ministry", email="ministry@registry.it").id
    owner, auditor_c = client_for(app, people["owner"]), None
    officer, admin = client_for(app, people["officer"]), client_for(app, people["admin"])
    anonymous = app.test_client()

    assert_no_codes(owner, f"/applications/{application}", seen)
    assert assign(app, people).status_code == 302
    auditor_c = open_file(app, people)
    assert_no_codes(auditor_c, f"/audit/applications/{application}", seen)
    score_all(auditor_c, application, scores_for("L2"))
    audit_details(app, auditor_c, application)
    assert auditor_c.post(f"/audit/applications/{application}/submit").status_code == 302
    assert_no_codes(officer, f"/officer/applications/{application}", seen)
    assert officer.post(f"/officer/applications/{application}",
                        data={"dec-outcome": "certify"}).status_code == 302

    with app.app_context():
        certificate = db.session.scalar(db.select(Certificate))
        number, firm_id = certificate.number, certificate.firm_id
    for path in ("/register", "/register?level=L2&status=valid", f"/register/{firm_id}",
                 f"/v/{number}", "/v/BB-2099-99999", "/"):
        assert_no_codes(anonymous, path, seen)
    for client, paths in (
            (owner, ["/dashboard", f"/applications/{application}", "/manage/certificates"]),
            (auditor_c, ["/dashboard", f"/audit/applications/{application}"]),
            (officer, ["/dashboard", f"/officer/applications/{application}",
                       f"/manage/certificates/{number}", "/manage/certificates"]),
            (admin, ["/dashboard", f"/manage/certificates/{number}"]),
            (client_for(app, ministry), ["/dashboard", "/ministry", "/ministry?level=L2"])):
        for path in paths:
            assert_no_codes(client, path, seen)

    pdf = anonymous.get(f"/certificates/{number}.pdf")
    assert pdf.status_code == 200
    text = pdf_text(pdf.data)
    assert "Bollino Blu" in text
    found = set(ANY_LANGUAGE.findall(URL.sub(" ", text)))
    assert not found, f"the certificate's PDF shows codes {sorted(found)}"

    with app.app_context():  # the reminders due before expiry (surveillance, renewal)
        due = db.session.scalar(db.select(Certificate)).valid_until
        assert reminders.send_reminders(due) >= 1
        db.session.commit()

    for action, verdict_path in (("suspend", f"/v/{number}"), ("withdraw", f"/v/{number}")):
        with app.app_context():
            lifecycle.change_status(db.session.scalar(db.select(Certificate)), action,
                                    db.session.get(User, people["officer"]),
                                    public_reason="Verifica straordinaria")
            db.session.commit()
        assert_no_codes(anonymous, verdict_path, seen)
        assert_no_codes(anonymous, f"/register/{firm_id}", seen)
        assert_no_codes(officer, f"/manage/certificates/{number}", seen)

    emails = sorted(Path(app.config["OUTBOX_FOLDER"]).glob("*.eml"))
    subjects = []
    for path in emails:
        message = message_from_bytes(path.read_bytes(), policy=default)
        subjects.append(message["Subject"])
        text = f"{message['Subject']}\n{message.get_body(('plain',)).get_content()}"
        found = codes_in(text, "it")
        assert not found, f"email «{message['Subject']}» shows codes {sorted(found)}"
    # The emails of this file: the decision, a reminder, the suspension, the withdrawal.
    assert any("sospeso" in subject.casefold() for subject in subjects), subjects
    assert len(seen) >= 26 and len(emails) >= 4, (len(seen), subjects)


def pdf_text(data: bytes) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) reads the PDF's text")
    # Read from stdin: the app's instance folder is the checkout's own `instance/`.
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=data,
                          capture_output=True, check=True).stdout.decode()


@pytest.mark.parametrize(("text", "lang", "codes"), [
    ("Stato registrato: valid · Verifica oggi: suspended", "it", {"valid", "suspended"}),
    ("Certificato BB-2026-00001: suspended", "it", {"suspended"}),
    ("Bollino Blu (L2)", "en", {"L2"}),
    ("Campione proposto (initial): 1 sedi", "it", {"initial"}),
    ("Rilievo major_nc su LEG-01", "en", {"major_nc"}),
    ("The certificate is valid and suspended", "en", set()),
    ("Stato: valido · Bollino Blu ★★ · LEG-01 · https://x.it/a_b?lang=it", "it", set()),
])
def test_the_search_finds_codes_and_only_codes(text, lang, codes):
    assert codes_in(text, lang) == codes


DOWNLOAD = re.compile(r"\.(csv|xlsx|json|jsonld|pdf|svg|png|gz|atom|jws)$")
NOT_FOLLOWED = ("/static", "/lang", "/account/logout")


def in_language(path: str, lang: str) -> str:
    return f"{path}{'&' if '?' in path else '?'}lang={lang}"


def check_words(response, lang: str, where: str, failures: dict) -> str:
    """The response's HTML; the codes its visible text shows, if any, go in `failures`."""
    html = response.get_data(as_text=True)
    text = visible(html)
    if found := codes_in(text, lang):
        failures[f"{where} ({lang})"] = around(text, found)
    return html


def crawl_for_codes(client, start: str, adapter, seen_endpoints: set, failures: dict,
                    who: str) -> int:
    """Every page `client` reaches from `start`, one page per endpoint, read in Italian and
    in English; codes found are added to `failures`. Returns the pages read."""
    queue, read = [start], 0
    while queue:
        path = queue.pop(0)
        try:
            endpoint = adapter.match(path.split("?")[0], method="GET")[0]
        except HTTPException:
            continue
        if endpoint in seen_endpoints:
            continue
        seen_endpoints.add(endpoint)
        links = []
        for lang in ("it", "en"):
            response = client.get(in_language(path, lang))
            assert response.status_code in (200, 302), (who, path, response.status_code)
            if response.status_code != 200 or "html" not in response.content_type:
                break
            html = check_words(response, lang, f"{who} {path}", failures)
            read += 1
            if lang == "it":
                links = re.findall(r'href="(/[^"#]*)"', html)
        queue.extend(link.replace("&amp;", "&") for link in links
                     if not link.startswith(NOT_FOLLOWED) and "/export." not in link
                     and not DOWNLOAD.search(link.split("?")[0]))
    return read


def test_every_page_and_template_shows_words_not_codes(app):
    """Over the demo data (a firm in every state, one user per role), every page each demo
    user and an anonymous visitor can reach, in Italian and English, shows no code; and
    between the crawl and the forms' answers below, every template is rendered."""
    rendered: set[str] = set()

    def record(_sender, template, context, **_extra):
        if template.name:  # not a template made from a string
            rendered.add(template.name)

    template_rendered.connect(record, app)
    with app.app_context():
        assert load_demo_data() is True
        db.session.commit()
    adapter = app.url_map.bind("localhost")
    failures: dict[str, list[str]] = {}
    pages = {}
    for email, _roles in [*demo_logins(), ("anonymous", ())]:
        client = app.test_client()
        if email != "anonymous":
            response = log_in_with_password(client, email, DEMO_PASSWORD, DEMO_TOTP_SECRET)
            assert response.status_code == 302, email
        pages[email] = crawl_for_codes(client, "/dashboard" if email != "anonymous" else "/",
                                       adapter, set(), failures, email)
    reached_by_forms(app, failures)
    template_rendered.disconnect(record, app)
    mails = sorted(Path(app.config["OUTBOX_FOLDER"]).glob("*.eml"))
    for mail in mails:  # what the demo and the steps above sent, each in its language
        message = message_from_bytes(mail.read_bytes(), policy=default)
        lang = message["Content-Language"]
        assert lang in ("it", "en"), (message["Subject"], lang)
        for part in ("plain", "html"):
            body = message.get_body((part,))
            if body is None:  # a plain-text message
                continue
            text = body.get_content() if part == "plain" else visible(body.get_content())
            text = f"{message['Subject']}\n{text}"
            if found := codes_in(text, lang):
                failures[f"email «{message['Subject']}» ({part})"] = around(text, found)
    assert not failures, "\n".join(f"{where}: {shown}" for where, shown in failures.items())
    assert min(pages.values()) >= 20 and len(mails) >= 100, (pages, len(mails))
    templates = {str(p.relative_to(TEMPLATES)) for p in TEMPLATES.rglob("*.html")}
    missing = sorted(templates - with_parts(rendered))
    assert not missing, "\n".join(missing)


PART = re.compile(r"""{%-?\s*(?:include|import|from|extends)\s+["']([^"']+)["']""")


def with_parts(rendered: set[str]) -> set[str]:
    """The templates rendered and every template they include, import or extend (a part is
    rendered inside its page: Flask signals only the page)."""
    found, queue = set(), list(rendered)
    while queue:
        name = queue.pop()
        if name not in found and (TEMPLATES / name).exists():
            found.add(name)
            queue.extend(PART.findall((TEMPLATES / name).read_text()))
    return found


def reached_by_forms(app, failures: dict) -> None:
    """The pages no link leads to: the answers to forms, the pages a link in an email opens,
    the error page. Each is read in Italian and in English."""

    def read(client, path, status=200, data=None, who="anonymous"):
        html = ""
        for lang in ("it", "en"):
            response = client.open(in_language(path, lang), method="POST" if data else "GET",
                                   data=data)
            assert response.status_code == status, (who, path, lang, response.status_code)
            html = check_words(response, lang, f"{who} {path}", failures)
        return html

    def mailed_link(path_part: str) -> str:
        for mail in sorted(Path(app.config["OUTBOX_FOLDER"]).glob("*.eml"), reverse=True):
            message = message_from_bytes(mail.read_bytes(), policy=default)
            body = message.get_body(("plain",)).get_content()
            if match := re.search(rf"https?://[^/\s]+(\S*{path_part}\S+)", body):
                return match.group(1)
        raise AssertionError(f"no email links to {path_part}")

    with app.app_context():
        firm = db.session.scalar(db.select(Certificate.firm_id).where(
            Certificate.status == CertificateStatus.VALID))
        receipt = db.session.scalar(db.select(Receipt.id))
        # A complaint its firm was asked to answer, and the firm's owner.
        complaint, owner = db.session.execute(db.select(Complaint.id, Firm.owner_id).join(
            Firm, Firm.id == Complaint.firm_id).join(ComplaintEvent).where(
            ComplaintEvent.action == ComplaintAction.ASK_FIRM)).first()
        site = db.session.scalar(db.select(Site.id).join(Firm).where(
            Firm.owner_id == owner, Site.closed_on.is_(None)))
        appeal, appeal_officer = db.session.execute(db.select(Appeal.id, Appeal.officer_id).where(
            Appeal.outcome.is_(None))).one()
        officer, other_officer = (db.session.scalar(db.select(User.id).where(
            User.email == f"{name}@demo.bollinoblu.it")) for name in ("officer", "officer2"))
        newcomer = factories.make_user("applicant", email="nuovo@example.it").id
        invited = factories.make_user("applicant", email="collega@example.it").id
        waiting = db.session.scalar(db.select(Application.id).where(
            Application.state == ApplicationState.SUBMITTED))
        auditor = db.session.scalar(db.select(User.id).where(
            User.email == "auditor2@demo.bollinoblu.it"))
        admin = db.session.scalar(db.select(User.id).where(
            User.email == "admin@demo.bollinoblu.it"))
        db.session.commit()

    anonymous = app.test_client()
    read(anonymous, "/register/999999", status=404)
    read(anonymous, f"/receipts/{receipt}")
    read(anonymous, "/verify/bulk", data={"items": "BB-2026-00001\n12345678901\nx"})
    read(anonymous, f"/register/{firm}/report", data={
        "called_at": "2026-11-20T10:30", "calling_number": "06 1234567",
        "text": "Mi hanno chiamato tre volte in un'ora per vendermi un contratto."})
    receipt_page = read(anonymous, f"/register/{firm}/report/worker", data={
        "text": "Straordinari non pagati da tre mesi nella sede di Roma."})
    code = re.search(r"[A-Z0-9]{4}(?:-[A-Z0-9]{4}){2,}", visible(receipt_page)).group(0)
    read(anonymous, f"/register/{firm}/report/follow", data={"code": code})
    assert anonymous.post("/account/reset", data={
        "email": "applicant@demo.bollinoblu.it"}).status_code == 302
    read(anonymous, mailed_link("/account/reset/"))
    read(anonymous, f"/register/{firm}/watch", data={"email": "segue@example.it"})
    read(anonymous, mailed_link("/watch/confirm/"))
    with app.test_request_context():  # the link every message to a follower carries
        follow = db.session.scalar(db.select(EmailFollow).where(
            EmailFollow.email == "segue@example.it"))
        unsubscribe = urlsplit(unsubscribe_link(follow)).path
    read(anonymous, unsubscribe)
    shutil.rmtree(app.config["OPENDATA_FOLDER"], ignore_errors=True)
    read(anonymous, "/opendata/dump.csv.gz", status=404)

    staff = app.test_client()  # a password accepted, the second step waiting
    assert staff.post("/account/login", data={"email": "officer@demo.bollinoblu.it",
                                              "password": DEMO_PASSWORD}).status_code == 302
    read(staff, "/account/login/code", who="officer")
    for lang, user in (("it", officer), ("en", auditor)):  # a fresh code for each
        response = client_for(app, user).post(in_language(
            "/account/two-factor/recovery-codes", lang),
            data={"rc-code": totp(DEMO_TOTP_SECRET, steps_ahead=1)})
        assert response.status_code == 200, (lang, response.status_code)
        check_words(response, lang, "/account/two-factor/recovery-codes", failures)

    owner_client = client_for(app, owner)
    if owner_client.get(f"/firm/sites/{site}/close").status_code == 200:  # locked identity
        read(owner_client, f"/firm/sites/{site}/close", who="owner")
    read(owner_client, "/firm/changes/new", who="owner")
    read(owner_client, f"/firm/complaints/{complaint}", who="owner")
    owner_client.post("/firm/members/invite", data={"email": "collega@example.it"})
    read(client_for(app, invited), mailed_link("/firm/invitations/"), who="invited")
    read(client_for(app, newcomer), "/firm/new", who="newcomer")

    admin_client = client_for(app, admin)
    admin_client.post(f"/admin/applications/{waiting}", data={"auditor_id": auditor,
                                                               "role": "lead"})
    read(client_for(app, auditor), f"/audit/applications/{waiting}/declaration",
         who="auditor")
    if appeal_officer is None:
        # The officer who did not decide the file (the other may not hear its appeal).
        appeal_officer = next(o for o in (officer, other_officer) if admin_client.post(
            f"/admin/applications/appeals/{appeal}", data={"officer_id": o}).status_code == 302)
    read(client_for(app, appeal_officer), f"/officer/appeals/{appeal}", who="officer")
