"""Log in (password, then the second factor), log out, sessions, passwords, sign-up."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from registry.accounts import second_factor, services, sessions
from registry.accounts.forms import (
    CodeForm,
    DisableSecondFactorForm,
    EnrolForm,
    LoginForm,
    PasswordChangeForm,
    RecoveryCodesForm,
    ResendConfirmationForm,
    ResetForm,
    ResetRequestForm,
    SignupForm,
)
from registry.errors import DomainError
from registry.extensions import db, limiter
from registry.forms import run_use_case, show_domain_error
from registry.security import Role, is_safe_redirect, login_required, private_blueprint

bp = private_blueprint(Blueprint("accounts", __name__, url_prefix="/account"))

# Flask-session keys: the signed token of a login waiting for its second factor, where to go
# afterwards, and the encrypted secret of an enrolment in progress.
PENDING = "login_pending"
PENDING_NEXT = "login_next"
ENROLMENT = "totp_enrolment"


# Rate-limit keys -----------------------------------------------------------------------------
def _account_key() -> str:
    """Failed passwords count per account *and* address: an attacker's failures slow the
    attacker down without locking the owner out from another address."""
    email = services.normalise_email(request.form.get("email", ""))
    return f"login:{email}|{request.remote_addr}"


def _failed(response) -> bool:
    # Only failed attempts count: a successful login (or accepted password) redirects.
    return response.status_code != 302


def _code_key() -> str:
    """Failed codes count per account, whatever the address (6 digits are few)."""
    user = current_user if current_user.is_authenticated else _pending_user()
    return f"second-factor:{user.id if user is not None else 'none'}"


def _code_refused(_response) -> bool:
    return bool(g.get("code_refused"))


def _show_refused_code(form, error: DomainError) -> None:
    g.code_refused = True
    show_domain_error(form, error)


def _address_limit():
    return current_app.config["LOGIN_LIMIT_PER_ADDRESS"]


def _code_limit():
    return current_app.config["SECOND_FACTOR_LIMIT"]


def limit_codes(view):
    """The limits every form that checks a second-factor code is under."""
    view = limiter.limit(_address_limit, methods=["POST"], deduct_when=_code_refused,
                         scope="login-address")(view)
    return limiter.limit(_code_limit, methods=["POST"], key_func=_code_key,
                         deduct_when=_code_refused, scope="second-factor")(view)


# Helpers -------------------------------------------------------------------------------------
def _client() -> dict:
    return {"ip_address": request.remote_addr, "user_agent": request.user_agent.string}


def _pending_user():
    """The user whose password was accepted in this browser and who owes a second factor."""
    if "pending_user" not in g:
        g.pending_user = services.user_for_second_step(session.get(PENDING))
    return g.pending_user


def _landing(target: str | None) -> str:
    return target if is_safe_redirect(target) else url_for("core.dashboard")


def _end_second_step() -> str:
    """Forget the second step's state; where the person was going when asked to log in."""
    session.pop(PENDING, None)
    session.pop(ENROLMENT, None)
    return _landing(session.pop(PENDING_NEXT, None))


def _enrolment_secret(user) -> str:
    """The secret being enrolled in this browser (kept encrypted in the session while the
    person scans it), or a new one."""
    kept = session.get(ENROLMENT)
    if isinstance(kept, dict) and kept.get("user") == user.id:
        try:
            return second_factor.decrypt_secret(kept["secret"])
        except DomainError:
            pass
    secret = second_factor.new_secret()
    session[ENROLMENT] = {"user": user.id, "secret": second_factor.encrypt_secret(secret)}
    return secret


# Logging in ----------------------------------------------------------------------------------
@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_address_limit, methods=["POST"], deduct_when=_failed, scope="login-address")
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], methods=["POST"],
               key_func=_account_key, deduct_when=_failed, scope="login-account")
