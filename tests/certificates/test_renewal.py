"""Renewal continuity: a recertification decided before expiry runs on from the day after
the old certificate ends, under a new number that names its predecessor; at no instant do
two certificates of one firm and scheme give the verdict valid — the service sees to it and
the database refuses it (on SQLite and PostgreSQL)."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.exc import IntegrityError

from registry.certificates import lookup
from registry.certificates.cycle import add_months, renewal_validity
from registry.certificates.models import Certificate
from registry.certificates.verdict import Verdict
from registry.db import today_in_rome
from registry.extensions import db
from registry.firms.models import Firm
from tests import factories

DAYS = st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2040, 12, 31))


@given(decided=DAYS, until=st.one_of(st.none(), DAYS), months=st.sampled_from([12, 36]))
def test_a_renewal_never_overlaps_and_never_leaves_a_gap(decided, until, months):
    starts, ends = renewal_validity(decided, months, until)
    assert ends == add_months(starts, months) - dt.timedelta(days=1)
    if until is not None and decided <= until:
        assert starts == until + dt.timedelta(days=1)  # runs on: no gap, no overlap
    else:
        assert starts == decided
    assert until is None or starts > until


def _certified_then_renewed(app):
    with app.app_context():
        owner = factories.make_user("applicant")
        firm = factories.make_firm(owner=owner)
        first = factories.certify(firm, owner, "L1")
        second = factories.certify(db.session.get(Firm, firm.id), owner, "L2", kind="renewal")
        return first.id, second.id, firm.id


def test_a_renewal_decided_before_expiry_runs_on(app, client, runner):
    first_id, second_id, firm_id = _certified_then_renewed(app)
    with app.app_context():
        first, second = db.session.get(Certificate, first_id), db.session.get(Certificate,
                                                                               second_id)
        assert second.number != first.number and second.predecessor_number == first.number
        assert second.valid_from == first.valid_until + dt.timedelta(days=1)
        assert db.session.get(Firm, firm_id).current_certificate_id == first.id
        today, switch = today_in_rome(), first.valid_until + dt.timedelta(days=1)
        # Today the old one is valid and the new one not yet; on any day, at most one valid.
        assert lookup.check(first.number).verdict == Verdict.VALID
        assert lookup.check(second.number).verdict == Verdict.NOT_YET_VALID
        for day in (today, first.valid_until, switch, second.valid_until):
            verdicts = [lookup.check(c.number, day=day).verdict for c in (first, second)]
            assert verdicts.count(Verdict.VALID) == 1, (day, verdicts)
        first_number, second_number = first.number, second.number
    body = client.get(f"/api/v1/certificates/{second_number}").get_json()
    assert body["predecessor"] == first_number and body["verdict"] == "not_yet_valid"
    # The day after the old one ends, the daily job records its expiry and the register
    # shows the renewal.
    result = runner.invoke(args=["jobs", "run", "--date", switch.isoformat()])
    assert result.exit_code == 0 and "expired: 1" in result.output, result.output
    with app.app_context():
        assert db.session.get(Firm, firm_id).current_certificate_id == second_id
        assert lookup.check(second_number, day=switch).verdict == Verdict.VALID


def test_the_database_refuses_two_valid_certificates_over_the_same_days(app):
    first_id, second_id, _firm_id = _certified_then_renewed(app)
    with app.app_context():
        second = db.session.get(Certificate, second_id)
        first = db.session.get(Certificate, first_id)
        second.valid_from = first.valid_until  # one day of overlap
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
        # A suspended one may overlap; reinstating it into an overlap is refused too.
        first = db.session.get(Certificate, first_id)
        copy = Certificate(**{column.key: getattr(first, column.key)
                              for column in Certificate.__table__.columns
                              if column.key not in ("id", "number", "created_at")},
                           number="BB-2000-00001")
        copy.status = "suspended"
        db.session.add(copy)
        db.session.flush()
        copy.status = "valid"
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
