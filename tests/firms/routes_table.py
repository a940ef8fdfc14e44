"""Expected status codes for the firm routes, by who asks (see tests/test_permissions.py).

Every /firm route is for applicants: anonymous visitors go to the login page (302), other
roles get 403. The applicant of the `users` fixture has no firm: /firm/new is their page
(200) and every page of an existing firm sends them there (302), whatever the id, so the
ids of another firm's objects reveal nothing. Firm members reaching another firm's ids get
404: tests/firms/test_profile.py and test_membership.py.
"""

from registry.extensions import db
from registry.firms.models import MembershipRequest
from tests import factories
from tests.factories import ROLES

ANON = "anonymous"


def applicant_only(code: int) -> dict:
    """Anonymous → login redirect, applicant → `code`, every other role → 403."""
    return {ANON: 302, **{role: (code if role == "applicant" else 403) for role in ROLES}}


# endpoint: (method, path template, expected codes by who)
FIRM_ROUTES: dict = {
    "firms.profile": ("GET", "/firm", applicant_only(302)),
    "firms.new": ("GET", "/firm/new", applicant_only(200)),
    "firms.edit": ("GET", "/firm/edit", applicant_only(302)),
    "firms.join": ("POST", "/firm/join", applicant_only(302)),
    "firms.new_site": ("GET", "/firm/sites/new", applicant_only(302)),
    "firms.edit_site": ("GET", "/firm/sites/{firm_site}/edit", applicant_only(302)),
    "firms.close_site": ("POST", "/firm/sites/{firm_site}/close", applicant_only(302)),
    "firms.numbers": ("GET", "/firm/numbers", applicant_only(302)),
    "firms.declare_number": ("POST", "/firm/numbers", applicant_only(302)),
    "firms.end_number": ("POST", "/firm/numbers/1/end", applicant_only(302)),
    "firms.members": ("GET", "/firm/members", applicant_only(302)),
    "firms.invite": ("POST", "/firm/members/invite", applicant_only(302)),
    "firms.decide_request": ("POST", "/firm/members/requests/{firm_request}/accept",
                             applicant_only(302)),
    "firms.cancel_invitation": ("POST", "/firm/members/invitations/{firm_invitation}/cancel",
                                applicant_only(302)),
    "firms.remove_member": ("POST", "/firm/members/{firm_member}/remove",
                            applicant_only(302)),
    "firms.invitation": ("GET", "/firm/invitations/bad-token", applicant_only(302)),
    "firms.request_change": ("GET", "/firm/changes/new", applicant_only(302)),
    # officers see the queue; an applicant without a firm sees an empty list
    "firms.changes_index": ("GET", "/firm/changes",
                            {**applicant_only(200), "officer": 200}),
    # a request that does not exist, or of another firm: 404 for everyone who may look
    "firms.change": ("GET", "/firm/changes/999",
                     {ANON: 302, **{r: (404 if r in ("applicant", "officer", "ministry",
                                                     "admin") else 403) for r in ROLES}}),
    "firms.change_evidence": ("GET", "/firm/changes/999/evidence",
                              {ANON: 302, **{r: (404 if r in ("applicant", "officer",
                                                              "ministry", "admin") else 403)
                                             for r in ROLES}}),
}


def firm_route_objects(app) -> dict:
    """Another firm with a site, a member, a pending join request and a pending invitation:
    the ids FIRM_ROUTES' paths name."""

    with app.app_context():
        owner = factories.make_user("applicant")
        firm = factories.make_firm(owner=owner)
        member = factories.make_user("applicant", firm_id=firm.id)
        outsider = factories.make_user("applicant")
        site = factories.make_site(firm)
        join = MembershipRequest(firm_id=firm.id, kind="join", user_id=outsider.id,
                                 email=outsider.email, created_by_id=outsider.id)
        invite = MembershipRequest(firm_id=firm.id, kind="invite", email="nuovo@example.it",
                                   created_by_id=owner.id)
        db.session.add_all([join, invite])
        db.session.commit()
        return {"firm_site": site.id, "firm_request": join.id, "firm_invitation": invite.id,
                "firm_member": member.id}
