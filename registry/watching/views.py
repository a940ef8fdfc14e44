"""Pages of the watching feature: following a firm by email (public), a client's suppliers
and webhooks (the `client` role)."""

from __future__ import annotations

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user

from registry.extensions import csrf, limiter
from registry.forms import run_use_case
from registry.i18n import select_locale
from registry.public.exports import csv_table, xlsx_table
from registry.security import Role, mark_private, roles_required
from registry.watching import clients, follows, webhooks
from registry.watching.forms import (
    AddSupplierForm,
    DigestForm,
    EndpointForm,
    FollowForm,
    ImportForm,
    UnsubscribeForm,
)

bp = Blueprint("watching", __name__)


def _follow_limit() -> str:
    return current_app.config["FOLLOW_RATE_LIMIT"]


# --- following a firm by email (public) ---------------------------------------------------
@bp.route("/register/<int:firm_id>/watch", methods=["GET", "POST"])
@limiter.limit(_follow_limit, methods=["POST"], scope="follow")
def follow(firm_id: int):
    firm = follows.public_firm(firm_id)
    form = FollowForm()
    if request.method == "GET":
        return render_template("watching/follow.html", firm=firm, form=form, sent=False)
    sent = form.validate_on_submit() and run_use_case(
        lambda: follows.request_follow(firm.id, form.email.data, select_locale()), form=form).ok
    return render_template("watching/follow.html", firm=firm, form=form, sent=sent), (
        200 if sent else 400)


@bp.get("/register/<int:firm_id>/watch/confirm/<token>")
def confirm(firm_id: int, token: str):
    mark_private()
    outcome = run_use_case(lambda: follows.confirm(firm_id, token))
    firm = follows.public_firm(firm_id)
    return render_template("watching/confirmed.html", firm=firm, ok=outcome.ok), (
        200 if outcome.ok else 400)


