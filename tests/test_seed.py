"""The user's sample page, exactly as the foundation issue specifies it."""

import datetime as dt

import pytest

from corpus_lib.build import process_page
from corpus_lib.config import config_from_dict
from corpus_lib.inputs import InputFile
from corpus_lib.parse import PARSER
from tests.conftest import SEED

SEED_CONFIG = {
    "sources": {
        "mil": {"name": "Ministry of Defence of the Republic of Azerbaijan", "timezone": "Asia/Baku", "language": "ru"}
    }
}
UTC = dt.timezone.utc


@pytest.fixture(scope="module")
def seed_record(seed_text):
    cfg = config_from_dict(SEED_CONFIG)
    record = process_page(InputFile("mil/" + SEED.name, SEED), cfg)
    assert isinstance(record, dict), record
    return record


def test_title_and_media(seed_record):
    assert seed_record["title"] == (
        "Обсуждены перспективы развития военно-технического сотрудничества между Азербайджаном и Беларусью"
    )
    assert seed_record["media"] == ["photo", "video"]


def test_publication_time(seed_record):
    assert seed_record["published_local"] == "2021-05-18T20:06:00"
    assert seed_record["published_at"] == dt.datetime(2021, 5, 18, 16, 6, tzinfo=UTC)
    assert seed_record["published_tz"] == "Asia/Baku"
    assert seed_record["published_tz_source"] == "config"


def test_crawl_time_year_from_weekday(seed_record):
    # 'четверг, 28 Марта, 15:06': 2024 is the first year after publication with 28 March on a Thursday.
    assert seed_record["crawled_local"] == "2024-03-28T15:06:00"
    assert seed_record["crawled_at"] == dt.datetime(2024, 3, 28, 11, 6, tzinfo=UTC)


def test_language_and_source(seed_record):
    assert seed_record["language"] == "ru"
    assert seed_record["source"] == "Ministry of Defence of the Republic of Azerbaijan"
    assert seed_record["source_file"] == "mil/" + SEED.name


def test_body_is_exactly_the_14_paragraphs(seed_record, seed_text):
    paragraphs = seed_record["body"].split("\n\n")
    assert len(paragraphs) == 14
    assert paragraphs[0].startswith("Сегодня, 18 мая министр обороны")
    assert paragraphs[-1].endswith("на 2021 год.")
    # The paragraphs are the page's own lines, unchanged.
    page_lines = [line.strip() for line in seed_text.splitlines()]
    assert all(p in page_lines for p in paragraphs)
    for junk in ("Baku", "16°C", "18 мая 2021 | 20:06", "Официальный сайт", "banner", "Советуем почитать", "(Фото-Видео)"):
        assert junk not in seed_record["body"]
    assert seed_record["title"] not in seed_record["body"]


def test_provenance(seed_record):
    assert seed_record["parser"] == PARSER and PARSER.startswith("corpus_lib.lines/")
    assert seed_record["word_count"] > 300
    assert seed_record["char_count"] == len(seed_record["body"])
    assert seed_record["input_encoding"] == "utf-8"
