"""Great Expectations Data Docs: static HTML sites of validation results, one site per reports folder.

A site keeps the **latest** result of each (suite, batch): publishing a table's (or partition's) results
again replaces its page instead of adding one per run, so a folder that a schedule feeds every day grows
with the data (one page per table and partition), not with the number of runs. The run that produced a
page is on the page (run name and time).

The results live as JSON in ``<folder>/.results/`` (a filesystem validation-results store) so that each
step adds its own pages and the index lists every table, whichever process built it. The site is
registered on the GX context passed in — the Great Expectations runner's context, already created by the
check step (a second ephemeral context would cost milliseconds once GX is imported, but there is no need).

The pages work offline: GX's templates load Bootstrap, jQuery, bootstrap-table, Font Awesome and Vega from
CDNs; the files they need ship in ``data_docs_static/`` (sources, versions and licences in its README) and
are copied to ``<folder>/static/vendor/``, and every page's references are rewritten to relative paths.
The index's status column says *Passed*/*Failed* beside its icon, each page shows the run name and time it
was published under, and each suite link opens a page of that suite's expectations (``expectations/``).
A site given a title (the dataset and profile) shows it in place of GX's generic titles and site name.
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import hashlib
import os
import re
import shutil
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

import numpy as np

RESULTS_FOLDER = ".results"
# The index lists this many of the newest results: building it reads each listed result, so an unbounded
# index would make every publication slower as partitions accumulate (~0.8 s at 300 pages). Older pages
# stay on disk, one per table and partition.
INDEX_LIMIT = 100
_lock = threading.Lock()

STATIC_SOURCE = Path(__file__).with_name("data_docs_static")
VENDOR = Path("static") / "vendor"  # inside the site folder
_GX_ASSETS = "https://great-expectations-web-assets.s3.us-east-2.amazonaws.com/"
# What GX 1.x's templates (render/view/templates/*.j2) load from the network -> the shipped file.
CDN_FILES = {
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.css": "css/bootstrap-table.min.css",
    "https://maxcdn.bootstrapcdn.com/bootstrap/4.3.1/css/bootstrap.min.css": "css/bootstrap.min.css",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/bootstrap-table-filter-control.css":
        "css/bootstrap-table-filter-control.min.css",
    "https://unpkg.com/bootstrap-table@1.19.0/dist/extensions/filter-control/"
    "bootstrap-table-filter-control.min.css": "css/bootstrap-table-filter-control.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/css/bootstrap-datepicker.min.css":
        "css/bootstrap-datepicker.min.css",
    "https://cdn.jsdelivr.net/npm/@forevolve/bootstrap-dark@1.1.0/dist/css/bootstrap-prefers-dark.css":
        "css/bootstrap-prefers-dark.min.css",
    "https://cdnjs.cloudflare.com/ajax/libs/font-awesome/6.6.0/css/all.min.css": "css/fontawesome-all.min.css",
    "https://cdn.jsdelivr.net/npm/vega@5": "js/vega.min.js",
    "https://cdn.jsdelivr.net/npm/vega-lite@5": "js/vega-lite.min.js",
    "https://cdn.jsdelivr.net/npm/vega-embed@6": "js/vega-embed.min.js",
    "https://code.jquery.com/jquery-3.7.1.min.js": "js/jquery.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/popper.js/1.12.9/umd/popper.min.js": "js/popper.min.js",
    "https://stackpath.bootstrapcdn.com/bootstrap/4.3.1/js/bootstrap.min.js": "js/bootstrap.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/bootstrap-table.min.js": "js/bootstrap-table.min.js",
    "https://unpkg.com/bootstrap-table@1.19.1/dist/extensions/filter-control/bootstrap-table-filter-control.min.js":
        "js/bootstrap-table-filter-control.min.js",
    "https://cdnjs.cloudflare.com/ajax/libs/bootstrap-datepicker/1.9.0/js/bootstrap-datepicker.min.js":
        "js/bootstrap-datepicker.min.js",
}
_REF = re.compile(r'(?P<attr>href|src)="(?P<url>https?://[^"]*)"')
# GX's own static files, referenced with a depth GX gets wrong on result pages (the favicon: one "../" short)
_STATIC_REF = re.compile(r'(?P<attr>href|src)="(?:\./|(?:\.\./)+)?static/(?P<rest>[^"]*)"')
# integrity hashes name the CDN's bytes, and crossorigin makes a browser refuse a file:// script
_CDN_ATTRS = re.compile(r'\s+(?:integrity="[^"]*"|crossorigin="[^"]*")')
_FOOTER = re.compile(r"<footer>.*?</footer>", re.S)  # GX's newsletter call to action
_STATUS = re.compile(r'(<i class="[^"]*ge-(success|failed)-icon"\s*></i>)(?! Passed| Failed)')
# What GX names a site and its pages by: its generic page titles, the site name it was registered under (a
# hash of the folder, needed to tell sites apart on one context) and the breadcrumb back to the index.
TITLE_FILE = ".site_title"  # in the site folder: what the site shows instead (the dataset and profile)
_GX_TITLES = re.compile(r"<title>(?:Data Docs created by Great Expectations|Data documentation compiled by Great "
                        r"Expectations)</title>")
_SITE_NAME = re.compile(r"\bmock_pipelines_[0-9a-f]{12}\b")
_HOME = re.compile(r'(<li class="ge-breadcrumbs-item breadcrumb-item"><a href="[^"]*index\.html">)Home(</a>)')


@dataclass
class DataDocs:
    """A built site: its index page, and the page of each result just published (in the given order)."""

    index: Path
    pages: list[Path] = field(default_factory=list)

    @property
    def index_url(self) -> str:
        return self.index.as_uri()


def name_site(folder: str | os.PathLike[str], title: str) -> None:
    """Give the site at ``folder`` the title its pages show (browser tab, index header, the breadcrumb back
    to the index), e.g. ``shop · profile local``, in place of GX's generic titles and its internal site
    name. Kept in the folder, so every later publication into it uses it."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / TITLE_FILE
    if not path.exists() or path.read_text(encoding="utf-8") != title:
        tmp = path.with_name(f"{TITLE_FILE}.{os.getpid()}")
        tmp.write_text(title, encoding="utf-8")
        os.replace(tmp, path)


