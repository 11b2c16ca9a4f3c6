"""(filled by its family)."""
