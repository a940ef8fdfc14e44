"""Domain errors and how they reach the user: an error page or a JSON error, never a trace."""

from __future__ import annotations

from flask import Flask, jsonify, make_response, render_template, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

from registry.extensions import db


class DomainError(Exception):
    """A rule of the registry was broken; the message is safe to show to the user."""

    status_code = 400
    code = "invalid"

    def __init__(self, message: str, **params):
        super().__init__(message)
        self.message = message
        self.params = params


class NotPermitted(DomainError):
    """The user may not do this."""

    status_code = 403
    code = "forbidden"


class NotFound(DomainError):
    """The object does not exist, or the user may not know it exists."""

    status_code = 404
    code = "not_found"


class InvalidTransition(DomainError):
    """A state change that the state machine does not allow from the current state."""

    status_code = 409
    code = "invalid_transition"


class Conflict(DomainError):
    """Somebody else changed the object first (e.g. two officers deciding at once)."""

    status_code = 409
    code = "conflict"


ERROR_TITLES = {
    400: _l("Richiesta non valida"),
    401: _l("Accesso richiesto"),
    403: _l("Accesso negato"),
    404: _l("Pagina non trovata"),
    405: _l("Metodo non consentito"),
    409: _l("Operazione non possibile"),
    413: _l("File troppo grande"),
    429: _l("Troppi tentativi"),
    500: _l("Errore interno"),
    503: _l("Servizio non disponibile"),
}

ERROR_TEXTS = {
    400: _l("La richiesta non è valida. Se stavi compilando un modulo, ricarica la pagina "
            "e riprova."),
    401: _l("Per vedere questa pagina devi accedere."),
    403: _l("Non hai i permessi per questa operazione."),
    404: _l("L'indirizzo non corrisponde a nessuna pagina del registro."),
    405: _l("Questa operazione non è disponibile a questo indirizzo."),
    409: _l("L'operazione non è possibile nello stato attuale."),
    413: _l("Il file supera la dimensione massima consentita."),
    429: _l("Hai fatto troppe richieste in poco tempo. Attendi e riprova."),
    500: _l("Si è verificato un errore. L'operazione non è stata registrata; riprova più tardi."),
    503: _l("Il servizio non è disponibile in questo momento; riprova più tardi."),
}

API_CODES = {
    400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
    405: "method_not_allowed", 409: "conflict", 413: "too_large", 429: "rate_limited",
    500: "internal_error", 503: "unavailable",
}


def wants_json() -> bool:
    """API and feed clients get JSON errors; people get a page."""
    return request.path.startswith("/api/")


def error_response(status: int, message: str | None = None, code: str | None = None):
    """Render an error for a person (HTML page) or a program (contract's JSON shape)."""
    text = message or str(ERROR_TEXTS.get(status, ERROR_TEXTS[500]))
    if wants_json():
        body = {"error": {"code": code or API_CODES.get(status, "error"), "message": text}}
        return make_response(jsonify(body), status)
    title = ERROR_TITLES.get(status, ERROR_TITLES[500])
    page = render_template("errors/error.html", status=status, title=title, text=text)
    return make_response(page, status)


def register_error_handlers(app: Flask) -> None:
    """Turn every HTTP error and domain error into a page or JSON; never show a trace."""

    @app.errorhandler(DomainError)
    def handle_domain_error(error: DomainError):
        db.session.rollback()
        return error_response(error.status_code, error.message, error.code)

    @app.errorhandler(HTTPException)
    def handle_http_error(error: HTTPException):
        status = error.code or 500
        message = None
        if status == 429:
            retry = getattr(error, "retry_after", None) or _retry_after(error)
            message = str(ERROR_TEXTS[429])
            response = error_response(status, message)
            if retry:
                response.headers["Retry-After"] = str(retry)
            return response
        if status == 400 and getattr(error, "description", "").startswith("The CSRF"):
            message = str(_l("Il modulo è scaduto o non è valido. Ricarica la pagina e riprova."))
        response = error_response(status, message)
        # The headers the error itself carries (`Allow` on a 405, `WWW-Authenticate` on a
        # 401); the body is ours, so its own Content-Type stays.
        for name, value in error.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @app.errorhandler(Exception)
    def handle_unexpected(error: Exception):
        db.session.rollback()
        app.logger.exception("unhandled error on %s", request.path)
        return error_response(500)


def _retry_after(error) -> int | None:
    limit = getattr(error, "limit", None)
    try:
        return int(limit.limit.get_expiry()) if limit is not None else None
    except Exception:
        return None
