"""Links built from a per-app template are the router's links, for any value."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry.links import external_url, external_url_of_values


# The app only builds links here: one app for every example is what is meant.
@settings(max_examples=200, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(number=st.text(min_size=1, max_size=20), token=st.one_of(st.none(), st.text(max_size=40)))
def test_a_templated_link_is_the_routers_link(app, number, token):
    with app.test_request_context():
        assert external_url_of_values("public.verify", number=number, t=token) == \
            external_url("public.verify", number=number, t=token)
        assert external_url_of_values("public.certificate_pdf", number=number) == \
            external_url("public.certificate_pdf", number=number)


def test_certificate_numbers_and_tokens_take_the_template(app):
    with app.test_request_context():
        link = external_url_of_values("public.verify", number="BB-2026-00001",
                                      t="eyJhbGciOiJFZERTQSJ9.e30.c2ln-_")
        assert link == "http://registry.test/v/BB-2026-00001?t=eyJhbGciOiJFZERTQSJ9.e30.c2ln-_"
        assert ("external_url_template", "public.verify", ("number", "t")) in app.extensions


def test_a_value_that_looks_like_a_placeholder_is_written_as_it_is(app):
    with app.test_request_context():
        assert external_url_of_values("public.verify", number="ZZslot1ZZ", t="ZZslot0ZZ") == \
            external_url("public.verify", number="ZZslot1ZZ", t="ZZslot0ZZ")
