"""Which severity a check has in a run, and whether its failure stops the run: one resolver for the Dagster
checks, the report and the CLI.

A rule is derived with a default severity: ``error`` for the exact rules (keys, references, nulls, types,
value sets, ranges, formats, orders, sums, a fixed row count, user expectations unless they say
``severity: warn``), ``warn`` for the statistical ones (distributions, null shares, row-count bands).
A profile's ``checks:`` section then decides what is in force:

* ``severity: warn`` turns every check into a warning; ``severity: error`` (the default) keeps the defaults;
* ``overrides`` set ``error``, ``warn`` or ``off`` per key, the most specific key winning: ``table.check``
  or ``check`` (exact), then a glob on either (``*__email``, ``orders.null_rate__*``), then ``kind:<kind>``
  (``kind:distribution``).

A check in force at ``error`` *blocks*: its failure fails the check step (the tables downstream of its table
do not run), fails ``mock-pipelines run`` and makes ``mock-pipelines report`` exit 1. A ``warn`` check never
fails anything; ``off`` drops the check.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Protocol, TypeVar

SEVERITIES = ("error", "warn", "off")
DEFAULT_SEVERITIES = ("error", "warn")
KIND_PREFIX = "kind:"


class _Checked(Protocol):
    name: str
    table: str
    kind: str
    severity: str
    blocking: bool


R = TypeVar("R", bound=_Checked)


def blocks(severity: str | None) -> bool:
    """Whether a failed check of this severity fails the run (``error``, or no severity given)."""
    return str(severity or "error").lower() == "error"


def is_glob(key: str) -> bool:
    return any(ch in key for ch in "*?[")


@dataclass(frozen=True)
class Severity:
    """The severity in force and whether a failure blocks."""

    level: str  # error | warn | off
    blocking: bool


@dataclass(frozen=True)
class SeverityPolicy:
    """A profile's ``checks:`` section as a resolver: ``default`` (``error`` keeps each rule's own
    severity, ``warn`` lowers every rule) and ``overrides`` (key → ``error`` | ``warn`` | ``off``)."""

    default: str = "error"
    overrides: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.default not in DEFAULT_SEVERITIES:
            raise ValueError(f"default severity must be error or warn, not {self.default!r}")
        for key, value in self.overrides.items():
            if value not in SEVERITIES:
                raise ValueError(f"severity of {key!r} must be one of {', '.join(SEVERITIES)}, not {value!r}")

    @classmethod
    def of(cls, checks: Any) -> SeverityPolicy:
        """A policy from a profile's ``Checks``, a plain mapping of overrides, another policy or None."""
        if checks is None:
            return cls()
        if isinstance(checks, SeverityPolicy):
            return checks
        if isinstance(checks, Mapping):
            return cls(overrides=dict(checks))
        return cls(default=checks.severity, overrides=dict(checks.overrides))

    def override(self, name: str, table: str, kind: str) -> str | None:
        """The override that applies to a check (None when no key names it)."""
        qualified = f"{table}.{name}"
        exact = {k: v for k, v in self.overrides.items() if not k.startswith(KIND_PREFIX) and not is_glob(k)}
        level = exact.get(qualified) or exact.get(name)
        if level is None:
            level = next((v for k, v in self.overrides.items() if not k.startswith(KIND_PREFIX) and is_glob(k)
                          and (fnmatch.fnmatchcase(qualified, k) or fnmatch.fnmatchcase(name, k))), None)
        if level is None:
            level = self.overrides.get(KIND_PREFIX + kind)
        return level

    def resolve(self, name: str, table: str, kind: str, default: str = "error") -> Severity:
        """The severity in force for a check named ``name`` of ``table`` whose rule defaults to ``default``."""
        level = self.override(name, table, kind)
        if level is None:
            level = "warn" if self.default == "warn" else default
        return Severity(level, level == "error")

    def apply(self, rules: Iterable[R]) -> list[R]:
        """Copies of ``rules`` with the severity in force (and ``blocking`` to match); ``off`` ones dropped."""
        out = []
        for rule in rules:
            found = self.resolve(rule.name, rule.table, rule.kind, rule.severity)
            if found.level == "off":
                continue
            out.append(replace(rule, severity=found.level, blocking=found.blocking))  # type: ignore[type-var]
        return out
