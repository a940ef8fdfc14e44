"""The object-store backend: any S3-compatible service (AWS S3, MinIO, Ceph, Garage…).

Several app servers pointed at one bucket share evidence files, issued PDFs and signing keys.
Downloads stream through the app (no presigned redirect), so access control stays in the
views. Exclusive writes use the conditional `If-None-Match: *` PUT, which S3 and the usual
compatible servers honour, so two servers rendering the same certificate keep the first PDF.

Settings: S3_BUCKET (required), S3_ENDPOINT_URL (for a non-AWS service; path-style
addressing is then used), S3_REGION, S3_ACCESS_KEY_ID / S3_SECRET_ACCESS_KEY (else boto3's
usual chain: environment, instance role), S3_PREFIX (a folder inside the bucket).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from typing import BinaryIO

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError
from flask import Flask, Response

from registry.storage.base import (
    CHUNK,
    AlreadyStored,
    NotStored,
    Store,
    check_key,
    content_disposition,
)

MISSING = frozenset({"404", "NoSuchKey", "NotFound"})
TAKEN = frozenset({"412", "PreconditionFailed", "409", "ConditionalRequestConflict"})
SPOOL_BYTES = 8 * 1024 * 1024


def _code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))


class S3Store(Store):
    def __init__(self, bucket: str, *, prefix: str = "", endpoint_url: str | None = None,
                 region: str | None = None, access_key_id: str | None = None,
                 secret_access_key: str | None = None):
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        config = Config(signature_version="s3v4", connect_timeout=5, read_timeout=60,
                        retries={"max_attempts": 3, "mode": "standard"},
                        s3={"addressing_style": "path" if endpoint_url else "auto"})
        self.client = boto3.session.Session().client(
            "s3", endpoint_url=endpoint_url or None, region_name=region or None,
            aws_access_key_id=access_key_id or None,
            aws_secret_access_key=secret_access_key or None, config=config)

    @classmethod
    def from_app(cls, app: Flask) -> S3Store:
        config = app.config
        return cls(config["S3_BUCKET"], prefix=config.get("S3_PREFIX") or "",
                   endpoint_url=config.get("S3_ENDPOINT_URL"), region=config.get("S3_REGION"),
                   access_key_id=config.get("S3_ACCESS_KEY_ID"),
                   secret_access_key=config.get("S3_SECRET_ACCESS_KEY"))

    def _name(self, key: str) -> str:
        return self.prefix + check_key(key)

    def put(self, key: str, fileobj: BinaryIO, *, exclusive: bool = False) -> None:
        name = self._name(key)
        extra = {"IfNoneMatch": "*"} if exclusive else {}
        seekable = getattr(fileobj, "seekable", lambda: False)()
        # A retried PUT must be able to send the body again: spool a one-way stream first.
        with tempfile.SpooledTemporaryFile(SPOOL_BYTES) as spool:
            if not seekable:
                shutil.copyfileobj(fileobj, spool, CHUNK)
                spool.seek(0)
                fileobj = spool
            try:
                self.client.put_object(Bucket=self.bucket, Key=name, Body=fileobj, **extra)
            except ClientError as error:
                if exclusive and _code(error) in TAKEN:
                    raise AlreadyStored(key) from None
                raise

    def _get(self, key: str) -> dict:
        try:
            return self.client.get_object(Bucket=self.bucket, Key=self._name(key))
        except ClientError as error:
            if _code(error) in MISSING:
                raise NotStored(key) from None
            raise

    def open(self, key: str) -> BinaryIO:
        return self._get(key)["Body"]

    def read(self, key: str) -> bytes:
        body = self._get(key)["Body"]
        try:
            return body.read()
        finally:
            body.close()

    def _head(self, key: str) -> dict:
        try:
            return self.client.head_object(Bucket=self.bucket, Key=self._name(key))
        except ClientError as error:
            if _code(error) in MISSING:
                raise NotStored(key) from None
            raise

    def exists(self, key: str) -> bool:
        try:
            self._head(key)
        except NotStored:
            return False
        return True

    def size(self, key: str) -> int:
        return int(self._head(key)["ContentLength"])

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._name(key))

    def keys(self, prefix: str = "") -> Iterator[str]:
        # Listed in UTF-8 byte order, which for keys (ASCII) is sorted order: streamed as is.
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self.prefix + prefix):
            for item in page.get("Contents", []):
                key = item["Key"][len(self.prefix):]
                if check_key_quietly(key):
                    yield key

    def send(self, key: str, mimetype: str, download_name: str) -> Response:
        result = self._get(key)
        body = result["Body"]
        response = Response(body.iter_chunks(CHUNK), mimetype=mimetype, direct_passthrough=True)
        response.headers["Content-Length"] = str(result["ContentLength"])
        response.headers["Content-Disposition"] = content_disposition(download_name)
        response.call_on_close(body.close)
        return response


def check_key_quietly(key: str) -> bool:
    try:
        check_key(key)
    except ValueError:
        return False
    return True
