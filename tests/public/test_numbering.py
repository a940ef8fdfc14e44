"""Certificate numbers: format, gap-free sequence, and concurrency on PostgreSQL."""

import threading

import pytest

from registry.certificates.numbering import format_number, is_number, next_number
from registry.extensions import db


def test_format():
    assert format_number(2026, 42) == "BB-2026-00042"
    assert is_number("BB-2026-00042") and not is_number("BB-26-42")
    with pytest.raises(ValueError):
        format_number(2026, 100000)


def test_sequence_per_year_and_rollback_leaves_no_gap(app):
    with app.app_context():
        assert next_number(2026) == "BB-2026-00001"
        assert next_number(2026) == "BB-2026-00002"
        assert next_number(2027) == "BB-2027-00001"
        db.session.commit()
        assert next_number(2026) == "BB-2026-00003"
        db.session.rollback()  # a failed issuance gives its number back
        assert next_number(2026) == "BB-2026-00003"
        db.session.commit()


@pytest.mark.postgres
def test_twenty_concurrent_issuances_get_distinct_consecutive_numbers(app):
    barrier = threading.Barrier(20)
    numbers, errors = [], []

    def issue():
        with app.app_context():
            try:
                barrier.wait()
                number = next_number(2031)
                db.session.commit()
                numbers.append(number)
            except Exception as error:
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=issue) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert sorted(numbers) == [f"BB-2031-{n:05d}" for n in range(1, 21)]
