"""Milliseconds to render a certificate PDF (unsigned, signed) against the bare QR page.

The data come from the app's own `documents.pdf_data()` applied to a certificate shaped like
the generator's (four scheme areas, three sites, a real 179-character token), so the page
holds what a real certificate holds. Each variant: one warm-up, then the median of 20 runs.
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
from collections.abc import Callable

RUNS = 20
BASE_URL = "https://registro.bollinoblu.it"  # production-length address in the QR


def _median_ms(function: Callable[[], object], runs: int) -> tuple[float, list[float]]:
    function()  # warm-up: imports, font metrics, first allocations
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), samples


def certificate_data():
    """`documents.pdf_data()` of a transient certificate, inside a throwaway app context."""
    from audits.scheme import DEFAULT_SCHEME_PATH, load_scheme_file
    from audits.scoring import band
    from registry import create_app
    from registry.certificates import documents
    from registry.certificates import token as tokens
    from registry.certificates.models import Certificate

    # The app first: create_app imports every model, so the mappers can be configured.
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "BASE_URL": BASE_URL,
                      "SECRET_KEY": "bench-pdf"})
    scheme, _document, _hash = load_scheme_file(DEFAULT_SCHEME_PATH)
    key = tokens.generate_key()
    kid = tokens.key_id(key.public_key())
    valid_from = dt.date(2026, 3, 12)
    valid_until = dt.date(2029, 3, 11)
    claims = tokens.TokenClaims(number="BB-2026-04217", vat_number="04512870016",
                                valid_from=valid_from, valid_until=valid_until,
                                scheme_version=scheme.version, level="L2", kid=kid)
    areas = [{"code": a.code, "band": band(pct, scheme), "name_it": a.name_it, "name_en": a.name_en}
             for a, pct in zip(scheme.areas, (88, 79, 74, 91), strict=False)]
    certificate = Certificate(
        number=claims.number, revision=1, firm_id=1, application_id=1, decision_id=1,
        scheme_code=scheme.code, scheme_version=scheme.version, scheme_name=scheme.name_it,
        level="L2", areas=areas, sites=["Torino (TO)", "Cosenza (CS)", "Tirana, AL"],
        services="back office, inbound, outbound",
        firm_name="Qualità Teleservizi Piemontese S.r.l.", vat_number=claims.vat_number,
        registered_office="Corso Vittorio Emanuele II 118, 10121 Torino (TO)",
        valid_from=valid_from, valid_until=valid_until, issued_on=valid_from, status="valid",
        kid=kid, token=tokens.sign_token(claims, key))
    with app.app_context():
        return documents.pdf_data(certificate)


def run(runs: int = RUNS) -> dict:
    """Medians (ms) of bare QR page, unsigned certificate, signed certificate, signing."""
    from registry.certificates import pki
    from registry.certificates.pdf import render_bare_qr_page, render_certificate_pdf
    from registry.certificates.pdfsign import sign_pdf

    data = certificate_data()
    root_key, root_cert = pki.create_root("Registro Bollino Blu — Root (benchmark)")
    key, cert = pki.create_signing_certificate(root_key, root_cert,
                                               "Registro Bollino Blu — Firma (benchmark)")
    unsigned = render_certificate_pdf(data)
    bare_ms, bare = _median_ms(lambda: render_bare_qr_page(data.verify_url), runs)
    unsigned_ms, uns = _median_ms(lambda: render_certificate_pdf(data), runs)
    signed_ms, sig = _median_ms(
        lambda: sign_pdf(render_certificate_pdf(data), key, cert, [root_cert]), runs)
    sign_only_ms, only = _median_ms(lambda: sign_pdf(unsigned, key, cert, [root_cert]), runs)
    return {
        "runs": runs, "verify_url_length": len(data.verify_url),
        "bare_qr_ms": round(bare_ms, 2), "unsigned_ms": round(unsigned_ms, 2),
        "signed_ms": round(signed_ms, 2), "sign_only_ms": round(sign_only_ms, 2),
        "unsigned_over_bare": round(unsigned_ms / bare_ms, 3),
        "signed_over_bare": round(signed_ms / bare_ms, 3),
        "unsigned_bytes": len(unsigned),
        "samples_ms": {"bare_qr": [round(s, 2) for s in bare],
                       "unsigned": [round(s, 2) for s in uns],
                       "signed": [round(s, 2) for s in sig],
                       "sign_only": [round(s, 2) for s in only]},
    }


if __name__ == "__main__":
    import json

    print(json.dumps({k: v for k, v in run().items() if k != "samples_ms"}, indent=2))
