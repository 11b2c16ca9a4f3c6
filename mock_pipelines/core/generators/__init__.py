"""The generator catalogue. Importing this package registers every generator and vocabulary source."""

from importlib import import_module

_MODULES = (
    "numeric", "structure", "identifiers", "person", "address", "internet", "phone", "company", "commerce",
    "finance", "datetime", "technical", "text", "health", "aviation", "national_ids", "national_ids_eu", "codes",
    "documents", "series", "json_documents",
)

for _name in _MODULES:
    try:
        import_module(f"{__name__}.{_name}")
    except ModuleNotFoundError as exc:  # a family not written yet must not hide the others
        if exc.name != f"{__name__}.{_name}":
            raise
