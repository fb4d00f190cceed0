"""The cost pane: what the batches in the current filter cost, and what batching and caching saved.

Attributes down: the screen builds a :class:`~tui.core.cost_report.CostReport` with
:func:`~tui.core.cost_report.build_report` (in a worker, from the store) and hands it over with
:meth:`CostPane.show` or by setting :attr:`CostPane.report`. The pane reads no database and makes
no request; it only renders the report:

- the totals: paid at batch prices, the standard price, both savings and the cache hit rate;
- paid per token class (input, 5-minute and 1-hour cache writes, cache reads, output);
- paid per model, unpriced models called out rather than shown as $0;
- a sparkline of spend per day, with the date range under it;
- notes: running batches' estimate, unpriced requests, third-party prices, missing results.

Model ids come from providers, so they are shown as plain :class:`rich.text.Text`, stripped of
control characters: never parsed as markup.
"""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Sparkline, Static

from tui.core.cost_report import CostReport
from tui.core.costs import Tally
from tui.core.prices import TOKEN_CLASSES
from tui.display.formatting import safe
from tui.display.presentation import money as format_usd
from tui.display.presentation import rate as format_rate

CLASS_NAMES = {
    "input": "input",
    "cache_write_5m": "cache write 5m",
    "cache_write_1h": "cache write 1h",
    "cache_read": "cache read",
    "output": "output",
}
"""How each token class is called on screen."""

MODEL_ROWS = 6
"""Models listed before the rest are folded into one "others" row."""



def plural(count: int, noun: str) -> str:
    return noun if count == 1 else noun + ("es" if noun.endswith("ch") else "s")


def plain(value: str) -> Text:
    """Untrusted text (a model id, a label) as Text: no markup, no escapes, cut with an
    ellipsis (sanitised by :func:`~tui.display.formatting.safe`, the UI's one way)."""
    return Text(safe(value), no_wrap=True, overflow="ellipsis")


