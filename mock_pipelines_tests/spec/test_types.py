"""The logical-type vocabulary: one enum, read by the model, the generator registry and every backend mapping."""

from __future__ import annotations

import json

import pytest

from mock_pipelines.core import registry
from mock_pipelines.core.engine import ARROW_TYPES, arrow_type
from mock_pipelines.quality.rules import PANDAS_DTYPES
from mock_pipelines.spec.model import ColumnType
from mock_pipelines.spec.types import NUMERIC_TYPES, TEMPORAL_TYPES, TEXT_TYPES, WRITTEN_TYPES, LogicalType


def test_a_type_is_its_written_name() -> None:
    assert LogicalType.TIMESTAMP == "timestamp"
    assert f"{LogicalType.DECIMAL}" == "decimal"
    assert json.dumps({"type": LogicalType.UUID}) == '{"type": "uuid"}'  # spec hashes stay what they were
    assert {"int": 1}[LogicalType.INT] == 1


@pytest.mark.parametrize("written", [t.value for t in WRITTEN_TYPES])
def test_every_written_type_parses_to_its_member(written: str) -> None:
    parsed = ColumnType.parse(written)
    assert parsed.name is LogicalType(written)
    assert str(parsed) == (written if written != "decimal" else "decimal(18,2)")
    assert type(str(parsed)) is str  # what reaches Dagster metadata and messages is a plain string


def test_auto_is_never_written() -> None:
    assert LogicalType.AUTO not in WRITTEN_TYPES
    with pytest.raises(ValueError):
        ColumnType.parse("auto")


def test_a_type_given_by_name_becomes_the_member() -> None:
    assert ColumnType("float").name is LogicalType.FLOAT  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        ColumnType("integer")  # type: ignore[arg-type]


def test_the_families_cover_the_written_types_once() -> None:
    families = [NUMERIC_TYPES, TEMPORAL_TYPES, TEXT_TYPES, {LogicalType.BOOL}]
    assert sorted(t for f in families for t in f) == sorted(WRITTEN_TYPES)


def test_every_backend_mapping_knows_every_written_type() -> None:
    for t in WRITTEN_TYPES:
        assert t in PANDAS_DTYPES
        assert arrow_type(ColumnType(t, 12, 2) if t is LogicalType.DECIMAL else ColumnType(t)) is not None
    assert set(ARROW_TYPES) == set(WRITTEN_TYPES) - {LogicalType.DECIMAL}  # decimal: from precision and scale


def test_every_generator_returns_a_logical_type() -> None:
    generators = registry.catalogue()
    assert generators
    for gen in generators:
        assert isinstance(gen.returns, LogicalType) and gen.returns in WRITTEN_TYPES, gen.name
