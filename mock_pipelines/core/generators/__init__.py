"""The built-in generator families, one module each. Importing a family registers its generators and the
vocabulary sources they read (a source named ``family.what`` lives in module ``family``). The package itself
imports none of them: ``registry.get`` imports only the family that defines the name it is asked for (see
:mod:`.names`), and the whole catalogue is loaded only where it is listed or searched."""

from importlib import import_module

FAMILIES = (
    "numeric", "structure", "identifiers", "person", "address", "internet", "phone", "company", "commerce",
    "finance", "datetime", "technical", "text", "health", "aviation", "national_ids", "national_ids_eu", "codes",
    "documents", "series", "json_documents",
)


def load_family(family: str) -> None:
    """Import one family module (registering its generators and vocabulary sources)."""
    import_module(f"{__name__}.{family}")


def load_all() -> None:
    """Import every family module: the whole built-in catalogue."""
    for family in FAMILIES:
        load_family(family)
