#!/usr/bin/env python3
"""Fit the headline evidence weights (corpus_lib.parse.title.WEIGHTS) on a dev set, checked on held-out pages.

Usage::

    python scripts/fit_title_weights.py GT_DIR [--limit N] [--features CACHE.pkl] [--json OUT.json]

``GT_DIR`` is laid out like the shared dev set (``pages/<id>.txt``, ``ground-truth.jsonl``); pages are
read by path, nothing of them is written into the project.

For every page with a true title, the parser's headline candidates are read as the build reads them
(template lines learned from all pages of the set, as one source). Each candidate carries

* its features: its headline score under unit weights (a line's score is a sum of weights, see
  ``HeadlineWeights``), plus the blank lines around it as ``pair_scores`` counts them;
* the rest of its pair score (text value, distance, text above, ...), which the weights do not change;
* its word overlap with its text, and whether it is a lead paragraph (which the parser never prints);
* the title the parser would print for it (site part removed), correct when it equals the truth as the
  eval compares titles (NFC, whitespace collapsed, stripped).

Pages are split in two halves by the parity of sha256(id). Weights are fitted on one half with a
listwise softmax over each page's candidates (L2 toward the current weights; its strength chosen by a
2-fold split inside the fitting half) and scored on the other half by the choice the parser makes
(word overlap re-ranking the best pairs, leads passed over), then the halves swap. Finally the weights
are fitted on all pages, to be rounded and put into title.py when both held-out halves gain.
"""
from __future__ import annotations

import argparse
import collections
import dataclasses
import hashlib
import json
import pickle
import sys
import time
from pathlib import Path
from typing import Any, Sequence

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from eval_extraction import load_truth, normalize_text, read_pages  # noqa: E402

from corpus_lib.parse import anchor, article, title  # noqa: E402
from corpus_lib.parse.body import RegionFinder, prose_scores  # noqa: E402
from corpus_lib.parse.boilerplate import strip_title_markers  # noqa: E402
from corpus_lib.parse.page import view_page  # noqa: E402
from corpus_lib.templates import hash_keys, learn_templates, page_template_keys, short_line_keys  # noqa: E402

SOURCE = "_root"  # the build's source key for files directly in its input folder
MAX_WORDS = len(title.WEIGHTS.words) - 1  # the last word-count slot holds this many words or more
SCALARS = ("full_stop", "truncated", "question", "asks_reader", "lowercase", "list_item", "date_after", "date_before", "byline_after",
           "hint", "subheading", "template", "breadcrumb", "trail_end", "repeated_far", "not_repeated")
REACHES = tuple(reach for reach, _ in title.WEIGHTS.repeat)
LAYOUT = ("set_apart", "blank_side")
# Every feature the parser computes, one column each.
COLUMNS = (
    *(f"words={n}" for n in range(1, MAX_WORDS)), f"words>={MAX_WORDS}",
    *SCALARS, *(f"repeat<={reach}" for reach in REACHES), *LAYOUT,
)
# The fitted weights tie word counts into groups, as the hand weights do (first count of each group).
WORD_GROUPS = (1, 2, 3, 4, 7, 13, MAX_WORDS)
L2_GRID = (0.03, 0.1, 0.3, 1.0, 3.0, 10.0, 30.0)


class Features:
    """A sparse feature vector that adds like a weight: the score of a line under unit weights."""

    __slots__ = ("counts",)

    def __init__(self, counts: dict[str, float]) -> None:
        self.counts = counts

    def __add__(self, other: Any) -> Features:
        if not isinstance(other, Features):
            if other != 0:
                raise TypeError(f"a feature vector plus {other!r}")
            return self
        counts = dict(self.counts)
        for name, value in other.counts.items():
            counts[name] = counts.get(name, 0.0) + value
        return Features(counts)

    __radd__ = __add__


def unit(name: str) -> Features:
    return Features({name: 1.0})


