"""What follows a positive decision in the same transaction (certificate issuance)."""

from __future__ import annotations


def after_decision(decision) -> None:
    """Issue the certificate for a 'certify' decision. Filled in by the certificates feature;
    anything raised here rolls the decision back too."""
    return None
