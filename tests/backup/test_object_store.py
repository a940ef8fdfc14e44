"""Backup and restore with the object-store backend: the archive holds what the bucket held,
and a restore into another, empty bucket serves the same bytes."""

from __future__ import annotations

import uuid

import boto3
from botocore.config import Config

from registry.storage import get_store
from tests.backup.test_backup_restore import build_state, run
from tests.steps import client_for


def _empty_bucket_like(settings: dict) -> dict:
    bucket = f"registry-restore-{uuid.uuid4().hex[:10]}"
    client = boto3.client("s3", endpoint_url=settings["S3_ENDPOINT_URL"],
                          region_name=settings["S3_REGION"],
                          aws_access_key_id=settings["S3_ACCESS_KEY_ID"],
                          aws_secret_access_key=settings["S3_SECRET_ACCESS_KEY"],
                          config=Config(s3={"addressing_style": "path"}))
    client.create_bucket(Bucket=bucket,
                         CreateBucketConfiguration={"LocationConstraint": settings["S3_REGION"]})
    return {**settings, "S3_BUCKET": bucket}


def test_round_trip_from_one_bucket_into_another(make_app, s3_settings, tmp_path, passphrase,
                                                 new_database, target_app):
    app = make_app(**s3_settings)
    state = build_state(app)
    with app.app_context():
        source_keys = list(get_store().keys())
    assert any(key.startswith("uploads/") for key in source_keys)
    assert any(key.startswith("keys/") for key in source_keys)

    archive = tmp_path / "registry-backup.zip"
    assert run(app, "backup", str(archive), "--passphrase-env", passphrase).exit_code == 0

    target_settings = _empty_bucket_like(s3_settings)
    restored = target_app(new_database(), AUTO_CREATE_KEYS=False, **target_settings)
    result = run(restored, "restore", str(archive), "--passphrase-env", passphrase)
    assert result.exit_code == 0, result.output
    with restored.app_context():
        assert list(get_store().keys()) == source_keys
    client = restored.test_client()
    assert client.get(f"/certificates/{state['number']}.pdf").data == state["pdf"]
    assert client_for(restored, state["owner"]).get(state["download"]).data == state["evidence"]


def _sizes() -> dict[str, int]:
    store = get_store()
    return {key: store.size(key) for key in store.keys(prefix="")}


def test_restore_refuses_a_bucket_that_is_not_empty(make_app, s3_settings, tmp_path, passphrase,
                                                    new_database, target_app):
    app = make_app(**s3_settings)
    build_state(app)
    archive = tmp_path / "registry-backup.zip"
    assert run(app, "backup", str(archive), "--passphrase-env", passphrase).exit_code == 0
    # The same bucket the backup came from: not empty, so refused and left as it was.
    restored = target_app(new_database(), AUTO_CREATE_KEYS=False, **s3_settings)
    with restored.app_context():
        before = _sizes()
    result = run(restored, "restore", str(archive), "--passphrase-env", passphrase)
    assert result.exit_code == 1
    with restored.app_context():
        assert _sizes() == before
