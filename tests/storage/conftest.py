"""An S3-compatible server for the storage tests: moto's standalone server on loopback,
started once per run; each test gets its own bucket."""

from __future__ import annotations

import uuid

import boto3
import pytest
from botocore.config import Config
from moto.server import ThreadedMotoServer

from tests.loopback import free_port

REGION = "eu-south-1"
CREDENTIALS = {"S3_ACCESS_KEY_ID": "registry-test", "S3_SECRET_ACCESS_KEY": "registry-test"}


@pytest.fixture(scope="session")
def s3_endpoint():
    """The URL of a running S3-compatible server (moto, over HTTP on 127.0.0.1)."""
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3_settings(s3_endpoint):
    """App settings for STORAGE_BACKEND=s3 on a fresh, empty bucket."""
    bucket = f"registry-{uuid.uuid4().hex[:12]}"
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name=REGION,
                          aws_access_key_id=CREDENTIALS["S3_ACCESS_KEY_ID"],
                          aws_secret_access_key=CREDENTIALS["S3_SECRET_ACCESS_KEY"],
                          config=Config(s3={"addressing_style": "path"}))
    client.create_bucket(Bucket=bucket,
                         CreateBucketConfiguration={"LocationConstraint": REGION})
    return {"STORAGE_BACKEND": "s3", "S3_BUCKET": bucket, "S3_ENDPOINT_URL": s3_endpoint,
            "S3_REGION": REGION, **CREDENTIALS}
