"""A change of the firm's printed data issues a new revision; the old one stays verifiable."""

import io

from werkzeug.datastructures import FileStorage

from registry.certificates.models import Certificate
from registry.extensions import db
from registry.firms.changes import decide_change, request_change
from tests import factories
from tests.factories import firm_values


def test_address_change_reissues_and_old_qr_still_verifies(app, client):
    with app.app_context():
        certificate = factories.make_certificate()
        number, old_token = certificate.number, certificate.token
        firm = certificate.firm
        owner = db.session.get(factories.User, firm.owner_id)
        data = {**firm.profile_dict(), "office_street": "Corso Italia 99"}
        # The firm has applied: its registered office changes on an approved request.
        change = request_change(firm, owner, _form_data(firm, data), "Trasferimento della sede",
                                FileStorage(io.BytesIO(factories.MINIMAL_PDF),
                                            filename="verbale.pdf"))
        decide_change(change, factories.make_user("officer"), True, "Visura verificata")
        db.session.commit()
        rows = db.session.scalars(db.select(Certificate).where(
            Certificate.number == number).order_by(Certificate.revision)).all()
        assert [(r.revision, r.status) for r in rows] == [(1, "superseded"), (2, "valid")]
        assert "Corso Italia 99" in rows[1].registered_office
        new_token = rows[1].token
    page = client.get(f"/v/{number}", query_string={"t": old_token}).get_data(as_text=True)
    marker = page.split("data-verdict=\"")[1].split("\"")[0]
    assert marker == "valid", marker
    # The token covers number, P.IVA, dates, scheme and level, none of which changed, so the
    # old PDF's QR and the new one carry the same token: the page shows the current revision
    # and the history line that explains it.
    assert "Revisione 2: dati dell&#39;azienda aggiornati" in page
    api = client.get(f"/api/v1/certificates/{number}", query_string={"t": new_token}).get_json()
    assert api["verdict"] == "valid" and api["revision"] == 2
    assert client.get(f"/certificates/{number}.pdf").status_code == 200


def _form_data(firm, profile: dict) -> dict:
    """The profile as the firm form submits it."""

    values = firm_values()
    values.update({k: v for k, v in profile.items() if k in values})
    values["vat_number"] = firm.vat_number
    return values