def site_title(folder: str | os.PathLike[str]) -> str | None:
    """The title given to the site at ``folder`` (None when it has none)."""
    try:
        return Path(folder, TITLE_FILE).read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


def publish(validation_results: Any, folder: str | os.PathLike[str], *, context: Any | None = None,
            batch: str | None = None, run_name: str | None = None,
            run_time: dt.datetime | None = None, title: str | None = None) -> DataDocs | None:
    """Add validation results to the Data Docs site at ``folder`` and rebuild its index.

    ``validation_results``: ``ExpectationSuiteValidationResult`` objects, ``CheckpointResult`` objects (their
    run results) or a list of either. ``batch`` names what was validated (e.g. ``orders-2024-01-05``); a
    result replaces the earlier one of the same suite and batch. ``run_name``/``run_time`` are shown on the
    index and the page (in Dagster: the run id and the run's start time; default: the result's own run id,
    else the run time — now unless given — as ``YYYY-MM-DDTHH:MM:SSZ``). ``context``: a GX context to
    register the site on (default: a new ephemeral one). ``title``: names the site (:func:`name_site`);
    without it, the title the folder was given earlier, if any. ``None`` when there is nothing to render.
    """
    found = _suite_results(validation_results)
    if not found:
        return None
    folder = Path(folder).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    if title is not None:
        name_site(folder, title)
    if context is None:
        import great_expectations as gx

        context = gx.get_context(mode="ephemeral")
    with _lock, _folder_lock(folder):
        site, store_name = _register_site(context, folder)
        store = context.stores[store_name]
        keys = []
        for i, result in enumerate(found):
            key = _key(result, i, batch, run_name, run_time)
            _drop_earlier(store, key)
            store.set(key, _json_safe(result, key))
            keys.append(key)
        context.build_data_docs(site_names=[site], resource_identifiers=keys)
        for sub in (RESULTS_FOLDER, "validations"):
            _prune_empty_folders(folder / sub)
        pages = [_url_path(context.get_docs_sites_urls(resource_identifier=k, site_name=site)) for k in keys]
        pages = [p for p in pages if p is not None]
        suites = _write_suite_pages(folder, found)
        index = folder / "index.html"
        if not index.exists():
            return None
        make_offline(folder, [index, *pages, *suites])
    return DataDocs(index, pages)