def unit_weights() -> title.HeadlineWeights:
    """Weights under which headline_scores returns each line's features."""
    words = (Features({}), *(unit(f"words={n}") for n in range(1, MAX_WORDS)), unit(f"words>={MAX_WORDS}"))
    return dataclasses.replace(
        title.WEIGHTS,
        words=words,
        repeat=tuple((reach, unit(f"repeat<={reach}")) for reach in REACHES),
        **{name: unit(name) for name in SCALARS},
    )


def layout_only(set_apart: float, blank_side: float) -> title.HeadlineWeights:
    return dataclasses.replace(title.WEIGHTS, set_apart=set_apart, blank_side=blank_side)


def as_vector(weights: title.HeadlineWeights) -> np.ndarray:
    """The weights, one per column of COLUMNS."""
    values = {f"words={n}": weights.words[n] for n in range(1, MAX_WORDS)}
    values[f"words>={MAX_WORDS}"] = weights.words[MAX_WORDS]
    values.update({name: getattr(weights, name) for name in SCALARS + LAYOUT})
    values.update({f"repeat<={reach}": weight for reach, weight in weights.repeat})
    return np.array([values[c] for c in COLUMNS], dtype=float)


def from_vector(vector: Sequence[float]) -> title.HeadlineWeights:
    values = dict(zip(COLUMNS, (float(v) for v in vector)))
    words = (0.0, *(values[f"words={n}"] for n in range(1, MAX_WORDS)), values[f"words>={MAX_WORDS}"])
    return dataclasses.replace(
        title.WEIGHTS,
        words=words,
        repeat=tuple((reach, values[f"repeat<={reach}"]) for reach in REACHES),
        **{name: values[name] for name in SCALARS + LAYOUT},
    )


def tying_matrix() -> tuple[np.ndarray, list[str]]:
    """COLUMNS x parameters: which fitted parameter each column's weight is."""
    names: list[str] = []
    starts = list(WORD_GROUPS)
    for i, start in enumerate(starts):
        end = starts[i + 1] - 1 if i + 1 < len(starts) else None
        names.append(f"words>={start}" if end is None else f"words={start}" if end == start else f"words={start}-{end}")
    names += [c for c in COLUMNS if not c.startswith("words")]
    tie = np.zeros((len(COLUMNS), len(names)))
    for row, column in enumerate(COLUMNS):
        if column.startswith("words"):
            n = int(column.split("=")[-1])
            tie[row, max(i for i, start in enumerate(starts) if start <= n)] = 1.0
        else:
            tie[row, names.index(column)] = 1.0
    return tie, names


@dataclasses.dataclass
class PageCandidates:
    """One page's headline candidates (the pairs the parser scores), in the parser's order."""

    id: str
    features: np.ndarray  # candidates x COLUMNS
    rest: np.ndarray  # the pair score without the headline weights (plus the deck bonus)
    overlap: np.ndarray  # word overlap with the text, as anchor re-ranks the best pairs
    lead: np.ndarray  # a lead paragraph of its text: passed over
    correct: np.ndarray  # the printed title equals the truth
    titles: list[str | None]
    lines: list[str]  # each candidate's line
    parsed: str | None = None  # what parse_page prints for the page (None: it rejects it)


def page_candidates(page_id: str, text: str, template_keys: frozenset[str], truth_title: str) -> PageCandidates | None:
    """The candidates of one page, as parse_page would weigh them (None when it has none)."""
    lines = article.page_lines(text)
    content = [line for line in lines if line.text][: article._MAX_LINES]
    if not content:
        return None
    view = view_page(content, template_keys, False)
    finder = RegionFinder(prose_scores(view))
    features = title.headline_scores(view, None, unit_weights())
    zeros = {position: 0.0 for position in features}
    pairs = anchor.pair_scores(view, finder, zeros, layout_only(0.0, 0.0))
    if not pairs:
        return None
    apart = anchor.pair_scores(view, finder, zeros, layout_only(1.0, 0.0))
    sides = anchor.pair_scores(view, finder, zeros, layout_only(0.0, 1.0))
    keys = collections.Counter(view.title_keys)
    truth = normalize_text(truth_title)
    rows, rest, overlap, lead, correct, titles = [], [], [], [], [], []
    texts = [content[position].text for _, position, _ in pairs]
    stems: dict[int, set[str]] = {}
    for (score, position, region), (apart_score, _, _), (sides_score, _, _) in zip(pairs, apart, sides):
        counts = dict(features[position].counts)
        counts["set_apart"] = apart_score - score
        counts["blank_side"] = sides_score - score
        rows.append([counts.get(c, 0.0) for c in COLUMNS])
        rest.append(score)
        overlap.append(anchor.word_overlap(view, position, region, stems))
        lead.append(region.start == position + 1 and title.reads_as_lead(content[position]))
        printed, _ = strip_title_markers(title.headline_text(content[position], keys, template_keys, None))
        printed = article._clean_title(printed) if printed.strip() else None
        titles.append(printed)
        correct.append(printed is not None and normalize_text(printed) == truth)
    return PageCandidates(page_id, np.array(rows), np.array(rest), np.array(overlap), np.array(lead), np.array(correct), titles, texts)


