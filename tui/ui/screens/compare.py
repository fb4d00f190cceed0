"""Two batches side by side, keyed by custom_id (``=`` with two batches marked on the list).

At the top, each side's outcomes, stop reasons, tokens and cost and the two added up; then
filter tabs (all, only in A or B, one side failed where the other succeeded, texts that differ,
B longer) with their counts; the pairs, paged from SQLite by a Line API view; and the pair under
the cursor in full, side by side or as a word diff (``d``). ``/`` searches both sides' texts and
errors. Every store read runs in a worker; the shared logic is :mod:`tui.core.compare`.
"""

from __future__ import annotations

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Input, Static
from textual.worker import Worker, WorkerState

from tui.core.compare import FILTER_LABELS, CompareFilter, Comparison, Only, Side, compare_batches
from tui.core.known_models import canonical_models
from tui.core.models import Batch, ResultType
from tui.core.prices import PriceTable, load_price_table
from tui.core.store import Store
from tui.display.presentation import money
from tui.ui.widgets.compare_view import CompareView
from tui.ui.widgets.key_footer import KeyFooter
from tui.ui.widgets.pair_diff import PairDiff
from tui.ui.widgets.result_cells import OUTCOME_GLYPHS, compact_number
from tui.ui.widgets.tab_strip import TabStrip
from tui.ui.widgets.untrusted import one_line

TAB_LABELS: dict[Only, str] = {
    Only.ALL: "All",
    Only.ONLY_A: "Only A",
    Only.ONLY_B: "Only B",
    Only.A_FAILED: "A fail",
    Only.B_FAILED: "B fail",
    Only.DIFFERS: "Differ",
    Only.B_LONGER: "B longer",
}
"""Tab labels short enough for 80 columns with their counts (the keys' help says more)."""

SEARCH_DELAY = 0.15
"""Seconds of no typing before a search runs (as in the inspector)."""


class ComparisonLoaded(Message):
    """The tallies of both sides are counted."""

    def __init__(self, comparison: Comparison) -> None:
        super().__init__()
        self.comparison = comparison


def batch_title(name: str, batch: Batch) -> Text:
    """``A  eval: opus · claude-opus-4-5`` (label and models are untrusted)."""
    text = Text(f"{name} ", style="bold")
    text.append(one_line(batch.label or batch.id, 40))
    models = one_line(", ".join(canonical_models(batch.models)), 40)
    if models:
        text.append(f" · {models}", style="dim")
    return text


def side_line(name: str, side: Side) -> Text:
    """One side's tallies on one line: outcomes, stop reasons, tokens, cost."""
    text = Text(f"{name} ", style="bold")
    for kind in ResultType:
        glyph, colour = OUTCOME_GLYPHS[kind]
        text.append(glyph, style=colour)
        text.append(f"{side.outcomes.get(kind, 0):,} ")
    reasons = ", ".join(f"{one_line(r, 20)} {n:,}" for r, n in list(side.stop_reasons.items())[:3])
    text.append(f" {reasons}" if reasons else "", style="dim")
    usage = side.cost.usage
    text.append(f"  in {compact_number(usage.prompt_tokens)}")
    text.append(f" out {compact_number(usage.output_tokens)}")
    paid = side.paid
    text.append(f"  {money(paid) if paid is not None else 'cost unknown'}", style="bold")
    return text


def total_line(comparison: Comparison) -> Text:
    usage, paid = comparison.total.usage, comparison.total.known_paid
    text = Text("Σ ", style="bold")
    text.append(f"{comparison.count(Only.ALL):,} custom_ids, {comparison.pairs.in_both:,} in both")
    text.append(
        f"  in {compact_number(usage.prompt_tokens)} out {compact_number(usage.output_tokens)}"
    )
    text.append(f"  {money(paid) if paid is not None else 'cost unknown'}", style="bold")
    return text


