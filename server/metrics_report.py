"""A handoff-metrics report a person would rather look at than read: PNG files, or one HTML page.

Figures are drawn on the Agg canvas (no display, no pyplot state): the customer's
sentiment before and after the handoff, the resolution-time distribution, and the
headline rates per group.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Callable, Sequence
from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from server.metrics import HandoffMetrics

Plot = Callable[[Figure, HandoffMetrics, Sequence[HandoffMetrics]], None]


def write_report(overall: HandoffMetrics, groups: Sequence[HandoffMetrics], out_dir: Path,
                 fmt: str = "png", title: str = "Handoff quality") -> list[Path]:
    """PNG files (one per figure) or ``report.html`` with them inlined; returns the paths written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    images = {name: render(plot, overall, groups) for name, plot in PLOTS.items()}
    if fmt == "png":
        paths = [out_dir / f"{name}.png" for name in images]
        for path, data in zip(paths, images.values(), strict=True):
            path.write_bytes(data)
        return paths
    if fmt == "html":
        path = out_dir / "report.html"
        path.write_text(html_page(title, overall, groups, images), encoding="utf-8")
        return [path]
    raise ValueError(f"unknown report format {fmt!r}; use png or html")


def render(plot: Plot, overall: HandoffMetrics, groups: Sequence[HandoffMetrics]) -> bytes:
    figure = Figure(figsize=(7.5, 4.5), dpi=110, layout="constrained")
    FigureCanvasAgg(figure)
    plot(figure, overall, groups)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def plot_sentiment(figure: Figure, overall: HandoffMetrics, groups: Sequence[HandoffMetrics]) -> None:
    """Each handoff as a line from its sentiment before to after; the mean in bold."""
    axes = figure.add_subplot()
    for shift in overall.sentiment_shifts:
        colour = "tab:green" if shift.after >= shift.before else "tab:red"
        axes.plot([0, 1], [shift.before, shift.after], color=colour, alpha=0.15, linewidth=1)
    if overall.sentiment_before is not None and overall.sentiment_after is not None:
        axes.plot([0, 1], [overall.sentiment_before, overall.sentiment_after], color="black", linewidth=3,
                  marker="o", label=f"mean ({overall.sentiment_before:+.2f} → {overall.sentiment_after:+.2f})")
        axes.legend(loc="lower right")
    axes.set_xticks([0, 1], ["before handoff", "after handoff"])
    axes.set_xlim(-0.2, 1.2)
    axes.set_ylim(-1.05, 1.05)
    axes.axhline(0, color="grey", linewidth=0.5)
    axes.set_ylabel("customer sentiment (-1 .. 1)")
    axes.set_title(f"Customer sentiment around the handoff ({overall.sentiment_handoffs} handoffs without scores)")


