"""Expected status codes for application, audit, officer and assignment routes.

Paths use ids from the `route_objects` fixture: {application} is a draft application of a
firm the `applicant` user in the `users` fixture does NOT belong to, so firm members of other
firms get 404 for it, never its content.
"""

from tests.factories import ROLES

ANON = "anonymous"


def codes(anonymous=302, default=403, **by_role):
    return {ANON: anonymous, **{r: by_role.get(r, default) for r in ROLES}}


APPLICATION_ROUTES = {
    "applications.index": ("GET", "/applications", codes(applicant=200)),
    "applications.start": ("POST", "/applications/new", codes(applicant=400)),
    # staff who oversee the register may read any application; other firms get 404
    "applications.detail": ("GET", "/applications/{application}",
                            codes(applicant=404, auditor=404, client=404, admin=200,
                                  officer=200, ministry=200)),
    "applications.criterion": ("GET", "/applications/{application}/criteria/LEG-01",
                               codes(applicant=404, auditor=404, client=404, admin=200,
                                     officer=200, ministry=200)),
    "applications.new_version": ("POST", "/applications/{application}/documents/1/versions",
                                 codes(applicant=404, auditor=404, client=404, admin=302,
                                       officer=302, ministry=302)),
    "applications.download": ("GET", "/applications/{application}/documents/999/versions/1",
                              codes(applicant=404, auditor=404, client=404, admin=404,
                                    officer=404, ministry=404)),
    "applications.submit": ("POST", "/applications/{application}/submit",
                            codes(applicant=404)),
    "applications.withdraw": ("POST", "/applications/{application}/withdraw",
                              codes(applicant=404)),
    "decisions.lodge_appeal": ("POST", "/applications/{application}/appeal",
                            codes(applicant=404)),
    "assessments.index": ("GET", "/audit", codes(auditor=200)),
    "assessments.declaration": ("GET", "/audit/applications/{application}/declaration",
                          codes(auditor=404)),
    "assessments.workspace": ("GET", "/audit/applications/{application}", codes(auditor=404)),
    "assessments.resume": ("POST", "/audit/applications/{application}/resume", codes(auditor=404)),
    "assessments.criterion": ("GET", "/audit/applications/{application}/criteria/LEG-01",
                        codes(auditor=404)),
    "assessments.details": ("POST", "/audit/applications/{application}/details",
                      codes(auditor=404)),
    "assessments.submit": ("POST", "/audit/applications/{application}/submit", codes(auditor=404)),
    "assessments.request_changes": ("POST", "/audit/applications/{application}/changes",
                              codes(auditor=404)),
    # the audit report exists once an assessment is submitted: a draft has none (404)
    "assessments.report": ("GET", "/applications/{application}/report", codes(default=404)),
    "assessments.report_pdf": ("GET", "/applications/{application}/report.pdf",
                               codes(default=404)),
    "assessments.plan": ("POST", "/applications/{application}/findings/1/plan",
                         codes(applicant=404)),
    "assessments.finding_evidence": ("GET",
                                     "/applications/{application}/findings/1/evidence",
                                     codes(default=404)),
    "assessments.close_finding": ("POST",
                                  "/audit/applications/{application}/findings/1/close",
                                  codes(auditor=404)),
    "decisions.lodge_status_appeal": ("POST",
                                      "/manage/certificates/BB-2020-00001/changes/1/appeal",
                                      codes(applicant=404)),
    "decisions.index": ("GET", "/officer", codes(officer=200)),
    # a draft has no assessment yet: nothing to decide
    "decisions.decide": ("GET", "/officer/applications/{application}", codes(officer=404)),
    "decisions.request_changes": ("POST", "/officer/applications/{application}/changes",
                                codes(officer=404)),
    "decisions.appeal": ("GET", "/officer/appeals/999", codes(officer=404)),
    "decisions.admin_queue": ("GET", "/admin/applications", codes(admin=200)),
    "assessments.assign": ("GET", "/admin/applications/{application}", codes(admin=200)),
    "decisions.assign_appeal": ("GET", "/admin/applications/appeals/999", codes(admin=404)),
    "admin.schemes": ("GET", "/admin/schemes", codes(admin=200)),
    "admin.scheme": ("GET", "/admin/schemes/{scheme}", codes(admin=200)),
}

PUBLIC = dict.fromkeys([ANON, *ROLES], 200)
NOT_FOUND = dict.fromkeys([ANON, *ROLES], 404)

