"""Fixtures that start real services for the tests of every package.

The vocabulary cache of a test session is a temporary folder of its own (removed at the end), so the tests
never write into the user's ~/.cache and always start from an empty cache.

``s3_server``: a real S3 API (moto's threaded HTTP server on 127.0.0.1) — s3fs/aiobotocore cannot use
moto's in-process ``mock_aws``. One server per test session; every test starts from an empty store and
sees dummy credentials only. If it cannot start, the test is skipped, or fails when
``MOCK_PIPELINES_REQUIRE_SERVICES=1`` (CI).
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import urllib.request

import pytest

from mock_pipelines.core.vocab_cache import CACHE_DIR_ENV

REQUIRE_SERVICES = "MOCK_PIPELINES_REQUIRE_SERVICES"
_CACHE_FOLDER = pytest.StashKey[str]()


def pytest_configure(config: pytest.Config) -> None:
    folder = tempfile.mkdtemp(prefix="mock-pipelines-test-cache-")
    config.stash[_CACHE_FOLDER] = folder
    os.environ[CACHE_DIR_ENV] = folder  # inherited by the commands the tests run


def pytest_unconfigure(config: pytest.Config) -> None:
    folder = config.stash.get(_CACHE_FOLDER, None)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


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


# ---- real database servers ------------------------------------------------------------------------------
# URLs come from the environment (.ci/run exports both after making sure the servers run). Each test gets
# a namespace of its own — a PostgreSQL schema, a MariaDB/MySQL database — dropped afterwards, so tests
# running in parallel never see each other's tables.
POSTGRES_URL_ENV = "MOCK_PIPELINES_TEST_POSTGRES_URL"  # e.g. postgresql+psycopg://postgres@127.0.0.1:5432/test
MYSQL_URL_ENV = "MOCK_PIPELINES_TEST_MYSQL_URL"  # e.g. mysql+pymysql://root@127.0.0.1:3306/test


def _server_url(env: str) -> str:
    url = os.environ.get(env)
    if not url:
        _unavailable(f"{env} is not set (the SQLAlchemy URL of a test server)")
    return url  # type: ignore[return-value]


def _connect_or_unavailable(url: str, env: str):
    import sqlalchemy as sa

    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as exc:  # any failure to connect means the server is unavailable
        engine.dispose()
        _unavailable(f"cannot connect to the server at ${env}: {type(exc).__name__}: {str(exc).splitlines()[0]}")
    return engine


@pytest.fixture
def postgres_db():
    """``(url, schema)``: a real PostgreSQL server and an empty schema of this test's own."""
    import uuid

    import sqlalchemy as sa

    url = _server_url(POSTGRES_URL_ENV)
    engine = _connect_or_unavailable(url, POSTGRES_URL_ENV)
    schema = f"mp_test_{uuid.uuid4().hex[:12]}"
    with engine.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield url, schema
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        engine.dispose()


@pytest.fixture
def mysql_db():
    """``(url, database)``: a real MariaDB/MySQL server and an empty database of this test's own; the URL
    points at that database."""
    import uuid

    import sqlalchemy as sa

    base = _server_url(MYSQL_URL_ENV)
    engine = _connect_or_unavailable(base, MYSQL_URL_ENV)
    database = f"mp_test_{uuid.uuid4().hex[:12]}"
    with engine.begin() as conn:
        conn.execute(sa.text(f"CREATE DATABASE `{database}` CHARACTER SET utf8mb4"))
    try:
        yield sa.make_url(base).set(database=database).render_as_string(hide_password=False), database
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text(f"DROP DATABASE IF EXISTS `{database}`"))
        engine.dispose()
