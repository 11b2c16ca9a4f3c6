"""The project's own checks find, on the shop's declared scenarios, every defect they are able to find.

The scenarios are generated as a pipeline under test would read them (every table the scenario touches, its
foreign-key parents as they landed), the project's row-level rules are run on them (`rule_flags`, with the
parents' keys for the foreign-key rules) and scored against the ground truth (`detection`). A defect whose
label says it breaks a rule must be flagged by a rule of that kind; a flag must be explained by a label.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from mock_pipelines.core.engine import DatasetPlan, PlanOptions
from mock_pipelines.core.scenarios import ScenarioPlan
from mock_pipelines.core.timeline import PartitionScheme
from mock_pipelines.quality import scoring
from mock_pipelines.quality.cross_table import derive_cross_rules
from mock_pipelines.schema.parse import load_dataset

SHOP = load_dataset(str(Path(__file__).resolve().parents[2] / "schemas" / "shop.yaml"))
# Enough rows that every kind of `dirty` has at least 20 entries (products carry the rarest: outlier, 0.5 %).
ROWS = {"customers": 3000, "products": 6000, "reviews": 4000}
MIN_ENTRIES = 20
# What the shop declares no rule for, so a defect of these kinds (on these columns) breaks nothing a check can
# see: a family name, a city and a review title have no format or value set; a product name no length; a
# burst repeats a real, Luhn-valid card number. A unit error, an outlier or an edge case stays unseen only
# while it lands inside the column's bounds (checked below).
UNSEEN = {("typo", "last_name"), ("mojibake", "city"), ("truncation", "product_name"), ("whitespace", "title"),
          ("burst", "card_number")}
IN_BOUNDS = {"unit_error", "outlier", "edge_case"}
Landed = dict[str, list[tuple[str | None, pa.Table]]]  # table -> (partition key, rows) as they landed


def land(plan: DatasetPlan, scenario: str, tables: list[str] | None = None,
         partitions: list[tuple[str, dt.datetime, dt.datetime]] | None = None) -> tuple[Landed, pa.Table]:
    """The scenario's tables (``tables``: these and their foreign-key parents; default every touched table
    and its parents), each whole or in ``partitions`` when it grows with time, and the ground truth."""
    sc = ScenarioPlan(plan, SHOP.scenarios[scenario])
    wanted = set(tables or sc.spec.tables())
    wanted |= {r.params["parent"] for t in list(wanted) for r in derive_cross_rules(SHOP, t) if r.kind == "fk"}
    landed: Landed = {}
    truths = []
    for name in [t for t in sc.order() if t in wanted]:
        st = sc.table(name)
        windows = partitions if st.clean.is_partitioned and partitions else [(None, None, None)]
        for key, start, end in windows:
            part = st.slice(start, end, key, chunk_size=1000) if key else st.slice(chunk_size=1000)
            rows = pa.Table.from_batches(list(part.batches()), schema=part.schema)
            landed.setdefault(name, []).append((key, rows))
            truths.append(part.truth())
    return landed, pa.concat_tables(truths)


def flags_of(plan: DatasetPlan, landed: Landed, tables: list[str]) -> pa.Table:
    """The flags of the project's rules on ``tables``, partition by partition, the foreign-key rules given
    the keys of the parents' landed rows."""
    out = []
    for name in tables:
        partitioned = landed[name][0][0] is not None
        parents: dict[str, pa.Array | pa.Table] = {}
        for rule in derive_cross_rules(SHOP, name, partitioned=partitioned):
            if rule.kind == "fk":
                cols = rule.params["ref_columns"]
                keys = pa.concat_tables([rows.select(cols) for _, rows in landed[rule.params["parent"]]])
                parents[rule.name] = keys if len(cols) > 1 else keys.column(0).combine_chunks()
        for key, rows in landed[name]:
            flags = scoring.rule_flags(SHOP, name, rows.to_batches(max_chunksize=700), locale=plan.locale,
                                       partitioned=partitioned, parent_keys=parents)
            out.append(flags.append_column("partition", pa.array([key] * flags.num_rows, pa.string())))
    return pa.concat_tables(out)


