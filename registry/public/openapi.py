"""The OpenAPI 3 description of the public, read-only API (served at /api/v1/openapi.json)."""

from __future__ import annotations

from audits.schemes_store import current_levels
from registry.certificates.status import LISTED, CertificateStatus
from registry.certificates.verdict import Verdict
from registry.firms.checks import CHANNELS, SERVICE_TYPES
from registry.firms.geography import REGIONS
from registry.public.register import MAX_PAGE, SORTS
from registry.wording import N_

ERROR = {"$ref": "#/components/responses/Error"}
NUMBER = {"name": "number", "in": "path", "required": True,
          "schema": {"type": "string", "pattern": r"^BB-\d{4}-\d{5}$"},
          "example": "BB-2026-00042"}


def filters(levels: list[str]) -> list[dict]:
    """The register's query parameters; `levels` are the scheme's level codes. A value
    outside these answers 400 (bad_request) naming it; an empty value means no filter."""
    return [
        {"name": "q", "in": "query", "schema": {"type": "string", "maxLength": 200},
         "description": N_("Firm name (any word order, accents ignored), partita IVA, "
                           "certificate number, or a calling number the firm declares in use.")},
        {"name": "status", "in": "query", "schema": {"type": "string", "enum": [
            str(status) for status in LISTED]}},
        {"name": "region", "in": "query", "schema": {"type": "string", "enum": list(REGIONS)},
         "description": N_("Case is ignored.")},
        {"name": "province", "in": "query", "schema": {"type": "string",
                                                       "pattern": "^[A-Za-z]{2}$"},
         "description": N_("The province's sigla (RM, MI…).")},
        {"name": "level", "in": "query", "schema": {"type": "string", "enum": levels}},
        {"name": "scheme", "in": "query", "schema": {"type": "string"},
         "description": N_("A scheme code the register knows.")},
        {"name": "site_region", "in": "query", "schema": {"type": "string",
                                                          "enum": list(REGIONS)},
         "description": N_("An open operating site in this region (not only the registered "
                           "office). Case is ignored.")},
        {"name": "site_province", "in": "query", "schema": {"type": "string",
                                                            "pattern": "^[A-Za-z]{2}$"},
         "description": N_("An open operating site in this province (sigla).")},
        {"name": "service", "in": "query", "schema": {"type": "string",
                                                      "enum": list(SERVICE_TYPES)},
         "description": N_("An open operating site runs this type of service.")},
        {"name": "channel", "in": "query", "schema": {"type": "string", "enum": list(CHANNELS)},
         "description": N_("An open operating site works on this channel.")},
        {"name": "sort", "in": "query", "schema": {"type": "string", "enum": list(SORTS)}},
        {"name": "page", "in": "query", "schema": {"type": "integer", "minimum": 1,
                                                   "maximum": MAX_PAGE}},
        {"name": "after", "in": "query", "schema": {"type": "string"},
         "description": N_("Opaque cursor that `next` carries: the page starts after the "
                           "previous page's last row (any depth at the cost of the first page); "
                           "`page` then only numbers it.")},
    ]


VERDICTS = [str(verdict) for verdict in Verdict]
TEXT = {"type": "object", "description": "The same text in Italian and English",
        "required": ["it", "en"], "properties": {"it": {"type": "string"},
                                                 "en": {"type": "string"}}}
TEXTS = {"type": "object", "required": ["it", "en"], "properties": {
    "it": {"type": "array", "items": {"type": "string"}},
    "en": {"type": "array", "items": {"type": "string"}}}}
GUIDE = {"type": "array", "items": {"type": "object", "required": ["score", "text"],
                                    "properties": {"score": {"type": "integer"},
                                                   "text": TEXT}}}
