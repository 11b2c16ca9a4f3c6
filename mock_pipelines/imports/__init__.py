"""Import a schema from where it already lives: a database, SQL DDL, JSON Schema, Avro or Protobuf."""
