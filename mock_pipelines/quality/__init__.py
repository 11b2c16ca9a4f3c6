"""Data quality: checks derived from the schemas (rules, gx_runner, cross_table) and the HTML report."""
