"""YAML loading that keeps line and column numbers, and `extends:` deep merge with templates.

Documents are loaded with ruamel.yaml's round-trip loader, which records where every key and value sits.
:class:`Node` pairs a plain Python value with the location of the key or value it came from, so later
validation can point at the exact spot (``schemas/shop.yaml:12:18``).
"""

from __future__ import annotations

import copy
import os
import stat
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.composer import Composer, ComposerError, MaxDepthExceededError
from ruamel.yaml.constructor import ConstructorError, RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError
from ruamel.yaml.events import AliasEvent
from ruamel.yaml.nodes import MappingNode, SequenceNode
from ruamel.yaml.reader import ReaderError
from ruamel.yaml.scanner import Scanner

from mock_pipelines.spec.errors import Issue, IssueCollector, Location, SchemaError

# Limits that keep a hostile or mistaken file from exhausting the tool (docs/schema-language.md, "Limits").
MAX_FILE_BYTES = 10 * 1024 * 1024  # a schema or profile larger than this is refused before it is parsed
MAX_DEPTH = 64  # nesting levels of mappings and lists
MAX_ALIAS_NODES = 10_000  # nodes that aliases (*name) may add to the document when expanded


def read_source(path: str | Path) -> str:
    """The text of a schema or profile file: a regular file of at most MAX_FILE_BYTES, in UTF-8.

    The file is opened without blocking (a FIFO never hangs the tool) and checked before it is read, so a
    directory, a device such as /dev/zero or a huge file is refused with one clear line.
    """
    path = Path(path)
    name = str(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise SchemaError([Issue(Location(name), "file not found",
                                 suggestion="check the path; schemas live in schemas/*.yaml, profiles in "
                                            "profiles/*.yaml")]) from None
    except IsADirectoryError:
        raise SchemaError([Issue(Location(name), "is a directory, not a YAML file")]) from None
    except OSError as exc:
        raise SchemaError([Issue(Location(name), f"cannot open the file: {exc.strerror or exc}")]) from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise SchemaError([Issue(Location(name), "is a directory, not a YAML file")])
        if not stat.S_ISREG(info.st_mode):
            kind = "a FIFO" if stat.S_ISFIFO(info.st_mode) else "a device" if stat.S_ISCHR(info.st_mode) or \
                stat.S_ISBLK(info.st_mode) else "a socket" if stat.S_ISSOCK(info.st_mode) else "not a file"
            raise SchemaError([Issue(Location(name), f"is {kind}, not a regular file",
                                     expected="a YAML file")])
        if info.st_size > MAX_FILE_BYTES:
            raise SchemaError([Issue(Location(name), f"is {info.st_size:,} bytes, more than the "
                                     f"{MAX_FILE_BYTES:,} a schema or profile may have",
                                     suggestion="split it into several files")])
        with os.fdopen(fd, "rb", closefd=True) as fh:
            fd = -1
            data = fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise SchemaError([Issue(Location(name), f"cannot read the file: {exc.strerror or exc}")]) from None
    finally:
        if fd >= 0:
            os.close(fd)
    if len(data) > MAX_FILE_BYTES:  # grew while being read
        raise SchemaError([Issue(Location(name), f"is more than the {MAX_FILE_BYTES:,} bytes a schema or "
                                 "profile may have")])
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = _line_col(data[:exc.start].decode("utf-8", errors="replace"))
        raise SchemaError([Issue(Location(name, line, column), f"byte 0x{data[exc.start]:02x} is not UTF-8 text "
                                 "(a binary file?)", expected="a YAML text file in UTF-8")]) from None


def _line_col(before: str) -> tuple[int, int]:
    """1-based line and column just after ``before``."""
    return before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1


class _Composer(Composer):
    """Refuses aliases that would expand the document beyond MAX_ALIAS_NODES nodes, and aliases to a
    node that contains them, while composing — before anything is constructed or copied."""

    def __init__(self, loader: Any = None) -> None:
        super().__init__(loader)
        self._sizes: dict[int, int] = {}
        self._open_anchors: list[str] = []
        self.alias_nodes = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.parser.check_event(AliasEvent):
            event = self.parser.peek_event()
            if event.anchor in self._open_anchors:
                raise ComposerError(None, None, f"alias *{event.anchor} refers to the node that contains it "
                                    "(a recursive structure)", event.start_mark)
            node = self.anchors.get(event.anchor)
            if node is not None:
                self.alias_nodes += self._size(node)
                if self.alias_nodes > MAX_ALIAS_NODES:
                    raise ComposerError(None, None, f"aliases expand the document by more than "
                                        f"{MAX_ALIAS_NODES:,} nodes (at *{event.anchor})", event.start_mark)
            return super().compose_node(parent, index)
        event = self.parser.peek_event()
        anchor = getattr(event, "anchor", None)
        if anchor is None:
            return super().compose_node(parent, index)
        self._open_anchors.append(anchor)
        try:
            return super().compose_node(parent, index)
        finally:
            self._open_anchors.pop()

    def _size(self, node: Any) -> int:
        """Nodes in ``node`` with every alias expanded (memoised: shared nodes are counted once each)."""
        known = self._sizes.get(id(node))
        if known is not None:
            return known
        if isinstance(node, MappingNode):
            size = 1 + sum(self._size(k) + self._size(v) for k, v in node.value)
        elif isinstance(node, SequenceNode):
            size = 1 + sum(self._size(v) for v in node.value)
        else:
            size = 1
        self._sizes[id(node)] = size
        return size


class _Constructor(RoundTripConstructor):
    """Keeps an impossible date (``2024-13-45``) as its text and notes where it is, so validation can
    report it with its line and go on to find every other problem."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.bad_timestamps: list[tuple[int, int, str, str]] = []

    def construct_yaml_timestamp(self, node: Any, values: Any = None) -> Any:
        try:
            return super().construct_yaml_timestamp(node, values)
        except (ValueError, OverflowError, ConstructorError) as exc:
            reason = getattr(exc, "problem", None) or str(exc)
            self.bad_timestamps.append((node.start_mark.line + 1, node.start_mark.column + 1, node.value, reason))
            return node.value


    def construct_object(self, node: Any, deep: bool = False) -> Any:
        """A value its explicit tag cannot hold (``!!int 1e5``) becomes a located error."""
        try:
            return super().construct_object(node, deep)
        except (ValueError, TypeError, OverflowError) as exc:
            raise ConstructorError(None, None, f"cannot read {node.value!r} as {node.tag}: {exc}"
                                   if isinstance(node.value, str) else f"cannot read the value: {exc}",
                                   node.start_mark) from None


_Constructor.add_constructor("tag:yaml.org,2002:timestamp", _Constructor.construct_yaml_timestamp)


def load_yaml(path: str | Path, text: str | None = None, issues: IssueCollector | None = None) -> CommentedMap:
    """Parse a YAML file into a round-trip mapping. Syntax errors become SchemaError with a location.

    Invalid dates written unquoted are kept as text; they are added to ``issues`` when given (so the
    caller goes on validating), otherwise raised as a SchemaError.
    """
    path = Path(path)
    if text is None:
        text = read_source(path)
    yaml = YAML(typ="rt")
    yaml.allow_duplicate_keys = False
    yaml.max_depth = MAX_DEPTH
    yaml.Composer = _Composer
    yaml.Constructor = _Constructor
    yaml.Scanner = Scanner  # the round-trip scanner also collects comments, which nothing reads: ~20% of a load
    try:
        data = yaml.load(text)
    except MaxDepthExceededError as exc:
        mark = exc.problem_mark
        loc = Location(str(path), mark.line + 1, mark.column + 1) if mark else Location(str(path))
        raise SchemaError([Issue(loc, f"mappings and lists are nested more than {MAX_DEPTH} levels deep",
                                 suggestion="flatten the structure")]) from None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        loc = Location(str(path), mark.line + 1, mark.column + 1) if mark else Location(str(path))
        raise SchemaError([Issue(loc, f"invalid YAML: {exc.problem or exc.context}")]) from None
    except ReaderError as exc:
        line, column = _line_col(text[:exc.position])
        char = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "\0")
        raise SchemaError([Issue(Location(str(path), line, column), f"invalid YAML: character U+{char:04X} is "
                                 "not allowed (a binary file?)",
                                 expected="a YAML text file")]) from None
    except RecursionError:
        raise SchemaError([Issue(Location(str(path)), "the document is nested too deeply to read",
                                 suggestion="flatten the structure")]) from None
    except Exception as exc:  # ruamel raises a few non-marked errors, e.g. duplicate keys
        raise SchemaError([Issue(Location(str(path)), f"invalid YAML: {exc}")]) from None
    if not isinstance(data, CommentedMap):
        raise SchemaError([Issue(Location(str(path), 1, 1), "the file must contain a mapping",
                                 expected="keys such as `dataset:` and `tables:`")])
    bad = yaml.constructor.bad_timestamps
    if bad:
        found = [Issue(Location(str(path), line, column), f"invalid date {value!r}: {reason}",
                       expected="a real date such as 2024-12-31 (or quote the text)") for line, column, value, reason
                 in bad]
        if issues is None:
            raise SchemaError(found)
        issues.issues.extend(found)
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


def node_at(doc: Any, path: Sequence[Any]) -> Any:
    """The value at ``path`` (keys of mappings, indexes of lists) in a loaded document."""
    node = doc
    for step in path:
        node = node[step]
    return node


def path_location(file: str, doc: Any, path: Sequence[Any], at_key: bool = False) -> Location:
    """Where the value at ``path`` (or, with ``at_key``, its key) is written; the document start for ``()``."""
    if not path:
        return node_location(file, doc)
    parent = node_at(doc, path[:-1])
    if at_key and isinstance(parent, dict):
        return key_location(file, parent, path[-1])
    return value_location(file, parent, path[-1])


@dataclass(frozen=True)
class ErrorPlace:
    """Where a validation error's ``loc`` (pydantic's path to the bad value) lands in the YAML document."""

    path: tuple[Any, ...]  # the leading steps of ``loc`` the document holds
    node: Any  # the value at ``path``
    on_key: bool  # the error is about the key at ``path``, not its value (pydantic's "[key]" step)
    rest: tuple[Any, ...]  # the steps the document does not hold, e.g. the name of a missing key


def locate_error(doc: Any, loc: Sequence[Any],
                 is_tag: Callable[[tuple[Any, ...], Any, Any], bool] | None = None) -> ErrorPlace:
    """Follow a validation error's ``loc`` through ``doc`` as far as the document goes.

    ``is_tag(path, node, step)`` tells the steps a model adds that the document has no key for (the tag
    of a discriminated union, which pydantic puts in ``loc`` before the fields of the chosen variant).
    """
    path: tuple[Any, ...] = ()
    node = doc
    rest = list(loc)
    while rest:
        step = rest.pop(0)
        if step == "[key]":
            return ErrorPlace(path, node, True, tuple(rest))
        if is_tag is not None and isinstance(node, dict) and is_tag(path, node, step):
            continue
        if isinstance(node, dict) and step in node:
            path, node = (*path, step), node[step]
        elif isinstance(node, list) and isinstance(step, int) and 0 <= step < len(node):
            path, node = (*path, step), node[step]
        else:
            rest.insert(0, step)
            break
    return ErrorPlace(path, node, False, tuple(rest))


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
