"""What the `scenarios:` of a schema mean for the resolved dataset: whether each defect kind can damage the
column it names, given what the column's generator promises (its facts), and whether a time an exclusion
shifts is a date or a timestamp once derived types are known.

Everything a rule says on its own is checked where it is parsed (:mod:`mock_pipelines.schema.parse_scenarios`);
this part needs the whole dataset planned, so it runs on a dataset with no other problem.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from mock_pipelines.core import defects
from mock_pipelines.core.column_facts import column_facts
from mock_pipelines.core.engine import DatasetPlan
from mock_pipelines.core.expressions import parse_template
from mock_pipelines.spec.errors import IssueCollector, Location, SchemaError
from mock_pipelines.spec.model import DatasetSpec
from mock_pipelines.spec.scenarios import DefectRule, ScenarioSpec
from mock_pipelines.spec.types import LogicalType

EDGE_CASE_KIND = "edge_case"  # registered by the edge-case family; checked once it is in the catalogue


def check_scenarios(spec: DatasetSpec, issues: IssueCollector) -> None:
    """Report every rule of ``spec.scenarios`` that the column it names cannot take (the kind's own reason).
    ``spec`` must be otherwise valid: its tables are planned to read the columns' facts and types."""
    if not spec.scenarios:
        return
    _Checker(spec, issues).check()


class _Checker:
    def __init__(self, spec: DatasetSpec, issues: IssueCollector):
        self.spec = spec
        self.issues = issues
        self.plan = DatasetPlan(spec)
        self.catalogue = defects.kinds()

    def check(self) -> None:
        for scenario in self.spec.scenarios.values():
            for rule in scenario.defects:
                self.guarded(self.check_defect, scenario, rule)
            for exclusion in scenario.exclusions:
                if exclusion.shift_column is not None:
                    self.guarded(self.check_shift, scenario, exclusion.table, exclusion.shift_column,
                                 exclusion.location)
                for column, text in exclusion.set.items():
                    self.guarded(self.check_set_value, scenario, exclusion.table, column, text, exclusion.location)
            if EDGE_CASE_KIND in self.catalogue:
                for edge in scenario.edge_cases:
                    self.guarded(self.check_applies, EDGE_CASE_KIND, edge.table, edge.column, edge.location,
                                 f"edge cases of {edge.table}.{edge.column} in scenario {scenario.name!r}")

    def guarded(self, check: Callable[..., None], *args: Any) -> None:
        """Run one check of a rule. A column whose type must be computed may fail to compute: that failure is
        the column's own problem, which the engine's probe reports at the column (`validate`), not the rule's."""
        try:
            check(*args)
        except SchemaError as exc:
            self.issues.issues.extend(exc.issues)
        except Exception:  # reported where it belongs, by the probe of the column
            pass

    def check_defect(self, scenario: ScenarioSpec, rule: DefectRule) -> None:
        if rule.column is None:
            return
        what = f"defect {rule.kind!r} of {rule.table}.{rule.column} in scenario {scenario.name!r}"
        if rule.kind in self.catalogue:
            self.check_applies(rule.kind, rule.table, rule.column, rule.location, what)
        elif rule.kind == "near_duplicate":
            # The copy's column is damaged by the kind named by `how` (typo, case, …), once it is catalogued.
            how = str(rule.params.get("how", defects.ROW_KINDS["near_duplicate"][1]["how"].default))
            if how in self.catalogue:
                self.check_applies(how, rule.table, rule.column, rule.location, f"{what} (how: {how})")

    def check_applies(self, kind: str, table: str, column: str, location: Location | None, what: str) -> None:
        table_spec = self.spec.tables[table]
        col = table_spec.columns[column]
        facts = column_facts(self.spec, table_spec, col, self.plan.locale)
        reason = self.catalogue[kind].applies(col, facts, self.plan.table(table))
        if reason is not None:
            self.issues.add(location or table_spec.location, f"{what}: {kind} cannot damage this column: {reason}",
                            suggestion="pick another column or another kind (`docs/scenarios.md` lists what each "
                                       "kind applies to)")

    def check_shift(self, scenario: ScenarioSpec, table: str, column: str, location: Location | None) -> None:
        """A derived column's type is known once planned: the parse could only check declared types."""
        if self.spec.tables[table].columns[column].type.name is not LogicalType.AUTO:
            return
        value_type = self.plan.table(table).plain_type(column)
        if not (pa.types.is_date(value_type) or pa.types.is_timestamp(value_type)):
            self.issues.add(location or self.spec.tables[table].location,
                            f"an exclusion of {table!r} in scenario {scenario.name!r}: shift moves a date or "
                            f"timestamp, and {table}.{column} holds {value_type} values",
                            expected="a date or timestamp column")

    def check_set_value(self, scenario: ScenarioSpec, table: str, column: str, text: str,
                        location: Location | None) -> None:
        """A fixed value set into a column that holds no text must read as the column's type (``0`` into a
        decimal, not ``Test``); a template with placeholders is only known per row."""
        value_type = self.plan.table(table).plain_type(column)
        if pa.types.is_string(value_type) or pa.types.is_large_string(value_type):
            return
        if any(name is not None for _, name, _ in parse_template(text).parts):
            return
        try:
            pc.cast(pa.array([text]), value_type)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
            self.issues.add(location or self.spec.tables[table].location,
                            f"an exclusion of {table!r} in scenario {scenario.name!r}: set writes {text!r} into "
                            f"{table}.{column}, which holds {value_type} values",
                            expected=f"a value of type {value_type}", suggestion="set a value the column can hold, "
                            "or set a text column")
