"""The dataset card (README.md): YAML metadata the Hub and `load_dataset` read, and a body people read."""

from __future__ import annotations

import hashlib
import re
from typing import Any

from corpus_lib.config import BuildConfig
from corpus_lib.plots import plot_markdown
from corpus_lib.schema import field_descriptions, hf_features, load_json_schema
from corpus_lib.write import ShardInfo

_SIZE_CATEGORIES = (
    (1_000, "n<1K"),
    (10_000, "1K<n<10K"),
    (100_000, "10K<n<100K"),
    (1_000_000, "100K<n<1M"),
    (10_000_000, "1M<n<10M"),
    (100_000_000, "10M<n<100M"),
)


def dataset_description(config: BuildConfig) -> str:
    return config.description or (
        "News articles extracted from raw page dumps by corpus_lib: one record per article, with title, "
        "publication time, body without site boilerplate, language and provenance."
    )


def size_category(n: int) -> str:
    for limit, name in _SIZE_CATEGORIES:
        if n < limit:
            return name
    return "100M<n<1B"


def card_metadata(config: BuildConfig, shards: list[ShardInfo], languages: list[str], download_size: int,
                  data_digest: str | None = None):
    """The card's YAML as huggingface_hub.DatasetCardData, filled the way `datasets` itself writes it.

    `data_digest` (see shards_digest) goes into the default config's description. `datasets` caches a local
    folder under a key made of the folder's name and its card's YAML alone, not of its files: a rebuild whose
    sizes all stay the same (a parser version of the same length, a title fixed letter for letter) would load
    the old rows from that cache. With the digest in the config the key changes with the data. `description`
    is a field of every builder config, so `load_dataset` and the Hub read it as such.
    """
    from datasets import DatasetInfo, SplitDict, SplitInfo
    from datasets.info import DatasetInfosDict
    from datasets.utils.metadata import MetadataConfigs
    from huggingface_hub import DatasetCardData

    splits = _split_totals(shards)
    total = sum(rows for rows, _ in splits.values())
    card = DatasetCardData(
        license=config.license,
        language=languages or None,
        pretty_name=config.pretty_name or config.name,
        size_categories=[size_category(total)],
        task_categories=["text-generation", "text-classification"],
        tags=["news", "corpus_lib"],
        source_datasets=["original"],
        **{key: value for key, value in custom_license(config).items() if value},
    )
    info = DatasetInfo(
        features=hf_features(),
        splits=SplitDict(
            {name: SplitInfo(name, num_bytes=nbytes, num_examples=rows) for name, (rows, nbytes) in splits.items()}
        ),
        download_size=download_size,
        dataset_size=sum(nbytes for _, nbytes in splits.values()),
    )
    DatasetInfosDict({"default": info}).to_dataset_card_data(card)
    data_files = [
        {"split": name, "path": [s.path for s in shards if s.split == name]} for name in splits
    ]
    default: dict[str, object] = {"data_files": data_files}
    if data_digest:
        default["description"] = _DIGEST_LABEL + data_digest
    MetadataConfigs({"default": default}).to_dataset_card_data(card)
    return card


_DIGEST_LABEL = "corpus_lib Parquet shards, sha256 of their sha256 sums: "
_DIGEST_IN_DESCRIPTION = re.compile(re.escape(_DIGEST_LABEL) + r"([0-9a-f]{64})$")


def description_digest(description: object) -> str | None:
    """The shards digest a default config's description names (see card_metadata), or None."""
    match = _DIGEST_IN_DESCRIPTION.search(str(description or ""))
    return match.group(1) if match else None


def shards_digest(paths: list[str], files_sha256: dict[str, str]) -> str:
    """sha256 over the shards' paths and sha256 sums, in shard order: it changes whenever a shard does."""
    lines = "".join(f"{path} {files_sha256[path]}\n" for path in paths)
    return hashlib.sha256(lines.encode("utf-8")).hexdigest()


def custom_license(config: BuildConfig) -> dict[str, str | None]:
    """license_name and license_link, which the Hub reads when the license is 'other'.

    Taken from `[dataset] license_name` and `license_link` in corpus.toml."""
    if config.license != "other":
        return {}
    return {"license_name": config.license_name, "license_link": config.license_link}


def _split_totals(shards: list[ShardInfo]) -> dict[str, tuple[int, int]]:
    totals: dict[str, tuple[int, int]] = {}
    for shard in shards:
        rows, nbytes = totals.get(shard.split, (0, 0))
        totals[shard.split] = (rows + shard.num_rows, nbytes + shard.num_bytes)
    return totals


