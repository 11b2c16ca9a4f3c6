"""Fixtures that start real services for the tests of every package.

``s3_server``: a real S3 API (moto's threaded HTTP server on 127.0.0.1) — s3fs/aiobotocore cannot use
moto's in-process ``mock_aws``. One server per test session; every test starts from an empty store and
sees dummy credentials only. If it cannot start, the test is skipped, or fails when
``MOCK_PIPELINES_REQUIRE_SERVICES=1`` (CI).
"""

from __future__ import annotations

import os
import threading
import urllib.request

import pytest

REQUIRE_SERVICES = "MOCK_PIPELINES_REQUIRE_SERVICES"


def _unavailable(reason: str) -> None:
    if os.environ.get(REQUIRE_SERVICES) == "1":
        pytest.fail(f"{reason} ({REQUIRE_SERVICES}=1 requires it)")
    pytest.skip(f"{reason}; set {REQUIRE_SERVICES}=1 to make this a failure")


@pytest.fixture(scope="session")
def _moto_endpoint():
    try:
        from moto.server import ThreadedMotoServer
    except ImportError as exc:
        _unavailable(f"moto[server] is not installed: {exc}")
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    starter = threading.Thread(target=server.start, daemon=True)  # start() waits forever if bind fails
    starter.start()
    starter.join(timeout=20)
    if starter.is_alive() or server._server is None:
        _unavailable("the moto S3 server did not start on 127.0.0.1")
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def s3_server(_moto_endpoint, monkeypatch):
    """Endpoint URL of an empty S3 server; dummy AWS credentials in the environment for this test only."""
    for name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN", "AWS_ENDPOINT_URL",
                 "AWS_ENDPOINT_URL_S3"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    no_proxy = ",".join(filter(None, ["127.0.0.1", "localhost", os.environ.get("NO_PROXY")]))
    monkeypatch.setenv("NO_PROXY", no_proxy)
    monkeypatch.setenv("no_proxy", no_proxy)
    request = urllib.request.Request(f"{_moto_endpoint}/moto-api/reset", method="POST")
    with urllib.request.build_opener(urllib.request.ProxyHandler({})).open(request, timeout=10):
        pass  # every test starts from an empty store
    yield _moto_endpoint
