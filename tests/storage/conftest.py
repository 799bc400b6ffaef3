"""Fixtures for the file-store tests: an S3-compatible server (moto's, installed by the dev extras) on a
free loopback port for the whole session, a fresh bucket per test, and `backend`, which runs a test
once on the local folder and once on the object store."""
from __future__ import annotations

import pytest

from tests.s3 import s3_endpoint, use_s3  # noqa: F401 - s3_endpoint is a fixture


@pytest.fixture(params=["local", "s3"])
def backend(request, app):
    """"local" or "s3": the app's file store for this run of the test."""
    if request.param == "s3":
        use_s3(app, request.getfixturevalue("s3_endpoint"))
    return request.param