def make_offline(folder: str | os.PathLike[str], pages: Iterable[str | os.PathLike[str]]) -> None:
    """Copy the shipped static files into the site at ``folder`` and rewrite ``pages`` (HTML files of that
    site) to load them by relative paths; also write the status text beside the index's icons, drop
    GX's newsletter footer and name the site by its title (:func:`name_site`), when it has one. Pages already rewritten are left as they are; the first time, every page of the
    site is (a site built before the files were shipped)."""
    folder = Path(folder)
    if _copy_static(folder):
        pages = [*pages, *folder.glob("*.html"), *(folder / "validations").rglob("*.html")]
    static = folder / "static"
    css = static / "styles" / "data_docs_default_styles.css"  # GX copies it again at every build
    if css.exists():
        text = css.read_text(encoding="utf-8")
        fixed = text.replace(f"{_GX_ASSETS}full_logo_dark.png", "../images/logo-long.png")
        if fixed != text:
            css.write_text(fixed, encoding="utf-8")
    title = site_title(folder)
    for page in pages:
        page = Path(page)
        html = page.read_text(encoding="utf-8")
        fixed = _offline_html(html, Path(os.path.relpath(static, page.parent)).as_posix())
        if title is not None:
            fixed = _titled(fixed, title)
        if fixed != html:
            page.write_text(fixed, encoding="utf-8")


def _offline_html(html: str, static: str) -> str:
    """``html`` with its CDN references replaced by files under ``static`` (relative to the page)."""

    def local(match: re.Match[str]) -> str:
        url = match["url"]
        if url in CDN_FILES:
            return f'{match["attr"]}="{static}/vendor/{CDN_FILES[url]}"'
        if url.startswith(_GX_ASSETS):  # GX's logo (with a cache-busting query)
            name = url[len(_GX_ASSETS):].split("?")[0]
            return f'{match["attr"]}="{static}/images/{"logo-long.png" if name == "full_logo_dark.png" else name}"'
        return match.group(0)  # a link to a web page, not an asset

    html = _REF.sub(local, html)
    html = _STATIC_REF.sub(lambda m: f'{m["attr"]}="{static}/{m["rest"]}"', html)
    html = html.replace(f"url('{_GX_ASSETS}full_logo_dark.png')", f"url('{static}/images/logo-long.png')")
    html = _CDN_ATTRS.sub("", html)
    html = _FOOTER.sub("", html)
    return _STATUS.sub(lambda m: f"{m[1]} {'Passed' if m[2] == 'success' else 'Failed'}", html)


def _titled(html: str, title: str) -> str:
    """``html`` naming the site by ``title`` (escaped) where GX names it by its own words."""
    import html as markup

    shown = markup.escape(title)
    html = _GX_TITLES.sub(f"<title>{shown} — Data Docs</title>", html, count=1)
    html = _SITE_NAME.sub(lambda _: shown, html)
    return _HOME.sub(lambda m: f"{m[1]}{shown}{m[2]}", html)


def _copy_static(folder: Path) -> bool:
    """The shipped files under ``folder/static/vendor/`` (copied when missing or of another size); whether
    that folder is new."""
    target = folder / VENDOR
    new = not target.exists()
    for source in STATIC_SOURCE.rglob("*"):
        if source.is_dir() or source.name == "README.md" or "LICENSES" in source.parts:
            continue
        dest = target / source.relative_to(STATIC_SOURCE)
        if not dest.exists() or dest.stat().st_size != source.stat().st_size:
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, dest)
    return new


def suite_page(folder: str | os.PathLike[str], suite_name: str) -> Path:
    """Where the page of a suite's expectations is (the path GX's suite links point at)."""
    return Path(folder, "expectations", *suite_name.split(".")).with_suffix(".html")


def _write_suite_pages(folder: Path, results: list[Any]) -> list[Path]:
    """A page per suite listing the expectations it ran (those of the result just published), so that the
    suite links of the index and of the result pages open a page. A page whose expectations are unchanged
    is kept (rendering one costs about as much as a result page: charts of distribution expectations)."""
    import json

    written = []
    for i, result in enumerate(results):
        name = result.suite_name or f"suite-{i}"
        configs = [r.expectation_config for r in result.results if r.expectation_config is not None]
        digest = hashlib.sha256(json.dumps([_builtin(c.to_json_dict()) for c in configs], sort_keys=True,
                                           default=str).encode()).hexdigest()
        mark = f"<!-- mock_pipelines suite digest {digest} -->"
        path = suite_page(folder, name)
        written.append(path)
        if path.exists() and mark in path.read_text(encoding="utf-8"):
            continue
        html = f"{_render_suite(name, configs)}\n{mark}\n"
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(html, encoding="utf-8")
        os.replace(tmp, path)
    return written


