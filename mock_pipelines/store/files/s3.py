"""S3 through boto3 and s3fs: connection settings, a probe that the endpoint answers, creating a bucket.

Every S3 connection here has a connect timeout and bounded retries, like the SQL destinations; an endpoint
that does not answer is reported in one line naming it, never its credentials.
"""

from __future__ import annotations

import os
import time
from typing import Any
from urllib.parse import urlsplit, urlunsplit

_S3 = ("s3", "s3a")

# S3 connections: like the SQL destinations' retries (3 retries, 1 s doubling), bounded and with a connect
# timeout. Before anything is streamed, the endpoint is probed; a connection failure is retried with backoff
# and then reported in one line naming the endpoint (never credentials). Mid-stream, botocore's standard
# retry mode makes S3_ATTEMPTS attempts per request.
S3_ATTEMPTS = 4
S3_RETRY_DELAY_SECONDS = 1.0
S3_CONNECT_TIMEOUT_SECONDS = 5
S3_READ_TIMEOUT_SECONDS = 60


class S3Unreachable(ConnectionError):
    """The S3 endpoint did not answer (after the retries). The message is one line, without credentials."""


def _endpoint_label(endpoint_url: str | None) -> str:
    """An endpoint for a message: without user name or password (``http://user:pw@host`` → ``http://host``)."""
    if not endpoint_url:
        return "the default AWS S3 endpoint"
    parts = urlsplit(endpoint_url)
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return "S3 endpoint " + (urlunsplit((parts.scheme, host, parts.path, "", "")) if parts.scheme else host)


def _s3_config_kwargs(max_attempts: int) -> dict[str, Any]:
    return {"connect_timeout": S3_CONNECT_TIMEOUT_SECONDS, "read_timeout": S3_READ_TIMEOUT_SECONDS,
            "retries": {"max_attempts": max_attempts, "mode": "standard"}}


def _unreachable_reason(exc: BaseException) -> str | None:
    """Why a request did not reach S3, or None when it did (any answer, even an error, means it did)."""
    from botocore.exceptions import ConnectionClosedError, ConnectionError, ReadTimeoutError

    if isinstance(exc, ConnectionError):
        name = type(exc).__name__
        if "Timeout" in name:
            return f"no answer within the {S3_CONNECT_TIMEOUT_SECONDS}s connect timeout"
        return "cannot connect (connection refused, unknown host or no route)"
    if isinstance(exc, ConnectionClosedError | ReadTimeoutError):
        return "the connection was closed or timed out"
    return None


def probe_s3(bucket: str, endpoint_url: str | None = None, key: str | None = None, secret: str | None = None,
             region: str | None = None, *, attempts: int | None = None, delay: float | None = None) -> None:
    """Check that the S3 endpoint answers (``HEAD`` of the bucket; any answer will do), trying a failed
    connection ``attempts`` times in all (default S3_ATTEMPTS) with a doubling delay (first
    S3_RETRY_DELAY_SECONDS). Raises :class:`S3Unreachable`."""
    attempts = S3_ATTEMPTS if attempts is None else attempts
    delay = S3_RETRY_DELAY_SECONDS if delay is None else delay
    client = s3_client(endpoint_url, key, secret, region, max_attempts=1)
    started = time.perf_counter()
    for attempt in range(1, attempts + 1):
        try:
            client.head_bucket(Bucket=bucket)
            return
        except Exception as exc:
            reason = _unreachable_reason(exc)
            if reason is None:
                return  # the endpoint answered (404, 403, …): the operation itself reports that
            if attempt == attempts:
                raise S3Unreachable(
                    f"{_endpoint_label(endpoint_url)} is unreachable: {reason}; {attempts} attempts "
                    f"over {time.perf_counter() - started:.1f}s. Check the destination's endpoint_url and that "
                    "the server is running") from None
            time.sleep(delay * 2 ** (attempt - 1))


def is_s3(base: str) -> bool:
    return base.split("://", 1)[0].lower() in _S3 if "://" in base else False


def s3_storage_options(endpoint_url: str | None = None, key: str | None = None, secret: str | None = None,
                       region: str | None = None, **extra: Any) -> dict[str, Any]:
    """s3fs keyword arguments; ``None`` values fall back to the usual AWS chain (environment, profile)."""
    options: dict[str, Any] = {"use_listings_cache": False, **extra}  # other writers change listings
    options["config_kwargs"] = {**_s3_config_kwargs(S3_ATTEMPTS), **options.get("config_kwargs", {})}
    if endpoint_url:
        options["endpoint_url"] = endpoint_url
    if key:
        options["key"] = key
    if secret:
        options["secret"] = secret
    if region:
        options["client_kwargs"] = {**options.get("client_kwargs", {}), "region_name": region}
    return options


def s3_client(endpoint_url: str | None = None, key: str | None = None, secret: str | None = None,
              region: str | None = None, max_attempts: int = S3_ATTEMPTS):
    """A boto3 S3 client with the connect timeout and bounded retries of every S3 connection here."""
    import boto3
    from botocore.config import Config

    return boto3.client("s3", endpoint_url=endpoint_url or None, aws_access_key_id=key or None,
                        aws_secret_access_key=secret or None, region_name=region or None,
                        config=Config(**_s3_config_kwargs(max_attempts)))


def ensure_bucket(uri: str | os.PathLike[str], endpoint_url: str | None = None, key: str | None = None,
                  secret: str | None = None, region: str | None = None) -> bool:
    """Create the bucket of an ``s3://`` URI if it does not exist (a local base: create the folder).
    Returns True when something was created."""
    uri = os.fspath(uri)
    if not is_s3(uri):
        path = uri.removeprefix("file://")
        if "://" in path or os.path.isdir(path):
            return False
        os.makedirs(path, exist_ok=True)
        return True
    from botocore.exceptions import ClientError

    bucket = uri.split("://", 1)[1].split("/", 1)[0]
    probe_s3(bucket, endpoint_url, key, secret, region)
    client = s3_client(endpoint_url, key, secret, region)
    try:
        client.head_bucket(Bucket=bucket)
        return False
    except ClientError as exc:
        if exc.response.get("Error", {}).get("Code") not in ("404", "NoSuchBucket", "NotFound"):
            raise
    kwargs: dict[str, Any] = {"Bucket": bucket}
    if region and region != "us-east-1":
        kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
    try:
        client.create_bucket(**kwargs)
    except ClientError as exc:  # created meanwhile by another process: fine
        if exc.response.get("Error", {}).get("Code") not in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
            raise
        return False
    return True
