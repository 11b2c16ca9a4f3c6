"""Loading a profile: read the YAML file, refuse literal secrets, validate it against the model and check
what the model alone cannot (the file name, the schema files, ``rows:`` keys against the schemas, where
destinations write). Every problem is reported at once as a :class:`~mock_pipelines.spec.errors.SchemaError`
with the file, line and column of the offending key or value, what was expected and, for near misses, a
suggestion."""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pydantic import BaseModel, TypeAdapter, ValidationError
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from mock_pipelines.profiles.env import ENV_NAME
from mock_pipelines.profiles.layout import (
    SCHEMAS_DIR,
    available_datasets,
    dataset_name,
    dataset_path,
    looks_like_path,
    profile_path,
    project_root,
)
from mock_pipelines.profiles.model import (
    ALL_SCENARIOS,
    LIVE,
    Changes,
    Checks,
    Credentials,
    Destination,
    FilesDestination,
    Partitions,
    Profile,
    Schedules,
    Sensors,
    Source,
    SqlDestination,
)
from mock_pipelines.spec.errors import Issue, IssueCollector, Location, SchemaError, suggest
from mock_pipelines.spec.model import IDENTIFIER, MAX_ROWS_ENV, max_rows
from mock_pipelines.spec.yaml_source import (
    load_yaml,
    locate_error,
    node_at,
    path_location,
)

_SECRET_KEY = re.compile(r"(?:^|_)(?:password|passwd|pwd|secret|token|key|apikey|credential)s?(?:_|$)", re.I)
# Settings whose names look like a secret's but hold none.
_NOT_SECRETS = frozenset({"foreign_key_checks"})
_SECRET_ASSIGNMENT = re.compile(
    r"(?:^|[\s?&;,])(?:password|passwd|pwd|secret|token|api_?key|access_?key|secret_?key|sig|signature)\s*=",
    re.I)
_AWS_KEY_ID = re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b")
_MODULE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")
_DESTINATION: TypeAdapter[FilesDestination | SqlDestination] = TypeAdapter(Destination)


def load_profile(name_or_path: str | os.PathLike[str] | None = None, *, root: Path | None = None) -> Profile:
    """Load and validate a profile by name (``profiles/<name>.yaml``) or path; ``None`` reads
    ``$MOCK_PIPELINES_PROFILE`` (default ``local``). ``root`` defaults to :func:`project_root`.

    Raises SchemaError listing every problem with its file, line and column.
    """
    root = (root or project_root()).resolve()
    path = profile_path(name_or_path, root)
    try:
        doc = load_yaml(path)
    except SchemaError as exc:
        expected = "keys such as `profile:`, `datasets:` and `destinations:`"
        raise SchemaError([Issue(i.location, i.message, expected, i.suggestion)
                           if i.message == "the file must contain a mapping" else i for i in exc.issues]) from None
    profile = _Loader(path, doc, root).load()
    profile._file = path.resolve()
    profile._root = root
    return profile


