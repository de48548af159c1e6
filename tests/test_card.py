"""The dataset card: its YAML (every key the Hub reads), its body sections, its plots (or the note
that they were skipped), and the offline checks of Hub values (hub_metadata)."""

from __future__ import annotations

import json
import re
import shutil
import sys
from pathlib import Path

import pytest

from corpus_lib import build, load_json_schema, validate
from corpus_lib.build import BUILD_INFO_FILE, default_cache_dir
from corpus_lib.card import render_card
from corpus_lib.config import BuildConfig, ConfigError, config_from_dict
from corpus_lib.hub_metadata import language_codes, metadata_problems
from corpus_lib.parse import PARSER
from corpus_lib.plots import plots_available
from corpus_lib.schema import field_descriptions
from corpus_lib.validate import read_card_yaml
from corpus_lib.write import ShardInfo

PLOT_LINK = re.compile(r"!\[[^\]]*\]\(([^)]+)\)")
SKIPPED = "Plots were skipped"


def card_text(out: Path) -> str:
    return (out / "README.md").read_text(encoding="utf-8")


def build_info(out: Path) -> dict:
    return json.loads((out / BUILD_INFO_FILE).read_text(encoding="utf-8"))


def sections(card: str) -> dict[str, str]:
    """Body text under each '## ' heading."""
    body = card[card.index("\n---", 4) + 4 :]
    parts = re.split(r"^## (.+)$", body, flags=re.M)
    return {title.strip(): text for title, text in zip(parts[1::2], parts[2::2])}