def plot_resolution(figure: Figure, overall: HandoffMetrics, groups: Sequence[HandoffMetrics]) -> None:
    axes = figure.add_subplot()
    minutes = [s / 60 for s in overall.resolution_seconds]
    if minutes:
        axes.hist(minutes, bins=min(30, max(5, len(minutes) // 5)), color="tab:blue", alpha=0.8)
        for value, label, style in ((overall.resolution_median_s, "median", "-"), (overall.resolution_p90_s, "p90", "--")):
            if value is not None:
                axes.axvline(value / 60, color="black", linestyle=style, label=f"{label} {value / 60:.1f} min")
        axes.legend()
    else:
        axes.text(0.5, 0.5, "no resolved handoffs", ha="center", va="center", transform=axes.transAxes)
    axes.set_xlabel("agent connected → resolved (minutes)")
    axes.set_ylabel("handoffs")
    axes.set_title(f"Post-handoff resolution time ({overall.resolved} resolved)")


RATES = [("repeat_question_rate", "agent repeat questions"), ("re_escalation_rate", "re-escalated"),
         ("brief_prepared_rate", "brief prepared"), ("suggestion_use_rate", "suggestions used")]


def plot_rates(figure: Figure, overall: HandoffMetrics, groups: Sequence[HandoffMetrics]) -> None:
    axes = figure.add_subplot()
    rows = [overall, *groups]
    width = 0.8 / len(rows)
    for index, metrics in enumerate(rows):
        values = [getattr(metrics, field) or 0.0 for field, _ in RATES]
        positions = [i + index * width for i in range(len(RATES))]
        axes.bar(positions, values, width=width, label=f"{metrics.group} ({metrics.handoffs})")
    axes.set_xticks([i + width * (len(rows) - 1) / 2 for i in range(len(RATES))], [label for _, label in RATES])
    axes.set_ylim(0, 1)
    axes.set_ylabel("share")
    axes.legend(fontsize="small", ncols=2)
    axes.set_title("Handoff rates by group")


PLOTS: dict[str, Plot] = {"sentiment": plot_sentiment, "resolution_time": plot_resolution, "rates": plot_rates}


def html_page(title: str, overall: HandoffMetrics, groups: Sequence[HandoffMetrics], images: dict[str, bytes]) -> str:
    figures = "\n".join(
        f'<figure><img alt="{name}" src="data:image/png;base64,{base64.b64encode(data).decode()}"></figure>'
        for name, data in images.items()
    )
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:60em}}table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:.3em .6em;text-align:right}}th:first-child,td:first-child{{text-align:left}}
img{{max-width:100%}}</style></head><body>
<h1>{html.escape(title)}</h1>
{html_table([overall, *groups])}
{figures}
</body></html>
"""


def html_table(rows: Sequence[HandoffMetrics]) -> str:
    header = "".join(f"<th>{html.escape(name)}</th>" for name, _ in TABLE_COLUMNS)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(fmt(row))}</td>" for _, fmt in TABLE_COLUMNS) + "</tr>" for row in rows
    )
    return f"<table><thead><tr>{header}</tr></thead><tbody>{body}</tbody></table>"


def _number(value: float | None, pattern: str) -> str:
    return "–" if value is None else pattern.format(value)


def _minutes(value: float | None) -> str:
    return _number(None if value is None else value / 60, "{:.1f}m")


TABLE_COLUMNS: list[tuple[str, Callable[[HandoffMetrics], str]]] = [
    ("group", lambda m: m.group),
    ("handoffs", lambda m: str(m.handoffs)),
    ("CSAT before→after", lambda m: f"{_number(m.satisfaction_before, '{:.2f}')}→{_number(m.satisfaction_after, '{:.2f}')}"),
    ("sentiment before→after",
     lambda m: f"{_number(m.sentiment_before, '{:+.2f}')}→{_number(m.sentiment_after, '{:+.2f}')}"),
    ("repeat-q", lambda m: _number(m.repeat_question_rate, "{:.0%}")),
    ("wait p50", lambda m: _minutes(m.wait_median_s)),
    ("resolve p50", lambda m: _minutes(m.resolution_median_s)),
    ("resolve p90", lambda m: _minutes(m.resolution_p90_s)),
    ("re-esc", lambda m: _number(m.re_escalation_rate, "{:.0%}")),
    ("brief", lambda m: _number(m.brief_prepared_rate, "{:.0%}")),
    ("sugg used", lambda m: f"{m.suggestions_used}/{m.suggestions_used + m.suggestions_dismissed}"),
]


def text_table(rows: Sequence[HandoffMetrics]) -> str:
    """The same table as plain aligned text, for the terminal."""
    cells = [[name for name, _ in TABLE_COLUMNS], *[[fmt(row) for _, fmt in TABLE_COLUMNS] for row in rows]]
    widths = [max(len(line[i]) for line in cells) for i in range(len(TABLE_COLUMNS))]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(line, widths, strict=True)))
             for line in cells]
    return "\n".join([lines[0], "-" * len(lines[0]), *lines[1:]])