@bp.route("/register/<int:firm_id>/watch/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # RFC 8058: mail programs POST `List-Unsubscribe=One-Click`; the token decides
def unsubscribe(firm_id: int, token: str):
    mark_private()
    firm = follows.public_firm(firm_id)
    if not follows.valid_unsubscribe_token(firm_id, token):
        return render_template("watching/unsubscribe.html", firm=firm, form=None,
                               done=False, bad=True), 400
    form = UnsubscribeForm(meta={"csrf": False})
    done = False
    if request.method == "POST":
        done = run_use_case(lambda: follows.unsubscribe(firm_id, token)).ok
    return render_template("watching/unsubscribe.html", firm=firm, form=form, done=done,
                           bad=False)


# --- a client's suppliers ---------------------------------------------------------------
def _board_page(status: int = 200, **extra):
    user = current_user._get_current_object()
    query = request.args.get("q", "")[:100]
    found = clients.search_firms(query) if query else []
    digest_form = extra.pop("digest_form", None) or DigestForm(
        digest=str(clients.digest_of(user)))
    return render_template(
        "watching/suppliers.html", rows=clients.board(user), query=query, found=found,
        watched=clients.watched_ids(user), add_form=AddSupplierForm(),
        import_form=extra.pop("import_form", None) or ImportForm(), digest_form=digest_form,
        **extra), status


@bp.get("/client/suppliers")
@roles_required(Role.CLIENT)
def suppliers():
    return _board_page()


@bp.post("/client/suppliers")
@roles_required(Role.CLIENT)
def add_supplier():
    form = AddSupplierForm()
    if not form.validate_on_submit():
        return _board_page(400)
    user = current_user._get_current_object()
    outcome = run_use_case(lambda: clients.add_supplier(user, form.firm_id.data),
                           success=lambda firm: (_("%(firm)s aggiunta alla lista.",
                                                   firm=firm.name), "success"))
    return redirect(url_for("watching.suppliers")) if outcome.ok else _board_page(400)


@bp.post("/client/suppliers/<int:firm_id>/remove")
@roles_required(Role.CLIENT)
def remove_supplier(firm_id: int):
    user = current_user._get_current_object()
    run_use_case(lambda: clients.remove_supplier(user, firm_id),
                 success=_("Fornitore tolto dalla lista."))
    return redirect(url_for("watching.suppliers"))


@bp.post("/client/suppliers/import")
@roles_required(Role.CLIENT)
def import_suppliers():
    form = ImportForm()
    user = current_user._get_current_object()
    if not form.validate_on_submit():
        return _board_page(400, import_form=form)
    upload = request.files.get("file")
    data = upload.stream.read(clients.MAX_IMPORT_BYTES + 1) if upload else b""
    outcome = run_use_case(lambda: clients.import_suppliers(user, data), form=form)
    if not outcome.ok:
        return _board_page(400, import_form=form)
    return _board_page(report=outcome.value)


@bp.post("/client/digest")
@roles_required(Role.CLIENT)
def set_digest():
    form = DigestForm()
    user = current_user._get_current_object()
    if form.validate_on_submit() and run_use_case(
            lambda: clients.set_digest(user, form.digest.data), form=form,
            success=_("Preferenza salvata.")).ok:
        return redirect(url_for("watching.suppliers"))
    return _board_page(400, digest_form=form)


EXPORTS = {"csv": "text/csv; charset=utf-8",
           "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@bp.get("/client/suppliers/export.<kind>")
@roles_required(Role.CLIENT)
def export_suppliers(kind: str):
    if kind not in EXPORTS:
        abort(404)
    table = clients.export_table(current_user._get_current_object())
    body = (csv_table(clients.EXPORT_HEADER, table) if kind == "csv"
            else xlsx_table("Fornitori", clients.EXPORT_HEADER, table))
    response = Response(body, mimetype=EXPORTS[kind])
    response.headers["Content-Disposition"] = f'attachment; filename="fornitori.{kind}"'
    return response


# --- webhooks ----------------------------------------------------------------------------
def _webhooks_page(status: int = 200, form: EndpointForm | None = None, secret=None,
                   created=None):
    user = current_user._get_current_object()
    endpoints = webhooks.endpoints_of(user)
    return render_template(
        "watching/webhooks.html", endpoints=endpoints, form=form or EndpointForm(),
        logs={e.id: webhooks.delivery_log(e) for e in endpoints}, secret=secret,
        created=created), status


@bp.get("/client/webhooks")
@roles_required(Role.CLIENT)
def webhooks_page():
    return _webhooks_page()


@bp.post("/client/webhooks")
@roles_required(Role.CLIENT)
def create_webhook():
    form = EndpointForm()
    user = current_user._get_current_object()
    if not form.validate_on_submit():
        return _webhooks_page(400, form)
    outcome = run_use_case(lambda: webhooks.create_endpoint(user, form.url.data,
                                                            form.description.data), form=form)
    if not outcome.ok:
        return _webhooks_page(400, form)
    endpoint, secret = outcome.value
    # The secret is shown on this one answer and never again.
    return _webhooks_page(form=EndpointForm(formdata=None), secret=secret, created=endpoint.id)


def _endpoint_action(endpoint_id: int, action, message: str):
    user = current_user._get_current_object()
    run_use_case(lambda: action(user, endpoint_id), success=message)
    return redirect(url_for("watching.webhooks_page"))


@bp.post("/client/webhooks/<int:endpoint_id>/test")
@roles_required(Role.CLIENT)
def test_webhook(endpoint_id: int):
    return _endpoint_action(endpoint_id, webhooks.send_test,
                            _("Evento di prova in coda: comparirà nel registro delle "
                              "consegne."))


@bp.post("/client/webhooks/<int:endpoint_id>/enable")
@roles_required(Role.CLIENT)
def enable_webhook(endpoint_id: int):
    return _endpoint_action(endpoint_id, webhooks.enable_endpoint, _("Endpoint riattivato."))


@bp.post("/client/webhooks/<int:endpoint_id>/delete")
@roles_required(Role.CLIENT)
def delete_webhook(endpoint_id: int):
    return _endpoint_action(endpoint_id, webhooks.delete_endpoint, _("Endpoint eliminato."))

