"""The profile model: a validated, frozen :class:`Profile` and the sections it holds — partitions, file and
SQL destinations, schedules, sensors and checks. Reading a profile file is :mod:`.loading`'s job."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import zoneinfo
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator
from pydantic_core import PydanticCustomError

from mock_pipelines.core.locales import SUPPORTED_LOCALES
from mock_pipelines.core.timeline import CADENCES
from mock_pipelines.profiles.env import EnvName, EnvOrLiteral, EnvRef, resolve_env
from mock_pipelines.profiles.layout import dataset_name, dataset_path, project_root
from mock_pipelines.spec.destinations import DATASET_PLACEHOLDER, DESTINATION_FORMATS
from mock_pipelines.spec.errors import suggest
from mock_pipelines.spec.model import CHANGE_OUTPUTS, IDENTIFIER

CRON_ALIASES = ("@hourly", "@daily", "@weekly", "@monthly")

Cadence = Literal[CADENCES]  # type: ignore[valid-type]
Backfill = Literal["single_run", "per_partition"]
FileFormat = Literal[DESTINATION_FORMATS]  # type: ignore[valid-type]
Severity = Literal["error", "warn"]
CheckLevel = Literal["error", "warn", "off"]
SqlMode = Literal["create", "existing"]
ForeignKeyChecks = Literal["per_row", "after_load"]
# What a table that changes (schema `changes:`) becomes besides its insert-only table: its change log, its
# snapshot, its SCD2 history, and `live` — the table kept up to date in place in a SQL database.
ChangeOutput = Literal["changes", "snapshot", "history", "live"]
LIVE = CHANGE_OUTPUTS[-1]

_SQLITE = re.compile(r"^(sqlite(?:\+\w+)?):///(.*)$")
_CRON_FIELD = re.compile(r"^[0-9A-Za-z*/,\-?LW#]+$")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, validate_by_name=True, validate_by_alias=True)


class Partitions(_Model):
    """Time partitions: every table declared ``partitioned:`` in its schema grows window by window."""

    start: dt.datetime = Field(description="first partition; a date (midnight) or a datetime, UTC")
    cadence: Cadence = "daily"
    end_offset: int = Field(0, strict=True, description="Dagster end_offset; 0 = up to the last complete period")
    backfill: Backfill = "single_run"

    @field_validator("start", mode="before")
    @classmethod
    def _start_in(cls, value: Any) -> Any:
        if isinstance(value, dt.datetime):  # ruamel's TimeStamp subclass → a plain datetime
            return dt.datetime(value.year, value.month, value.day, value.hour, value.minute, value.second,
                               value.microsecond, tzinfo=value.tzinfo)
        if isinstance(value, dt.date):
            return dt.datetime(value.year, value.month, value.day)
        return value

    @field_validator("start")
    @classmethod
    def _start_utc(cls, value: dt.datetime) -> dt.datetime:
        return value.astimezone(dt.UTC).replace(tzinfo=None) if value.tzinfo is not None else value


class Credentials(_Model):
    """Names of the environment variables holding an access key pair (never the keys themselves)."""

    key_env: EnvName
    secret_env: EnvName

    def resolve(self) -> tuple[str, str]:
        """(access key id, secret key) read from the environment now."""
        key = resolve_env(EnvRef(env=self.key_env), "the access key id of an S3 destination")
        secret = resolve_env(EnvRef(env=self.secret_env), "the secret key of an S3 destination")
        return key, secret  # type: ignore[return-value]


class FilesDestination(_Model):
    """One folder per table of Parquet, CSV or JSON-lines files, locally or in an S3-compatible store."""

    kind: Literal["files"]
    path: str = "data"
    format: FileFormat = "parquet"
    endpoint_url: EnvOrLiteral | None = None
    credentials: Credentials | None = None

    @property
    def is_s3(self) -> bool:
        return self.path.startswith("s3://")

    def location(self, root: Path | None = None) -> str:
        """``s3://bucket/prefix`` as written, or the absolute local folder."""
        return self.path if self.is_s3 else str(self.local_path(root))

    def local_path(self, root: Path | None = None) -> Path:
        if self.is_s3:
            raise ValueError(f"{self.path} is an S3 location, not a local folder")
        path = Path(self.path).expanduser()
        return path if path.is_absolute() else (root or project_root()) / path

    def storage_options(self) -> dict[str, Any]:
        """s3fs/fsspec options (endpoint and keys read from the environment now); ``{}`` for local paths."""
        if not self.is_s3:
            return {}
        options: dict[str, Any] = {}
        if self.endpoint_url is not None:
            options["client_kwargs"] = {"endpoint_url": resolve_env(self.endpoint_url, "endpoint_url")}
        if self.credentials is not None:
            options["key"], options["secret"] = self.credentials.resolve()
        return options


