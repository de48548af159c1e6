"""Tests for scripts/eval_extraction.py (scoring rules of the extraction dev set).

Everything here runs on small texts written for these tests; nothing needs /work/shared or a
working corpus_lib (the runner is exercised with a fake ``build``).
"""
from __future__ import annotations

import gzip
import importlib.util
import json
import sys
import types
from datetime import datetime, timezone
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "eval_extraction.py"


def _load_script():
    spec = importlib.util.spec_from_file_location("eval_extraction", SCRIPT)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules["eval_extraction"] = mod  # dataclasses need the module registered
    spec.loader.exec_module(mod)
    return mod


ev = _load_script()


def truth(**kw):
    rec = {
        "id": "p1",
        "source": "src-a",
        "url": None,
        "lang": "en",
        "title": None,
        "published": None,
        "body": None,
        "with": [],
        "without": [],
        "html": None,
    }
    rec.update(kw)
    return rec


# ------------------------------------------------------------------------------ title


def test_title_exact_nfc_whitespace_and_casefold():
    decomposed = "Cafe\u0301 opens   on\tMain Street "
    composed = "Caf\u00e9 opens on Main Street"
    assert ev.title_exact(decomposed, composed)
    assert ev.title_exact("  Caf\u00e9\nopens on Main Street", composed)
    assert not ev.title_exact("caf\u00e9 opens on main street", composed)
    assert ev.title_exact("caf\u00e9 opens on main street", composed, casefold=True)
    assert not ev.title_exact(None, composed)
    assert not ev.title_exact("Caf\u00e9 opens on Main Street.", composed)


def test_title_scores_in_score_page():
    s = ev.score_page(truth(title="Rain expected in Oslo"), {"title": "rain expected in  OSLO"})
    assert s["title_exact"] is False
    assert s["title_exact_cf"] is True
    assert s["title_f1"] == pytest.approx(1.0)
    s = ev.score_page(truth(title="Rain expected in Oslo"), {"title": "Rain in Bergen"})
    # tokens pred {rain,in,bergen}, truth {rain,expected,in,oslo}: overlap 2 -> P 2/3, R 1/2
    assert s["title_f1"] == pytest.approx(2 * (2 / 3) * 0.5 / (2 / 3 + 0.5))
    s = ev.score_page(truth(title=None), {"title": "anything"})
    assert s["title_exact"] is None and s["title_f1"] is None


# ------------------------------------------------------------------------------ tokens / body


def test_tokens_unicode_lowercase():
    assert ev.tokens("Hello, WORLD! Straße 42 \u0414\u043e\u043c") == ["hello", "world", "straße", "42", "\u0434\u043e\u043c"]
    assert ev.tokens("") == [] and ev.tokens(None) == []


def test_token_prf_multiset_arithmetic():
    # pred: a a b c (4) ; truth: a b b d e (5) ; multiset overlap: a1 + b1 = 2
    p, r, f = ev.token_prf("a a b c", "a b b d e")
    assert p == pytest.approx(2 / 4)
    assert r == pytest.approx(2 / 5)
    assert f == pytest.approx(2 * 0.5 * 0.4 / 0.9)
    assert ev.token_prf("x y", "x y") == (1.0, 1.0, 1.0)
    assert ev.token_prf("x", "y") == (0.0, 0.0, 0.0)


def test_empty_prediction_scores_zero():
    t = truth(title="Some title", published="2021-03-04", body="First paragraph.\n\nSecond one.")
    for pred in (None, {}, {"title": None, "published": None, "body": ""}):
        s = ev.score_page(t, pred)
        assert s["body_p"] == s["body_r"] == s["body_f1"] == 0.0
        assert s["title_exact"] is False and s["title_f1"] == 0.0
        assert s["day"] is False
    assert ev.score_page(truth(body=None), None)["body_f1"] is None


# ------------------------------------------------------------------------------ dates


def test_day_accuracy_with_nulls_and_prefix():
    assert ev.day_correct("2020-05-06", "2020-05-06")
    assert ev.day_correct("2020-05-06T23:10:00", "2020-05-06")
    assert not ev.day_correct("2020-05-07T00:10:00", "2020-05-06")
    assert not ev.day_correct(None, "2020-05-06")
    assert ev.score_page(truth(published=None), {"published": "2020-05-06"})["day"] is None
    assert ev.score_page(truth(published="2020-05-06"), {"published": None})["day"] is False


