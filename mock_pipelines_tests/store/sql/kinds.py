"""A small schema with every column type, key kind and constraint kind, shared by the SQL tests."""

from __future__ import annotations

from pathlib import Path

from mock_pipelines.schema.parse import load_dataset
from mock_pipelines.spec.model import DatasetSpec

KINDS_YAML = """\
dataset: kinds
seed: 1
tables:
  teams:
    rows: 4
    primary_key: team_code
    columns:
      team_code: {gen: pattern, format: "T-###", unique: true}
      region: {gen: choice, values: [north, south, "it's"]}
  people:
    rows: 30
    primary_key: person_id
    columns:
      person_id: sequence
      team_code: {ref: teams.team_code}
      mentor_id: {ref: people.person_id}
      email: {gen: email, unique: true}
      label: {gen: first_name, null_rate: 0.3}
      amount: {gen: uniform, min: 0, max: 1000, type: "decimal(12,2)", null_rate: 0.2}
      ratio: {gen: normal, mean: 0, std: 1, null_rate: 0.2}
      flag: {gen: boolean, null_rate: 0.2}
      day: {gen: date, start: "2020-01-01", end: "2024-12-31", null_rate: 0.2}
      ts: {gen: timestamp, start: "2020-01-01", end: "2024-12-31", null_rate: 0.2}
      uid: {gen: uuid4, type: uuid, null_rate: 0.2}
      doc: {gen: choice, values: ['{"a": 1, "b": [true, null]}', '[]', '{"ünï": "日本", "q": "say \\"hi\\""}'],
            type: json, null_rate: 0.2}
      score: {gen: integer, min: 1, max: 5}
  visits:
    rows: {per: people, count: "uniform(1, 3)"}
    primary_key: [person_id, visit_no]
    columns:
      person_id: {ref: people.person_id}
      visit_no: {gen: child_index, start: 1}
      note: {gen: sentence}
  follow_ups:
    rows: 20
    primary_key: follow_up_id
    foreign_keys:
      - {columns: [person_id, visit_no], ref: "visits(person_id, visit_no)"}
    columns:
      follow_up_id: sequence
      kind: {gen: choice, values: [call, mail]}
"""


def kinds_spec(tmp_path: Path) -> DatasetSpec:
    path = tmp_path / "kinds.yaml"
    path.write_text(KINDS_YAML)
    return load_dataset(path)
