"""YAML loading that keeps line and column numbers, and `extends:` deep merge with templates.

Documents are loaded with ruamel.yaml's round-trip loader, which records where every key and value sits.
:class:`Node` pairs a plain Python value with the location of the key or value it came from, so later
validation can point at the exact spot (``schemas/shop.yaml:12:18``).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError

from mock_pipelines.schema.errors import Issue, Location, SchemaError


def load_yaml(path: str | Path, text: str | None = None) -> CommentedMap:
    """Parse a YAML file into a round-trip mapping. Syntax errors become SchemaError with a location."""
    path = Path(path)
    if text is None:
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise SchemaError([Issue(Location(str(path)), "file not found")]) from None
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    try:
        data = yaml.load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        loc = Location(str(path), mark.line + 1, mark.column + 1) if mark else Location(str(path))
        raise SchemaError([Issue(loc, f"invalid YAML: {exc.problem or exc.context}")]) from None
    except Exception as exc:  # ruamel raises a few non-marked errors, e.g. duplicate keys
        raise SchemaError([Issue(Location(str(path)), f"invalid YAML: {exc}")]) from None
    if not isinstance(data, CommentedMap):
        raise SchemaError([Issue(Location(str(path), 1, 1), "the file must contain a mapping",
                                 expected="keys such as `dataset:` and `tables:`")])
    return data


def key_location(file: str, mapping: Any, key: str) -> Location:
    """Where ``key`` sits in ``mapping`` (1-based), or the mapping itself if the key is absent."""
    if isinstance(mapping, CommentedMap):
        try:
            line, col = mapping.lc.key(key)
            return Location(file, line + 1, col + 1)
        except (KeyError, TypeError):
            return node_location(file, mapping)
    return Location(file)


def value_location(file: str, container: Any, key: str | int) -> Location:
    """Where the value at ``key`` of a mapping (or index of a sequence) sits."""
    if isinstance(container, CommentedMap | CommentedSeq):
        try:
            line, col = container.lc.value(key) if isinstance(container, CommentedMap) else container.lc.item(key)
            return Location(file, line + 1, col + 1)
        except (KeyError, TypeError, IndexError):
            return node_location(file, container)
    return Location(file)


def node_location(file: str, node: Any) -> Location:
    lc = getattr(node, "lc", None)
    if lc is not None and lc.line is not None:
        return Location(file, lc.line + 1, (lc.col or 0) + 1)
    return Location(file)


def deep_merge(base: Any, override: Any) -> Any:
    """``override`` laid over ``base``: mappings merge key by key (recursively), anything else replaces.

    The result keeps the override's location marks, so errors point at what the user wrote in the
    extending table or column; keys that come only from the template keep the template's marks.
    """
    if isinstance(base, dict) and isinstance(override, dict):
        merged = CommentedMap()
        if isinstance(override, CommentedMap):
            merged._yaml_set_line_col(override.lc.line, override.lc.col)
        for key, value in base.items():
            merged[key] = copy.deepcopy(value)
            _copy_key_mark(base, merged, key)
        for key, value in override.items():
            merged[key] = deep_merge(base[key], value) if key in base else value
            _copy_key_mark(override, merged, key)
        return merged
    return override


def _copy_key_mark(src: Any, dst: CommentedMap, key: Any) -> None:
    if isinstance(src, CommentedMap):
        try:
            kl, kc = src.lc.key(key)
            vl, vc = src.lc.value(key)
        except (KeyError, TypeError):
            return
        dst.lc.add_kv_line_col(key, [kl, kc, vl, vc])
