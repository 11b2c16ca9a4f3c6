"""Asset keys of the tables: ``[dataset, table]``."""

import dagster as dg


def table_asset_key(dataset: str, table: str) -> dg.AssetKey:
    return dg.AssetKey([dataset, table])