SCHEME = {"type": "object", "required": [
    "code", "version", "name", "in_force", "scale", "areas", "criteria", "knock_out", "levels",
    "cycle"], "properties": {
    "code": {"type": "string"}, "version": {"type": "string"}, "name": TEXT,
    "in_force": {"type": "boolean",
                 "description": "True for the version new applications start on"},
    "content_hash": {"type": "string", "description": "SHA-256 of the canonical document"},
    "page_url": {"type": "string", "format": "uri"},
    "scale": {"type": "object", "properties": {
        "min": {"type": "integer"}, "max": {"type": "integer"}, "meaning": GUIDE}},
    "areas": {"type": "array", "items": {"type": "object", "properties": {
        "code": {"type": "string"}, "name": TEXT, "weight": {"type": "integer"},
        "min_pct": {"type": "number"},
        "criteria": {"type": "array", "items": {"type": "string"}}}}},
    "criteria": {"type": "array", "items": {"type": "object", "properties": {
        "code": {"type": "string"}, "area": {"type": "string"}, "title": TEXT,
        "weight": {"type": "integer"},
        "knock_out": {"type": "object", "nullable": True, "properties": {
            "min_score": {"type": "integer"}}},
        "evidence": TEXTS, "guide": GUIDE, "na_allowed": {"type": "boolean"},
        "na_rule": {**TEXT, "nullable": True}}}},
    "knock_out": {"type": "array", "items": {"type": "object", "properties": {
        "criterion": {"type": "string"}, "min_score": {"type": "integer"}}}},
    "levels": {"type": "array", "items": {"type": "object", "properties": {
        "code": {"type": "string", "description": "As in a certificate's level"},
        "rank": {"type": "integer"}, "label": TEXT,
        "thresholds": {"type": "object", "properties": {
            "min_overall_pct": {"type": "number"}, "min_each_area_pct": {"type": "number"},
            "min_criterion_score": {"type": "integer", "nullable": True}}}}}},
    "cycle": {"type": "object", "description": "Months and days of the certification cycle",
              "properties": {key: ({"type": "array", "items": {"type": "integer"}}
                                   if key == "surveillance_months" else {"type": "integer"})
                             for key in (
                  "validity_months", "surveillance_months", "max_suspension_months",
                  "suspensions_leading_to_withdrawal", "suspensions_window_months",
                  "major_nc_close_days", "minor_nc_plan_days", "appeal_days",
                  "wait_after_refusal_months", "wait_after_withdrawal_months")}}}}

# The bulk supplier check and verification receipts.
CHECK_PATHS = {
    "/api/v1/verify": {"post": {
        "summary": N_("Check up to 1,000 partite IVA, codici fiscali or certificate numbers at "
                      "once, with the verify page's verdict; one item per input, same order"),
        "requestBody": {"required": True, "content": {"application/json": {"schema": {
            "type": "object", "required": ["items"], "properties": {
                "items": {"type": "array", "maxItems": 1000, "items": {"type": "string"}},
                "receipt": {"type": "boolean", "default": False, "description":
                            "Also record the answer as a verification receipt and return "
                            "it signed (compact JWS) with its address"}}}}}},
        "responses": {"200": {"description": N_("Every item answered"), "content": {
            "application/json": {"schema": {"$ref": "#/components/schemas/BulkCheck"}}}},
            "400": ERROR, "413": ERROR, "429": ERROR}}},
    "/api/v1/certificates/{number}/receipt": {"get": {
        "summary": N_("A new verification receipt of the certificate's verdict now: a compact "
                      "JWS (EdDSA) signed with a key of /api/v1/keys, recorded by the registry "
                      "(re-check it at /receipts/<id>, the Location header)"),
        "parameters": [NUMBER],
        "responses": {"200": {"description": N_("The receipt"), "content": {
            "application/jose": {"schema": {"type": "string"}}}},
            "404": ERROR, "429": ERROR}}},
}
CHECK_SCHEMAS = {
    "BulkCheck": {"type": "object", "required": ["checked_at", "items"], "properties": {
        "checked_at": {"type": "string", "format": "date-time"},
        "checked_on": {"type": "string", "format": "date"},
        "receipt": {"type": "object", "properties": {
            "id": {"type": "string"}, "url": {"type": "string", "format": "uri"},
            "jws": {"type": "string"}}},
        "counts": {"type": "object", "additionalProperties": {"type": "integer"},
                   "description": "Rows per verdict; `problem` counts rows not checked"},
        "items": {"type": "array", "items": {"type": "object", "required": [
            "query", "verdict", "firm", "certificate", "error"], "properties": {
            "row": {"type": "integer"},
            "query": {"type": "string"},
            "kind": {"type": "string", "nullable": True,
                     "enum": ["vat_number", "tax_code", "certificate_number", None]},
            "verdict": {"type": "string", "nullable": True, "enum": [*VERDICTS, None]},
            "verdict_label": {"type": "string", "nullable": True},
            "firm": {"type": "object", "nullable": True, "properties": {
                "id": {"type": "integer"}, "name": {"type": "string"},
                "vat_number": {"type": "string"}}},
            "certificate": {"type": "object", "nullable": True, "properties": {
                "number": {"type": "string"}, "revision": {"type": "integer"},
                "level": {"type": "string"}, "level_label": {"type": "string"},
                "valid_from": {"type": "string", "format": "date"},
                "valid_until": {"type": "string", "format": "date"},
                "scheme": {"type": "object", "properties": {
                    "code": {"type": "string"}, "version": {"type": "string"}}}}},
            "error": {"type": "object", "nullable": True, "properties": {
                "code": {"type": "string", "enum": [
                    "empty", "format", "checksum", "unknown", "duplicate"]},
                "message": {"type": "string"},
                "duplicate_of": {"type": "integer", "nullable": True}}}}}}}},
}


