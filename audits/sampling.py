"""How many operating sites an audit visits (domain.md §3.3, source S32).

IAF MD 1 (audit and certification of multi-site organisations) sets the minimum sample
as a square root of the number of sites: √n at the initial audit, 0.6·√n at surveillance
and 0.8·√n at recertification, rounded up to the next whole number; at least a quarter of
the sample is chosen at random. Standard library only.

The roots are computed in integers, so a sample is never one site off through
floating-point error at a perfect square (0.6·√25 is exactly 3).
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from math import isqrt

# IAF MD 1 multipliers of √n, by audit type.
FACTORS: dict[str, Fraction] = {
    "initial": Fraction(1),
    "surveillance": Fraction(3, 5),
    "recertification": Fraction(4, 5),
}


def _ceil_sqrt(value: int) -> int:
    """The smallest whole number whose square is at least `value`."""
    root = isqrt(value)
    return root if root * root == value else root + 1


def sample_size(site_count: int, audit_type: str) -> int:
    """Minimum number of operating sites to visit, after IAF MD 1.

    √n (initial), 0.6·√n (surveillance) or 0.8·√n (recertification), rounded up; at least
    1 when the firm has any site and never more than it has. Sites that must be visited
    anyway (new since the last audit, extra-EU) come on top of the rule, chosen by people.
    Raises ValueError for a negative count or an unknown audit type.
    """
    if isinstance(site_count, bool) or not isinstance(site_count, int) or site_count < 0:
        raise ValueError(f"site_count must be a whole number of at least 0, not {site_count!r}")
    if audit_type not in FACTORS:
        raise ValueError(f"unknown audit type {audit_type!r}; expected one of "
                         f"{', '.join(FACTORS)}")
    if site_count == 0:
        return 0
    factor = FACTORS[audit_type]
    # k >= (p/q)·√n  ⇔  q·k >= √(p²·n)  ⇔  q·k >= ⌈√(p²·n)⌉, all in integers.
    root = _ceil_sqrt(factor.numerator ** 2 * site_count)
    size = -(-root // factor.denominator)
    return min(site_count, max(1, size))


def random_minimum(sample: int) -> int:
    """How many sites of a sample must be picked at random: a quarter, rounded up (IAF MD 1).

    The rest may be chosen on risk (complaints, size, results of earlier audits).
    """
    if isinstance(sample, bool) or not isinstance(sample, int) or sample < 0:
        raise ValueError(f"sample must be a whole number of at least 0, not {sample!r}")
    return -(-sample // 4)


def surveillance_criteria(codes: Sequence[str], knockouts: Sequence[str], visit: int,
                          visits: int = 2) -> list[str]:
    """The criteria a surveillance audit re-scores (domain.md §3.3): every knock-out
    criterion, plus at least half of the others, rotating over the `visits` surveillance
    audits of a cycle so that each criterion is re-scored within it.

    `visit` counts from 0. The other criteria, in the order given, are covered by windows of
    at least half their number (and at least 1/visits of them) that slide from the first to
    the last, so the windows of a cycle together cover them all. Returns codes in the order
    of `codes`.
    """
    if visits < 1 or not 0 <= visit < visits:
        raise ValueError(f"visit must be between 0 and {visits - 1}, not {visit!r}")
    others = [code for code in codes if code not in set(knockouts)]
    n = len(others)
    size = max(-(-n // 2), -(-n // visits)) if n else 0
    start = 0 if visits == 1 else round(visit * (n - size) / (visits - 1))
    chosen = set(knockouts) | set(others[start:start + size])
    return [code for code in codes if code in chosen]