_EXAMPLES = {
    "profile": "profile: <the file name without .yaml>",
    "description": "description: what this profile is for",
    "datasets": "datasets: [shop, hr]",
    "datasets[]": "a schema name from schemas/, e.g. shop",
    "seed": "seed: 42",
    "scale": "scale: 1.0 (a number > 0)",
    "locale": "locale: de_DE, or null",
    "chunk_size": "chunk_size: 262144 (rows per batch)",
    "rows": "rows: {shop.customers: 500}",
    "rows.*": "a whole number of rows >= 0, e.g. 500",
    "partitions": "partitions: {start: 2024-01-01, cadence: daily}",
    "partitions.start": "start: 2024-01-01, or a datetime such as 2024-01-01T06:00:00",
    "partitions.end_offset": "end_offset: 0",
    "destinations": "destinations: [{kind: files, path: data, format: parquet}]",
    "destinations[]": "{kind: files, path: data} or {kind: sql, url: {env: MOCK_PIPELINES_DB_URL}}",
    "destinations[].path": "path: data, or path: s3://bucket/prefix",
    "destinations[].url": "url: {env: MOCK_PIPELINES_DB_URL}, or url: sqlite:///data/mock.db",
    "destinations[].endpoint_url": "endpoint_url: {env: MOCK_PIPELINES_S3_ENDPOINT}",
    "destinations[].credentials": "credentials: {key_env: AWS_ACCESS_KEY_ID, secret_env: AWS_SECRET_ACCESS_KEY}",
    "destinations[].credentials.key_env": "key_env: AWS_ACCESS_KEY_ID",
    "destinations[].credentials.secret_env": "secret_env: AWS_SECRET_ACCESS_KEY",
    "destinations[].schema": "schema: mock, or schema: mock_{dataset} (a namespace per dataset)",
    "destinations[].mode": "mode: create (tables made from the schema) or mode: existing (your own tables)",
    "schedules": 'schedules: {enabled: true, cron: "0 2 * * *", timezone: UTC}',
    "schedules.enabled": "enabled: true or false",
    "schedules.cron": 'cron: "0 2 * * *"',
    "schedules.timezone": "timezone: UTC",
    "sensors": "sensors: {schema_changes: true, request_inbox: requests}",
    "sensors.schema_changes": "schema_changes: true or false",
    "sensors.request_inbox": "request_inbox: requests (a folder), or null to disable",
    "automation": "automation: true or false",
    "checks": "checks: {severity: error, overrides: {}}",
    "checks.overrides": "overrides: {<check name>: warn}",
    "changes": "changes: {outputs: [changes, snapshot, history]}",
    "changes.outputs": "outputs: [changes, snapshot, history] (and live with a sql destination)",
    "changes.outputs[]": "changes, snapshot, history or live",
    "scenarios": "scenarios: [dirty] (scenarios the datasets' schemas declare), or scenarios: all",
    "scenarios[]": "the name of a scenario a dataset of the profile declares, e.g. dirty",
    "plugins": "plugins: [my_company.mock_plugins] (modules importable from the project root)",
    "plugins[]": "a dotted module name, e.g. my_company.mock_plugins",
    "sources": "sources: {crm: {url: {env: CRM_URL}}} (databases whose existing rows schemas reference)",
    "sources.*": "{url: {env: CRM_URL}}",
    "sources.*.url": "url: {env: CRM_URL}, or url: sqlite:///data/crm.db",
}

_SECTIONS: dict[str, type[BaseModel]] = {
    "": Profile, "partitions": Partitions, "schedules": Schedules, "sensors": Sensors, "checks": Checks,
    "changes": Changes,
    "destinations[].credentials": Credentials, "sources.*": Source,
}
_USER_KEYED = ("rows", "checks.overrides", "sources")  # mappings whose keys are names the user chooses
_KINDS = {"files": FilesDestination, "sql": SqlDestination}


def _keys_of(model: type[BaseModel]) -> list[str]:
    return [f.alias or name for name, f in model.model_fields.items()]


