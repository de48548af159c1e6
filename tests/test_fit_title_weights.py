"""scripts/fit_title_weights.py on a few invented pages: features, the parser's choice, a fit and its report."""

import json

import numpy as np

from corpus_lib.parse.title import WEIGHTS
from tests.conftest import load_script
from tests.pages import PARA, page

HEADLINES = [
    "Council approves budget after long debate",
    "Mayor opens the new riverside park today",
    "Bus fares rise again from next month",
    "Farmers worry about the dry summer ahead",
    "New bridge over the river opens in May",
    "Schools get more teachers next autumn",
]


def write_dev_set(root):
    (root / "pages").mkdir(parents=True)
    rows = []
    for i, headline in enumerate(HEADLINES):
        pid = f"page-{i}"
        text = page("* Home", "* News", "", "Latest news from the valley", "", headline, "18.05.2021", "", *PARA)
        (root / "pages" / f"{pid}.txt").write_text(text, encoding="utf-8")
        rows.append({"id": pid, "source": "invented", "title": headline, "published": None, "body": None, "lang": "en"})
    (root / "ground-truth.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def test_weights_round_trip_through_the_columns():
    fit = load_script("fit_title_weights")
    assert fit.from_vector(fit.as_vector(WEIGHTS)) == WEIGHTS


def test_the_fit_script_reads_candidates_and_reports_both_halves(tmp_path):
    fit = load_script("fit_title_weights")
    write_dev_set(tmp_path / "dev")
    pages = fit.read_candidates(tmp_path / "dev", None)
    assert len(pages) == len(HEADLINES)
    hand = fit.as_vector(WEIGHTS)
    for candidates in pages:
        chosen = fit.choose(candidates, hand)
        assert candidates.titles[chosen] == candidates.parsed  # the simulated choice is the parser's
        assert candidates.correct[chosen]
        assert candidates.features.shape == (len(candidates.titles), len(fit.COLUMNS))
    out = tmp_path / "fit.json"
    assert fit.main([str(tmp_path / "dev"), "--json", str(out), "--features", str(tmp_path / "cache.pkl")]) == 0
    report = json.loads(out.read_text(encoding="utf-8"))
    assert report["agree_with_parse_page"] == len(HEADLINES)
    assert [fold["fit_half"] for fold in report["folds"]] == [0, 1]
    assert np.isclose(report["all_hand"], 1.0)
