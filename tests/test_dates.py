import datetime as dt

import pytest

from corpus_lib.parse.dates import find_dates, infer_year, month_names, weekday_names


def one(text, month_first=False):
    found = find_dates(text, 0, month_first)
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize(
    "text, local",
    [
        ("18 мая 2021 | 20:06", "2021-05-18T20:06:00"),
        ("18 травня 2021, 20:06", "2021-05-18T20:06:00"),  # Ukrainian
        ("18 may 2021, 14:30", "2021-05-18T14:30:00"),  # Azerbaijani
        ("18 Mayıs 2021 20:06", "2021-05-18T20:06:00"),  # Turkish
        ("18. Mai 2021, 20:06 Uhr", "2021-05-18T20:06:00"),  # German
        ("Published: May 18, 2021 8:06 PM", "2021-05-18T20:06:00"),
        ("18.05.2021, 20:06", "2021-05-18T20:06:00"),
        ("20:06, 18.05.2021", "2021-05-18T20:06:00"),
        ("2021-05-18 20:06", "2021-05-18T20:06:00"),
        ("2021-05-18", "2021-05-18"),
        ("18 мая 2021 г.", "2021-05-18"),
    ],
)
def test_formats(text, local):
    assert one(text).local_iso() == local


def test_offsets_from_the_page():
    assert one("2021-05-18T20:06:00+03:00").utc_offset_minutes == 180
    assert one("Tue 18 May 2021 20.06 BST").utc_offset_minutes == 60


def test_day_month_order_follows_the_language():
    assert one("05/04/2021").local_iso() == "2021-04-05"
    assert one("05/04/2021", month_first=True).local_iso() == "2021-05-04"
    assert one("25/04/2021", month_first=True).local_iso() == "2021-04-25"  # cannot be month-first


def test_impossible_and_out_of_range_dates_are_ignored():
    assert find_dates("31.02.2021", 0) == []
    assert find_dates("31 февраля 2021", 0) == []
    assert find_dates("12.05.2350", 0) == []


def test_numbers_in_prose_are_not_dates():
    assert find_dates("The company sold 1.5 million units in 2021 at 3.20 each", 0) == []


def test_update_marker():
    assert one("Updated: 2021-05-18 20:06").is_update
    assert not one("Published: 2021-05-18 20:06").is_update


def test_weekday_and_year_inference():
    m = one("• четверг, 28 Марта, 15:06")
    assert (m.year, m.month, m.day, m.weekday) == (None, 3, 28, 3)
    # The first year after 18 May 2021 in which 28 March is a Thursday.
    assert infer_year(m, dt.date(2021, 5, 18)) == 2024
    assert m.local_iso(2024) == "2024-03-28T15:06:00"
    no_weekday = one("28 марта, 15:06")
    assert infer_year(no_weekday, dt.date(2021, 5, 18)) is None


def test_month_names_come_from_cldr_and_are_unambiguous():
    names = month_names()
    assert names["мая"] == 5 and names["травня"] == 5 and names["mayıs"] == 5 and names["mai"] == 5
    assert names["марта"] == 3 and names["avqust"] == 8 and names["december"] == 12
    assert weekday_names()["четверг"] == 3
