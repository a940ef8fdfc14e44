"""The storage interface, the same contract on both backends: the instance folder and an
S3-compatible object store reached over HTTP (moto's server on loopback)."""

from __future__ import annotations

import io
import os
import stat

import pytest

from registry.config import ConfigurationError
from registry.storage import AlreadyStored, LocalStore, NotStored, get_store
from registry.storage.s3 import S3Store

SHA = "ab" + "0" * 62
UPLOAD = f"uploads/ab/{SHA}"


class OneWay(io.RawIOBase):
    """A stream that can only be read forward, like a socket."""

    def __init__(self, data: bytes):
        self._inner = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        chunk = self._inner.read(len(buffer))
        buffer[:len(chunk)] = chunk
        return len(chunk)


def local_store(tmp_path) -> LocalStore:
    return LocalStore({"uploads": tmp_path / "uploads", "certificates": tmp_path / "certs",
                       "keys": tmp_path / "keys"})


def s3_store(settings: dict, prefix: str = "") -> S3Store:
    return S3Store(settings["S3_BUCKET"], prefix=prefix,
                   endpoint_url=settings["S3_ENDPOINT_URL"], region=settings["S3_REGION"],
                   access_key_id=settings["S3_ACCESS_KEY_ID"],
                   secret_access_key=settings["S3_SECRET_ACCESS_KEY"])


@pytest.fixture(params=["local", "s3"])
def store(request, tmp_path):
    if request.param == "local":
        return local_store(tmp_path)
    return s3_store(request.getfixturevalue("s3_settings"), prefix="registry/")


def test_put_then_read_open_exists_size(store):
    store.put(UPLOAD, io.BytesIO(b"%PDF-1.7 evidence"))
    assert store.exists(UPLOAD)
    assert store.read(UPLOAD) == b"%PDF-1.7 evidence"
    with store.open(UPLOAD) as stream:
        assert stream.read(5) == b"%PDF-"
        assert stream.read() == b"1.7 evidence"
    assert store.size(UPLOAD) == len(b"%PDF-1.7 evidence")


def test_put_from_a_one_way_stream_and_large_object(store):
    data = os.urandom(3 * 1024 * 1024 + 17)
    store.put("certificates/BB-2026-00001-r1.pdf", io.BufferedReader(OneWay(data)))
    assert store.read("certificates/BB-2026-00001-r1.pdf") == data
    assert store.size("certificates/BB-2026-00001-r1.pdf") == len(data)


def test_put_replaces_but_exclusive_put_keeps_the_first(store):
    store.put_bytes("keys/pdf-signing.pem", b"one")
    store.put_bytes("keys/pdf-signing.pem", b"two")
    assert store.read("keys/pdf-signing.pem") == b"two"
    with pytest.raises(AlreadyStored):
        store.put_bytes("keys/pdf-signing.pem", b"three", exclusive=True)
    assert store.read("keys/pdf-signing.pem") == b"two"
    store.put_bytes("keys/qr-new.pem", b"fresh", exclusive=True)
    assert store.read("keys/qr-new.pem") == b"fresh"


def test_missing_keys(store):
    assert not store.exists(UPLOAD)
    for call in (store.open, store.read, store.size):
        with pytest.raises(NotStored):
            call(UPLOAD)
    store.delete(UPLOAD)  # deleting what is not there is not an error


def test_delete(store):
    store.put_bytes(UPLOAD, b"x")
    store.delete(UPLOAD)
    assert not store.exists(UPLOAD)
    assert list(store.keys()) == []


def test_keys_lists_every_object_in_order_and_by_prefix(store):
    wanted = ["certificates/BB-2026-00002-r1.pdf", "certificates/BB-2026-00001-r2.pdf",
              "keys/qr-abc.pem", UPLOAD, "uploads/cd/" + "cd" + "1" * 62]
    for key in wanted:
        store.put_bytes(key, key.encode())
    assert list(store.keys()) == sorted(wanted)
    assert list(store.keys("certificates/")) == sorted(wanted[:2])
    assert list(store.keys("uploads/ab")) == [UPLOAD]
    assert list(store.keys("nothing/")) == []