def _render_suite(name: str, configs: list[Any]) -> str:
    from great_expectations.core.expectation_suite import ExpectationSuite
    from great_expectations.render.renderer import ExpectationSuitePageRenderer
    from great_expectations.render.view import DefaultJinjaPageView

    suite = ExpectationSuite(name=name, expectations=configs)
    return DefaultJinjaPageView().render(ExpectationSuitePageRenderer().render(suite))


@contextlib.contextmanager
def _folder_lock(folder: Path) -> Iterator[None]:
    """One writer per site at a time, across processes (check steps of a backfill may publish at once):
    GX writes the stored results and the index in place, so a concurrent reader could see half a file."""
    with open(folder / ".lock", "a+b") as handle:
        try:
            import fcntl
        except ImportError:  # not POSIX: the in-process lock only
            yield
            return
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def suite_results(validation: Any) -> list[Any]:
    """Everything one :class:`~mock_pipelines.quality.gx_runner.TableValidation` checked, as GX suite
    validation results: the rules pyarrow evaluated (large tables), rendered like GX's own, first; then
    the results of the rules GX ran. Imports GX (only Data Docs need it when every rule ran on pyarrow)."""
    out = []
    if validation.arrow_checked:
        taken = {r.suite_name for r in validation.gx_results}
        name = validation.table if validation.table not in taken else f"{validation.table}__pyarrow"
        out.append(_arrow_suite_result(name, validation.table, validation.arrow_checked))
    return out + list(validation.gx_results)


def _arrow_suite_result(suite_name: str, table: str, checked: list[tuple[Any, Any]]) -> Any:
    from great_expectations.core.expectation_validation_result import (
        ExpectationSuiteValidationResult,
        ExpectationValidationResult,
    )

    from mock_pipelines.quality.gx_runner import build_expectation

    results = []
    for rule, outcome in checked:
        if rule.kind == "checksum":
            continue  # no Great Expectations class checks digits: the quality report and asset checks show it
        n = outcome.evaluated_rows if rule.band is not None else None
        kwargs = rule.gx_kwargs(n)
        if rule.expectation == "ExpectColumnValuesToBeInTypeList" and rule.params.get("arrow_type"):
            kwargs = {**kwargs, "type_list": [rule.params["arrow_type"]]}  # what was checked: Arrow's type, not pandas'
        config = build_expectation(rule, kwargs).configuration
        if outcome.unexpected_count is not None:
            rows = outcome.evaluated_rows or 0
            detail: dict[str, Any] = {
                "element_count": rows, "unexpected_count": outcome.unexpected_count,
                "unexpected_percent": 100.0 * outcome.unexpected_count / rows if rows else 0.0,
                "partial_unexpected_list": [str(v) for v in outcome.examples]}
        else:
            detail = {"observed_value": outcome.observed}
        results.append(ExpectationValidationResult(
            success=bool(outcome.passed or outcome.skipped), expectation_config=config, result=detail,
            meta={"engine": "pyarrow", "sampled": outcome.sampled, "rule": rule.name}))
    passed = sum(r.success for r in results)
    statistics = {"evaluated_expectations": len(results), "successful_expectations": passed,
                  "unsuccessful_expectations": len(results) - passed,
                  "success_percent": 100.0 * passed / len(results) if results else 100.0}
    return ExpectationSuiteValidationResult(success=passed == len(results), results=results, suite_name=suite_name,
                                            statistics=statistics, meta={
                                                "engine": "pyarrow", "batch_spec": {"data_asset_name": table},
                                                "active_batch_definition": {
                                                    "datasource_name": "mock_pipelines", "data_asset_name": table,
                                                    "batch_definition_name": "whole_table"}})


def _suite_results(validation_results: Any) -> list[Any]:
    from great_expectations.core.expectation_validation_result import ExpectationSuiteValidationResult

    items = validation_results if isinstance(validation_results, list | tuple) else [validation_results]
    found: list[Any] = []
    for item in items:
        if isinstance(item, ExpectationSuiteValidationResult):
            found.append(item)
        elif hasattr(item, "run_results"):  # CheckpointResult
            found.extend(v for v in item.run_results.values() if isinstance(v, ExpectationSuiteValidationResult))
    return found