def document(base_url: str) -> dict:
    """The API description; `base_url` becomes the server address."""
    return {
        "openapi": "3.0.3",
        "info": {"title": "Registro Bollino Blu — API pubblica", "version": "1.0.0",
                 "description": N_("Read-only public data of the Bollino Blu register. Addresses "
                                   "and shapes are stable: fields may be added, never renamed.")},
        "servers": [{"url": base_url}],
        "paths": {
            "/api/v1/certificates/{number}": {"get": {
                "summary": N_("A certificate and the verdict for today or a given day"),
                "parameters": [NUMBER,
                               {"name": "t", "in": "query", "schema": {"type": "string"},
                                "description": N_(
                                    "The QR token; a mismatch gives `not_authentic`")},
                               {"name": "at", "in": "query",
                                "schema": {"type": "string", "format": "date",
                                           "pattern": r"^\d{4}-\d{2}-\d{2}$"}}],
                "responses": {"200": {"description": N_("The certificate"), "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/Certificate"}}}},
                    "400": ERROR, "404": ERROR, "429": ERROR}}},
            "/api/v1/register": {"get": {
                "summary": N_("The register, paginated, with the same filters as /register"),
                "parameters": filters([level.code for level in current_levels()]),
                "responses": {"200": {"description": N_("A page"), "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/RegisterPage"}}}},
                    "400": ERROR, "429": ERROR}}},
            "/api/v1/schemes/{code}/{version}": {"get": {
                "summary": N_("A version of the criteria scheme (the one in force, or any version "
                              "an application or certificate used): areas, criteria with their "
                              "scoring guide, knock-outs, levels with thresholds, the cycle"),
                "parameters": [
                    {"name": "code", "in": "path", "required": True,
                     "schema": {"type": "string"}, "example": "bollino-blu-cc"},
                    {"name": "version", "in": "path", "required": True,
                     "schema": {"type": "string"}, "example": "1.0"}],
                "responses": {"200": {"description": N_("The scheme version"), "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/Scheme"}}}},
                    "404": ERROR, "429": ERROR}}},
            "/api/v1/register/{firm_id}": {"get": {
                "summary": N_("A firm of the register: its current certificate, sites, traffic "
                              "shares, services and channels, evidence freshness per area, and "
                              "whether a renewal is in progress"),
                "parameters": [{"name": "firm_id", "in": "path", "required": True,
                                "schema": {"type": "integer", "minimum": 1}}],
                "responses": {"200": {"description": N_("The firm"), "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/Firm"}}}},
                    "404": ERROR, "429": ERROR}}},
            "/api/v1/phone/{number}": {"get": {
                "summary": N_("Chi mi ha chiamato? The firms that declared a calling number"),
                "description": N_("The number may be written in any usual way (06 1234567, "
                                  "+39 06 1234567, 0039…, 3331234567; spaces, dots, dashes "
                                  "and brackets are ignored); a foreign number needs its + "
                                  "prefix. Firms in use now come first (current: true), then "
                                  "those that declared it in the past, with the period. An "
                                  "empty list means no firm of the register declared it: it "
                                  "is not an accusation."),
                "parameters": [{"name": "number", "in": "path", "required": True,
                                "schema": {"type": "string", "maxLength": 40},
                                "example": "+39 06 1234567"}],
                "responses": {"200": {"description": N_("Who declared it"), "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/Phone"}}}},
                    "400": ERROR, "429": ERROR}}},
            "/api/v1/keys": {"get": {
                "summary": N_("Public keys that sign QR tokens (JWK set)"),
                "responses": {"200": {"description": N_("JWK set"), "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/KeySet"}}}}}}},
            **CHECK_PATHS,
        },
        "components": {
            "responses": {"Error": {"description": N_("An error"), "content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Error"}}}}},
            "schemas": {
                "Error": {"type": "object", "required": ["error"], "properties": {
                    "error": {"type": "object", "required": ["code", "message"], "properties": {
                        "code": {"type": "string"}, "message": {"type": "string"}}}}},
                "Certificate": {"type": "object", "required": [
                    "number", "status", "verdict", "firm", "scheme", "level", "valid_from",
                    "valid_until", "areas", "history", "pdf_url", "verify_url"], "properties": {
                    "number": {"type": "string"},
                    "revision": {"type": "integer"},
                    "status": {"type": "string", "enum": [
                        str(status) for status in CertificateStatus]},
                    "verdict": {"type": "string", "enum": VERDICTS},
                    "firm": {"type": "object", "properties": {
                        "id": {"type": "integer"}, "name": {"type": "string"},
                        "vat_number": {"type": "string"}}},
                    "scheme": {"type": "object", "properties": {
                        "code": {"type": "string"}, "version": {"type": "string"}}},
                    "level": {"type": "string"},
                    "valid_from": {"type": "string", "format": "date"},
                    "valid_until": {"type": "string", "format": "date"},
                    "areas": {"type": "array", "items": {"type": "object", "properties": {
                        "code": {"type": "string"}, "band": {"type": "string",
                                                              "nullable": True}}}},
                    "history": {"type": "array", "items": {"type": "object", "properties": {
                        "date": {"type": "string", "format": "date"},
                        "status": {"type": "string"},
                        "reason": {"type": "string", "nullable": True}}}},
                    "pdf_url": {"type": "string", "format": "uri"},
                    "predecessor": {"type": "string", "nullable": True, "description":
                                    "The certificate this one renews; it starts the day "
                                    "after that one ends."},
                    "verify_url": {"type": "string", "format": "uri"}}},
                "RegisterPage": {"type": "object", "required": ["items", "total", "next"],
                                 "properties": {
                    "items": {"type": "array", "items": {"type": "object", "properties": {
                        "firm": {"type": "object"},
                        "certificate": {"$ref": "#/components/schemas/Certificate"}}}},
                    "total": {"type": "integer"},
                    "next": {"type": "string", "format": "uri", "nullable": True}}},
                "Scheme": SCHEME,
                "Firm": {"type": "object", "required": ["firm", "certificate"], "properties": {
                    "firm": {"type": "object", "required": [
                        "id", "name", "vat_number", "traffic", "sites", "service_types",
                        "channels", "renewal_in_progress", "evidence"], "properties": {
                        "id": {"type": "integer"}, "name": {"type": "string"},
                        "vat_number": {"type": "string"}, "region": {"type": "string"},
                        "province": {"type": "string"},
                        "traffic": {"type": "object", "properties": {
                            "italy_pct": {"type": "integer"}, "eu_pct": {"type": "integer"},
                            "extra_eu_pct": {"type": "integer"}}},
                        "extra_eu_countries": {"type": "array", "items": {"type": "string"}},
                        "countries_abroad": {"type": "array", "items": {"type": "string"},
                                             "description": "ISO codes of the open "
                                                            "operating sites abroad"},
                        "service_types": {"type": "array", "items": {
                            "type": "string", "enum": list(SERVICE_TYPES)}},
                        "channels": {"type": "array", "items": {
                            "type": "string", "enum": list(CHANNELS)}},
                        "sites": {"type": "array", "items": {"type": "object"}},
                        "renewal_in_progress": {"type": "boolean", "description":
                                                "A renewal was filed before expiry and is "
                                                "being examined"},
                        "evidence": {"type": "array", "items": {"type": "object", "properties": {
                            "area": {"type": "string"},
                            "valid_until": {"type": "string", "format": "date",
                                            "nullable": True,
                                            "description": "The earliest expiry among the "
                                                           "area's evidence documents"},
                            "documents": {"type": "integer"}}}}}},
                    "certificate": {"$ref": "#/components/schemas/Certificate"}}},
                "Phone": {"type": "object", "required": ["number", "firms"], "properties": {
                    "number": {"type": "string", "description": "E.164",
                               "example": "+39061234567"},
                    "declared": {"type": "boolean"},
                    "firms": {"type": "array", "items": {"type": "object", "required": [
                        "id", "name", "vat_number", "certificate"], "properties": {
                        "id": {"type": "integer"}, "name": {"type": "string"},
                        "vat_number": {"type": "string"},
                        "current": {"type": "boolean"},
                        "declared_from": {"type": "string", "format": "date"},
                        "declared_until": {"type": "string", "format": "date",
                                           "nullable": True},
                        "certificate": {"type": "object", "nullable": True, "properties": {
                            "number": {"type": "string"},
                            "verdict": {"type": "string", "enum": VERDICTS},
                            "level": {"type": "string"}, "status": {"type": "string"},
                            "valid_until": {"type": "string", "format": "date"}}}}}}}},
                "KeySet": {"type": "object", "required": ["keys"], "properties": {
                    "keys": {"type": "array", "items": {"type": "object", "required": [
                        "kty", "crv", "kid", "x", "use"], "properties": {
                        "kty": {"type": "string", "enum": ["OKP"]},
                        "crv": {"type": "string", "enum": ["Ed25519"]},
                        "kid": {"type": "string"}, "x": {"type": "string"},
                        "use": {"type": "string", "enum": ["sig"]},
                        "not_before": {"type": "string", "format": "date-time"},
                        "not_after": {"type": "string", "format": "date-time",
                                      "nullable": True}}}}}},
                **CHECK_SCHEMAS,
            },
        },
    }