def read_candidates(gt_dir: Path, limit: int | None) -> list[PageCandidates]:
    truth = load_truth(gt_dir)
    ids = list(truth)
    if limit:  # every page for the template lines, the first `limit` titled ones for the candidates
        titled = [pid for pid in ids if truth[pid]["title"] is not None][:limit]
    else:
        titled = [pid for pid in ids if truth[pid]["title"] is not None]
    texts = read_pages(gt_dir, ids)
    lines = {pid: article.page_lines(text) for pid, text in texts.items()}
    templates = learn_templates((SOURCE, np.unique(hash_keys(short_line_keys(page)))) for page in lines.values())
    pages = []
    for pid in titled:
        if pid not in texts:
            continue
        keys = page_template_keys(lines[pid], templates.get(SOURCE))
        found = page_candidates(pid, texts[pid], keys, truth[pid]["title"])
        if found is not None:
            parsed = article.parse_page(texts[pid], article.PageHints(template_keys=keys), lines[pid])
            found.parsed = parsed.title if isinstance(parsed, article.ParsedArticle) else None
            pages.append(found)
    return pages


def choose(page: PageCandidates, weights: np.ndarray) -> int | None:
    """The candidate the parser prints under these weights (see anchor.choose_headline_and_text and
    article._choose_headline_and_text), or None when it finds no headline."""
    scores = page.features @ weights + page.rest
    alive = np.ones(len(scores), dtype=bool)
    for _ in range(article._MAX_LEADS + 1):
        order = [i for i in np.argsort(-scores, kind="stable") if alive[i]]
        if not order:
            return None
        best, best_score = order[0], float("-inf")
        for i in order[: anchor._OVERLAP_PAIRS]:
            if scores[i] + anchor._OVERLAP_WEIGHT < best_score:
                break
            score = scores[i] + anchor._OVERLAP_WEIGHT * page.overlap[i]
            if score > best_score:
                best, best_score = i, score
        if not page.lead[best]:
            return best if page.titles[best] is not None else None
        alive[best] = False
    return None


def exact(pages: Sequence[PageCandidates], weights: np.ndarray) -> float:
    """Share of the pages whose printed title is the true one."""
    hits = 0
    for page in pages:
        chosen = choose(page, weights)
        hits += chosen is not None and bool(page.correct[chosen])
    return hits / len(pages) if pages else 0.0


def won_lost(pages: Sequence[PageCandidates], before: np.ndarray, after: np.ndarray) -> tuple[int, int]:
    """Pages whose title the new weights get right and the old ones wrong, and the other way round."""
    won = lost = 0
    for page in pages:
        old, new = choose(page, before), choose(page, after)
        right_before = old is not None and bool(page.correct[old])
        right_after = new is not None and bool(page.correct[new])
        won += right_after and not right_before
        lost += right_before and not right_after
    return won, lost


@dataclasses.dataclass
class Stacked:
    """The trainable pages' candidates stacked: rows of X, rows per page, which rows are correct."""

    x: np.ndarray
    offset: np.ndarray
    sizes: np.ndarray  # rows of each page, which follow one another
    correct: np.ndarray

    @property
    def starts(self) -> np.ndarray:
        return np.concatenate([[0], np.cumsum(self.sizes)[:-1]])


