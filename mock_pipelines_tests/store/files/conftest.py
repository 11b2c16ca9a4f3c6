"""A tiny dataset to land, and landing places: a local folder and a bucket on a real S3 API (moto)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest

from mock_pipelines.core.engine import DatasetPlan, TablePlan
from mock_pipelines.schema.parse import load_dataset

SCHEMA = """\
dataset: ds
seed: 1
tables:
  t:
    rows: 300
    primary_key: id
    columns:
      id: {gen: sequence}
      name: {gen: first_name}
      tier: {gen: choice, values: {gold: 0.2, silver: 0.3, bronze: 0.5}}
      amount: {gen: uniform, min: 0, max: 100, null_rate: 0.2}
      ts: {gen: timestamp, start: "2024-01-01", end: "2024-02-01"}
"""
BUCKET = "mock-data"


@pytest.fixture
def table_plan(tmp_path) -> TablePlan:
    path = tmp_path / "ds.yaml"
    path.write_text(SCHEMA)
    return DatasetPlan(load_dataset(path)).table("t")


@dataclass
class Target:
    """A base URI plus how to connect, and an independent view of what is stored there."""

    kind: str
    base: str
    options: dict[str, Any] = field(default_factory=dict)
    root: Path | None = None  # local
    client: Any = None  # boto3, for S3: checks do not go through s3fs

    def objects(self) -> dict[str, int]:
        """Every stored file/object (hidden ones included) under the base → size in bytes."""
        if self.kind == "local":
            return {p.relative_to(self.root).as_posix(): p.stat().st_size
                    for p in sorted(self.root.rglob("*")) if p.is_file()}
        prefix = self.base.split(f"s3://{BUCKET}/", 1)[1].rstrip("/") + "/"
        out: dict[str, int] = {}
        for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=prefix):
            out.update({o["Key"][len(prefix):]: o["Size"] for o in page.get("Contents", [])})
        return dict(sorted(out.items()))

    def read_bytes(self, relative: str) -> bytes:
        if self.kind == "local":
            return (self.root / relative).read_bytes()
        key = self.base.split(f"s3://{BUCKET}/", 1)[1].rstrip("/") + "/" + relative
        return self.client.get_object(Bucket=BUCKET, Key=key)["Body"].read()


def local_target(tmp_path: Path) -> Target:
    root = tmp_path / "landing"
    return Target("local", str(root), root=root)


def s3_target(endpoint: str) -> Target:
    options = {"endpoint_url": endpoint, "key": os.environ["AWS_ACCESS_KEY_ID"],
               "secret": os.environ["AWS_SECRET_ACCESS_KEY"], "region": "us-east-1"}
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    return Target("s3", f"s3://{BUCKET}/landing", options, client=client)


@pytest.fixture(params=["local", "s3"])
def target(request, tmp_path) -> Target:
    if request.param == "local":
        return local_target(tmp_path)
    return s3_target(request.getfixturevalue("s3_server"))
