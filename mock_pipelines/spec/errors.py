"""Errors a person can act on: file, line and column, what was expected, and a suggestion."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Location:
    file: str
    line: int | None = None  # 1-based
    column: int | None = None  # 1-based

    def __str__(self) -> str:
        if self.line is None:
            return self.file
        return f"{self.file}:{self.line}:{self.column or 1}"


@dataclass(frozen=True)
class Issue:
    location: Location
    message: str
    expected: str | None = None
    suggestion: str | None = None

    def __str__(self) -> str:
        text = f"{self.location}: {self.message}"
        if self.expected:
            text += f" (expected {self.expected})"
        if self.suggestion:
            hint = self.suggestion
            text += f" — {hint}" if " " in hint else f" — did you mean {hint!r}?"
        return text


class SchemaError(ValueError):
    """One or more problems found in a schema or profile file. Nothing has been generated or written."""

    def __init__(self, issues: list[Issue]):
        self.issues = issues
        super().__init__("\n".join(str(i) for i in issues))


class IssueCollector:
    """Collects issues so a user sees every problem of a file in one run, not one per attempt."""

    def __init__(self) -> None:
        self.issues: list[Issue] = []

    def add(self, location: Location, message: str, expected: str | None = None,
            suggestion: str | None = None) -> None:
        self.issues.append(Issue(location, message, expected, suggestion))

    def raise_if_any(self) -> None:
        if self.issues:
            raise SchemaError(self.issues)


def suggest(name: str, candidates: Iterable[object]) -> str | None:
    """The candidate closest to a misspelt ``name``, if one is close enough to be a likely typo: what an
    :class:`Issue` offers as its ``suggestion``."""
    matches = difflib.get_close_matches(name, [str(c) for c in candidates], n=1, cutoff=0.6)
    return matches[0] if matches else None