def stack(pages: Sequence[PageCandidates], tie: np.ndarray) -> Stacked | None:
    """None when no page has a correct candidate."""
    xs, offsets, sizes, corrects = [], [], [], []
    for page in pages:
        keep = ~page.lead & np.array([t is not None for t in page.titles])
        if not page.correct[keep].any():
            continue  # no candidate can be right: nothing to learn from the page
        xs.append(page.features[keep] @ tie)
        offsets.append(page.rest[keep] + anchor._OVERLAP_WEIGHT * page.overlap[keep])
        sizes.append(int(keep.sum()))
        corrects.append(page.correct[keep])
    if not xs:
        return None
    return Stacked(np.vstack(xs), np.concatenate(offsets), np.array(sizes), np.concatenate(corrects).astype(float))


def objective(theta: np.ndarray, data: Stacked, prior: np.ndarray, l2: float) -> tuple[float, np.ndarray, np.ndarray]:
    """(loss, gradient, Hessian) of the negative log-likelihood that each page's headline is one of its correct
    candidates (softmax over the page's candidates), plus l2 * |theta - prior|^2."""
    s = data.x @ theta + data.offset
    loss = l2 * float(np.sum((theta - prior) ** 2))
    gradient = 2 * l2 * (theta - prior)
    hessian = 2 * l2 * np.eye(len(theta))
    for scores, sign in ((s, 1.0), (np.where(data.correct, s, -np.inf), -1.0)):  # all candidates, the correct ones
        top = np.maximum.reduceat(scores, data.starts)
        e = np.exp(scores - np.repeat(top, data.sizes))
        z = np.add.reduceat(e, data.starts)
        loss += sign * float(np.sum(np.log(z) + top))
        weights = e / np.repeat(z, data.sizes)  # softmax within each page
        weighted = data.x * weights[:, None]
        means = np.add.reduceat(weighted, data.starts, axis=0)  # per page: the expected features
        gradient = gradient + sign * weighted.sum(axis=0)
        hessian = hessian + sign * (data.x.T @ weighted - means.T @ means)
    return loss, gradient, hessian


def fit(data: Stacked | None, prior: np.ndarray, l2: float, iterations: int = 100) -> np.ndarray:
    """Damped Newton steps with backtracking from the prior, until the loss stops falling (the prior itself
    when there is nothing to fit)."""
    theta = prior.copy()
    if data is None:
        return theta
    loss, gradient, hessian = objective(theta, data, prior, l2)
    for _ in range(iterations):
        damping = 0.0
        while True:  # the loss is not convex when a page has several correct candidates: damp until descending
            try:
                step = -np.linalg.solve(hessian + damping * np.eye(len(theta)), gradient)
            except np.linalg.LinAlgError:
                step = None
            if step is not None and float(step @ gradient) < 0:
                break
            damping = max(2 * damping, 1e-3)
        t = 1.0
        while True:
            candidate = theta + t * step
            new_loss, new_gradient, new_hessian = objective(candidate, data, prior, l2)
            if new_loss <= loss + 1e-4 * t * float(step @ gradient) or t < 1e-6:
                break
            t /= 2
        done = loss - new_loss < 1e-7
        if new_loss <= loss:
            theta, loss, gradient, hessian = candidate, new_loss, new_gradient, new_hessian
        if done:
            break
    return theta


def half(page_id: str, salt: str = "") -> int:
    """0 or 1: the page's half, by the parity of sha256(salt + id)."""
    return hashlib.sha256((salt + page_id).encode()).digest()[-1] & 1


