"""``ExpectColumnValuesToBeLoyaltyCards``: a Great Expectations (1.x) expectation for loyalty card numbers.

A column map expectation asks a yes/no question of every value; the question is the metric
``column_values.loyalty_card`` defined here for the pandas engine (the one mock_pipelines' checks use):
16 digits (spaces between groups allowed), the program's prefix when one is given, a valid Luhn digit.
GX registers both classes when they are defined, so importing this module is all a plugin needs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from great_expectations.execution_engine import PandasExecutionEngine
from great_expectations.expectations.expectation import ColumnMapExpectation
from great_expectations.expectations.metrics import ColumnMapMetricProvider, column_condition_partial

from loyalty_cards.luhn import is_valid

CARD_DIGITS = 16


def valid_cards(values: pd.Series, program: str | None = None) -> pd.Series:
    """True for each value that is a loyalty card number (of ``program`` when given)."""
    text = values.astype(str).str.replace(" ", "", regex=False)
    shaped = text.str.fullmatch(f"{program or ''}[0-9]{{{CARD_DIGITS - len(program or '')}}}").fillna(False)
    ok = shaped.to_numpy(dtype=bool).copy()
    if ok.any():
        digits = np.frombuffer("".join(text[ok]).encode(), dtype=np.uint8).reshape(-1, CARD_DIGITS) - ord("0")
        ok[ok] = is_valid(digits.astype(np.int64))
    return pd.Series(ok, index=values.index)


class ColumnValuesLoyaltyCard(ColumnMapMetricProvider):
    """The metric: whether each value of a column is a loyalty card number."""

    condition_metric_name = "column_values.loyalty_card"
    condition_value_keys = ("program",)

    @column_condition_partial(engine=PandasExecutionEngine)
    def _pandas(cls, column: pd.Series, program: str | None = None, **_kwargs: object) -> pd.Series:
        return valid_cards(column, program)


class ExpectColumnValuesToBeLoyaltyCards(ColumnMapExpectation):
    """Expect each value to be a loyalty card number: 16 digits with a valid Luhn check digit, starting with
    ``program`` when it is given."""

    program: str | None = None

    map_metric = "column_values.loyalty_card"
    success_keys = ("mostly", "program")