def render_card(config: BuildConfig, shards: list[ShardInfo], languages: list[str], download_size: int,
                summary: dict[str, Any]) -> str:
    digest = shards_digest([s.path for s in shards], summary["files_sha256"]) if shards else None
    metadata = card_metadata(config, shards, languages, download_size, digest)
    splits = _split_totals(shards)
    title = config.pretty_name or config.name
    lines = [
        "---",
        metadata.to_yaml().rstrip("\n"),
        "---",
        "",
        f"# {title}",
        "",
        dataset_description(config),
        "",
        "## At a glance",
        "",
        plot_markdown(summary["plots"]) if summary["plots"] else "Plots were skipped (install `corpus_lib[plots]`: matplotlib).",
        "",
        "## Splits",
        "",
        "| split | records |",
        "|---|---|",
        *[f"| {name} | {rows} |" for name, (rows, _) in splits.items()],
        "",
        *_split_text(config, summary),
        "",
        "## Deduplication",
        "",
        *_dedup_text(summary),
        "",
        "## Sources",
        "",
        "| source | records | first published | last published |",
        "|---|---|---|---|",
        *[
            f"| {name} | {row['records']} | {row['first'] or '-'} | {row['last'] or '-'} |"
            for name, row in summary["sources"].items()
        ],
        "",
        "## Build accounting",
        "",
        f"Every input file is a record, a dropped duplicate (`duplicates.jsonl`) or a reject (`rejects.jsonl`): "
        f"{summary['inputs']} inputs = {summary['records']} records + {summary['duplicates']} duplicates + "
        f"{summary['rejects']} rejects.",
        "",
        "| reject reason | files |",
        "|---|---|",
        *[f"| `{reason}` | {count} |" for reason, count in summary["rejects_by_reason"].items()],
        "",
        "## Extraction provenance",
        "",
        *_provenance_text(summary),
        "",
        "## Fields",
        "",
        "| field | type | description |",
        "|---|---|---|",
        *[
            f"| `{name}` | `{_feature_type(feature)}`{' or null' if name in _nullable_fields() else ''} | "
            f"{field_descriptions()[name].replace('|', '/')} |"
            for name, feature in hf_features().items()
        ],
        "",
        "## How to load",
        "",
        "```python",
        "from datasets import load_dataset",
        "",
        'ds = load_dataset("path/or/repo_id")            # DatasetDict with the splits above',
        'stream = load_dataset("path/or/repo_id", split="train", streaming=True)',
        'head = load_dataset("path/or/repo_id", split="train[:10%]")',
        "```",
        "",
        "## License",
        "",
        *_license_text(config),
        "",
    ]
    return "\n".join(lines)


def _provenance_text(summary: dict[str, Any]) -> list[str]:
    templates = ", ".join(f"{key} {n}" for key, n in summary["template_lines"].items()) or "none"
    return [
        f"Every record was extracted by `{summary['parser']}` (also in its `parser` field) with corpus_lib "
        f"{summary['corpus_lib_version']}; records follow `{summary['schema']}`, ids `{summary['id_rule']}`, "
        f"splits `{summary['splits']['rule']}`. `corpus_build.json` holds the "
        "full build configuration and the sha256 of every file.",
        "",
        "Template lines learned per source (menus, widgets, footers recurring on many of its pages) and "
        f"removed from bodies: {templates}.",
    ]


def _license_text(config: BuildConfig) -> list[str]:
    terms = ("The articles remain their publishers' works; check that your use is allowed by each source's "
             "terms.")
    if config.license != "other":
        return [f"Declared license: `{config.license}`. {terms}"]
    custom = custom_license(config)
    if custom["license_name"] or custom["license_link"]:
        named = " ".join(filter(None, [f"`{custom['license_name']}`" if custom["license_name"] else None,
                                        f"(<{custom['license_link']}>)" if custom["license_link"] else None]))
        return [f"Declared license: `other`: {named}. {terms}"]
    return [
        "> **Warning: no license is named.** The declared license is `other` and neither `license_name` nor "
        "`license_link` is given, so the Hub shows no terms for this dataset. Set a Hub license id (`[dataset] "
        "license` in corpus.toml), or add `license_name` and `license_link` to this card's YAML, before "
        "publishing.",
        "",
        terms,
    ]


def _split_text(config: BuildConfig, summary: dict[str, Any]) -> list[str]:
    splits = summary["splits"]
    rule = (
        f"Each duplicate cluster's split is a threshold on sha256(salt NUL id) of its representative "
        f"(rule `{splits['rule']}`, salt `{splits['salt']}`, test fraction {splits['test']}, validation "
        f"fraction {splits['validation']}), so adding or removing files never moves another record."
    )
    if splits["cutoff"]:
        rule = (
            f"Temporal split: records published on or after {splits['cutoff']} are test, earlier ones train "
            f"(validation fraction {splits['validation']} by hash); records without a date follow the hash rule "
            f"(salt `{splits['salt']}`, test fraction {splits['test']}): "
            f"{splits['by_reason'].get('hash', 0)} of them."
        )
    lines = [rule, ""]
    if splits["previous_ledger"]:
        lines.append(
            f"Splits of ids known to the previous release were kept from its ledger "
            f"({splits['by_reason'].get('previous', 0)} records); {len(splits['moved'])} moved."
        )
        lines.append("")
    lines.append(
        "All members of a duplicate cluster (dropped ones included) share one split; `splits.parquet` "
        "is the ledger (id -> split, cluster, reason) for the next release. Leakage check: "
        f"{splits['leakage_pairs']} exact or near-duplicate pairs across splits."
    )
    return lines


def _dedup_text(summary: dict[str, Any]) -> list[str]:
    dedup = summary["dedup"]
    dropped = ", ".join(f"{n} {kind}" for kind, n in dedup["dropped_by_kind"].items()) or "none"
    return [
        f"Exact duplicates (same normalised body or same URL): {'on' if dedup['exact'] else 'off'}. "
        f"Near-duplicates (`{dedup['rule']}`: MinHash with {dedup['num_perm']} permutations over "
        f"{dedup['shingle']}-word shingles, LSH, estimated Jaccard >= {dedup['threshold']}): {dedup['near']}.",
        "",
        f"Dropped: {dropped} (listed in `duplicates.jsonl` with the id they duplicate); marked: {dedup['marked']}; "
        f"clusters with more than one member: {dedup['clusters_with_duplicates']}.",
    ]


def _nullable_fields() -> set[str]:
    properties = load_json_schema()["properties"]
    return {name for name, prop in properties.items() if isinstance(prop.get("type"), list) and "null" in prop["type"]}


def _feature_type(feature) -> str:
    dtype = getattr(feature, "dtype", None)
    if dtype is not None:
        return str(dtype)
    inner = getattr(feature, "feature", None)
    return f"list<{_feature_type(inner)}>" if inner is not None else type(feature).__name__
