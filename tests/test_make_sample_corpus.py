"""Tests for scripts/make_sample_corpus.py, the sample corpus generator."""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.util
import itertools
import json
import re
import sys
import tomllib
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "make_sample_corpus.py"
LAYOUTS = ("mil", "azxeber", "dailywire", "ruportal")
TRUTH_KEYS = [
    "source_file", "kind", "duplicate_of", "title", "published_local", "crawled_local",
    "media", "language", "body", "encoding",
]

# Written out again here rather than imported, so the test checks the script instead of echoing it.
RU_WEEKDAYS = ("понедельник", "вторник", "среда", "четверг", "пятница", "суббота", "воскресенье")
RU_MONTHS = ("января", "февраля", "марта", "апреля", "мая", "июня",
             "июля", "августа", "сентября", "октября", "ноября", "декабря")
AZ_MONTHS = ("yanvar", "fevral", "mart", "aprel", "may", "iyun",
             "iyul", "avqust", "sentyabr", "oktyabr", "noyabr", "dekabr")
EN_MONTHS = ("January", "February", "March", "April", "May", "June",
             "July", "August", "September", "October", "November", "December")
UK_DATELINE = re.compile(r"(?:Last modified on )?\w{3} (\d{1,2}) (\w{3}) (\d{4}) (\d{2})\.(\d{2}) (BST|GMT)")
MIL_MARKERS = {(): "", ("photo",): " (Фото)", ("video",): " (Видео)", ("photo", "video"): " (Фото-Видео)"}


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_sample_corpus", SCRIPT)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses resolve annotations through sys.modules
    spec.loader.exec_module(module)
    return module


script = load_script()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict]]:
    root = tmp_path_factory.mktemp("sample")
    assert script.main([str(root / "corpus"), "--truth", str(root / "truth.jsonl")]) == 0
    lines = (root / "truth.jsonl").read_text(encoding="utf-8").splitlines()
    return root / "corpus", [json.loads(line) for line in lines]


def page_paths(out: Path) -> list[str]:
    return sorted(path.relative_to(out).as_posix() for path in out.rglob("*.txt"))


def digests(out: Path) -> dict[str, str]:
    return {
        path.relative_to(out).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(out.rglob("*")) if path.is_file()
    }


def page_lines(out: Path, row: dict) -> list[str]:
    return (out / row["source_file"]).read_bytes().decode(row["encoding"]).replace("\r\n", "\n").split("\n")


def published_on_page(layout: str, lines: list[str]) -> dt.datetime:
    """The first dateline of the page, read the way a parser would."""
    for line in lines:
        if layout == "mil" and (m := re.fullmatch(r"(\d{2}) (\w+) (\d{4}) \| (\d{2}):(\d{2})", line)):
            return dt.datetime(int(m[3]), RU_MONTHS.index(m[2]) + 1, int(m[1]), int(m[4]), int(m[5]))
        if layout == "azxeber" and (m := re.fullmatch(r"(\d{1,2}) (\w+) (\d{4}), (\d{2}):(\d{2})", line)):
            return dt.datetime(int(m[3]), AZ_MONTHS.index(m[2]) + 1, int(m[1]), int(m[4]), int(m[5]))
        if layout == "azxeber" and (m := re.fullmatch(r"(\d{2})\.(\d{2})\.(\d{4}) (\d{2}):(\d{2})", line)):
            return dt.datetime(int(m[3]), int(m[2]), int(m[1]), int(m[4]), int(m[5]))
        if layout == "dailywire" and (
            m := re.fullmatch(r"Published: (\w+) (\d{1,2}), (\d{4}) (\d{1,2}):(\d{2}) (AM|PM)", line)
        ):
            hour = int(m[4]) % 12 + (12 if m[6] == "PM" else 0)
            return dt.datetime(int(m[3]), EN_MONTHS.index(m[1]) + 1, int(m[2]), hour, int(m[5]))
        if layout == "dailywire" and (
            m := re.fullmatch(r"[A-Z][a-z]{2} (\d{1,2}) ([A-Z][a-z]{2}) (\d{4}) (\d{2})\.(\d{2}) (BST|GMT)", line)
        ):
            month = [name[:3] for name in EN_MONTHS].index(m[2]) + 1
            return dt.datetime(int(m[3]), month, int(m[1]), int(m[4]), int(m[5]))
        if layout == "ruportal" and (m := re.fullmatch(r"(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2})", line)):
            return dt.datetime(*map(int, m.groups()))
        if layout == "ruportal" and (m := re.fullmatch(r"(\d{2})\.(\d{2})\.(\d{4}), (\d{2}):(\d{2})", line)):
            return dt.datetime(int(m[3]), int(m[2]), int(m[1]), int(m[4]), int(m[5]))
    raise AssertionError(f"no {layout} dateline found")


