"""The spec floor: the typed model of a dataset, its YAML source locations and errors. Imports nothing above."""