def login():
    if current_user.is_authenticated:
        return redirect(url_for("core.dashboard"))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            form.password.errors.append(_("Email o password non corretti, oppure account "
                                          "disattivato."))
        elif user.email_confirmed_at is None:
            form.email.errors.append(_("Conferma prima il tuo indirizzo email: ti abbiamo "
                                       "inviato un collegamento."))
            resend = ResendConfirmationForm(email=form.email.data)
            return render_template("accounts/login.html", form=form, resend=resend)
        else:
            pending = services.password_accepted(user)
            if pending is None:
                services.log_in(user, **_client())
                db.session.commit()
                login_user(user)
                return redirect(_landing(request.args.get("next")))
            session[PENDING] = pending
            target = request.args.get("next")
            session[PENDING_NEXT] = target if is_safe_redirect(target) else None
            step = "accounts.second_factor_step" if user.has_second_factor else \
                "accounts.enrol_second_factor"
            return redirect(url_for(step))
    return render_template("accounts/login.html", form=form)


@bp.route("/login/code", methods=["GET", "POST"])
@limit_codes
def second_factor_step():
    if current_user.is_authenticated:
        return redirect(url_for("core.dashboard"))
    user = _pending_user()
    if user is None:
        flash(_("Accedi di nuovo: la verifica in due passaggi è scaduta."), "info")
        return redirect(url_for("accounts.login"))
    if not user.has_second_factor:
        return redirect(url_for("accounts.enrol_second_factor"))
    form = CodeForm()
    if form.validate_on_submit() and run_use_case(
            lambda: services.log_in_with_code(user, form.code.data, **_client()),
            form=form, show=_show_refused_code).ok:
        login_user(user)
        return redirect(_end_second_step())
    return render_template("accounts/second_factor.html", form=form)


@bp.route("/two-factor/enrol", methods=["GET", "POST"])
@limit_codes
def enrol_second_factor():
    logging_in = not current_user.is_authenticated
    user = _pending_user() if logging_in else current_user
    if user is None:
        flash(_("Accedi di nuovo: la verifica in due passaggi è scaduta."), "info")
        return redirect(url_for("accounts.login"))
    if user.has_second_factor:
        return redirect(url_for("accounts.second_factor_step" if logging_in
                                else "accounts.account"))
    secret = _enrolment_secret(user)
    form = EnrolForm()
    if form.validate_on_submit():
        outcome = run_use_case(
            lambda: services.enrol_second_factor(
                user, secret, form.code.data, logging_in=logging_in,
                current_session=sessions.current_session_id(), **_client()),
            form=form, show=_show_refused_code)
        if outcome.ok:
            session.pop(ENROLMENT, None)
            next_url = url_for("accounts.account")
            if logging_in:
                login_user(user)
                next_url = _end_second_step()
            return render_template("accounts/recovery_codes.html", codes=outcome.value,
                                   next_url=next_url)
    uri = second_factor.provisioning_uri(user, secret)
    return render_template("accounts/enrol.html", form=form, required=logging_in,
                           qr=second_factor.qr_svg(uri), secret=second_factor.grouped(secret))


@bp.post("/logout")
@login_required
def logout():
    services.log_out(sessions.current_session_id())
    db.session.commit()
    logout_user()
    flash(_("Sei uscito dal registro."), "info")
    return redirect(url_for("core.home"))


# The account page: sessions and the second factor --------------------------------------------
@bp.get("")
@login_required
def account():
    return render_template(
        "accounts/account.html", user=current_user,
        sessions=sessions.active_sessions(current_user),
        current_session=sessions.current_session_id(), describe=sessions.describe_agent,
        codes_left=second_factor.recovery_codes_left(current_user),
        codes_form=RecoveryCodesForm(prefix="rc"), disable_form=DisableSecondFactorForm(
            prefix="off"))


@bp.post("/sessions/<int:session_id>/revoke")
@login_required
def revoke_session(session_id: int):
    current = sessions.current_session_id()
    if run_use_case(lambda: sessions.revoke_own(current_user, session_id),
                    success=_("Sessione chiusa.")).ok and session_id == current:
        logout_user()
        return redirect(url_for("accounts.login"))
    return redirect(url_for("accounts.account"))