class CompareScreen(Screen):
    """Batch A against batch B, request by request; see the module docstring."""

    HELP_TITLE = "Compare two batches"

    BINDINGS = [
        Binding("escape", "back", "Back", id="compare.back"),
        Binding("slash", "search", "Search", id="compare.search"),
        Binding("d", "toggle_diff", "Diff", id="compare.diff"),
        Binding("x", "clear", "Clear filters", show=False, id="compare.clear"),
        *(
            Binding(
                str(n),
                f"only('{only.value}')",
                FILTER_LABELS[only],
                show=False,
                id=f"compare.only.{only.value}",
            )
            for n, only in enumerate(Only, 1)
        ),
    ]

    def __init__(
        self, store: Store, a: Batch, b: Batch, *, prices: PriceTable | None = None
    ) -> None:
        super().__init__()
        self.store = store
        self.batch_a, self.batch_b = a, b
        self.prices = prices if prices is not None else load_price_table()
        self.comparison: Comparison | None = None
        self._search_timer: Timer | None = None

    def compose(self) -> ComposeResult:
        title = batch_title("A", self.batch_a)
        title.append("   vs   ", style="dim")
        title.append_text(batch_title("B", self.batch_b))
        yield Static(title, id="compare-title")
        yield Static(Text("Counting…", style="dim"), id="compare-summary")
        tabs = ((only.value, TAB_LABELS[only]) for only in Only)
        yield TabStrip(tabs, active=Only.ALL.value, id="compare-filters")
        yield Input(placeholder="/ search both sides' texts and errors", id="compare-search")
        yield CompareView(self.store, self.batch_a.id, self.batch_b.id, id="compare-list")
        yield PairDiff(id="compare-pair")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one(CompareView).focus()
        self._load_comparison()

    @property
    def view(self) -> CompareView:
        return self.query_one(CompareView)

    # --- store reads -----------------------------------------------------------------------------

    @work(group="compare-summary", exclusive=True, exit_on_error=False, description="Comparing")
    async def _load_comparison(self) -> None:
        comparison = await compare_batches(self.store, self.prices, self.batch_a, self.batch_b)
        self.post_message(ComparisonLoaded(comparison))

    def on_comparison_loaded(self, message: ComparisonLoaded) -> None:
        self.comparison = comparison = message.comparison
        summary = Text("\n").join(
            [side_line("A", comparison.a), side_line("B", comparison.b), total_line(comparison)]
        )
        self.query_one("#compare-summary", Static).update(summary)
        tabs = self.query_one(TabStrip)
        for only in Only:
            tabs.set_label(only.value, f"{TAB_LABELS[only]} {comparison.count(only):,}")

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        if event.state is WorkerState.ERROR and event.worker.group.startswith("compare-"):
            self.notify(
                str(event.worker.error), title="Cannot compare", severity="error", markup=False
            )

    # --- filters and search ----------------------------------------------------------------------

    def _apply_filter(self) -> None:
        only = Only(self.query_one(TabStrip).active)
        search = self.query_one("#compare-search", Input).value.strip() or None
        flt = CompareFilter(only, search)
        if flt != self.view.filter:
            self.view.set_compare_filter(flt)

    @on(TabStrip.Changed, "#compare-filters")
    def _tab_changed(self, event: TabStrip.Changed) -> None:
        self._apply_filter()

    @on(Input.Changed, "#compare-search")
    def _search_changed(self, event: Input.Changed) -> None:
        if self._search_timer is not None:
            self._search_timer.stop()
        self._search_timer = self.set_timer(SEARCH_DELAY, self._apply_filter)

    @on(Input.Submitted, "#compare-search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        if self._search_timer is not None:
            self._search_timer.stop()
        self._apply_filter()
        self.view.focus()

    @on(CompareView.CursorMoved)
    def _cursor_moved(self, event: CompareView.CursorMoved) -> None:
        self.query_one(PairDiff).show(event.pair)

    # --- actions ---------------------------------------------------------------------------------

    def action_only(self, value: str) -> None:
        self.query_one(TabStrip).active = Only(value).value

    def action_search(self) -> None:
        box = self.query_one("#compare-search", Input)
        box.add_class("-shown")
        box.focus()

    def action_toggle_diff(self) -> None:
        self.query_one(PairDiff).toggle_diff()

    def action_clear(self) -> None:
        box = self.query_one("#compare-search", Input)
        box.value = ""
        box.remove_class("-shown")
        self.query_one(TabStrip).active = Only.ALL.value
        self._apply_filter()

    def action_back(self) -> None:
        """Esc leaves the search box first, then the screen."""
        if isinstance(self.focused, Input):
            if not self.focused.value:
                self.focused.remove_class("-shown")
            self.view.focus()
            return
        self.dismiss()
