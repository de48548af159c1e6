"""Plots for the dataset card: PNGs under OUT/plots/, byte-identical on every run.

matplotlib is optional: without it `render_plots` writes nothing and returns [], and the caller
says in the card that the plots were skipped. With it, figures are drawn with the Agg canvas
directly (no pyplot, no global figure state), from matplotlib's default style with its bundled
DejaVu Sans font, and saved without the 'Software' PNG text chunk, so the same table gives the
same bytes on every run of the same matplotlib version.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import pyarrow as pa
import pyarrow.compute as pc

PLOTS_DIR = "plots"
ARTICLES_PER_MONTH = f"{PLOTS_DIR}/articles_per_month.png"
BODY_LENGTH = f"{PLOTS_DIR}/body_length.png"
LANGUAGES = f"{PLOTS_DIR}/languages.png"
SOURCES = f"{PLOTS_DIR}/sources.png"

ALT_TEXT = {
    ARTICLES_PER_MONTH: "Articles per month",
    BODY_LENGTH: "Body length",
    LANGUAGES: "Languages",
    SOURCES: "Sources",
}

FIGSIZE = (9.0, 4.5)  # inches
DPI = 100  # -> 900 x 450 px
MAX_STACKED_SOURCES = 8  # the rest of the sources are stacked together as "other"
MAX_BARS = 15  # categories shown in a bar chart; the rest are summed into one bar
MAX_LABEL = 48  # characters of a category label
MAX_LEGEND_LABEL = 30  # characters of a source name in the per-month legend
MAX_MONTHS = 180  # a wider date range is plotted per year
MIN_MONTHS = 12  # a narrower one is padded with empty months
MISSING = "(none)"
OTHER_COLOR = "#b0b0b0"

_RC = {
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans"],
    "font.size": 10,
    "axes.titlesize": 13,
    "axes.labelsize": 10,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "legend.fontsize": 8,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": False,
}


def plots_available() -> bool:
    """True when matplotlib can be imported (the plots need it; nothing else does)."""
    try:
        import matplotlib  # noqa: F401
        from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: F401
    except ImportError:
        return False
    return True


def plot_markdown(paths: Sequence[str]) -> str:
    """Markdown image references for the card, one paragraph per plot ('' when there are none)."""
    lines = []
    for path in paths:
        alt = ALT_TEXT.get(path) or Path(path).stem.replace("_", " ").capitalize()
        lines.append(f"![{alt}]({path})")
    return "\n\n".join(lines)


def render_plots(out: Path, table: pa.Table | Iterable[Mapping[str, Any]]) -> list[str]:
    """Draw the card's plots into OUT/plots/ and return their paths relative to OUT.

    `table` needs the columns published_local, char_count, language and source (records as
    dicts are accepted too). Returns [] without matplotlib.
    """
    if not plots_available():
        return []
    import matplotlib.style
    from matplotlib import rc_context

    if not isinstance(table, pa.Table):
        table = pa.Table.from_pylist(list(table))
    out = Path(out)
    (out / PLOTS_DIR).mkdir(parents=True, exist_ok=True)
    written = []
    with matplotlib.style.context("default"), rc_context(_RC):
        for relative, draw in (
            (ARTICLES_PER_MONTH, _articles_per_month),
            (BODY_LENGTH, _body_length),
            (LANGUAGES, _languages),
            (SOURCES, _sources),
        ):
            figure = _figure()
            draw(figure, table)
            figure.savefig(out / relative, format="png", dpi=DPI, metadata={"Software": None})
            written.append(relative)
    return written


# --- data --------------------------------------------------------------------------------------


def _tallies(table: pa.Table, columns: Mapping[str, Any]) -> list[tuple[tuple, int]]:
    """Each distinct combination of values of the given columns, with its number of rows.

    Counted by Arrow, so a million records cost a few small arrays, not a Python object per value.
    """
    if not table.num_rows:
        return []
    keys = pa.table({name: column for name, column in columns.items()})
    counted = keys.group_by(list(columns), use_threads=False).aggregate([([], "count_all")])
    values = [counted.column(name).to_pylist() for name in columns]
    return list(zip(zip(*values), counted.column("count_all").to_pylist()))


def _values(table: pa.Table, name: str) -> pa.ChunkedArray:
    """A column of the table; all null where the table lacks it."""
    if name in table.column_names:
        return table.column(name)
    return pa.chunked_array([pa.nulls(table.num_rows, pa.string())])


def _category_counts(table: pa.Table, name: str) -> Counter:
    counts: Counter = Counter()
    for (value,), count in _tallies(table, {name: _values(table, name)}):
        counts[_label(value)] += count
    return counts


def _label(value: Any, width: int = MAX_LABEL) -> str:
    text = MISSING if value is None or str(value).strip() == "" else str(value)
    return _shorten(text, width)


def _shorten(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _ranked(counts: Counter) -> list[tuple[str, int]]:
    """Most frequent first, ties by name."""
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def _month(value: Any) -> tuple[int, int] | None:
    if not isinstance(value, str) or len(value) < 7:
        return None
    try:
        year, month = int(value[0:4]), int(value[5:7])
    except ValueError:
        return None
    return (year, month) if 1 <= month <= 12 else None


# --- drawing -----------------------------------------------------------------------------------


def _figure():
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=FIGSIZE, dpi=DPI, layout="constrained")
    FigureCanvasAgg(figure)
    return figure


def _no_data(axes, message: str) -> None:
    axes.text(0.5, 0.5, message, ha="center", va="center", fontsize=12, color="#555555", transform=axes.transAxes)
    axes.set_axis_off()


def _articles_per_month(figure, table: pa.Table) -> None:
    axes = figure.subplots()
    dated: Counter = Counter()  # (month, source label) -> articles
    months = pc.utf8_slice_codeunits(_values(table, "published_local"), 0, 7)  # all that _month reads
    for (prefix, source), count in _tallies(table, {"month": months, "source": _values(table, "source")}):
        date = _month(prefix)
        if date is not None:
            dated[(date, _label(source))] += count
    undated = table.num_rows - sum(dated.values())

    if not dated:
        axes.set_title("Articles per month")
        _no_data(axes, "no dated articles" + (f" ({undated} without a publication date)" if undated else ""))
        return

    first = min(date for date, _ in dated)
    last = max(date for date, _ in dated)
    span = (last[0] - first[0]) * 12 + last[1] - first[1] + 1
    if span < MIN_MONTHS:  # pad with empty months so that a few bars do not fill the whole width
        before = (MIN_MONTHS - span) // 2
        start = first[0] * 12 + first[1] - 1 - before
        first = (start // 12, start % 12 + 1)
        span = MIN_MONTHS
    per_year = span > MAX_MONTHS
    if per_year:
        buckets = [(year, 1) for year in range(first[0], last[0] + 1)]
        key = lambda date: (date[0], 1)  # noqa: E731
    else:
        buckets = [((first[0] * 12 + first[1] - 1 + i) // 12, (first[1] - 1 + i) % 12 + 1) for i in range(span)]
        key = lambda date: date  # noqa: E731
    index = {bucket: i for i, bucket in enumerate(buckets)}

    per_source: Counter = Counter()
    for (_, source), count in dated.items():
        per_source[source] += count
    ranked = [name for name, _ in _ranked(per_source)]
    shown = ranked if len(ranked) <= MAX_STACKED_SOURCES else ranked[: MAX_STACKED_SOURCES - 1]
    groups = shown + ([f"other ({len(ranked) - len(shown)} sources)"] if len(shown) < len(ranked) else [])
    counts = {group: [0] * len(buckets) for group in groups}
    for (date, source), count in dated.items():
        group = source if source in shown else groups[-1]
        counts[group][index[key(date)]] += count

    colors = _colors(len(shown))
    bottom = [0] * len(buckets)
    positions = list(range(len(buckets)))
    for number, group in enumerate(groups):
        color = colors[number] if number < len(shown) else OTHER_COLOR
        axes.bar(positions, counts[group], bottom=bottom, width=0.85, label=_shorten(group, MAX_LEGEND_LABEL),
                 color=color, linewidth=0)
        bottom = [b + c for b, c in zip(bottom, counts[group])]

    ticks, labels = _date_ticks(buckets, per_year)
    axes.set_xticks(ticks, labels, rotation=45 if not per_year and len(ticks) > 1 else 0,
                    ha="right" if not per_year and len(ticks) > 1 else "center")
    if len(buckets) > len(ticks):
        axes.set_xticks(positions, minor=True)
    axes.set_xlim(-0.6, len(buckets) - 0.4)
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.set_title("Articles per year" if per_year else "Articles per month")
    axes.set_xlabel("Publication " + ("year" if per_year else "month") + " (local time)"
                    + (f"; {undated} articles without a date not shown" if undated else ""))
    axes.set_ylabel("Articles")
    if len(groups) > 1:  # listed top-down in the order the bars are stacked bottom-up
        handles, labels = axes.get_legend_handles_labels()
        axes.legend(handles[::-1], labels[::-1], title="Source", loc="upper left", bbox_to_anchor=(1.01, 1.0),
                    frameon=False, title_fontsize=9)


def _date_ticks(buckets: list[tuple[int, int]], per_year: bool) -> tuple[list[int], list[str]]:
    """At most ~14 readable tick labels: every month, or every 2/3/6/12 months on month 1 of the step."""
    if per_year:
        step = next(s for s in (1, 2, 5, 10, 20, 50, 100) if len(buckets) / s <= 14)
        ticks = [i for i, (year, _) in enumerate(buckets) if year % step == 0] or [0]
        return ticks, [str(buckets[i][0]) for i in ticks]
    step = next((s for s in (1, 2, 3, 6, 12) if len(buckets) / s <= 14), None)
    if step is None:  # more than 14 years: label every few Januaries
        years = len(buckets) / 12
        every = next(s for s in (2, 5, 10) if years / s <= 14)
        ticks = [i for i, (year, month) in enumerate(buckets) if month == 1 and year % every == 0]
        return ticks or [0], [str(buckets[i][0]) for i in ticks] or [str(buckets[0][0])]
    ticks = [i for i, (_, month) in enumerate(buckets) if (month - 1) % step == 0] or [0]
    if step == 12:
        return ticks, [str(buckets[i][0]) for i in ticks]
    return ticks, [f"{buckets[i][0]}-{buckets[i][1]:02d}" for i in ticks]


def _colors(count: int) -> list:
    from matplotlib import colormaps

    cmap = colormaps["tab10"]
    return [cmap(i % 10) for i in range(count)]


def _body_length(figure, table: pa.Table) -> None:
    import numpy as np
    from matplotlib.ticker import FuncFormatter

    axes = figure.subplots()
    axes.set_title("Body length")
    if "char_count" in table.column_names:
        column = table.column("char_count")
        lengths = pc.filter(column, pc.greater(column, 0)).to_numpy().astype(np.int64)  # nulls are dropped
    else:
        lengths = np.zeros(0, dtype=np.int64)
    if not len(lengths):
        _no_data(axes, "no articles")
        return
    low, high = int(lengths.min()), int(lengths.max())
    log = high / low > 50
    if log:
        bins = np.logspace(np.log10(low), np.log10(high * 1.001), 40)
    else:  # integer-wide bins over at least 20 characters
        pad = max(0, 20 - (high - low)) // 2
        low, high = max(0, low - pad), high + pad
        width = max(1, -(-(high - low + 1) // 40))
        bins = np.arange(low, high + width + 1, width)
    axes.hist(lengths, bins=bins, color="#4c72b0", edgecolor="white", linewidth=0.5)
    if log:
        axes.set_xscale("log")
    axes.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:,.0f}"))
    if not log:
        axes.xaxis.get_major_locator().set_params(integer=True)
    median = float(np.median(lengths))
    axes.axvline(median, color="#c44e52", linestyle="--", linewidth=1.2, label=f"median {median:,.0f}")
    axes.legend(loc="upper right", frameon=False, fontsize=9)
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.set_xlabel("Body length (characters" + (", log scale)" if log else ")"))
    axes.set_ylabel("Articles")


def _languages(figure, table: pa.Table) -> None:
    _category_bars(figure, _category_counts(table, "language"), "Languages", "Language (ISO 639-1)")


def _sources(figure, table: pa.Table) -> None:
    _category_bars(figure, _category_counts(table, "source"), "Sources", "Source")


def _category_bars(figure, counts: Counter, title: str, label: str) -> None:
    axes = figure.subplots()
    axes.set_title(title)
    ranked = _ranked(counts)
    if not ranked:
        _no_data(axes, "no articles")
        return
    colors = ["#4c72b0"] * min(len(ranked), MAX_BARS)
    if len(ranked) > MAX_BARS:
        rest = ranked[MAX_BARS - 1 :]
        ranked = ranked[: MAX_BARS - 1] + [(f"{len(rest)} others", sum(count for _, count in rest))]
        colors[-1] = OTHER_COLOR
    names = [name for name, _ in ranked]
    counts = [count for _, count in ranked]
    positions = list(range(len(ranked)))
    bars = axes.barh(positions, counts, color=colors, height=0.7)
    axes.set_yticks(positions, names)
    axes.invert_yaxis()  # most frequent on top
    axes.bar_label(bars, labels=[f"{count:,}" for count in counts], padding=3, fontsize=9)
    axes.set_xlim(0, max(counts) * 1.12)
    axes.xaxis.get_major_locator().set_params(integer=True)
    axes.set_xlabel("Articles")
    axes.set_ylabel(label)
