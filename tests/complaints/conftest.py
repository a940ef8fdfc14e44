"""A listed firm with a member, two officers and a ministry user, for complaint tests."""

import pytest

from registry.extensions import db
from registry.firms.models import Firm
from tests import factories, rows


def cast(app) -> dict:
    with app.app_context():
        row = rows.certified_firm("Chiamate Moleste S.r.l.")
        firm = db.session.get(Firm, row.firm_id)
        ids = {"firm": row.firm_id, "number": row.number, "member": firm.owner_id}
        for name, role in (("officer", "officer"), ("officer2", "officer"),
                           ("ministry", "ministry"), ("outsider", "applicant")):
            ids[name] = factories.make_user(role, email=f"{name}@registry.it").id
        db.session.commit()
        return ids


@pytest.fixture
def ids(app):
    return cast(app)
