"""scripts/bench_parse.py's report by page size (the timing itself is a benchmark, not a test)."""

import re

import pytest

from tests.conftest import load_script


def test_pages_per_second_by_size_takes_each_pages_fastest_round(capsys):
    bench = load_script("bench_parse")
    sizes = [1024, 3000, 5000, 40_000]
    runs = [
        {"sizes": sizes, "cpus": [0.001, 0.002, 0.004, 0.050]},
        {"sizes": sizes, "cpus": [0.003, 0.001, 0.004, 0.025]},  # a busy moment costs a page once, not twice
    ]
    bench.print_by_size(runs)
    rows = {}
    for line in capsys.readouterr().out.splitlines()[1:]:
        label, rest = line.split(":", 1)
        pages, rate = re.match(r"\s*(\d+) pages,\s*([\d.]+) pages/s", rest).groups()
        rows[label.strip()] = (int(pages), float(rate))
    assert rows["0-4 KB"] == (2, pytest.approx(1000.0))  # 2 pages in 0.001 + 0.001 s
    assert rows["4-8 KB"] == (1, pytest.approx(250.0))
    assert rows[">= 32 KB"] == (1, pytest.approx(40.0))
    assert "8-16 KB" not in rows and "16-32 KB" not in rows  # no page of those sizes: no row
    assert rows["all"] == (4, pytest.approx(4 / 0.031, abs=0.1))