def without_matplotlib(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in [n for n in sys.modules if n == "matplotlib" or n.startswith("matplotlib.")]:
        monkeypatch.setitem(sys.modules, name, None)  # `import matplotlib...` now raises ImportError
    monkeypatch.setitem(sys.modules, "matplotlib", None)


@pytest.fixture(scope="module")
def no_plots_build(sample_corpus, sample_build, tmp_path_factory) -> Path:
    """The sample built without matplotlib, from a copy of the first build's page cache."""
    out, _ = sample_build
    root = tmp_path_factory.mktemp("no-plots")
    shutil.copytree(default_cache_dir(out), root / "cache")
    with pytest.MonkeyPatch.context() as patch:
        without_matplotlib(patch)
        assert not plots_available()
        build(sample_corpus, root / "dataset", cache=root / "cache")
    return root / "dataset"


# --- plots ------------------------------------------------------------------------------------


def test_without_matplotlib_the_card_says_plots_were_skipped(no_plots_build):
    card = card_text(no_plots_build)
    assert SKIPPED in sections(card)["At a glance"]
    assert PLOT_LINK.findall(card) == []
    assert not (no_plots_build / "plots").exists()
    assert build_info(no_plots_build)["plots"] == []
    assert not [name for name in build_info(no_plots_build)["files_sha256"] if name.endswith(".png")]
    assert validate(no_plots_build).ok


@pytest.mark.skipif(not plots_available(), reason="matplotlib is not installed")
def test_every_plot_link_points_to_a_png_in_the_folder(sample_build):
    out, _ = sample_build
    card = card_text(out)
    links = PLOT_LINK.findall(card)
    assert links and SKIPPED not in card
    for link in links:
        assert re.fullmatch(r"plots/[a-z_]+\.png", link), link
        assert (out / link).read_bytes().startswith(b"\x89PNG\r\n\x1a\n"), link
    assert sorted(links) == sorted(f"plots/{p.name}" for p in (out / "plots").iterdir())
    assert sorted(links) == sorted(build_info(out)["plots"])


# --- YAML -------------------------------------------------------------------------------------


def test_card_yaml_has_every_key_the_hub_reads(sample_build):
    out, report = sample_build
    card = read_card_yaml(out / "README.md")
    info = build_info(out)
    for key in ("configs", "dataset_info", "license", "language", "pretty_name", "size_categories",
                "task_categories", "tags", "source_datasets"):
        assert card.get(key), key
    assert card["license"] == "cc-by-4.0" and card["source_datasets"] == ["original"]
    assert card["size_categories"] == ["n<1K"] and "news" in card["tags"]
    assert card["language"] == sorted({row["language"] for row in _rows(out)})

    shards = [ShardInfo(**s) for s in info["shards"]]
    (config,) = card["configs"]
    assert config["config_name"] == "default"
    assert {entry["split"]: entry["path"] for entry in config["data_files"]} == {
        split: [s.path for s in shards if s.split == split] for split in ("train", "test")
    }
    dataset_info = card["dataset_info"]
    splits = {s["name"]: s for s in dataset_info["splits"]}
    assert {name: s["num_examples"] for name, s in splits.items()} == report.split_sizes
    for name, split in splits.items():
        assert split["num_bytes"] == sum(s.num_bytes for s in shards if s.split == name) > 0
    assert dataset_info["dataset_size"] == sum(s["num_bytes"] for s in splits.values())
    assert dataset_info["download_size"] == sum((out / s.path).stat().st_size for s in shards)
    assert [f["name"] for f in dataset_info["features"]] == list(load_json_schema()["properties"])
    assert metadata_problems(card) == []


def test_the_cards_config_carries_a_digest_of_the_shards_so_load_dataset_never_serves_an_old_build(sample_build, tmp_path):
    import hashlib

    from datasets import load_dataset_builder

    out, _ = sample_build
    info = build_info(out)
    (config,) = read_card_yaml(out / "README.md")["configs"]
    listing = "".join(f"{s['path']} {info['files_sha256'][s['path']]}\n" for s in info["shards"])
    assert config["description"].endswith(hashlib.sha256(listing.encode()).hexdigest())

    # datasets caches a local folder by its name and its card's YAML, not by its files: two builds into folders of one
    # name whose cards differ only in the digest (a rebuild that kept every size) must not share a cache entry.
    cache = tmp_path / "hf-cache"
    again = tmp_path / "again" / out.name
    shutil.copytree(out, again)
    card = card_text(again)
    digest = config["description"].rsplit(" ", 1)[1]
    (again / "README.md").write_text(card.replace(digest, "0" * len(digest)), encoding="utf-8")
    first = load_dataset_builder(str(out), cache_dir=str(cache)).cache_dir
    assert load_dataset_builder(str(out), cache_dir=str(cache)).cache_dir == first  # the key is stable for one build
    assert load_dataset_builder(str(again), cache_dir=str(cache)).cache_dir != first
    (again / "README.md").write_text(card, encoding="utf-8")
    assert load_dataset_builder(str(again), cache_dir=str(cache)).cache_dir == first  # same card: the same entry, as datasets does


def _rows(out: Path) -> list[dict]:
    import pyarrow.parquet as pq

    return [row for s in build_info(out)["shards"] for row in pq.read_table(out / s["path"]).to_pylist()]


# --- body -------------------------------------------------------------------------------------


def test_card_body_has_the_sections_the_issue_lists(sample_build):
    out, report = sample_build
    card, info = card_text(out), build_info(out)
    parts = sections(card)
    assert list(parts) == ["At a glance", "Splits", "Deduplication", "Sources", "Build accounting",
                           "Extraction provenance", "Fields", "How to load", "License"]
    title = card[card.index("\n---", 4) + 4 :].split("## ")[0]
    assert "# corpus_lib sample news corpus" in title and "News articles extracted from raw page dumps" in title

    for name, row in info["sources"].items():  # sources with counts and date ranges
        assert f"| {name} | {row['records']} | {row['first']} | {row['last']} |" in parts["Sources"], name
    assert sum(row["records"] for row in info["sources"].values()) == report.records

    fields = parts["Fields"]  # the full field table, from the schema
    for name, description in field_descriptions().items():
        assert f"| `{name}` |" in fields and description.replace("|", "/") in fields, name
    assert fields.count("\n| `") == len(load_json_schema()["properties"])

    splits = parts["Splits"]  # how splits were made
    for name, count in report.split_sizes.items():
        assert f"| {name} | {count} |" in splits
    assert "salt `v1`" in splits and "test fraction 0.1" in splits and "validation fraction 0.0" in splits
    assert "splits.parquet" in splits and f"Leakage check: {report.leakage_pairs} " in splits

    dedup = parts["Deduplication"]  # deduplication counts
    for kind, count in info["dedup"]["dropped_by_kind"].items():
        assert f"{count} {kind}" in dedup
    assert f"marked: {info['dedup']['marked']}" in dedup

    accounting = parts["Build accounting"]  # rejects by reason
    assert f"{report.inputs} inputs = {report.records} records + {report.duplicates} duplicates + {report.rejects} rejects" in accounting
    for reason, count in report.rejects_by_reason.items():
        assert f"| `{reason}` | {count} |" in accounting

    provenance = parts["Extraction provenance"]  # parser version
    assert f"`{PARSER}`" in provenance and info["schema"] in provenance and info["id_rule"] in provenance

    assert "`cc-by-4.0`" in parts["License"] and "Warning" not in parts["License"]

    load = parts["How to load"]
    assert "load_dataset(" in load and "streaming=True" in load and 'split="train[:10%]"' in load


def _render(config: BuildConfig, out: Path) -> str:
    info = build_info(out)
    shards = [ShardInfo(**s) for s in info["shards"]]
    return render_card(config, shards, ["en"], 1000, info)


def test_license_other_without_a_name_warns(sample_build):
    out, _ = sample_build
    card = _render(BuildConfig(license="other"), out)
    assert "Warning: no license is named" in sections(card)["License"]
    yaml_block = card[: card.index("\n---", 4)]
    assert "license: other" in yaml_block and "license_name" not in yaml_block


def _licensed(license_id: str, name: str, link: str) -> BuildConfig:
    """As corpus.toml gives them: [dataset] license, license_name, license_link."""
    return config_from_dict({"dataset": {"license": license_id, "license_name": name, "license_link": link}})


def test_license_other_carries_license_name_and_link(sample_build, tmp_path):
    out, _ = sample_build
    config = _licensed("other", "newsroom-terms-1.0", "LICENSE.md")
    (tmp_path / "README.md").write_text(_render(config, out), encoding="utf-8")
    card = read_card_yaml(tmp_path / "README.md")
    assert (card["license"], card["license_name"], card["license_link"]) == ("other", "newsroom-terms-1.0", "LICENSE.md")
    text = sections((tmp_path / "README.md").read_text(encoding="utf-8"))["License"]
    assert "`newsroom-terms-1.0`" in text and "LICENSE.md" in text and "Warning" not in text
    # A Hub license id needs neither: they are left out.
    card = _render(_licensed("mit", "x", "https://example.org/terms"), out)
    assert "license_name" not in card and "license: mit" in card


# --- allowed values ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("card", "key", "expected"),
    [
        ({"language": ["english"]}, "language", ["'english' is not a language code in the Hub's list", "e.g. 'en'"]),
        ({"language": ["xx"]}, "language", ["'xx' is not a language code in the Hub's list"]),
        ({"language": ["EN"]}, "language", ["'EN'", "lower case ('en')"]),
        ({"language": ["en-US"]}, "language", ["'en-US'", "such as 'en'", "language_details"]),
        ({"language": ["eng"]}, "language", ["'eng'", "has 'en' for this language"]),
        ({"task_categories": ["text-generatoin"]}, "task_categories",
         ["'text-generatoin' is not a Hub task category", "did you mean 'text-generation'?"]),
        ({"task_categories": ["news"]}, "task_categories",
         ["'news' is not a Hub task category", "e.g. text-generation"]),
        ({"size_categories": ["1K-10K"]}, "size_categories",
         ["'1K-10K' is not a Hub size category", "n<1K, 1K<n<10K, 10K<n<100K"]),
        ({"size_categories": "n<1k"}, "size_categories", ["'n<1k' is not a Hub size category"]),
        ({"license": "cc-by-4"}, "license", ["'cc-by-4' is not a Hub license id", "cc-by-4.0"]),
    ],
)
def test_a_bad_value_gets_a_clear_message(card, key, expected):
    problems = metadata_problems(card)
    assert len(problems) == 1 and problems[0][0] == key, problems
    for part in expected:
        assert part in problems[0][1], problems[0][1]


