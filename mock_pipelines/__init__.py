"""mock_pipelines: realistic, relational, reproducible mock data as an orchestrated data product."""

__version__ = "0.1.0"

# Bumped whenever a generator's output for the same spec and seed changes; recorded with every run so
# two runs can be compared and cached outputs invalidated.
GENERATOR_VERSION = "1"
