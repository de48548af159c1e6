"""JSON Schemas of corpus_lib (the single source of truth), importable as corpus_lib.schemas."""