def test_datetime_within_60s_uses_published_at_utc():
    t = truth(published="2020-05-06T10:00:00+02:00")
    assert ev.truth_has_time(t["published"])
    assert not ev.truth_has_time("2020-05-06")
    ok = datetime(2020, 5, 6, 8, 0, 45, tzinfo=timezone.utc)
    late = datetime(2020, 5, 6, 8, 1, 1, tzinfo=timezone.utc)
    assert ev.score_page(t, {"published": "2020-05-06", "published_at": ok})["datetime"] is True
    assert ev.score_page(t, {"published": "2020-05-06", "published_at": late})["datetime"] is False
    # the local time alone does not count; null = wrong
    assert ev.score_page(t, {"published": "2020-05-06T10:00:00"})["datetime"] is False
    assert ev.score_page(truth(published="2020-05-06"), {"published_at": ok})["datetime"] is None


# ------------------------------------------------------------------------------ snippets


def test_snippet_normalisation_case_sensitive_substring():
    body = "Intro line.\n\nThe  mayor said\nthat Cafe\u0301 prices rise."
    found, total = ev.snippet_counts(body, ["mayor said that Caf\u00e9", "the mayor said", "Intro line. The", "   "])
    assert total == 3  # whitespace-only snippet not counted
    assert found == 2  # case-sensitive: "the mayor said" is not found
    assert ev.snippet_counts(None, ["x"]) == (0, 1)
    s = ev.score_page(truth(**{"with": ["Intro line."], "without": ["prices rise", "Subscribe now"]}), {"body": body})
    assert (s["with_found"], s["with_total"]) == (1, 1)
    assert (s["without_leaked"], s["without_total"]) == (1, 2)


def test_the_typography_insensitive_count_only_forgives_quotes_dashes_and_spaces_before_punctuation():
    body = "Don’t water it – north-facing windows get the least sunlight, says “Plant Care” (a guide)."
    snippets = ["Don't water it - north", 'sunlight , says "Plant Care" ( a guide )', "Dont water it", "don’t water"]
    assert ev.snippet_counts(body, snippets) == (0, 4)
    assert ev.snippet_counts(body, snippets, ignore_typography=True) == (2, 4)  # spelling and case still count
    s = ev.score_page(truth(**{"with": snippets}), {"body": body})
    assert (s["with_found"], s["with_found_typography"], s["with_total"]) == (0, 2, 4)


# ------------------------------------------------------------------------------ aggregation


def test_aggregate_denominators_and_pooling():
    t1 = truth(id="a", title="Alpha", published="2020-01-01", body="one two", **{"with": ["one"], "without": ["x", "y", "z"]})
    t2 = truth(id="b", title=None, published="2020-01-02", body=None, **{"with": ["p", "q", "r"], "without": ["zzz"]})
    t3 = truth(id="c", title="Gamma", published=None, body="three four")
    scores = [
        ev.score_page(t1, {"title": "Alpha", "published": "2020-01-01", "body": "one two x"}, score_language=True),
        ev.score_page(t2, {"title": "B", "published": None, "body": "p q"}, score_language=True),
        ev.score_page(t3, None, status="rejected", score_language=True),
    ]
    agg = ev.aggregate(scores)
    assert agg["pages"] == 3
    assert agg["title_exact"] == {"value": 0.5, "n": 2, "sum": 1.0}
    assert agg["day"]["n"] == 2 and agg["day"]["value"] == 0.5
    assert agg["datetime"] == {"value": None, "n": 0, "sum": 0.0}
    assert agg["body_f1"]["n"] == 2
    # page a: P 2/3, R 1 -> F1 0.8 ; page c: 0
    assert agg["body_f1"]["value"] == pytest.approx(0.4)
    # pooled: with 1/1 + 2/3 = 3/4 ; without 1/3 + 0/1 = 1/4
    assert agg["with_recall"]["value"] == pytest.approx(3 / 4) and agg["with_recall"]["n"] == 4
    assert agg["without_leak"]["value"] == pytest.approx(1 / 4) and agg["without_leak"]["n"] == 4
    assert agg["rejected"]["sum"] == 1 and agg["missing"]["sum"] == 0
    assert agg["crash_free"]["value"] == 1.0
    assert agg["lang"]["n"] == 3 and agg["lang"]["value"] == 0.0  # no prediction has a language
    assert ev.aggregate([])["title_exact"] == {"value": None, "n": 0, "sum": 0.0}