def shingles(text: str) -> set[tuple[str, ...]]:
    words = re.findall(r"\w+", text.lower())
    return {tuple(words[i:i + 5]) for i in range(len(words) - 4)}


def jaccard(a: set, b: set) -> float:
    shared = len(a & b)
    return shared / (len(a) + len(b) - shared)


def test_writes_at_least_300_pages_in_four_layouts(corpus: tuple[Path, list[dict]]) -> None:
    out, truth = corpus
    paths = page_paths(out)
    assert len(paths) >= 300
    folders = Counter(path.split("/")[0] for path in paths)
    assert set(folders) == {*LAYOUTS, "misc"}
    articles = Counter(row["source_file"].split("/")[0] for row in truth if row["kind"] == "article")
    assert all(articles[layout] >= 50 for layout in LAYOUTS)
    assert all(re.fullmatch(r"[a-z]+/\d{3}_[0-9a-f]{16}\.txt", path) for path in paths)


def test_corpus_toml_declares_the_four_sources(corpus: tuple[Path, list[dict]]) -> None:
    out, _ = corpus
    config = tomllib.loads((out / "corpus.toml").read_text(encoding="utf-8"))
    assert config["dataset"] == {
        "name": "sample-news", "pretty_name": "corpus_lib sample news corpus", "license": "cc-by-4.0",
    }
    assert list(config["sources"]) == list(LAYOUTS)
    assert config["sources"]["mil"] == {
        "name": "Ministry of Defence of the Republic of Azerbaijan", "homepage": "https://mil.az",
        "timezone": "Asia/Baku", "language": "ru",
    }
    zones = {name: (source["timezone"], source["language"]) for name, source in config["sources"].items()}
    assert zones == {
        "mil": ("Asia/Baku", "ru"), "azxeber": ("Asia/Baku", "az"),
        "dailywire": ("Europe/London", "en"), "ruportal": ("Europe/Moscow", "ru"),
    }
    assert config["splits"] == {"test": 0.1, "salt": "v1"}


def test_same_arguments_give_identical_bytes(corpus: tuple[Path, list[dict]], tmp_path: Path) -> None:
    out, _ = corpus
    assert script.main([str(tmp_path / "again"), "--truth", str(tmp_path / "truth.jsonl")]) == 0
    assert digests(tmp_path / "again") == digests(out)
    assert (tmp_path / "truth.jsonl").read_bytes() == (out.parent / "truth.jsonl").read_bytes()
    assert script.main([str(tmp_path / "other"), "--pages", "60", "--seed", "7"]) == 0
    assert len(page_paths(tmp_path / "other")) == 60