@bp.post("/sessions/revoke-others")
@login_required
def revoke_other_sessions():
    run_use_case(lambda: sessions.revoke_others(current_user, sessions.current_session_id()),
                 success=lambda n: (_("Sessioni chiuse: %(n)d.", n=n), "success"))
    return redirect(url_for("accounts.account"))


@bp.post("/two-factor/recovery-codes")
@login_required
@limit_codes
def new_recovery_codes():
    form = RecoveryCodesForm(prefix="rc")
    if form.validate_on_submit():
        outcome = run_use_case(
            lambda: second_factor.new_recovery_codes(current_user, form.code.data),
            show=_show_refused_code)
        if outcome.ok:
            return render_template("accounts/recovery_codes.html", codes=outcome.value,
                                   next_url=url_for("accounts.account"))
    else:
        flash(_("Inserisci il codice attuale dell'app di autenticazione."), "danger")
    return redirect(url_for("accounts.account"))


@bp.post("/two-factor/disable")
@login_required
def disable_second_factor():
    form = DisableSecondFactorForm(prefix="off")
    if form.validate_on_submit():
        run_use_case(lambda: services.disable_second_factor(current_user, form.password.data),
                     success=_("Secondo fattore disattivato."))
    else:
        flash(_("Inserisci la password per disattivare il secondo fattore."), "danger")
    return redirect(url_for("accounts.account"))


# Passwords -----------------------------------------------------------------------------------
@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = PasswordChangeForm()
    if form.validate_on_submit() and run_use_case(
            lambda: services.change_password(current_user, form.current_password.data,
                                             form.password.data,
                                             current_session=sessions.current_session_id()),
            form=form, success=_("Password cambiata: le altre sessioni sono state chiuse.")).ok:
        return redirect(url_for("core.dashboard"))
    return render_template("accounts/password.html", form=form)


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit("10 per hour", methods=["POST"], scope="reset")
def request_reset():
    form = ResetRequestForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        db.session.commit()
        flash(_("Se l'indirizzo corrisponde a un account, riceverai un'email con il "
                "collegamento per reimpostare la password."), "info")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_request.html", form=form)


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    try:
        services.user_for_reset(token)
    except DomainError as error:
        flash(error.message, "danger")
        return redirect(url_for("accounts.request_reset"))
    form = ResetForm()
    if form.validate_on_submit() and run_use_case(
            lambda: services.reset_password(token, form.password.data),
            form=form, success=_("Password impostata: ora puoi accedere.")).ok:
        return redirect(url_for("accounts.login"))
    return render_template("accounts/reset.html", form=form)


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit("20 per hour", methods=["POST"], scope="signup")
def signup():
    form = SignupForm()
    if request.method == "GET" and request.args.get("kind") == str(Role.CLIENT):
        form.kind.data = str(Role.CLIENT)
    if form.validate_on_submit() and run_use_case(
            lambda: services.sign_up(form.name.data, form.email.data, form.password.data,
                                     form.kind.data),
            form=form, success=_("Ti abbiamo inviato un'email: segui le istruzioni che "
                                 "contiene, poi accedi.")).ok:
        return redirect(url_for("accounts.login"))
    return render_template("accounts/signup.html", form=form)


@bp.route("/confirm/resend", methods=["GET", "POST"])
@limiter.limit("5 per hour", methods=["POST"], scope="confirm-resend")
def resend_confirmation():
    form = ResendConfirmationForm()
    if form.validate_on_submit():
        services.resend_confirmation(form.email.data)
        db.session.commit()
        flash(_("Se l'indirizzo corrisponde a un account non ancora confermato, riceverai di "
                "nuovo l'email con il collegamento di conferma."), "info")
        return redirect(url_for("accounts.login"))
    return render_template("accounts/resend_confirmation.html", form=form)


@bp.get("/confirm/<token>")
def confirm_email(token: str):
    run_use_case(lambda: services.confirm_email(token),
                 success=_("Indirizzo email confermato: ora puoi accedere."))
    return redirect(url_for("accounts.login"))
