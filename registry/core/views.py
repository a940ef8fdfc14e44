"""Home page, personal dashboard, language switch and health check."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, current_app, jsonify, redirect, render_template, request, session
from flask_login import current_user
from sqlalchemy import text

from audits.schemes_store import current_levels
from registry.accounts.services import set_locale
from registry.applications.first_steps import first_steps
from registry.db import today_in_rome
from registry.extensions import db
from registry.public.register import counts_by_level
from registry.security import is_safe_redirect, login_required

bp = Blueprint("core", __name__)


@bp.get("/")
def home():
    return render_template("core/home.html", counts=counts_by_level(today_in_rome()),
                           levels=current_levels())


def _legal() -> dict:
    """What the legal pages state about whoever runs this register (from the config)."""
    config = current_app.config
    return {"controller": config["CONTROLLER_NAME"], "address": config["CONTROLLER_ADDRESS"],
            "contact": config["CONTACT_EMAIL"], "dpo": config["DPO_EMAIL"],
            "reviewed_on": dt.date.fromisoformat(config["ACCESSIBILITY_REVIEWED_ON"]),
            "upload_mb": config["MAX_UPLOAD_MB"], "confirm_hours": config[
                "FOLLOW_CONFIRM_MAX_AGE"] // 3600,
            "idle_minutes": config["SESSION_IDLE_MINUTES"],
            "max_hours": config["SESSION_MAX_HOURS"]}


@bp.get("/accessibility")
def accessibility():
    return render_template("core/accessibility.html", legal=_legal())


@bp.get("/privacy")
def privacy():
    return render_template("core/privacy.html", legal=_legal())


@bp.get("/legal")
def legal_notes():
    return render_template("core/legal_notes.html", legal=_legal())


@bp.get("/contacts")
def contacts():
    return render_template("core/contacts.html", legal=_legal())


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