def unexplained(flags: pa.Table, truth: pa.Table) -> pa.Table:
    """Row flags with no entry of the same row that says it breaks a rule of the flag's kind."""
    labels = defaultdict(set)
    for e in truth.select(["table", "row_key", "violates"]).to_pylist():
        labels[(e["table"], e["row_key"])] |= set(filter(None, e["violates"].split(",")))
    rows = flags.filter(pc.is_valid(flags["row_key"]))
    keep = [f["rule_kind"] not in labels[(f["table"], f["row_key"])]
            for f in rows.select(["table", "row_key", "rule_kind"]).to_pylist()]
    return rows.filter(pa.array(keep, pa.bool_()))


def parsed(text: str, like: object) -> object:
    """A ground truth's text value as the type of a column fact (bounds of dates are datetimes)."""
    if isinstance(like, dt.datetime):
        return dt.datetime.fromisoformat(text).replace(tzinfo=like.tzinfo)
    return type(like)(text)


@pytest.fixture(scope="module")
def plan() -> DatasetPlan:
    return DatasetPlan(SHOP, PlanOptions(rows=ROWS))


@pytest.fixture(scope="module")
def dirty(plan: DatasetPlan) -> tuple[pa.Table, pa.Table, Landed]:
    landed, truth = land(plan, "dirty")
    return truth, flags_of(plan, landed, SHOP.scenarios["dirty"].tables()), landed


# ---- the defect twin `dirty`: what the checks can see, they catch -------------------------------------------

def test_the_checks_catch_every_labelled_defect_of_the_dirty_shop_and_nothing_more(dirty):
    truth, flags, _ = dirty
    scores = {s.kind: s for s in scoring.detection(truth, flags)}
    declared = {r.kind for r in SHOP.scenarios["dirty"].defects if r.kind != "schema_drift"} | {"edge_case"}
    assert declared <= set(scores)  # schema drift is scored on partitions below
    for kind, s in scores.items():
        assert s.injected >= MIN_ENTRIES, f"{kind}: {s.injected} entries, too few to say anything"
        assert s.caught == s.detectable, f"{kind}: {s.detectable} labelled with a rule, {s.caught} caught"
    assert scoring.detection(truth, flags).false_positives == 0
    assert unexplained(flags, truth).num_rows == 0


def test_the_foreign_key_check_catches_the_orphans_only_when_given_the_landed_parents(plan, dirty):
    truth, _, landed = dirty
    orphans = [s for s in scoring.detection(truth, flags_of(plan, landed, ["reviews"])) if s.kind == "orphan"]
    assert orphans[0].caught == orphans[0].injected >= MIN_ENTRIES and orphans[0].rules == ("fk__customer_id",)
    blind = scoring.rule_flags(SHOP, "reviews", landed["reviews"][0][1].to_batches(), locale=plan.locale)
    assert "fk" not in set(blind["rule_kind"].to_pylist())


def test_the_defects_no_rule_can_see_are_the_unchecked_columns_and_values_within_bounds(plan, dirty):
    truth, flags, _ = dirty
    unseen = truth.filter(pc.equal(truth["violates"], ""))
    pairs = set(zip(unseen["kind"].to_pylist(), unseen["column"].to_pylist(), strict=True))
    assert {p for p in pairs if p[0] not in IN_BOUNDS} == UNSEEN
    for kind, column in UNSEEN:  # none of these defects is ever labelled with a rule
        entries = truth.filter(pc.and_(pc.equal(truth["kind"], kind), pc.equal(truth["column"], column)))
        assert entries.num_rows >= MIN_ENTRIES and set(entries["violates"].to_pylist()) == {""}
    sc = ScenarioPlan(plan, SHOP.scenarios["dirty"])
    for e in unseen.filter(pc.is_in(unseen["kind"], pa.array(sorted(IN_BOUNDS)))).to_pylist():
        facts = sc.table(e["table"])._facts[e["column"]]
        value = parsed(e["injected"], facts.lo)
        assert facts.lo <= value <= facts.hi, f"{e['kind']} {e['injected']} of {e['column']} is out of bounds"
    flagged = set(zip(flags["row_key"].to_pylist(), flags["column"].to_pylist(), strict=True))
    assert not any((k, c) in flagged for k, c in zip(unseen["row_key"].to_pylist(), unseen["column"].to_pylist(),
                                                      strict=True))


