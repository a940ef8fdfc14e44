"""Storing scheme versions: immutable once loaded, new versions side by side."""

import json

from audits.models import SchemeVersion
from audits.scheme import DEFAULT_SCHEME_PATH
from registry.extensions import db


def _write(tmp_path, mutate=None, name="scheme.json"):
    data = json.loads(DEFAULT_SCHEME_PATH.read_text())
    if mutate:
        mutate(data)
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False))
    return path


def test_cli_loads_default_scheme_once(app, runner):
    result = runner.invoke(args=["schemes", "load", str(DEFAULT_SCHEME_PATH)])
    assert result.exit_code == 0 and "loaded" in result.output
    result = runner.invoke(args=["schemes", "load", str(DEFAULT_SCHEME_PATH)])
    assert result.exit_code == 0 and "already loaded" in result.output
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count(SchemeVersion.id))) == 1


def test_changed_file_under_existing_version_is_refused(app, runner, tmp_path):
    runner.invoke(args=["schemes", "load", str(DEFAULT_SCHEME_PATH)])

    def change(data):
        data["areas"][0]["name_it"] = "Capacità manageriale (modificata)"

    result = runner.invoke(args=["schemes", "load", str(_write(tmp_path, change))])
    assert result.exit_code != 0
    assert "già caricata con un contenuto diverso" in result.output


def test_new_version_loads_side_by_side(app, runner, tmp_path):
    runner.invoke(args=["schemes", "load", str(DEFAULT_SCHEME_PATH)])

    def bump(data):
        data["version"] = "1.1"

    result = runner.invoke(args=["schemes", "load", str(_write(tmp_path, bump))])
    assert result.exit_code == 0, result.output
    with app.app_context():
        versions = db.session.scalars(db.select(SchemeVersion.version)).all()
    assert sorted(versions) == ["1.0", "1.1"]


def test_broken_file_gives_precise_messages(app, runner, tmp_path):
    def break_it(data):
        data["areas"][0]["weight"] = 5

    result = runner.invoke(args=["schemes", "load", str(_write(tmp_path, break_it))])
    assert result.exit_code != 0
    assert "area weights add up to" in result.output


def test_admin_sees_schemes(app, client, users, login, runner):
    runner.invoke(args=["schemes", "load", str(DEFAULT_SCHEME_PATH)])
    login(users["admin"])
    body = client.get("/admin/schemes").get_data(as_text=True)
    assert "bollino-blu-cc" in body
