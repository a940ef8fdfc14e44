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

import pytest

from registry.accounts.models import User
from registry.certificates import lifecycle, reminders
from registry.certificates.models import Certificate
from registry.extensions import db
from tests import factories
from tests.steps import assign, audit_details, client_for, open_file, score_all, scores_for

# Codes that are no word of Italian prose: none may show in an Italian text.
ITALIAN_CODES = ("valid", "suspended", "withdrawn", "expired", "renounced", "superseded",
                 "initial", "surveillance", "certified", "submitted", "assessed", "draft",
                 "refused", "certify", "refuse", "upheld", "overturned", "lead")
# Codes that cannot be English prose either: none may show in any text.
ANY_LANGUAGE = re.compile(r"(?<![\w./:-])(?:L[1-9]|[a-z]+_[a-z_]+)(?![\w-])")
URL = re.compile(r"(?:https?://|/)\S+")


class VisibleText(HTMLParser):
    """The text a person reads (or hears) on a page."""

    SKIP = {"script", "style", "template", "head"}
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
    text = pdf_text(pdf.data, app)
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


def pdf_text(data: bytes, app) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) reads the PDF's text")
    path = Path(app.instance_path) / "no-codes.pdf"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout


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
