"""JSON Schemas (Draft 2020-12) of dsgen records: ``record`` for the common columns, one per kind."""
