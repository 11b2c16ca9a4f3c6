"""Dagster IO managers: thin adapters that hand an asset's output to a table store and record what it
wrote as materialisation metadata, and load inputs back from it."""