class _Loader:
    def __init__(self, path: Path, doc: CommentedMap, root: Path):
        self.file = str(path)
        self.path = path
        self.doc = doc
        self.root = root
        self.issues = IssueCollector()
        self.secret_paths: list[tuple[Any, ...]] = []

    # -- paths in the document --
    @staticmethod
    def pattern(path: tuple[Any, ...]) -> str:
        out = ""
        for step in path:
            if isinstance(step, int):
                out += "[]"
            elif out in _USER_KEYED:
                out += ".*"
            else:
                out += f".{step}" if out else str(step)
        return out

    @staticmethod
    def display(path: tuple[Any, ...]) -> str:
        out = ""
        for step in path:
            if isinstance(step, int):
                out += f"[{step}]"
            elif not re.fullmatch(r"\w+", str(step)):
                out += f"[{str(step)!r}]"
            else:
                out += f".{step}" if out else str(step)
        return out or "the profile"

    def location(self, path: tuple[Any, ...], at_key: bool = False) -> Location:
        """Where the value at ``path`` (or its key) is written; the document start for ``()``."""
        return path_location(self.file, self.doc, path, at_key)

    def node(self, path: tuple[Any, ...]) -> Any:
        return node_at(self.doc, path)

    # -- the run --
    def load(self) -> Profile:
        self.scan_secrets(self.doc, ())
        profile: Profile | None = None
        try:
            profile = Profile.model_validate(_plain(self.doc))
        except ValidationError as exc:
            for err in exc.errors(include_url=False):
                self.add_pydantic_error(err)
        # The checks below look at each section on its own, so a problem elsewhere hides none of theirs.
        self.check_name()
        self.check_plugins()  # before the schemas are read: they may name the plugins' generators
        datasets = self.check_datasets()
        self.check_rows(datasets)
        self.check_destinations()
        self.check_partitions()
        self.check_changes()
        self.check_scenarios(datasets)
        self.check_sources()
        if self.issues.issues:
            raise SchemaError(sorted(self.issues.issues, key=lambda i: (i.location.file != self.file,
                                                                        i.location.line or 0,
                                                                        i.location.column or 0)))
        assert profile is not None
        return profile

    # -- secrets --
    def scan_secrets(self, node: Any, path: tuple[Any, ...]) -> None:
        pattern = self.pattern(path)
        if isinstance(node, dict):
            for key, value in node.items():
                sub = (*path, key)
                if isinstance(value, dict | list):
                    self.scan_secrets(value, sub)
                    continue
                named_secret = (pattern not in _USER_KEYED and isinstance(key, str) and key != "env"
                                and not key.endswith("_env") and key not in _NOT_SECRETS
                                and _SECRET_KEY.search(key))
                if named_secret and isinstance(value, str | int | float) and not isinstance(value, bool):
                    if pattern.endswith("credentials"):
                        env_key = "key_env" if key.lower().startswith(("key", "access")) else "secret_env"
                        var = "AWS_ACCESS_KEY_ID" if env_key == "key_env" else "AWS_SECRET_ACCESS_KEY"
                        hint = f"name the environment variable instead: `{env_key}: {var}`"
                    else:
                        hint = "keep the secret in an environment variable and write `{env: NAME}`"
                    self.secret(sub, True, f"{self.display(sub)}: a literal secret in a profile; secrets never "
                                "go in profile files", hint)
                elif isinstance(value, str) and key != "description":
                    self.scan_string(value, sub)
        elif isinstance(node, list):
            for i, value in enumerate(node):
                if isinstance(value, dict | list):
                    self.scan_secrets(value, (*path, i))
                elif isinstance(value, str):
                    self.scan_string(value, (*path, i))

    def scan_string(self, value: str, path: tuple[Any, ...]) -> None:
        what = None
        if _URL.match(value):
            try:
                if urlsplit(value).password:
                    what = "a URL with a password"
            except ValueError:
                pass
        if what is None and _SECRET_ASSIGNMENT.search(value):
            what = "a password or key (`…=` in the value)"
        if what is None and _AWS_KEY_ID.search(value):
            what = "what looks like an AWS access key id"
        if what:
            self.secret(path, False, f"{self.display(path)}: the value contains {what}; secrets never go in "
                        "profile files", "put the whole value in an environment variable and write "
                        "`{env: NAME}` (e.g. `url: {env: MOCK_PIPELINES_DB_URL}`)")

    def secret(self, path: tuple[Any, ...], at_key: bool, message: str, suggestion: str) -> None:
        self.secret_paths.append(path)
        self.issues.add(self.location(path, at_key=at_key), message, expected="{env: NAME}",
                        suggestion=suggestion)

    # -- pydantic errors → located issues --
    def add_pydantic_error(self, err: Any) -> None:
        place = locate_error(self.doc, err["loc"], is_tag=lambda path, node, step: self.pattern(path) ==
                             "destinations[]" and step in _KINDS and node.get("kind") == step)
        path, node, on_key, rest = place.path, place.node, place.on_key, place.rest
        if any(path[:len(s)] == s for s in self.secret_paths):
            return  # already reported as a secret; never echo it
        kind, ctx = err["type"], err.get("ctx") or {}
        where = self.display(path)
        expected = _EXAMPLES.get(self.pattern(path))
        suggestion = None
        loc = self.location(path, at_key=on_key)
        if kind == "extra_forbidden":
            loc = self.location(path, at_key=True)
            container = self.pattern(path[:-1])
            model = _SECTIONS.get(container)
            if container == "destinations[]":
                model = _KINDS.get(str(self.node(path[:-1]).get("kind")), FilesDestination)
            allowed = _keys_of(model) if model else []
            key = str(path[-1])
            message = f"unknown key {key!r} in {self.display(path[:-1])}"
            expected = "one of " + ", ".join(allowed) if allowed else None
            suggestion = suggest(key, allowed)
            if container == "destinations[]" and suggestion is None:
                other = [k for m in _KINDS.values() for k in _keys_of(m)]
                if key in other:
                    suggestion = (f"{key!r} belongs to a destination of another kind; this one is "
                                  f"kind: {self.node(path[:-1]).get('kind')}")
        elif kind == "missing":
            missing = str(rest[0]) if rest else "?"
            loc = self.location(path, at_key=bool(path) and not isinstance(path[-1], int))
            message = f"missing key {missing!r} in {where}"
            expected = _EXAMPLES.get(self.pattern((*path, missing)), f"{missing}: …")
        elif kind == "union_tag_invalid":
            tag = str(ctx.get("tag"))
            loc = self.location((*path, "kind")) if isinstance(node, dict) and "kind" in node else loc
            message = f"{where}: unknown destination kind {tag!r}"
            expected = "kind: files or kind: sql"
            suggestion = suggest(tag, _KINDS)
        elif kind == "union_tag_not_found":
            message = f"{where}: a destination needs `kind:`"
            expected = "kind: files (folders of Parquet/CSV/JSONL) or kind: sql (a database)"
        elif kind == "literal_error":
            choices = re.findall(r"'([^']*)'", str(ctx.get("expected", "")))
            message = f"{where}: unknown value {_shown(err['input'])}"
            expected = "one of " + ", ".join(choices)
            suggestion = suggest(str(err["input"]), choices)
        elif kind in ("model_type", "model_attributes_type", "dict_type"):
            message = f"{where} must be a mapping"
        elif kind == "list_type":
            message = f"{where} must be a list"
        elif kind == "too_short":
            message = f"{where} needs at least {ctx.get('min_length', 1)} entry"
        elif kind in ("int_type", "int_parsing", "int_from_float"):
            message = f"{where} must be a whole number, got {_shown(err['input'])}"
        elif kind in ("float_type", "float_parsing"):
            message = f"{where} must be a number, got {_shown(err['input'])}"
        elif kind in ("bool_type", "bool_parsing"):
            message = f"{where} must be true or false, got {_shown(err['input'])}"
        elif kind == "string_type" and on_key:
            message = f"key {_shown(err['input'])} in {self.display(path[:-1])} must be a string"
            expected = _EXAMPLES.get(self.pattern(path[:-1]))
        elif kind == "string_type":
            message = f"{where} must be a string, got {_shown(err['input'])}"
        elif kind in ("greater_than", "greater_than_equal"):
            op = ">" if kind == "greater_than" else ">="
            bound = ctx.get("gt", ctx.get("ge"))
            message = f"{where} must be {op} {bound}, got {_shown(err['input'])}"
        elif kind.startswith(("datetime_", "date_")):
            message = f"{where} must be a date or a datetime, got {_shown(err['input'])}"
            expected = _EXAMPLES["partitions.start"]
        else:  # our own PydanticCustomErrors carry expected/suggestion in ctx
            message = f"{where}: {err['msg']}"
            expected = ctx.get("expected", expected)
            suggestion = ctx.get("suggestion")
        self.issues.add(loc, message, expected=expected, suggestion=suggestion)

    # -- checks that need the document, the file name or other files --
    def check_name(self) -> None:
        name = self.doc.get("profile")
        stem = self.path.stem
        if isinstance(name, str) and name != stem:
            self.issues.add(self.location(("profile",)), f"profile name {name!r} does not match the file name "
                            f"{self.path.name!r}", expected=f"profile: {stem}",
                            suggestion=f"write `profile: {stem}`, or rename the file to {name}.yaml")

    def check_plugins(self) -> None:
        """Import the ``plugins:`` modules from the project root; one that fails is reported at its entry."""
        from mock_pipelines.core.plugins import PluginError, use_local_plugins

        entries = self.doc.get("plugins")
        if not isinstance(entries, list):
            return
        for i, entry in enumerate(entries):
            if not isinstance(entry, str) or not _MODULE_NAME.match(entry):
                continue  # reported by the model
            try:
                use_local_plugins([entry], self.root)
            except PluginError as exc:
                if exc.plugin.module != entry:
                    raise  # an installed plugin that fails is its own error, not this entry's
                self.issues.add(self.location(("plugins", i)), exc.message, expected="a module importable "
                                f"from {self.root}, e.g. my_company.mock_plugins", suggestion=exc.suggestion)

    def check_datasets(self) -> dict[str, Path]:
        """Every listed dataset has a schema file; returns name → schema path of those that do."""
        entries = self.doc.get("datasets")
        found: dict[str, Path] = {}
        if not isinstance(entries, list):
            return found
        known = available_datasets(self.root)
        for i, entry in enumerate(entries):
            if not isinstance(entry, str):
                continue
            name, path = dataset_name(entry), dataset_path(entry, self.root)
            if name in found:
                self.issues.add(self.location(("datasets", i)), f"dataset {name!r} is listed twice",
                                suggestion="list each dataset once")
            elif not path.is_file():
                if looks_like_path(entry):
                    self.issues.add(self.location(("datasets", i)), f"schema file {entry!r} not found",
                                    expected=f"a path relative to {self.root}, or a name from {SCHEMAS_DIR}/")
                else:
                    self.issues.add(self.location(("datasets", i)), f"unknown dataset {entry!r}: there is no "
                                    f"{SCHEMAS_DIR}/{entry}.yaml", expected="one of " + ", ".join(known)
                                    if known else f"a schema in {self.root / SCHEMAS_DIR}",
                                    suggestion=suggest(entry, known))
            else:
                found[name] = path
        return found

    def check_rows(self, datasets: dict[str, Path]) -> None:
        # imported here: loading schemas needs the generator catalogue (numpy, pyarrow)
        from mock_pipelines.schema.parse import load_dataset

        rows = self.doc.get("rows")
        entries = self.doc.get("datasets")
        names = list(dict.fromkeys(dataset_name(e) for e in entries if isinstance(e, str))) if isinstance(
            entries, list) else []
        specs: dict[str, Any] = {}
        if not names:
            return  # the datasets are reported missing or wrong
        limit = max_rows()
        for key in rows if isinstance(rows, dict) else ():
            if not isinstance(key, str):
                continue  # reported by the model: keys are strings
            value = rows[key]
            if isinstance(value, int) and not isinstance(value, bool) and value > limit:
                self.issues.add(self.location(("rows", key)), f"rows: {value:,} rows for {key!r} is more than the "
                                f"limit of {limit:,} rows per table",
                                suggestion=f"lower it, or raise the limit with {MAX_ROWS_ENV}=N")
            loc = self.location(("rows", key), at_key=True)
            dataset, dot, table = key.partition(".")
            if not dot or not dataset or not table or "." in table:
                self.issues.add(loc, f"rows: {key!r} must name a table as dataset.table",
                                expected="e.g. shop.customers: 500")
                continue
            if dataset not in names:
                self.issues.add(loc, f"rows: {key!r} names dataset {dataset!r}, which the profile does not "
                                "generate", expected="one of " + ", ".join(names),
                                suggestion=suggest(dataset, names))
                continue
            if dataset not in datasets:
                continue  # unknown dataset: reported under datasets:
            if dataset not in specs:
                try:
                    specs[dataset] = load_dataset(datasets[dataset])
                except SchemaError as exc:
                    specs[dataset] = None
                    self.issues.add(loc, f"rows: cannot check {key!r}: the schema of {dataset!r} has "
                                    f"{len(exc.issues)} problem(s), listed below")
                    self.issues.issues.extend(exc.issues)
            spec = specs[dataset]
            if spec is None:
                continue
            if table not in spec.tables:
                near = suggest(table, spec.tables)
                self.issues.add(loc, f"rows: dataset {dataset!r} has no table {table!r}",
                                expected="one of " + ", ".join(spec.tables),
                                suggestion=f"{dataset}.{near}" if near else None)
            elif spec.tables[table].rows.per is not None:
                parent = spec.tables[table].rows.per
                self.issues.add(loc, f"rows: the row count of {key!r} follows its parent {parent!r} and cannot "
                                "be set", suggestion=f"set the rows of {dataset}.{parent} instead")

    def check_destinations(self) -> None:
        raw = self.doc.get("destinations")
        seen: dict[tuple[str, str], int] = {}
        for i, item in enumerate(raw if isinstance(raw, list) else ()):
            base = ("destinations", i)
            try:
                dest = _DESTINATION.validate_python(_plain(item))
            except ValidationError:
                continue  # reported by the model
            if isinstance(dest, FilesDestination):
                target = dest.path.rstrip("/")
                if dest.is_s3:
                    if not urlsplit(dest.path).netloc:
                        self.issues.add(self.location((*base, "path")), f"destinations[{i}].path: the S3 "
                                        "location needs a bucket", expected="path: s3://bucket/prefix")
                else:
                    if _URL.match(dest.path):
                        self.issues.add(self.location((*base, "path")), f"destinations[{i}].path: only local "
                                        "folders and s3:// locations are supported",
                                        expected=_EXAMPLES["destinations[].path"])
                    for key in ("endpoint_url", "credentials"):
                        if getattr(dest, key) is not None:
                            self.issues.add(self.location((*base, key), at_key=True),
                                            f"destinations[{i}].{key} applies to s3:// paths only, and path is "
                                            "a local folder", suggestion=f"remove {key}, or set path: "
                                            "s3://bucket/prefix")
                if isinstance(dest.endpoint_url, str) and not re.match(r"^https?://", dest.endpoint_url):
                    self.issues.add(self.location((*base, "endpoint_url")), f"destinations[{i}].endpoint_url "
                                    "must be an http(s) URL", expected=_EXAMPLES["destinations[].endpoint_url"],
                                    suggestion=_env_hint("endpoint_url", dest.endpoint_url))
                ident = ("files", target)
            else:
                if isinstance(dest.url, str):
                    if not _URL.match(dest.url):
                        self.issues.add(self.location((*base, "url")), f"destinations[{i}].url is not a "
                                        "SQLAlchemy URL", expected=_EXAMPLES["destinations[].url"],
                                        suggestion=_env_hint("url", dest.url))
                    elif dest.is_sqlite and dest.db_schema is not None:
                        self.issues.add(self.location((*base, "schema"), at_key=True), f"destinations[{i}]: "
                                        "SQLite has no schemas", suggestion="remove `schema:` for a sqlite URL")
                ident = ("sql", f"{dest.url} {dest.db_schema}")  # same server, other schema: fine
            if ident in seen:
                self.issues.add(self.location(base), f"destinations[{i}] writes to the same place as "
                                f"destinations[{seen[ident]}]", suggestion="remove one of them")
            else:
                seen[ident] = i

    def check_sources(self) -> None:
        """Source names are plain names (schemas write them in `ref: {existing: "NAME.…"}`); literal URLs
        are SQLAlchemy URLs."""
        raw = self.doc.get("sources")
        for name, item in (raw.items() if isinstance(raw, dict) else ()):
            if not isinstance(name, str) or not IDENTIFIER.match(name):
                self.issues.add(self.location(("sources", name), at_key=True), f"sources: {name!r} is not a "
                                "plain name", expected="letters, digits and '_', e.g. crm")
            url = item.get("url") if isinstance(item, dict) else None
            if isinstance(url, str) and not _URL.match(url):
                self.issues.add(self.location(("sources", name, "url")), f"sources.{name}.url is not a "
                                "SQLAlchemy URL", expected=_EXAMPLES["sources.*.url"], suggestion=_env_hint("url", url))

    def check_partitions(self) -> None:
        raw = self.doc.get("partitions")
        try:
            part = Partitions.model_validate(_plain(raw)) if isinstance(raw, dict) else None
        except ValidationError:
            return  # reported by the model
        if part is None:
            return
        start = part.start
        if part.cadence == "hourly":
            aligned = (start.minute, start.second, start.microsecond) == (0, 0, 0)
            boundary = "a whole hour"
        else:
            aligned = start.time() == dt.time(0)
            boundary = "midnight"
        if not aligned:
            self.issues.add(self.location(("partitions", "start")), f"partitions.start must fall on {boundary} "
                            f"for {part.cadence} partitions", expected=f"start: {start.date().isoformat()}"
                            if part.cadence != "hourly" else f"start: {start:%Y-%m-%dT%H}:00:00")

    def check_changes(self) -> None:
        """Change outputs need a partitioned run; ``live`` updates tables in place, so it needs a database."""
        raw = self.doc.get("changes")
        outputs = raw.get("outputs") if isinstance(raw, dict) else None
        if not isinstance(outputs, list) or not outputs:
            return
        try:
            Changes.model_validate(_plain(raw))
        except ValidationError:
            return  # reported by the model
        if not isinstance(self.doc.get("partitions"), dict):
            self.issues.add(self.location(("changes", "outputs")), "changes.outputs: change outputs follow "
                            "the tables day by day and need a time-partitioned run, and the profile has no "
                            "`partitions:`", expected=_EXAMPLES["partitions"],
                            suggestion="add a `partitions:` section, or remove `changes:`")
        raw_destinations = self.doc.get("destinations")
        kinds = [d.get("kind") for d in raw_destinations if isinstance(d, dict)] \
            if isinstance(raw_destinations, list) else []
        if LIVE in outputs and kinds and "sql" not in kinds:
            self.issues.add(self.location(("changes", "outputs", outputs.index(LIVE))), "changes.outputs: "
                            "`live` keeps each changing table up to date in place in a database, and the "
                            "profile has no sql destination", expected="a destination with kind: sql",
                            suggestion="remove `live` (files destinations get changes, snapshot and history), "
                            "or add a `kind: sql` destination")

    def check_scenarios(self, datasets: dict[str, Path]) -> None:
        """Each scenario named is declared by a dataset of the profile."""
        from mock_pipelines.schema.parse import load_dataset

        raw = self.doc.get("scenarios")
        if not raw:
            return
        if not isinstance(raw, list):
            if raw == ALL_SCENARIOS and not self.declared_scenarios(datasets, load_dataset):
                self.issues.add(self.location(("scenarios",)), "scenarios: all — no dataset of the profile "
                                "declares a scenario", expected="a `scenarios:` block in a schema of the profile",
                                suggestion="remove `scenarios:`, or declare one in a schema")
            return
        declared = self.declared_scenarios(datasets, load_dataset)
        for i, name in enumerate(raw):
            if isinstance(name, str) and name not in declared:
                owners = ", ".join(f"{n} ({', '.join(d)})" for n, d in declared.items())
                self.issues.add(self.location(("scenarios", i)), f"scenarios: no dataset of the profile "
                                f"declares a scenario {name!r}",
                                expected=f"one of {owners}" if declared else "a scenario declared under "
                                "`scenarios:` in a schema of the profile (none declares one)",
                                suggestion=suggest(name, declared))

    @staticmethod
    def declared_scenarios(datasets: dict[str, Path], load: Any) -> dict[str, list[str]]:
        """Scenario name → the datasets declaring it (a schema that does not load is reported elsewhere)."""
        out: dict[str, list[str]] = {}
        for name, path in datasets.items():
            try:
                spec = load(path)
            except SchemaError:
                continue  # the schema's own problems are reported when the profile is planned
            for scenario in spec.scenarios:
                out.setdefault(scenario, []).append(name)
        return out


# ---- helpers -----------------------------------------------------------------------------------------

def _env_hint(key: str, value: str) -> str | None:
    if ENV_NAME.match(value) and value.upper() == value:
        return f"to read it from the environment variable {value}, write `{key}: {{env: {value}}}`"
    return None


def _shown(value: Any) -> str:
    if isinstance(value, str):
        return repr(value if len(value) <= 40 else value[:37] + "…")
    if isinstance(value, bool | int | float) or value is None:
        return repr(value)
    return "a " + {"dict": "mapping", "list": "list"}.get(type(value).__name__, type(value).__name__)


def _plain(node: Any) -> Any:
    """ruamel's round-trip types (CommentedMap, ScalarFloat, TimeStamp…) as plain Python values."""
    if isinstance(node, dict):
        return {_plain(k): _plain(v) for k, v in node.items()}
    if isinstance(node, list | CommentedSeq):
        return [_plain(v) for v in node]
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return str(node)
    return node