def test_aggregate_missing_page_breaks_crash_free():
    s = [ev.score_page(truth(body="a"), None, status="missing"), ev.score_page(truth(body="a"), {"body": "a"})]
    agg = ev.aggregate(s)
    assert agg["missing"]["sum"] == 1 and agg["crash_free"]["value"] == 0.5
    assert agg["body_f1"]["value"] == 0.5


def test_predictions_from_build_maps_rejects_duplicates_and_missing():
    records = [
        {"id": "r1", "source_file": "a.txt", "title": "A", "published_local": "2020-01-01T10:00:00",
         "published_at": None, "body": "x", "language": "en"},
    ]
    rejects = [{"source_file": "b.txt", "reason": "empty", "message": "no text"}]
    dups = [{"source_file": "c.txt", "duplicate_of": "r1"}]
    preds, status, reasons = ev.predictions_from_build(["a", "b", "c", "d"], records, rejects, dups)
    assert status == {"a": "ok", "b": "rejected", "c": "duplicate", "d": "missing"}
    assert preds["c"] is preds["a"] and preds["a"]["published"] == "2020-01-01T10:00:00"
    assert reasons == {"b": "empty"}
    assert ev.page_id("sub/dir/traf-x.de.y.txt") == "traf-x.de.y"
    assert ev.page_id("daniel-20111128_dozor.kharkov.ua_f3b9.html.gz") == "daniel-20111128_dozor.kharkov.ua_f3b9"


# ------------------------------------------------------------------------------ end to end

PAGES = {
    "en-weather": "* Home\n* News\n\nStorm Nears Coast\n\nMarch 3, 2021\n\nA storm is moving toward the coast tonight.\n\nResidents were told to stay inside.\n\nSubscribe to our newsletter\n",
    "de-markt": "Menü\n\nWochenmarkt zieht um\n\n12.04.2019\n\nDer Wochenmarkt findet ab Mai auf dem Rathausplatz statt.\n\nImpressum\n",
    "ru-most": "Главная\n\nМост откроют летом\n\nСтроительство моста завершат в июне.\n",
}
TRUTH = [
    truth(id="en-weather", source="src-a", lang="en", title="Storm Nears Coast", published="2021-03-03",
          body="A storm is moving toward the coast tonight.\n\nResidents were told to stay inside.",
          **{"with": ["A storm is moving"], "without": ["Subscribe to our newsletter"]}),
    truth(id="de-markt", source="src-b", lang="de", title="Wochenmarkt zieht um", published="2019-04-12",
          **{"with": ["Der Wochenmarkt findet ab Mai"], "without": ["Impressum", "Kontakt"]}),
    truth(id="ru-most", source="src-ru", lang="ru", title="Мост откроют летом",
          body="Мост откроют летом\n\nСтроительство моста завершат в июне.", html="html/ru-most.html.gz"),
]


@pytest.fixture()
def gt_dir(tmp_path):
    d = tmp_path / "gt"
    (d / "pages").mkdir(parents=True)
    (d / "html").mkdir()
    for pid, text in PAGES.items():
        (d / "pages" / f"{pid}.txt").write_text(text, encoding="utf-8")
    html = "<html><head><meta charset='windows-1251'><title>Мост откроют летом</title></head><body><h1>Мост откроют летом</h1><p>Строительство моста завершат в июне.</p>"
    html += "<p>Движение по нему начнётся в июле, сообщили в мэрии города.</p></body></html>"
    (d / "html" / "ru-most.html.gz").write_bytes(gzip.compress(html.encode("cp1251")))
    with (d / "ground-truth.jsonl").open("w", encoding="utf-8") as fh:
        for rec in TRUTH:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    return d