def test_refuses_a_non_empty_out_dir_without_force(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (tmp_path / "keep.txt").write_text("mine")
    assert script.main([str(tmp_path), "--pages", "60"]) == 2
    assert len(capsys.readouterr().err.strip().splitlines()) == 1
    assert (tmp_path / "keep.txt").exists()
    assert script.main([str(tmp_path), "--pages", "60", "--force"]) == 0
    assert not (tmp_path / "keep.txt").exists()
    assert len(page_paths(tmp_path)) == 60


def test_rejects_too_few_pages(tmp_path: Path) -> None:
    with pytest.raises(SystemExit) as error:
        script.main([str(tmp_path / "out"), "--pages", "10"])
    assert error.value.code == 2


def test_truth_covers_every_file(corpus: tuple[Path, list[dict]]) -> None:
    out, truth = corpus
    assert [row["source_file"] for row in truth] == page_paths(out)
    assert all(list(row) == TRUTH_KEYS for row in truth)
    kinds = Counter(row["kind"] for row in truth)
    assert (kinds["near_duplicate"], kinds["exact_duplicate"], kinds["broken"]) == (6, 3, 6)
    by_path = {row["source_file"]: row for row in truth}
    for row in truth:
        original = by_path.get(row["duplicate_of"])
        if row["kind"] in ("near_duplicate", "exact_duplicate"):
            assert original and original["kind"] == "article"
            assert (row["title"], row["language"]) == (original["title"], original["language"])
            assert (row["body"] == original["body"]) == (row["kind"] == "exact_duplicate")
        else:
            assert original is None


def test_mil_crawl_header_names_the_right_weekday(corpus: tuple[Path, list[dict]]) -> None:
    out, truth = corpus
    mil = [row for row in truth if row["source_file"].startswith("mil/")]
    assert mil and all(row["crawled_local"] for row in mil)
    for row in mil:
        crawled = dt.datetime.fromisoformat(row["crawled_local"])
        published = dt.datetime.fromisoformat(row["published_local"])
        header = page_lines(out, row)[0]
        month = RU_MONTHS[crawled.month - 1].capitalize()
        assert header == f"• {RU_WEEKDAYS[crawled.weekday()]}, {crawled.day} {month}, {crawled:%H:%M}"
        assert published < crawled <= published + dt.timedelta(days=900)
    assert all(row["crawled_local"] is None for row in truth if not row["source_file"].startswith("mil/"))


def test_truth_matches_what_each_page_shows(corpus: tuple[Path, list[dict]]) -> None:
    out, truth = corpus
    for row in truth:
        if row["kind"] == "broken":
            continue
        layout = row["source_file"].split("/")[0]
        lines = page_lines(out, row)
        assert lines[-1] == "" and lines[-2] != ""  # exactly one final newline
        assert published_on_page(layout, lines) == dt.datetime.fromisoformat(row["published_local"])
        title = row["title"] + (MIL_MARKERS[tuple(row["media"])] if layout == "mil" else "")
        assert title in lines and 40 <= len(row["title"]) <= 140
        paragraphs = row["body"].split("\n\n")
        assert 3 <= len(paragraphs) <= 16
        start = lines.index(paragraphs[0])
        if layout in ("mil", "ruportal"):
            assert lines[start:start + len(paragraphs)] == paragraphs
        else:
            body = [line for line in lines[start:] if line and not line.startswith(("Photo: ", "Watch: "))]
            assert body[:len(paragraphs)] == paragraphs
        for paragraph in paragraphs:
            assert 60 <= len(paragraph) <= 400 and not paragraph[0].islower() and paragraph[-1] in ".\u201d"
        media = (["photo"] if any(line.startswith("Photo: ") for line in lines) else []) + (
            ["video"] if any(line.startswith("Watch: ") for line in lines) else [])
        if layout == "dailywire":
            assert row["media"] == media
        elif layout != "mil":
            assert row["media"] == []


def test_special_pages_are_present(corpus: tuple[Path, list[dict]]) -> None:
    out, truth = corpus
    data = {row["source_file"]: (out / row["source_file"]).read_bytes() for row in truth}
    broken = [data[row["source_file"]] for row in truth if row["kind"] == "broken"]
    assert b"" in broken
    assert any(page and not page.strip() for page in broken)
    binary = [page for page in broken if b"\x00" in page]
    assert len(binary) == 1
    with pytest.raises(UnicodeDecodeError):
        binary[0].decode("utf-8")
    legacy = [row for row in truth if row["encoding"] == "cp1251"]
    assert len(legacy) == 1 and legacy[0]["kind"] == "article" and legacy[0]["language"] == "ru"
    with pytest.raises(UnicodeDecodeError):
        data[legacy[0]["source_file"]].decode("utf-8")
    windows = [row for row in truth if b"\r\n" in data[row["source_file"]]]
    assert len(windows) == 1 and windows[0]["kind"] == "article"
    assert data[windows[0]["source_file"]].count(b"\n") == data[windows[0]["source_file"]].count(b"\r\n")


def test_near_duplicates_are_close_and_other_articles_are_not(corpus: tuple[Path, list[dict]]) -> None:
    _, truth = corpus
    texts = [row for row in truth if row["kind"] != "broken"]
    sets = {row["source_file"]: shingles(row["body"]) for row in texts}
    for row in texts:
        if row["duplicate_of"]:
            assert jaccard(sets[row["source_file"]], sets[row["duplicate_of"]]) >= 0.8
    pairs = {(row["source_file"], row["duplicate_of"]) for row in texts if row["duplicate_of"]}
    for a, b in itertools.combinations(texts, 2):
        if a["language"] == b["language"] and (a["source_file"], b["source_file"]) not in pairs \
                and (b["source_file"], a["source_file"]) not in pairs:
            assert jaccard(sets[a["source_file"]], sets[b["source_file"]]) < 0.5


def test_publication_dates_cover_every_month(corpus: tuple[Path, list[dict]]) -> None:
    _, truth = corpus
    months = Counter(row["published_local"][:7] for row in truth if row["kind"] == "article")
    assert len(months) == 72 and min(months.values()) >= 2
    assert min(months) == "2019-01" and max(months) == "2024-12"


def test_british_zone_names_match_the_tz_database(corpus: tuple[Path, list[dict]]) -> None:
    zoneinfo = pytest.importorskip("zoneinfo")
    try:
        london = zoneinfo.ZoneInfo("Europe/London")
    except zoneinfo.ZoneInfoNotFoundError:
        pytest.skip("no tz database on this machine")
    out, truth = corpus
    checked = 0
    for row in truth:
        if row["source_file"].startswith("dailywire/") and row["published_local"]:
            for line in page_lines(out, row):
                if m := UK_DATELINE.fullmatch(line):
                    month = [name[:3] for name in EN_MONTHS].index(m[2]) + 1
                    moment = dt.datetime(int(m[3]), month, int(m[1]), int(m[4]), int(m[5]), tzinfo=london)
                    assert moment.tzname() == m[6], line
                    checked += 1
    assert checked > 20
