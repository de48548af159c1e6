"""corpus_lib: raw news page dumps -> a clean, validated, reproducible Hugging Face dataset.

The public helpers, in the order a record travels:
parse_page (text -> article), build (SRC -> dataset folder), assign_split (the split rule),
validate (dataset folder -> report), and the schema derivations arrow_schema / hf_features.
"""

__version__ = "0.1.0"

from corpus_lib.build import BuildError, BuildReport, build
from corpus_lib.config import BuildConfig, ConfigError, load_config
from corpus_lib.parse import PageHints, ParsedArticle, ParseFailure, parse_page
from corpus_lib.records import record_id
from corpus_lib.schema import arrow_schema, hf_features, load_json_schema
from corpus_lib.splits import assign_split
from corpus_lib.validate import ValidationReport, validate

__all__ = [
    "__version__", "BuildConfig", "BuildError", "BuildReport", "ConfigError", "PageHints", "ParsedArticle",
    "ParseFailure", "ValidationReport", "arrow_schema", "assign_split", "build", "hf_features",
    "load_config", "load_json_schema", "parse_page", "record_id", "validate",
]