@pytest.mark.parametrize("key", ["../etc/passwd", "/etc/passwd", "uploads/../keys/x",
                                 "uploads//x", "uploads/.hidden", "uploads/a b", "", "keys/",
                                 "uploads/x\x00", "uploads\\x"])
def test_keys_that_could_leave_their_folder_are_refused(store, key):
    with pytest.raises(ValueError):
        store.put_bytes(key, b"x")
    with pytest.raises(ValueError):
        store.exists(key)


def test_send_streams_an_attachment(store, app):
    data = os.urandom(2 * 1024 * 1024 + 5)
    store.put_bytes(UPLOAD, data)
    with app.test_request_context():
        response = store.send(UPLOAD, "application/pdf", "verbale.pdf")
        response.direct_passthrough = False
        body = response.get_data()
        response.close()
    assert body == data
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == (
        "attachment; filename=\"verbale.pdf\"; filename*=UTF-8''verbale.pdf")
    assert int(response.headers["Content-Length"]) == len(data)
    with app.test_request_context(), pytest.raises(NotStored):
        store.send("uploads/ff/" + "f" * 64, "application/pdf", "x.pdf")


# Backend-specific ---------------------------------------------------------------------------

def test_local_layout_is_the_one_existing_instances_have(tmp_path):
    store = local_store(tmp_path)
    store.put_bytes(UPLOAD, b"evidence")
    store.put_bytes("certificates/BB-2026-00001-r1.pdf", b"%PDF")
    store.put_bytes("keys/qr-abc.pem", b"secret")
    assert (tmp_path / "uploads" / "ab" / SHA).read_bytes() == b"evidence"
    assert (tmp_path / "certs" / "BB-2026-00001-r1.pdf").read_bytes() == b"%PDF"
    key_file = tmp_path / "keys" / "qr-abc.pem"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "keys").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "uploads" / "ab" / SHA).stat().st_mode) == 0o440
    # A temporary file left by a killed write, and a stray file, are not keys.
    (tmp_path / "keys" / ".qr-abc.pem.x1.tmp").write_bytes(b"half")
    (tmp_path / "keys" / "notes about keys.txt").write_text("x")
    assert list(store.keys()) == ["certificates/BB-2026-00001-r1.pdf", "keys/qr-abc.pem",
                                  UPLOAD]
    with pytest.raises(ValueError):
        store.put_bytes("other/x", b"no folder for it")


def test_s3_prefix_keeps_two_registries_apart_in_one_bucket(s3_settings):
    first, second = s3_store(s3_settings, "one"), s3_store(s3_settings, "two/")
    first.put_bytes("keys/qr-a.pem", b"a")
    second.put_bytes("keys/qr-b.pem", b"b")
    assert list(first.keys()) == ["keys/qr-a.pem"]
    assert list(second.keys()) == ["keys/qr-b.pem"]
    assert not second.exists("keys/qr-a.pem")


# Configuration ------------------------------------------------------------------------------

@pytest.mark.parametrize(("settings", "message"), [
    ({"STORAGE_BACKEND": "ftp"}, "REGISTRY_STORAGE_BACKEND"),
    ({"STORAGE_BACKEND": "s3"}, "REGISTRY_S3_BUCKET"),
])
def test_storage_settings_are_checked_at_start(make_app, settings, message):
    with pytest.raises(ConfigurationError, match=message):
        make_app(**settings)


def test_the_app_uses_the_configured_backend(make_app, s3_settings, tmp_path):
    with make_app().app_context():
        local = get_store()
        assert isinstance(local, LocalStore)
        assert local.folders["certificates"] == tmp_path / "certificates"
    with make_app(**s3_settings, S3_PREFIX="/registro/").app_context():
        remote = get_store()
        assert isinstance(remote, S3Store)
        assert (remote.bucket, remote.prefix) == (s3_settings["S3_BUCKET"], "registro/")