class SqlDestination(_Model):
    """Tables in a database reached through a SQLAlchemy URL.

    ``schema`` is the namespace of the tables (a PostgreSQL schema, a MySQL/MariaDB database); it may hold
    ``{dataset}`` to give every dataset a namespace of its own. ``mode: create`` creates missing tables from
    the schema; ``mode: existing`` loads into tables the user made and checks that they fit first.
    """

    kind: Literal["sql"]
    url: EnvOrLiteral
    db_schema: str | None = Field(None, alias="schema", description="database schema (namespace) of the tables")
    mode: SqlMode = "create"
    # PostgreSQL: check foreign keys row by row (default), or, for whole-table loads, once after the load
    # (one join per key; the table and its parents are locked exclusively until commit).
    foreign_key_checks: ForeignKeyChecks = "per_row"

    @field_validator("db_schema")
    @classmethod
    def _schema_name(cls, value: str | None) -> str | None:
        if value is None or IDENTIFIER.match(value.replace(DATASET_PLACEHOLDER, "d")):
            return value
        # Names are quoted in SQL anyway; accepting only plain identifiers keeps SQL out of names altogether.
        raise PydanticCustomError(
            "sql_schema", "{value} is not a plain SQL name",
            {"value": repr(value),
             "expected": "letters, digits and '_' (not starting with a digit), at most 63 characters; "
                         f"`{DATASET_PLACEHOLDER}` stands for the dataset's name, e.g. schema: mock_{{dataset}}",
             "suggestion": f"schema: {_plain_sql_name(value)}"})

    def schema_for(self, dataset: str) -> str | None:
        """The namespace of ``dataset``'s tables (``{dataset}`` replaced), or None for the URL's default."""
        return self.db_schema.replace(DATASET_PLACEHOLDER, dataset) if self.db_schema is not None else None

    @property
    def schema_per_dataset(self) -> bool:
        return self.db_schema is not None and DATASET_PLACEHOLDER in self.db_schema

    def resolved_url(self, root: Path | None = None) -> str:
        """The SQLAlchemy URL (read from the environment now); relative sqlite paths made absolute."""
        url = resolve_env(self.url, "the url of a sql destination")
        assert url is not None
        match = _SQLITE.match(url)
        if match:
            dialect, rest = match.groups()
            file, sep, query = rest.partition("?")
            if file and file != ":memory:" and not file.startswith("/"):
                url = f"{dialect}:///{(root or project_root()) / file}{sep}{query}"
        return url

    @property
    def is_sqlite(self) -> bool:
        return isinstance(self.url, str) and self.url.startswith("sqlite")


Destination = Annotated[FilesDestination | SqlDestination, Field(discriminator="kind")]


class Source(_Model):
    """A database whose existing rows generated tables reference (``ref: {existing: "NAME.schema.table.col"}``
    in a schema): the schema says what is referenced, the profile's ``sources:`` says where it lives. The URL
    follows the rules of a SQL destination's (``{env: NAME}`` for anything with a password)."""

    url: EnvOrLiteral

    def resolved_url(self, root: Path | None = None) -> str:
        """The SQLAlchemy URL (read from the environment now); relative sqlite paths made absolute."""
        return SqlDestination(kind="sql", url=self.url).resolved_url(root)


