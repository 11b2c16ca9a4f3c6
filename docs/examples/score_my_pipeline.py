"""Score a pipeline against the ground truth of a scenario: what did it catch of what was injected?

The pipeline under test cleans the shop's customers: it drops repeated customer_ids, rows with a null or
malformed e-mail, and test accounts. Run it on a scenario written by `mock-pipelines scenario`:

    python docs/examples/score_my_pipeline.py /tmp/shop-scenarios/shop__dirty
"""

from __future__ import annotations

import sys
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from mock_pipelines.core.scenarios import row_keys
from mock_pipelines.quality.scoring import Detection, detection, rejected_keys

KEY = ["customer_id"]
EMAIL = r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}"


# ---- the pipeline under test ----------------------------------------------------------------------------

def deduplicate(customers: pd.DataFrame) -> pd.DataFrame:
    return customers.drop_duplicates(subset=KEY, keep="first")


def drop_missing_email(customers: pd.DataFrame) -> pd.DataFrame:
    return customers[customers["email"].notna()]


def drop_malformed_email(customers: pd.DataFrame) -> pd.DataFrame:
    return customers[customers["email"].str.fullmatch(EMAIL, na=False)]


def drop_test_accounts(customers: pd.DataFrame) -> pd.DataFrame:
    return customers[~customers["email"].str.startswith("test+", na=False)]


# Each step with what it judges: the column and the rule kind it enforces (None: the whole row, any reason).
STEPS = [
    (deduplicate, None, "unique"),
    (drop_missing_email, "email", "not_null"),
    (drop_malformed_email, "email", "format"),
    (drop_test_accounts, None, None),
]


def clean_customers(customers: pd.DataFrame) -> pd.DataFrame:
    for step, _column, _rule_kind in STEPS:
        customers = step(customers)
    return customers


# ---- scoring it -----------------------------------------------------------------------------------------

def keys(customers: pd.DataFrame) -> pa.Array:
    """The ground truth's row_key of each row (the primary key as text)."""
    return row_keys(pa.Table.from_pandas(customers[KEY], preserve_index=False), KEY)


def rejections(customers: pd.DataFrame, steps=STEPS) -> pa.Table:
    """The flags: one row per row a step dropped, with the column and the rule kind that step judges."""
    flags = []
    for step, column, rule_kind in steps:
        kept = step(customers)
        lost = rejected_keys(keys(customers), keys(kept))
        n = lost.num_rows
        flags.append(lost.append_column("column", pa.array([column] * n, pa.string()))
                     .append_column("rule_kind", pa.array([rule_kind] * n, pa.string())))
        customers = kept
    return pa.concat_tables(flags)


def score(truth: pa.Table, flags: pa.Table) -> Detection:
    """Per defect kind: injected, caught, recall — an exclusion per reason (excluded:test_account)."""
    excluded = pc.equal(truth["group"], "exclusion")
    kind = pc.if_else(excluded, pc.binary_join_element_wise(truth["kind"], truth["reason"], ":"), truth["kind"])
    return detection(truth.set_column(truth.schema.get_field_index("kind"), "kind", kind), flags)


def main(scenario: Path, steps=STEPS) -> Detection:
    customers = pq.read_table(scenario / "customers").to_pandas()
    truth = pq.read_table(scenario / "_defects", filters=[("table", "==", "customers")])
    scores = score(truth, rejections(customers, steps))
    print(f"{'kind':<24}{'injected':>9}{'caught':>8}{'recall':>8}")
    for s in scores:
        print(f"{s.kind:<24}{s.injected:>9}{s.caught:>8}{s.recall:>8.0%}")
    print(f"false positives: {scores.false_positives} of the {scores.flagged} customer_ids dropped")
    return scores


if __name__ == "__main__":
    main(Path(sys.argv[1]))
