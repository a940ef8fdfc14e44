"""Bollino Blu: the public certification registry for Italian contact-centre outsourcers."""

from registry.app import create_app

__all__ = ["create_app"]