APPLICATION_ROUTES.update({
    "public.verify": ("GET", "/v/BB-2020-00001", NOT_FOUND),
    "public.certificate_pdf": ("GET", "/certificates/BB-2020-00001.pdf", NOT_FOUND),
    "public.api_certificate": ("GET", "/api/v1/certificates/BB-2020-00001", NOT_FOUND),
    "public.api_keys": ("GET", "/api/v1/keys", PUBLIC),
})

APPLICATION_ROUTES.update({
    "certificates.index": ("GET", "/manage/certificates",
                           codes(officer=200, admin=200, ministry=200, applicant=200)),
    "certificates.transfer": ("POST", "/manage/certificates/BB-2020-00001/transfer",
                              codes(officer=404)),
    "certificates.qr_image": ("GET", "/manage/certificates/BB-2020-00001/qr.svg",
                              codes(officer=404, admin=404, ministry=404, applicant=404)),
    "certificates.manage": ("GET", "/manage/certificates/BB-2020-00001",
                            codes(officer=404, admin=404, ministry=404, applicant=404)),
})

APPLICATION_ROUTES["applications.start_surveillance"] = (
    "POST", "/manage/certificates/BB-2020-00001/surveillance",
    codes(officer=404, admin=404))

APPLICATION_ROUTES.update({
    "public.register_page": ("GET", "/register", PUBLIC),
    "public.firm": ("GET", "/register/999999", NOT_FOUND),
    "public.api_register": ("GET", "/api/v1/register", PUBLIC),
    "public.api_firm": ("GET", "/api/v1/register/999999", NOT_FOUND),
})

APPLICATION_ROUTES["public.export"] = ("GET", "/register/export.csv", PUBLIC)

APPLICATION_ROUTES.update({
    "public.openapi": ("GET", "/api/v1/openapi.json", PUBLIC),
    "public.status_feed": ("GET", "/feeds/status.atom", PUBLIC),
})

APPLICATION_ROUTES.update({
    # the scheme in force (route_objects' application loads it); unknown versions are 404
    "public.scheme_in_force": ("GET", "/scheme", PUBLIC),
    "public.scheme_version": ("GET", "/scheme/no-such-scheme/9.9", NOT_FOUND),
    "public.api_scheme": ("GET", "/api/v1/schemes/no-such-scheme/9.9", NOT_FOUND),
    "public.firm_badge": ("GET", "/register/999999/badge.svg", NOT_FOUND),
    "phone.lookup_page": ("GET", "/phone?n=0612345678", PUBLIC),
    "phone.api_lookup": ("GET", "/api/v1/phone/0612345678", PUBLIC),
})

APPLICATION_ROUTES["ministry.index"] = ("GET", "/ministry", codes(ministry=200))

# The bulk supplier check and verification receipts (public).
APPLICATION_ROUTES.update({
    "checks.bulk_check": ("GET", "/verify/bulk", PUBLIC),
    "checks.api_verify": ("POST", "/api/v1/verify", dict.fromkeys([ANON, *ROLES], 400)),
    "checks.verify_receipt_pdf": ("GET", "/v/BB-2020-00001/receipt.pdf", NOT_FOUND),
    "checks.api_receipt": ("GET", "/api/v1/certificates/BB-2020-00001/receipt", NOT_FOUND),
    "checks.receipt": ("GET", "/receipts/R-AAAAAAAAAAAAAAAAAAAAAAAA", NOT_FOUND),
    "checks.receipt_pdf": ("GET", "/receipts/R-AAAAAAAAAAAAAAAAAAAAAAAA/receipt.pdf", NOT_FOUND),
    "checks.receipt_jws": ("GET", "/receipts/R-AAAAAAAAAAAAAAAAAAAAAAAA/receipt.jws", NOT_FOUND),
    "checks.receipt_rows": ("GET", "/receipts/R-AAAAAAAAAAAAAAAAAAAAAAAA/rows.csv", NOT_FOUND),
})

# The legal pages every Italian public service has, and the API documentation (public).
APPLICATION_ROUTES.update({
    "core.accessibility": ("GET", "/accessibility", PUBLIC),
    "core.privacy": ("GET", "/privacy", PUBLIC),
    "core.legal_notes": ("GET", "/legal", PUBLIC),
    "core.contacts": ("GET", "/contacts", PUBLIC),
    "public.api_docs": ("GET", "/api", PUBLIC),
})
