"""Certificate numbers BB-<year>-<5 digits>: gap-free per year, never reused.

The yearly counter is incremented with one atomic UPDATE … RETURNING inside the issuing
transaction: concurrent issuers queue on the row lock, and a rolled-back issuance gives its
number back, so no gap appears.
"""

from __future__ import annotations

import re

from sqlalchemy import insert, update
from sqlalchemy.exc import IntegrityError

from registry.certificates.models import CertificateCounter
from registry.extensions import db

NUMBER_RE = re.compile(r"^BB-(\d{4})-(\d{5})$")


def format_number(year: int, sequence: int) -> str:
    """The printed form of a certificate number."""
    if not 1 <= sequence <= 99999:
        raise ValueError("sequence out of range for a 5-digit certificate number")
    return f"BB-{year:04d}-{sequence:05d}"


def is_number(text: str) -> bool:
    return bool(NUMBER_RE.match(text or ""))


def next_number(year: int) -> str:
    """Take the next number of `year` in the current transaction."""
    for _attempt in range(3):
        sequence = db.session.scalar(
            update(CertificateCounter).where(CertificateCounter.year == year)
            .values(last=CertificateCounter.last + 1).returning(CertificateCounter.last))
        if sequence is not None:
            return format_number(year, sequence)
        try:
            with db.session.begin_nested():
                db.session.execute(insert(CertificateCounter).values(year=year, last=1))
            return format_number(year, 1)
        except IntegrityError:
            continue  # another transaction created the year's counter first: increment it
    raise RuntimeError("could not allocate a certificate number")