def test_read_html_charset_and_fallback(gt_dir, tmp_path):
    assert "Мост откроют летом" in ev.read_html(gt_dir / "html" / "ru-most.html.gz")
    bad = tmp_path / "bad.html"
    bad.write_bytes(b"<meta charset=utf-8><p>Gr\xfc\xdfe</p>")  # not valid UTF-8 -> cp1251
    assert ev.read_html(bad) == b"<meta charset=utf-8><p>Gr\xfc\xdfe</p>".decode("cp1251")


def test_naive_prediction():
    p = ev.naive_prediction("\n\n  First line  \nsecond\n")
    assert p == {"title": "First line", "published": None, "published_at": None, "body": "\n\n  First line  \nsecond\n"}
    assert ev.naive_prediction("")["title"] is None


def _fake_unavailable(*_a, **_k):
    raise ImportError("corpus_lib missing (test)")


def test_main_naive_end_to_end_without_corpus_lib(gt_dir, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(ev, "_import_corpus_lib", _fake_unavailable)
    out = tmp_path / "eval.json"
    rc = ev.main([str(gt_dir), "--no-trafilatura", "--json", str(out)])
    assert rc == 0
    text = capsys.readouterr().out
    assert "corpus_lib unavailable" in text and "naive" in text
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["pages"] == 3
    assert data["systems"]["corpus_lib"]["available"] is False
    assert data["systems"]["trafilatura"]["available"] is False
    naive = data["groups"]["overall"]["systems"]["naive"]
    assert set(data["groups"]["overall"]["systems"]) == {"naive"}
    # no naive title is exact (first lines are "* Home", "Menü", "Главная")
    assert naive["title_exact"] == {"n": 3, "sum": 0.0, "value": 0.0}
    assert naive["day"] == {"n": 2, "sum": 0.0, "value": 0.0}
    assert naive["body_f1"]["n"] == 2 and naive["body_r"]["value"] == 1.0
    assert naive["with_recall"] == {"n": 2, "sum": 2.0, "value": 1.0}
    assert naive["without_leak"] == {"n": 3, "sum": 2.0, "value": pytest.approx(2 / 3, abs=1e-6)}
    assert naive["lang"]["n"] == 0
    assert set(data["groups"]) >= {"overall", "html-both", "source:src-a", "source:src-b", "source:src-ru", "lang:en", "lang:de", "lang:ru"}
    assert data["groups"]["html-both"]["pages"] == 1
    # stable output: a second run gives the same numbers
    rc = ev.main([str(gt_dir), "--no-trafilatura", "--json", str(tmp_path / "again.json"), "--worst", "0"])
    again = json.loads((tmp_path / "again.json").read_text(encoding="utf-8"))
    assert again["groups"] == data["groups"]


def test_main_limit(gt_dir, tmp_path, monkeypatch):
    monkeypatch.setattr(ev, "_import_corpus_lib", _fake_unavailable)
    out = tmp_path / "eval.json"
    assert ev.main([str(gt_dir), "--no-trafilatura", "--limit", "2", "--json", str(out)]) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["pages"] == 2  # de-markt, en-weather (sorted by file name)
    assert "source:src-ru" not in data["groups"]


def _fake_corpus_lib(build_calls):
    """A stand-in for corpus_lib.build writing the documented output layout."""
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")

    def build(src, out, *, config=None, workers=1):
        build_calls.append((Path(src), workers))
        out = Path(out)
        (out / "data").mkdir(parents=True)
        names = sorted(p.name for p in Path(src).glob("*.txt"))
        rows = []
        for name in names:
            if name.startswith("en-"):
                rows.append({"id": "k1", "source_file": name, "title": "Storm Nears Coast", "published_local": "2021-03-03T21:15:00",
                             "published_at": datetime(2021, 3, 4, 2, 15, tzinfo=timezone.utc),
                             "body": "A storm is moving toward the coast tonight.\n\nResidents were told to stay inside.", "language": "en"})
            elif name.startswith("ru-"):
                rows.append({"id": "k2", "source_file": name, "title": "Мост откроют летом", "published_local": None,
                             "published_at": None, "body": "Строительство моста завершат в июне.", "language": "uk"})
        schema = pa.schema([("id", pa.string()), ("source_file", pa.string()), ("title", pa.string()),
                            ("published_local", pa.string()), ("published_at", pa.timestamp("us", tz="UTC")),
                            ("body", pa.string()), ("language", pa.string())])
        pq.write_table(pa.Table.from_pylist(rows, schema=schema), out / "data" / "train-00000-of-00001.parquet")
        with (out / "rejects.jsonl").open("w") as fh:
            fh.write(json.dumps({"source_file": "de-markt.txt", "reason": "too_short", "message": "test"}) + "\n")
        return {"ok": len(rows)}

    parse_calls = []
    return types.SimpleNamespace(build=build, parse_page=lambda text, **kw: parse_calls.append(text)), parse_calls


def test_run_corpus_lib_with_fake_build(gt_dir, monkeypatch, capsys):
    calls: list = []
    fake, parse_calls = _fake_corpus_lib(calls)
    monkeypatch.setattr(ev, "_import_corpus_lib", lambda: fake)
    t = ev.load_truth(gt_dir)
    texts = ev.read_pages(gt_dir, list(t))
    run = ev.run_corpus_lib(gt_dir, list(t), page_texts=texts)
    assert calls == [(gt_dir / "pages", 1)]
    assert run.available and not run.crashed
    assert run.status == {"en-weather": "ok", "de-markt": "rejected", "ru-most": "ok"}
    assert run.timing["build_pages"] == 3 and run.timing["build_pages_per_second"] > 0
    assert run.timing["parse_page"]["pages"] == 3 and len(parse_calls) == 3
    result = ev.evaluate(t, [run], html_ids={"ru-most"})
    cl = result["groups"]["overall"]["systems"]["corpus_lib"]
    assert cl["title_exact"]["value"] == pytest.approx(2 / 3)
    assert cl["day"] == {"value": 0.5, "n": 2, "sum": 1.0}
    assert cl["rejected"]["sum"] == 1 and cl["crash_free"]["value"] == 1.0
    assert cl["lang"] == {"value": 1 / 3, "n": 3, "sum": 1.0}
    table = ev.format_table(result)
    assert "corpus_lib" in table and "html-both" in table
    text = ev.format_worst(t, run, result["page_scores"]["corpus_lib"], 2)
    assert "de-markt" in text and "ru-most" in text

    # --limit builds from a temporary folder with the first N pages
    calls.clear()
    run = ev.run_corpus_lib(gt_dir, ["de-markt", "en-weather"], limit=2)
    assert calls[0][0] != gt_dir / "pages"
    assert run.status == {"en-weather": "ok", "de-markt": "rejected"}


def test_run_corpus_lib_reports_crash(gt_dir, monkeypatch):
    def build(src, out, **kw):
        raise RuntimeError("boom")

    monkeypatch.setattr(ev, "_import_corpus_lib", lambda: types.SimpleNamespace(build=build))
    run = ev.run_corpus_lib(gt_dir, ["en-weather"])
    assert run.crashed and "boom" in run.note and run.status == {"en-weather": "missing"}


def test_trafilatura_missing_is_skipped(gt_dir, monkeypatch):
    monkeypatch.setitem(sys.modules, "trafilatura", None)  # import raises ImportError
    run = ev.run_trafilatura(gt_dir, ["ru-most"])
    assert not run.available and "not installed" in run.note


def test_trafilatura_helpers():
    assert ev.trafilatura_paragraphs("One.\nTwo.\n\n Three. ") == "One.\n\nTwo.\n\nThree."
    assert ev.trafilatura_prediction(None) is None
    p = ev.trafilatura_prediction(json.dumps({"title": "T", "date": "2020-02-02", "text": "a\nb"}))
    assert p == {"title": "T", "published": "2020-02-02", "published_at": None, "body": "a\n\nb"}


def test_real_corpus_lib_build_is_crash_free(gt_dir):
    corpus_lib = pytest.importorskip("corpus_lib")
    if not hasattr(corpus_lib, "build"):
        pytest.skip("corpus_lib.build not implemented yet")
    t = ev.load_truth(gt_dir)
    run = ev.run_corpus_lib(gt_dir, list(t))
    assert run.available and not run.crashed, run.note
    assert "missing" not in run.status.values()


def test_corpus_lib_on_the_html_builds_the_pages_that_have_it(gt_dir):
    corpus_lib = pytest.importorskip("corpus_lib")
    t = ev.load_truth(gt_dir)
    run = ev.run_corpus_lib_html(gt_dir, list(t))
    assert run.available and not run.crashed, run.note
    assert run.pages == ["ru-most"] and run.status == {"ru-most": "ok"} and run.timing["pages"] == 1
    assert run.predictions["ru-most"]["title"] == "Мост откроют летом"  # the cp1251 page, decoded by its <meta charset>
    assert "Строительство моста завершат в июне." in run.predictions["ru-most"]["body"]
    result = ev.evaluate(t, [run], html_ids={"ru-most"})
    assert result["groups"]["html-both"]["systems"]["corpus_lib-html"]["title_exact"]["value"] == 1.0
    assert "corpus_lib-html" in ev.format_table(result) and "corpus_lib-html: build on 1 html pages" in ev.format_systems([run])


def test_run_trafilatura_on_html_pages_only(gt_dir):
    pytest.importorskip("trafilatura")
    t = ev.load_truth(gt_dir)
    run = ev.run_trafilatura(gt_dir, list(t))
    assert run.available and run.pages == ["ru-most"]
    assert run.timing["pages"] == 1 and run.timing["version"]
    result = ev.evaluate(t, [run], html_ids={"ru-most"})
    assert result["groups"]["overall"]["systems"]["trafilatura"]["pages"] == 1
    assert "trafilatura" not in result["groups"]["source:src-a"]["systems"]


def test_worst_bodies_rank_body_f1_and_else_the_share_of_with_snippets_and_titles_rank_apart():
    scores = {
        "a": {"body_f1": 0.40, "title_exact": True, "title_f1": 1.0},
        "b": {"body_f1": None, "with_found": 1, "with_total": 4, "title_exact": False, "title_f1": 0.5},
        "c": {"body_f1": None, "with_total": 0, "title_exact": False, "title_f1": 0.0},  # no body truth: titles only
        "d": {"body_f1": 0.90, "title_exact": False, "title_f1": 0.2},
    }
    assert ev.worst_pages(scores, 10) == [(0.25, "b"), (0.40, "a"), (0.90, "d")]
    assert ev.worst_titles(scores, 2) == [(0.0, "c"), (0.2, "d")]


def test_day_shown_is_a_date_of_the_text_in_either_order_with_its_year():
    text = "* Home\nCouncil approves budget\n05/18/2021 20:06\nThe council met on Tuesday."
    assert ev.day_shown(text, "2021-05-18") is True  # month first
    assert ev.day_shown("Опубликовано 18 мая 2021 | 20:06", "2021-05-18T20:06:00+04:00") is True
    assert ev.day_shown(text, "2021-05-19") is False
    assert ev.day_shown("Updated May 18, the council said", "2021-05-18") is False  # no year: not that day for sure
    assert ev.day_shown("09.10.2024", "2024-09-10") is True  # read month-first on a page whose other dates need it
    ceiling = ev.day_ceiling(
        {"a": {"published": "2021-05-18"}, "b": {"published": None}, "c": {"published": "2020-01-02"}}, {"a": text, "c": "no date"}
    )
    assert ceiling == {"value": 0.5, "n": 2, "sum": 1.0}


def test_with_ceiling_counts_the_snippets_of_the_page_text_as_with_matches_them():
    truth = {
        "a": {"with": ["The council  met", "don't", "   "]},  # whitespace collapses; curly page quote differs; blank: not counted
        "b": {"with": ["not on the page"]},
        "c": {"with": []},
    }
    texts = {"a": "* Home\nThe council\nmet on Tuesday. They don’t agree.", "c": "anything"}
    ceiling = ev.with_ceiling(truth, texts)
    assert (ceiling["sum"], ceiling["n"]) == (1.0, 3)  # "b" has no text: its snippet is missing


def test_title_ceiling_counts_the_titles_the_page_text_holds_with_their_case():
    truth = {
        "a": {"title": "Council  approves budget"},
        "b": {"title": "Council Approves Budget"},  # the page's case differs: no exact title from the text
        "c": {"title": "Budget | Daily News"},  # the <title> with the site's name
        "d": {"title": None},
    }
    text = "* Home\nCouncil approves budget\nThe council met."
    ceiling = ev.title_ceiling(truth, {"a": text, "b": text, "c": text, "d": text})
    assert (ceiling["sum"], ceiling["n"]) == (1.0, 3)