def _register_site(context: Any, folder: Path) -> tuple[str, str]:
    """(site name, store name) of ``folder`` on ``context``, added on first use."""
    tag = hashlib.sha256(str(folder).encode()).hexdigest()[:12]
    site, store = f"mock_pipelines_{tag}", f"mock_pipelines_results_{tag}"
    if store not in context.stores:
        context.add_store(store, {"class_name": "ValidationResultsStore", "store_backend": {
            "class_name": "TupleFilesystemStoreBackend", "base_directory": str(folder / RESULTS_FOLDER)}})
    if site not in (context.get_config().data_docs_sites or {}):
        context.add_data_docs_site(site_name=site, site_config={
            "class_name": "SiteBuilder",
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(folder)},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder", "show_how_to_buttons": False,
                                   "validation_results_limit": INDEX_LIMIT},
            "site_section_builders": {
                "expectations": "None",  # suites are not stored: every page is a validation result
                "profiling": "None",
                "validations": {"class_name": "DefaultSiteSectionBuilder", "source_store_name": store,
                                "renderer": {"class_name": "ValidationResultsPageRenderer"}},
            },
        })
    return site, store


def _key(result: Any, i: int, batch: str | None, run_name: str | None, run_time: dt.datetime | None) -> Any:
    from great_expectations.core.run_identifier import RunIdentifier
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    meta = result.meta or {}
    run_id = meta.get("run_id")
    if isinstance(run_id, Mapping):
        run_id = RunIdentifier(**run_id)
    if run_name is not None or not isinstance(run_id, RunIdentifier) or not run_id.run_name:
        when = run_time or dt.datetime.now(dt.UTC)
        run_id = RunIdentifier(run_name=run_name or f"{when.astimezone(dt.UTC):%Y-%m-%dT%H:%M:%SZ}", run_time=when)
    if batch is None:
        active = meta.get("active_batch_definition") or {}
        batch = "-".join(str(active.get(k)) for k in ("datasource_name", "data_asset_name") if active.get(k)) \
            if isinstance(active, Mapping) else ""
    return ValidationResultIdentifier(
        expectation_suite_identifier=ExpectationSuiteIdentifier(name=result.suite_name or f"suite-{i}"),
        run_id=run_id, batch_identifier=batch or f"batch-{i}")


def _drop_earlier(store: Any, key: Any) -> None:
    """Remove the stored results of the same suite and batch (their pages go when the index is rebuilt)."""
    suite, batch = key.expectation_suite_identifier.name, key.batch_identifier
    for old in store.list_keys():
        if old.expectation_suite_identifier.name == suite and old.batch_identifier == batch and old != key:
            store.remove_key(old)


def _prune_empty_folders(root: Path) -> None:
    """Folders emptied by replaced results (GX removes the files, not their run folders)."""
    for path, _, _ in os.walk(root, topdown=False):  # children first: a folder of empty folders goes too
        if Path(path) != root and not os.listdir(path):
            try:
                os.rmdir(path)
            except OSError:  # filled again meanwhile
                pass


def _url_path(urls: Iterable[Mapping[str, Any]]) -> Path | None:
    for entry in urls:
        url = entry.get("site_url") or ""
        if url.startswith("file://"):
            return Path(unquote(urlparse(url).path))
    return None


def _builtin(value: Any) -> Any:
    """NumPy scalars and arrays inside GX results as plain Python (GX 1.24 leaves numpy bools in quantile
    results, which its JSON stores cannot serialise)."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, dict):
        return {k: _builtin(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_builtin(v) for v in value]
    return value


def _json_safe(result: Any, key: Any) -> Any:
    """A copy of ``result`` that GX's JSON store can write, carrying the run it is published under (the
    pages show the run name and time of the result's ``meta.run_id``) and its table as data asset."""
    result = copy.deepcopy(result)
    result.meta = dict(result.meta or {})
    result.meta["run_id"] = key.run_id
    active = result.meta.get("active_batch_definition")
    spec = result.meta.get("batch_spec")
    if isinstance(active, Mapping) and active.get("data_asset_name") and (spec is None or isinstance(spec, Mapping)):
        result.meta["batch_spec"] = {**(spec or {}), "data_asset_name": active["data_asset_name"]}
    result.success = bool(result.success)
    for evr in result.results:
        evr.success = bool(evr.success)
        evr.result = _builtin(evr.result or {})
        if getattr(evr, "meta", None):
            evr.meta = _builtin(evr.meta)
    result.statistics = _builtin(result.statistics or {})
    return result
