"""What follows a positive decision in the same transaction: the certificate is issued."""

from __future__ import annotations


def after_decision(decision, level: str | None = None, actor=None) -> None:
    """Issue the certificate for a 'certify' decision or an overturned refusal. Anything
    raised here rolls the decision back too."""
    from registry.certificates.issuance import issue_certificate
    from registry.certificates.lifecycle import change_status
    from registry.certificates.lookup import find
    from registry.certificates.revisions import reissue_after_surveillance

    level = level or decision.level
    actor = actor or decision.officer
    application = decision.application
    if application.kind == "surveillance":
        if level:
            reissue_after_surveillance(application.certificate_number, level, decision, actor)
        else:
            certificate = find(application.certificate_number)
            if certificate is not None and certificate.status == "valid":
                change_status(certificate, "suspend", None,
                              public_reason="Audit di sorveglianza con esito negativo",
                              internal_reason=decision.reason or "")
        return
    if level:
        issue_certificate(decision, level, actor)
