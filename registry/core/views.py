"""Home page, personal dashboard, language switch and health check."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, session
from flask_login import current_user
from sqlalchemy import text

from registry.accounts.services import set_locale
from registry.applications.first_steps import first_steps
from registry.db import today_in_rome
from registry.extensions import db
from registry.public.register import counts_by_level
from registry.security import is_safe_redirect, login_required

bp = Blueprint("core", __name__)


@bp.get("/")
def home():
    return render_template("core/home.html", counts=counts_by_level(today_in_rome()))


@bp.get("/dashboard")
@login_required
def dashboard():
    return render_template("core/dashboard.html", user=current_user,
                           checklist=first_steps(current_user))


@bp.get("/lang/<code>")
def set_language(code: str):
    if code in current_app.config["LANGUAGES"]:
        session["lang"] = code
        if current_user.is_authenticated:
            set_locale(current_user, code)
            db.session.commit()
    target = request.args.get("next")
    return redirect(target if is_safe_redirect(target) else "/")


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:
        return jsonify(status="unavailable"), 503
    return jsonify(status="ok")
