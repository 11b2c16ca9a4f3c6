"""`sources:` of a profile: databases whose existing rows schemas reference, by name. URLs follow the rules
of a SQL destination's (no literal secrets); names are plain; a profile without the key keeps its
fingerprint. (Reading the keys is tested on PostgreSQL in store/sql/test_existing_rows.py.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from mock_pipelines.profiles.loading import load_profile
from mock_pipelines.spec.errors import SchemaError

SCHEMAS = Path(__file__).resolve().parents[1] / "schemas"


def _profile(tmp_path: Path, sources: str | None) -> Path:
    lines = ["profile: p", f"datasets: [{SCHEMAS / 'shop.yaml'}]", "destinations: [{kind: files, path: data}]"]
    if sources is not None:
        lines.append(f"sources: {sources}")
    path = tmp_path / "p.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_sources_resolve_their_urls_when_asked(tmp_path, monkeypatch):
    monkeypatch.setenv("MP_CRM_URL", "postgresql+psycopg://app@db/crm")
    profile = load_profile(_profile(tmp_path, "{crm: {url: {env: MP_CRM_URL}}, local: {url: 'sqlite:///crm.db'}}"),
                           root=tmp_path)
    assert profile.source_urls() == {"crm": "postgresql+psycopg://app@db/crm",
                                     "local": f"sqlite:///{tmp_path / 'crm.db'}"}


def test_a_profile_without_sources_keeps_its_fingerprint(tmp_path):
    plain = load_profile(_profile(tmp_path, None), root=tmp_path).fingerprint()
    assert load_profile(_profile(tmp_path, "{}"), root=tmp_path).fingerprint() == plain
    assert load_profile(_profile(tmp_path, "{crm: {url: 'sqlite:///x.db'}}"), root=tmp_path).fingerprint() != plain


@pytest.mark.parametrize(("sources", "expected"), [
    ("{crm: {url: 'postgresql://app:hunter2@db/crm'}}", "a URL with a password"),
    ("{crm: {url: 'CRM_URL'}}", "sources.crm.url is not a SQLAlchemy URL"),
    ("{crm: {uri: 'sqlite:///x.db'}}", "unknown key 'uri' in sources.crm"),
    ("{crm-db: {url: 'sqlite:///x.db'}}", "is not a plain name"),
])
def test_mistakes_in_sources_are_reported_at_their_line(tmp_path, sources, expected):
    with pytest.raises(SchemaError) as caught:
        load_profile(_profile(tmp_path, sources), root=tmp_path)
    assert "p.yaml:4" in str(caught.value) and expected in str(caught.value)
    assert "hunter2" not in str(caught.value)