def test_good_values_pass():
    card = {"license": ["cc-by-4.0", "other"], "language": ["en", "ru", "az", "und", "code", "multilingual", "yue"],
            "task_categories": ["text-generation", "other"], "size_categories": ["n<1K", "n>1T"]}
    assert metadata_problems(card) == []


def test_language_list_covers_the_datasets_resource():
    """corpus_lib/data/hub_languages.json comes from `datasets`' language list; regenerate it when that grows."""
    import datasets

    resource = Path(datasets.__file__).parent / "utils" / "resources" / "languages.json"
    if not resource.is_file():
        pytest.skip(f"this datasets version has no {resource.name}")
    missing = set(json.loads(resource.read_text(encoding="utf-8"))) - language_codes()
    assert not missing, f"regenerate corpus_lib/data/hub_languages.json: {sorted(missing)[:10]}"


def test_validate_reports_bad_card_values(sample_build, tmp_path):
    from tests.test_validate_corruptions import edit_card

    out, _ = sample_build
    broken = tmp_path / "broken"
    shutil.copytree(out, broken)
    edit_card(broken, lambda card: card.update(language=["english"], task_categories=["news"],
                                                size_categories=["tiny"]))
    report = validate(broken)
    found = {(p.field, p.code) for p in report.problems}
    assert {("language", "card-values"), ("task_categories", "card-values"), ("size_categories", "card-values")} <= found
    assert not report.ok


@pytest.mark.parametrize("key, value", [("license_name", "Not An Id"), ("license_link", "ftp://x"), ("license_name", 3)])
def test_bad_license_name_or_link_is_a_config_error(key, value):
    with pytest.raises(ConfigError, match=key):
        config_from_dict({"dataset": {"license": "other", key: value}})