def test_a_drifted_partition_is_caught_by_the_checks_of_its_column_and_its_cells_are_the_drifts():
    plan = DatasetPlan(SHOP, PlanOptions(partitions=PartitionScheme(dt.datetime(2024, 3, 1), "hourly")))
    start = dt.datetime(2024, 3, 1)
    hours = [((start + dt.timedelta(hours=h)).strftime("%Y-%m-%d-%H:00"), start + dt.timedelta(hours=h),
              start + dt.timedelta(hours=h + 1)) for h in range(150)]
    landed, truth = land(plan, "dirty", ["orders"], hours)
    flags = flags_of(plan, landed, ["orders"])
    scores = {s.kind: s for s in scoring.detection(truth, flags)}
    drift = scores["schema_drift"]
    assert drift.injected >= MIN_ENTRIES and drift.caught == drift.detectable == drift.injected
    assert scores["transliteration"].caught == scores["transliteration"].detectable > 0
    drifted = set(truth.filter(pc.equal(truth["kind"], "schema_drift"))["partition"].to_pylist())
    cells = truth.filter(pc.is_valid(truth["row_key"]))
    assert not drifted & set(cells.filter(pc.equal(cells["column"], "channel"))["partition"].to_pylist())
    assert unexplained(flags, truth).num_rows == 0


# ---- one defect per record: each negative record breaks exactly the rules its entry names ---------------------

def test_each_negative_record_of_one_defect_each_is_flagged_by_exactly_the_rules_its_entry_claims(plan):
    landed, truth = land(plan, "one_defect_each", ["customers"])
    flags = flags_of(plan, landed, ["customers"])
    claimed: dict[str, set[str]] = defaultdict(set)
    for e in truth.to_pylist():
        claimed[e["row_key"]] |= set(filter(None, e["violates"].split(",")))
    flagged: dict[str, set[str]] = defaultdict(set)
    for f in flags.to_pylist():
        flagged[f["row_key"]].add(f["rule_kind"])
    assert truth.num_rows > 100 and len(set(truth["row_key"].to_pylist())) == truth.num_rows  # one each
    assert {e["kind"] for e in truth.to_pylist()} == {"missing", "malformed", "out_of_range", "duplicate"}
    assert flagged == claimed


# ---- exclusions: listed with their reason, otherwise valid rows ------------------------------------------------

def test_excluded_records_are_all_in_the_truth_with_their_reason_and_no_rule_flags_them(plan):
    landed, truth = land(plan, "excluded", ["customers"])
    ((_, rows),) = landed["customers"]
    keys = pc.cast(rows["customer_id"], pa.string())

    def reason(name: str) -> set[str]:
        return set(truth.filter(pc.equal(truth["reason"], name))["row_key"].to_pylist())

    test_accounts = set(pc.filter(keys, pc.starts_with(rows["email"], "test+")).to_pylist())
    assert test_accounts == reason("test_account") and len(test_accounts) >= MIN_ENTRIES
    assert set(pc.filter(keys, pc.equal(rows["first_name"], "Test")).to_pylist()) >= test_accounts
    vip = set(pc.filter(keys, pc.equal(rows["segment"], "vip")).to_pylist())
    assert vip == reason("internal") and len(vip) >= MIN_ENTRIES
    assert set(truth["kind"].to_pylist()) == {"excluded"} and set(truth["violates"].to_pylist()) == {""}
    # the test e-mails keep the e-mail format and stay unique; "Test" is a first name like any other
    assert flags_of(plan, landed, ["customers"]).num_rows == 0
