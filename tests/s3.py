"""An S3-compatible server for the tests: moto's (``moto[server]``, a dev extra) on a free loopback
port, started once per test session. `use_s3(app, endpoint)` points an app's file store at a new bucket
of it; `s3_options` are the client settings an app (or a subprocess, as AWS_* variables) needs."""
from __future__ import annotations

import secrets

import pytest

from tests import servers

ACCESS_KEY = "kopedu-test"
SECRET_KEY = "kopedu-test-secret"
REGION = "us-east-1"


@pytest.fixture(scope="session")
def s3_endpoint():
    try:
        from moto.server import ThreadedMotoServer
    except ImportError:
        servers.missing("moto[server] (pip install -e '.[dev]')")
    port = servers.free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()


def s3_options(endpoint: str) -> dict:
    return {"endpoint_url": endpoint, "aws_access_key_id": ACCESS_KEY, "aws_secret_access_key": SECRET_KEY,
            "region_name": REGION}


def s3_env(endpoint: str) -> dict:
    """The standard variables, for a process that configures itself from its environment."""
    return {"AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_REGION": REGION}


def client(endpoint: str):
    import boto3

    options = s3_options(endpoint)
    return boto3.client("s3", **options)


def new_bucket(endpoint: str) -> str:
    name = f"kopedu-{secrets.token_hex(6)}"
    client(endpoint).create_bucket(Bucket=name)
    return name


def use_s3(app, endpoint: str, prefix: str = "berkas") -> str:
    """Point the app's file store at a new bucket (under `prefix`); returns the bucket's name."""
    bucket = new_bucket(endpoint)
    app.config.update(STORAGE=f"s3://{bucket}/{prefix}", STORAGE_S3_OPTIONS=s3_options(endpoint))
    return bucket


def keys(endpoint: str, bucket: str) -> list[str]:
    answer = client(endpoint).list_objects_v2(Bucket=bucket)
    return sorted(item["Key"] for item in answer.get("Contents", []))