class Schedules(_Model):
    enabled: bool = Field(False, strict=True)
    cron: str = "0 2 * * *"
    timezone: str = "UTC"

    @field_validator("cron")
    @classmethod
    def _cron(cls, value: str) -> str:
        fields = value.split()
        if value.strip() in CRON_ALIASES or (len(fields) == 5 and all(_CRON_FIELD.match(f) for f in fields)):
            return value
        raise PydanticCustomError("cron", "{value} is not a cron expression",
                                  {"value": repr(value),
                                   "expected": 'five fields "minute hour day month weekday", e.g. "0 2 * * *" '
                                               "(quoted), or @hourly, @daily, @weekly, @monthly"})

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        if value in _timezones():
            return value
        raise PydanticCustomError("timezone", "unknown time zone {value}",
                                  {"value": repr(value),
                                   "expected": "an IANA name such as UTC, Europe/Berlin or America/New_York",
                                   "suggestion": suggest(value, _timezones())})


class Sensors(_Model):
    schema_changes: bool = Field(True, strict=True)
    request_inbox: str | None = "requests"


class Checks(_Model):
    """The ``checks:`` section: the default severity (``error`` keeps each check's own, ``warn`` lowers every
    check) and overrides (check name, ``table.check``, glob or ``kind:<kind>`` → error | warn | off). What is
    in force is resolved by ``mock_pipelines.quality.severity``; the override keys are checked against the
    derived check names when the profile is planned."""

    severity: Severity = "error"
    overrides: dict[str, CheckLevel] = Field(default_factory=dict)


class Changes(_Model):
    """The ``changes:`` section: which outputs each table with ``changes:`` in its schema gets as assets of
    its own, partitioned like the run (none by default: the tables alone, as inserted)."""

    outputs: list[ChangeOutput] = Field(default_factory=list)

    @field_validator("outputs")
    @classmethod
    def _once_each(cls, value: list[str]) -> list[str]:
        twice = sorted({o for o in value if value.count(o) > 1})
        if twice:
            raise PydanticCustomError("duplicate_output", "{value} is listed more than once",
                                      {"value": ", ".join(twice),
                                       "expected": "each of " + ", ".join(CHANGE_OUTPUTS) + " at most once",
                                       "suggestion": "outputs: [" + ", ".join(dict.fromkeys(value)) + "]"})
        return value


ALL_SCENARIOS = "all"


def _scenario_names(value: Any) -> Any:
    """``scenarios:`` is ``all`` or a list naming each scenario once."""
    if isinstance(value, str) and value != ALL_SCENARIOS:
        raise PydanticCustomError("scenarios", "{value} is neither a list of scenario names nor `all`",
                                  {"value": repr(value), "expected": "scenarios: [dirty, edge] or scenarios: all",
                                   "suggestion": f"scenarios: [{value}]"})
    if isinstance(value, list):
        twice = sorted({str(n) for n in value if value.count(n) > 1})
        if twice:
            raise PydanticCustomError("duplicate_scenario", "{value} is listed more than once",
                                      {"value": ", ".join(twice), "expected": "each scenario name once",
                                       "suggestion": "scenarios: [" + ", ".join(map(str, dict.fromkeys(value)))
                                                     + "]"})
    return value