class CostPane(Widget, can_focus=True):
    """Cost totals, breakdowns and a spend-per-day chart for one :class:`CostReport`.

    Focusable (Tab) and scrollable, so the per-model rows and spend per day are reachable at
    80x24."""

    BINDINGS: ClassVar = [
        Binding("down,j", "scroll_down", "Down", show=False),
        Binding("up,k", "scroll_up", "Up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("home,g", "scroll_home", "Top", show=False),
        Binding("end,G", "scroll_end", "Bottom", show=False),
    ]

    report: reactive[CostReport | None] = reactive(None, always_update=True)
    """The report on show; ``None`` until the screen has built one."""

    def compose(self) -> ComposeResult:
        yield Static(id="cost-totals", markup=False)
        yield Static(id="cost-classes", markup=False)
        yield Static(id="cost-models", markup=False)
        yield Static("Spend per day", id="cost-chart-title", markup=False)
        yield Sparkline([], id="cost-chart", summary_function=max)
        yield Static(id="cost-chart-range", markup=False)
        yield Static(id="cost-notes", markup=False)

    def on_mount(self) -> None:
        self.border_title = "Cost"
        self._render_report(self.report)

    def show(self, report: CostReport | None) -> None:
        """Show ``report`` (the same as setting :attr:`report`)."""
        self.report = report

    def watch_report(self, report: CostReport | None) -> None:
        if self.is_mounted:
            self._render_report(report)

    # --- rendering -----------------------------------------------------------------------------

    def _render_report(self, report: CostReport | None) -> None:
        has_data = report is not None and report.batch_count > 0
        self.set_class(not has_data, "-empty")
        if report is None or not has_data:
            self._static("cost-totals").update(
                Text("No cost yet: no batches with results in this view.", style="dim")
            )
            self.border_subtitle = ""
            for part in ("cost-classes", "cost-models", "cost-chart-range", "cost-notes"):
                self._static(part).update("")
            self.query_one("#cost-chart", Sparkline).data = []
            return
        self.border_subtitle = f"{report.batch_count} {plural(report.batch_count, 'batch')}"
        self._static("cost-totals").update(totals_table(report.totals))
        self._static("cost-classes").update(classes_table(report.totals))
        self._static("cost-models").update(models_table(report.by_model))
        self._render_chart(report)
        self._static("cost-notes").update(notes_text(report))

    def _render_chart(self, report: CostReport) -> None:
        daily = report.daily_paid()
        self.query_one("#cost-chart", Sparkline).data = [float(paid) for _, paid in daily]
        caption = Text(style="dim")
        if daily:
            peak_day, peak = max(daily, key=lambda item: item[1])
            caption.append(f"{daily[0][0]:%Y-%m-%d} → {daily[-1][0]:%Y-%m-%d}")
            caption.append(f"   peak {format_usd(peak)} on {peak_day:%Y-%m-%d}")
        self._static("cost-chart-range").update(caption)

    def _static(self, part: str) -> Static:
        return self.query_one(f"#{part}", Static)


def totals_table(totals: Tally) -> Table:
    """Paid, standard, the two savings and the hit rate, side by side."""
    table = Table.grid(padding=(0, 3))
    headings = ("paid", "standard", "batch saving", "cache saving", "cache hit rate")
    for _ in headings:
        table.add_column(justify="right")
    table.add_row(*(Text(h, style="dim") for h in headings))
    table.add_row(
        Text(format_usd(totals.paid), style="bold"),
        format_usd(totals.standard),
        Text(format_usd(totals.batch_saving), style="green"),
        Text(
            format_usd(totals.cache_saving),
            style="green" if totals.cache_saving >= 0 else "yellow",
        ),
        format_rate(totals.hit_rate),
    )
    return table


def classes_table(totals: Tally) -> Table:
    """Tokens and paid per token class, with each class's share of the spend."""
    table = Table(box=None, padding=(0, 2), pad_edge=False, header_style="dim")
    table.add_column("token class")
    table.add_column("tokens", justify="right")
    table.add_column("paid", justify="right")
    table.add_column("share", justify="right")
    tokens = {
        "input": totals.usage.input_tokens,
        "cache_write_5m": totals.usage.cache_write_5m_tokens,
        "cache_write_1h": totals.usage.cache_write_1h_tokens,
        "cache_read": totals.usage.cache_read_tokens,
        "output": totals.usage.output_tokens,
    }
    for name in TOKEN_CLASSES:
        paid = totals.paid_by_class[name]
        table.add_row(
            CLASS_NAMES[name], f"{tokens[name]:,}", format_usd(paid), _share(paid, totals)
        )
    return table


def _share(part: Decimal, totals: Tally) -> str:
    return f"{part / totals.paid:.0%}" if totals.paid else "-"


def models_table(by_model: list[Tally]) -> Table:
    """Paid per model, largest first; the long tail folded into one row."""
    table = Table(box=None, padding=(0, 2), pad_edge=False, header_style="dim")
    table.add_column("model", ratio=1, no_wrap=True)
    table.add_column("requests", justify="right")
    table.add_column("paid", justify="right")
    table.add_column("hit rate", justify="right")
    shown, rest = by_model[:MODEL_ROWS], by_model[MODEL_ROWS:]
    for tally in shown:
        table.add_row(
            plain(tally.key), f"{tally.requests:,}", _paid_cell(tally), format_rate(tally.hit_rate)
        )
    if rest:
        others = Tally(key=f"{len(rest)} other models")
        for tally in rest:
            others.merge(tally)
        table.add_row(
            Text(others.key, style="dim"),
            f"{others.requests:,}",
            _paid_cell(others),
            format_rate(others.hit_rate),
        )
    return table


def _paid_cell(tally: Tally) -> Text:
    if tally.unpriced_requests == tally.requests and tally.requests:
        return Text("unpriced", style="yellow")
    text = Text(format_usd(tally.paid))
    if tally.unpriced_requests:
        text.append(" +?", style="yellow")
    return text


def notes_text(report: CostReport) -> Text:
    """One line per thing the totals leave out or rest on."""
    notes = Text()
    totals = report.totals
    if report.estimate is not None:
        notes.append(f"Running: up to ~{format_usd(report.estimate.paid)} more (estimate)\n")
    if report.unestimated_batches:
        count = len(report.unestimated_batches)
        notes.append(f"{count} running {plural(count, 'batch')} submitted elsewhere: ")
        notes.append("cost unknown until they end\n")
    if totals.unpriced_requests:
        models = ", ".join(sorted(totals.unpriced_models))
        count = totals.unpriced_requests
        notes.append(f"{count:,} {plural(count, 'request')} unpriced: ", style="yellow")
        notes.append_text(plain(models))
        notes.append("\n")
    if totals.unofficial_models:
        notes.append("Third-party prices: ", style="dim")
        notes.append_text(plain(", ".join(sorted(totals.unofficial_models))))
        notes.append("\n")
    if report.batches_without_results:
        count = len(report.batches_without_results)
        notes.append(
            f"{count} ended {plural(count, 'batch')} not counted yet (results not downloaded)\n"
        )
    notes.rstrip()
    return notes