def fit_with_inner_l2(pages: Sequence[PageCandidates], tie: np.ndarray, prior: np.ndarray) -> tuple[np.ndarray, float]:
    """Fit on `pages`, with the L2 strength that does best on a 2-fold split inside them."""
    inner = [[p for p in pages if half(p.id, "inner") == k] for k in (0, 1)]
    best_l2, best = L2_GRID[0], -1.0
    for l2 in L2_GRID:
        hits = 0.0
        for k in (0, 1):
            theta = fit(stack(inner[k], tie), prior, l2)
            hits += exact(inner[1 - k], tie @ theta) * len(inner[1 - k])
        if hits > best:
            best_l2, best = l2, hits
    return fit(stack(pages, tie), prior, best_l2), best_l2


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("gt_dir", type=Path)
    parser.add_argument("--limit", type=int, default=None, help="only the first N pages with a true title (by id)")
    parser.add_argument("--features", type=Path, default=None, help="cache of the candidates (read if present, else written)")
    parser.add_argument("--json", type=Path, default=None, help="write the numbers and the fitted weights here")
    args = parser.parse_args(argv)

    t0 = time.perf_counter()
    if args.features and args.features.is_file():
        with args.features.open("rb") as fh:
            pages = [PageCandidates(**fields) for fields in pickle.load(fh)]
    else:
        pages = read_candidates(args.gt_dir, args.limit)
        if args.features:
            with args.features.open("wb") as fh:
                pickle.dump([dataclasses.asdict(page) for page in pages], fh)
    print(f"{len(pages)} pages with a true title and candidates ({time.perf_counter() - t0:.0f} s); "
          f"a correct candidate on {sum(p.correct.any() for p in pages)}")

    tie, names = tying_matrix()
    hand = as_vector(title.WEIGHTS)
    # The simulated choice must be the parser's: under the current weights both print the same titles.
    agree = 0
    for page in pages:
        chosen = choose(page, hand)
        agree += (page.titles[chosen] if chosen is not None else None) == page.parsed
    print(f"simulated choice under the current weights = parse_page's title on {agree} of {len(pages)} pages")
    prior = np.linalg.lstsq(tie, hand, rcond=None)[0]  # the hand weights, tied into the fitted groups
    if not np.allclose(tie @ prior, hand):
        print("note: the current word weights are not constant on WORD_GROUPS; the prior is their least-squares fit")
    folds = [[p for p in pages if half(p.id) == k] for k in (0, 1)]
    report: dict[str, Any] = {"pages": len(pages), "agree_with_parse_page": agree, "folds": []}
    for k in (0, 1):
        fitted, l2 = fit_with_inner_l2(folds[k], tie, prior)
        check = folds[1 - k]
        rounded = np.round(tie @ fitted, 2)
        row = {
            "fit_half": k, "check_pages": len(check), "l2": l2,
            "hand": exact(check, hand), "fitted": exact(check, tie @ fitted), "fitted_rounded": exact(check, rounded),
            "hand_on_fit_half": exact(folds[k], hand), "fitted_on_fit_half": exact(folds[k], tie @ fitted),
            "won_lost": won_lost(check, hand, rounded),
        }
        report["folds"].append(row)
        print(f"fit on half {k} ({len(folds[k])} pages, l2 {l2}), check on half {1 - k} ({len(check)} pages): "
              f"hand {row['hand']:.3f} -> fitted {row['fitted']:.3f} (rounded {row['fitted_rounded']:.3f}, "
              f"pages won/lost {row['won_lost'][0]}/{row['won_lost'][1]}); "
              f"on its own half {row['hand_on_fit_half']:.3f} -> {row['fitted_on_fit_half']:.3f}")
    fitted, l2 = fit_with_inner_l2(pages, tie, prior)
    weights = np.round(tie @ fitted, 2)
    report.update(l2=l2, all_hand=exact(pages, hand), all_fitted=exact(pages, weights),
                  parameters=dict(zip(names, np.round(fitted, 2).tolist())), weights=from_vector(weights).__repr__())
    print(f"fit on all pages (l2 {l2}): {report['all_hand']:.3f} -> {report['all_fitted']:.3f} (in-sample, rounded)")
    for name, h, f in zip(names, prior, fitted):
        print(f"  {name:14s} {h:6.2f} -> {f:6.2f}")
    print(from_vector(weights))
    if args.json:
        args.json.write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