class Profile(_Model):
    """A validated run profile. Build one with :func:`load_profile`."""

    profile: str
    description: str = ""
    datasets: list[str] = Field(min_length=1)
    seed: int = Field(0, strict=True)
    scale: float = Field(1.0, gt=0, strict=True, allow_inf_nan=False)
    locale: str | None = None
    chunk_size: int = Field(262_144, gt=0, strict=True)
    rows: dict[str, Annotated[int, Field(ge=0, strict=True)]] = Field(default_factory=dict)
    partitions: Partitions | None = None
    destinations: list[Destination] = Field(min_length=1)
    schedules: Schedules = Field(default_factory=Schedules)
    sensors: Sensors = Field(default_factory=Sensors)
    automation: bool = Field(False, strict=True)
    checks: Checks = Field(default_factory=Checks)
    changes: Changes = Field(default_factory=Changes)
    # Scenarios of the datasets (declared under `scenarios:` in their schemas) that land as datasets of their
    # own, `<dataset>__<scenario>`, with their ground truth: names, or `all`. None by default.
    scenarios: list[str] | Literal["all"] = Field(default_factory=list)
    # Local plugin modules (dotted names importable from the project root): their generators and
    # expectations become usable by the datasets. Imported when the profile loads (see core.plugins).
    plugins: list[Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")]] = \
        Field(default_factory=list)
    # Databases whose existing rows the datasets reference (`ref: {existing: …}`), by the name schemas use.
    sources: dict[str, Source] = Field(default_factory=dict)

    _file: Path | None = PrivateAttr(None)
    _root: Path | None = PrivateAttr(None)

    @field_validator("scenarios", mode="before")
    @classmethod
    def _scenarios_once(cls, value: list[str] | str) -> list[str] | str:
        return _scenario_names(value)

    @field_validator("locale")
    @classmethod
    def _locale(cls, value: str | None) -> str | None:
        if value is None or value in SUPPORTED_LOCALES:
            return value
        raise PydanticCustomError("locale", "unsupported locale {value}",
                                  {"value": repr(value),
                                   "expected": "one of " + ", ".join(SUPPORTED_LOCALES) + ", or null for each schema's own",
                                   "suggestion": suggest(value, SUPPORTED_LOCALES)})

    # -- where things are --
    @property
    def root(self) -> Path:
        """The project root relative paths of this profile are resolved against."""
        return self._root or project_root()

    @property
    def reports_root(self) -> Path:
        """Where the profile's reports go: ``<root>/reports/<profile>`` (the quality report, GX Data Docs and
        recorded check results of each dataset below it), so runs of one profile never overwrite another's."""
        return self.root / "reports" / self.profile

    @property
    def file(self) -> Path | None:
        """The YAML file this profile was loaded from (None if built in code)."""
        return self._file

    def dataset_paths(self) -> list[Path]:
        """The schema file of every dataset, in the order listed."""
        return [dataset_path(entry, self.root) for entry in self.datasets]

    def dataset_names(self) -> list[str]:
        return [dataset_name(entry) for entry in self.datasets]

    def row_overrides(self, dataset: str) -> dict[str, int]:
        """Fixed row counts of ``dataset``'s tables (``rows:`` keys ``dataset.table``); not scaled."""
        prefix = f"{dataset}."
        return {key[len(prefix):]: n for key, n in self.rows.items() if key.startswith(prefix)}

    def source_urls(self) -> dict[str, str]:
        """The URL of every source (read from the environment now)."""
        return {name: source.resolved_url(self.root) for name, source in self.sources.items()}

    def inbox_dir(self) -> Path | None:
        """The request inbox folder (holding inbox/, done/, failed/), or None when disabled."""
        if self.sensors.request_inbox is None:
            return None
        path = Path(self.sensors.request_inbox).expanduser()
        return path if path.is_absolute() else self.root / path

    def selected_scenarios(self, declared: Iterable[str]) -> list[str]:
        """The scenarios of one dataset (``declared``: the names its schema declares, in order) this profile
        lands: all of them for ``scenarios: all``, else those it names, in the dataset's order."""
        declared = list(declared)
        if self.scenarios == ALL_SCENARIOS:
            return declared
        return [name for name in declared if name in self.scenarios]

    @property
    def partitioned(self) -> bool:
        return self.partitions is not None

    def fingerprint(self) -> str:
        """A stable 16-hex-digit hash of everything that shapes a run (all but ``description``).

        Environment references enter by name, never by value, and paths as written, so the fingerprint is
        the same on every machine.
        """
        # `changes:` enters only when it selects outputs, so profiles without it keep their fingerprint.
        # `scenarios:`, `plugins:` and `sources:` likewise, only when they name some.
        exclude = {"description"} | (set() if self.changes.outputs else {"changes"}) \
            | (set() if self.scenarios else {"scenarios"}) | (set() if self.plugins else {"plugins"}) \
            | (set() if self.sources else {"sources"})
        data = self.model_dump(mode="json", by_alias=True, exclude=exclude)
        text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
        return hashlib.sha256(text.encode()).hexdigest()[:16]



def _plain_sql_name(value: str) -> str:
    """``value`` made a plain SQL name (runs of other characters → ``_``), keeping ``{dataset}``."""
    parts = [re.sub(r"[^A-Za-z0-9_]+", "_", p) for p in value.split(DATASET_PLACEHOLDER)]
    name = DATASET_PLACEHOLDER.join(parts).strip("_") or "mock"
    return f"_{name}" if name[0].isdigit() else name



@cache
def _timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones() | {"UTC"})
