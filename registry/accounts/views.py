"""Log in and out, passwords, sign-up and email confirmation."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user

from registry.accounts import services
from registry.accounts.forms import (
    LoginForm,
    PasswordChangeForm,
    ResetForm,
    ResetRequestForm,
    SignupForm,
)
from registry.errors import DomainError
from registry.extensions import db, limiter
from registry.forms import run_use_case
from registry.security import is_safe_redirect, login_required, private_blueprint

bp = private_blueprint(Blueprint("accounts", __name__, url_prefix="/account"))


def _account_key() -> str:
    return "login:" + services.normalise_email(request.form.get("email", ""))


def _failed(response) -> bool:
    # Only failed attempts count: a successful login redirects.
    return response.status_code != 302


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ADDRESS"], methods=["POST"],
               deduct_when=_failed, scope="login-address")
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
        else:
            db.session.commit()
            login_user(user)
            target = request.args.get("next")
            return redirect(target if is_safe_redirect(target) else url_for("core.dashboard"))
    return render_template("accounts/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    logout_user()
    flash(_("Sei uscito dal registro."), "info")
    return redirect(url_for("core.home"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = PasswordChangeForm()
    if form.validate_on_submit() and run_use_case(
            lambda: services.change_password(current_user, form.current_password.data,
                                             form.password.data),
            form=form, success=_("Password cambiata.")).ok:
        login_user(current_user)  # keep this session; the others end
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
    if form.validate_on_submit() and run_use_case(
            lambda: services.sign_up(form.name.data, form.email.data, form.password.data),
            form=form, success=_("Ti abbiamo inviato un'email: apri il collegamento per "
                                 "confermare l'indirizzo, poi accedi.")).ok:
        return redirect(url_for("accounts.login"))
    return render_template("accounts/signup.html", form=form)


@bp.get("/confirm/<token>")
def confirm_email(token: str):
    run_use_case(lambda: services.confirm_email(token),
                 success=_("Indirizzo email confermato: ora puoi accedere."))
    return redirect(url_for("accounts.login"))
