"""The identity of a scenario's rules: what the Dagster layer's code versions and the CLI's manifests record,
so output made by other rules is recognised as such."""

from __future__ import annotations

import dataclasses
import hashlib
import json

from mock_pipelines.spec.scenarios import ScenarioSpec


def scenario_hash(spec: ScenarioSpec) -> str:
    """A short hash of what the scenario declares (where in the YAML it is written left out)."""
    def plain(value: object) -> object:
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)
                    if f.name != "location"}
        if isinstance(value, list | tuple):
            return [plain(v) for v in value]
        if isinstance(value, dict):
            return {str(k): plain(v) for k, v in value.items()}
        return value

    text = json.dumps(plain(spec), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:12]
