"""What follows a positive decision in the same transaction: the certificate is issued."""

from __future__ import annotations


def after_decision(decision, level: str | None = None, actor=None) -> None:
    """Issue the certificate for a 'certify' decision or an overturned refusal. Anything
    raised here rolls the decision back too."""
    from registry.certificates.issuance import issue_certificate

    level = level or decision.level
    if level:
        issue_certificate(decision, level, actor or decision.officer)
