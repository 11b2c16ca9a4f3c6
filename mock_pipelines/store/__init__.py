"""Stores of generated tables, all behind one protocol (:mod:`mock_pipelines.store.protocol`): ``files``
(a local folder or an S3 prefix through fsspec; one writer, one manifest, one atomic swap for the CLI and
Dagster alike) and ``sql`` (DDL, loaders and the databases). Stores know paths and URLs, never profiles,
and import no Dagster: the Dagster layer adapts them (``defs/io_managers``)."""
