"""The firm's pages: profile, operating sites, members."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("firms", __name__, url_prefix="/firm")
