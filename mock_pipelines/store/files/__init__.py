"""Tables as files: a folder per table (``part-00000.<ext>``, or one per ``<column>=<key>`` partition),
locally or on S3, replaced atomically and described by a ``_manifest.json``."""
