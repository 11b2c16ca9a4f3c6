"""Validation errors located in the YAML document: a model's path to a bad value becomes file:line:col."""

from __future__ import annotations

from typing import Any

from mock_pipelines.spec.errors import Location
from mock_pipelines.spec.yaml_source import load_yaml, locate_error, node_at, path_location

TEXT = """\
name: demo
sinks:
  - kind: files
    path: out
    format: parket
  - kind: sql
    url: sqlite://
limits: {rows: many}
"""


def _doc(tmp_path: Any) -> Any:
    return load_yaml(tmp_path / "p.yaml", TEXT)


def test_a_path_the_document_holds_is_followed_to_its_value(tmp_path: Any) -> None:
    place = locate_error(_doc(tmp_path), ("sinks", 0, "format"))
    assert place.path == ("sinks", 0, "format") and place.node == "parket"
    assert not place.on_key and place.rest == ()
    assert path_location("p.yaml", _doc(tmp_path), place.path) == Location("p.yaml", 5, 13)


def test_a_missing_key_is_left_in_rest_and_located_at_its_mapping(tmp_path: Any) -> None:
    doc = _doc(tmp_path)
    place = locate_error(doc, ("sinks", 1, "table"))
    assert place.path == ("sinks", 1) and place.rest == ("table",)
    assert path_location("p.yaml", doc, place.path) == Location("p.yaml", 6, 5)


def test_an_error_about_a_key_points_at_the_key(tmp_path: Any) -> None:
    doc = _doc(tmp_path)
    place = locate_error(doc, ("limits", "rows", "[key]"))
    assert place.on_key and place.path == ("limits", "rows")
    assert path_location("p.yaml", doc, place.path, at_key=True) == Location("p.yaml", 8, 10)


def test_a_union_tag_the_model_adds_is_skipped(tmp_path: Any) -> None:
    doc = _doc(tmp_path)
    loc = ("sinks", 0, "files", "format")
    assert locate_error(doc, loc).rest == ("files", "format")
    place = locate_error(doc, loc, is_tag=lambda path, node, step: node.get("kind") == step)
    assert place.path == ("sinks", 0, "format") and place.rest == ()


def test_the_empty_path_is_the_document(tmp_path: Any) -> None:
    doc = _doc(tmp_path)
    assert node_at(doc, ()) is doc
    assert path_location("p.yaml", doc, ()) == Location("p.yaml", 1, 1)
