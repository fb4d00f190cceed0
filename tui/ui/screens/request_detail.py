"""One request in full: its answer or error, the raw JSON line, the params sent, usage and cost.

Everything shown here came from a provider or a model and is untrusted: the answer and error
text are sanitised (no escape sequences) and shown as a :class:`rich.text.Text`, never as markup.
Markdown rendering is opt-in (``m``) and gets the sanitised text too. JSON is re-serialised
before highlighting, so any control character in it appears as a ``\\u`` escape.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import tempfile
from dataclasses import replace
from pathlib import Path

import orjson
from rich.console import RenderableType
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Markdown, Static, TabbedContent, TabPane

from tui.core.costs import Cost, request_cost, tokens_by_class
from tui.core.models import Batch, RequestResult, ResultType
from tui.core.prices import PriceTable, load_price_table
from tui.core.store import ResultFilter, Store
from tui.core.text import json_safe
from tui.display.presentation import money
from tui.ui.widgets.key_footer import KeyFooter
from tui.ui.widgets.result_cells import outcome_look
from tui.ui.widgets.untrusted import one_line, sanitize, untrusted_text

MAX_HIGHLIGHT = 200_000
"""JSON longer than this is shown plain: highlighting it would stall the screen."""

TOKEN_CLASS_LABELS = {
    "input": "Input",
    "cache_write_5m": "Cache write (5 min)",
    "cache_write_1h": "Cache write (1 h)",
    "cache_read": "Cache read",
    "output": "Output",
}


def pretty_json(data: bytes) -> str | None:
    """Indented JSON, or None if ``data`` is not JSON. Re-serialising escapes C0 controls;
    :func:`json_safe` escapes the C1 and bidi controls the encoder writes raw."""
    try:
        return json_safe(orjson.dumps(orjson.loads(data), option=orjson.OPT_INDENT_2)).decode()
    except orjson.JSONDecodeError:
        return None


def json_renderable(data: bytes) -> RenderableType:
    """Highlighted JSON (plain when huge or not JSON; never markup)."""
    text = pretty_json(data)
    if text is None:
        return untrusted_text(data.decode("utf-8", "replace"))
    if len(text) > MAX_HIGHLIGHT:
        return Text(text)
    return Syntax(text, "json", theme="ansi_dark", word_wrap=True, background_color="default")


def usage_table(result: RequestResult, cost: Cost | None) -> Table:
    """Tokens per class with their price at batch and at standard (synchronous) rates."""
    table = Table(box=None, padding=(0, 2), header_style="bold", expand=False)
    table.add_column("Token class")
    table.add_column("Tokens", justify="right")
    table.add_column("Batch price", justify="right")
    table.add_column("Standard price", justify="right")
    tokens = tokens_by_class(result.usage)
    paid = cost.paid_by_class if cost else {}
    standard = cost.standard_by_class if cost else {}
    for name, label in TOKEN_CLASS_LABELS.items():
        batch_price = money(paid[name]) if name in paid else "—"
        standard_price = money(standard[name]) if name in standard else "—"
        table.add_row(label, f"{tokens[name]:,}", batch_price, standard_price)
    total = sum(tokens.values())
    table.add_row(
        Text("Total", style="bold"),
        f"{total:,}",
        money(cost.paid) if cost else "—",
        money(cost.standard) if cost else "—",
        style="bold",
    )
    return table


def usage_notes(result: RequestResult, cost: Cost | None) -> Text:
    """The lines under the usage table: model, savings, or why there is no price."""
    text = Text()
    text.append("Model: ")
    text.append_text(untrusted_text(result.model or "unknown"))
    if result.type is not ResultType.SUCCEEDED:
        text.append("\nFailed requests are not billed.")
    elif cost is None:
        text.append("\nNo price known for this model (add one under [prices] in the config).")
    else:
        text.append(f"\nBatch discount saved {money(cost.batch_saving)}")
        text.append(f"; caching saved {money(cost.cache_saving)} at batch prices.")
    return text


_FAILURES = frozenset({ResultType.ERRORED, ResultType.EXPIRED, ResultType.CANCELED})


class RequestDetailScreen(Screen[str]):
    """The detail of one request, in tabs: Response, Raw JSON, Params, Usage & cost."""

    HELP_TITLE = "This request"
    """The heading of this screen's keys in the ? screen."""

    BINDINGS = [
        Binding("escape,q", "back", "Back", id="detail.back"),
        Binding("y", "copy_id", "Copy id", id="detail.copy_id"),
        Binding("Y", "copy_text", "Copy text", id="detail.copy_text"),
        Binding("e", "open_external", "Open in $PAGER", id="detail.open"),
        Binding("m", "toggle_markdown", "Markdown", id="detail.markdown"),
        Binding("n", "step(1)", "Next", id="detail.next"),
        Binding("p", "step(-1)", "Previous", id="detail.previous"),
        Binding("f", "next_failure", "Next failure", id="detail.next_failure"),
        Binding("1", "show_tab('response')", "Response", show=False, id="detail.tab.response"),
        Binding("2", "show_tab('raw')", "Raw JSON", show=False, id="detail.tab.raw"),
        Binding("3", "show_tab('params')", "Params", show=False, id="detail.tab.params"),
        Binding("4", "show_tab('usage')", "Usage", show=False, id="detail.tab.usage"),
    ]

    def __init__(
        self,
        store: Store,
        batch: Batch,
        custom_id: str,
        *,
        prices: PriceTable | None = None,
        list_filter: ResultFilter | None = None,
    ) -> None:
        super().__init__()
        self.store = store
        self.shown_batch = batch
        self.custom_id = custom_id
        self.list_filter = list_filter or ResultFilter()
        """The inspector's filter: n/p step through the requests it lists, in its order."""
        self.prices = prices if prices is not None else load_price_table()
        self.result: RequestResult | None = None
        self.params: bytes | None = None
        self.markdown = False

    def compose(self) -> ComposeResult:
        yield Static(untrusted_text(one_line(self.custom_id, 200)), id="detail-title")
        with TabbedContent(initial="response", id="detail-tabs"):
            with TabPane("Response", id="response"), VerticalScroll():
                yield Static("Loading…", id="response-text")
                yield Markdown(id="response-markdown")
            with TabPane("Raw JSON", id="raw"), VerticalScroll():
                yield Static("Loading…", id="raw-json")
            with TabPane("Params", id="params"), VerticalScroll():
                yield Static("Loading…", id="params-json")
            with TabPane("Usage & cost", id="usage"), VerticalScroll():
                yield Static("Loading…", id="usage-table")
                yield Static("", id="usage-notes")
        yield KeyFooter()

    def on_mount(self) -> None:
        self.query_one("#response-markdown").display = False
        self._load()

    @work(group="request-detail", exclusive=True, exit_on_error=False)
    async def _load(self) -> None:
        result = await self.store.results.get(self.shown_batch.id, self.custom_id)
        params = await self.store.requests.get(self.shown_batch.id, [self.custom_id])
        self.result, self.params = result, params.get(self.custom_id)
        self._show()

    # --- rendering ---

    def _show(self) -> None:
        result = self.result
        if result is None:
            self.query_one("#response-text", Static).update("This request has no stored result.")
            for selector in ("#raw-json", "#usage-table"):
                self.query_one(selector, Static).update("—")
            self._show_params()
            return
        self.query_one("#detail-title", Static).update(self._title(result))
        self.query_one("#response-text", Static).update(self._response(result))
        raw = json_renderable(result.raw) if result.raw else Text("No raw JSON stored.")
        self.query_one("#raw-json", Static).update(raw)
        self._show_params()
        cost = request_cost(result, self.shown_batch.created_at.date(), self.prices)
        self.query_one("#usage-table", Static).update(usage_table(result, cost))
        self.query_one("#usage-notes", Static).update(usage_notes(result, cost))

    def _title(self, result: RequestResult) -> Text:
        glyph, colour = outcome_look(result.type)
        text = Text.assemble((f"{glyph} ", colour))
        text.append_text(untrusted_text(one_line(result.custom_id, 200), "bold"))
        text.append(f"  {result.type.value}", style=colour)
        detail = result.stop_reason if result.type is ResultType.SUCCEEDED else result.error_type
        if detail:
            text.append("  ·  ")
            text.append_text(untrusted_text(one_line(detail, 80)))
        if result.model:
            text.append("  ·  ")
            text.append_text(untrusted_text(one_line(result.model, 80), "dim"))
        return text

    def _response(self, result: RequestResult) -> Text:
        if result.type is ResultType.SUCCEEDED:
            return untrusted_text(result.text or "(no text in the answer)")
        heading = one_line(result.error_type, 200) or result.type.value
        text = Text(f"{heading}\n\n", style="bold red")
        text.append_text(untrusted_text(result.error_message or "(no error message)"))
        return text

    def _show_params(self) -> None:
        widget = self.query_one("#params-json", Static)
        if self.params is None:
            widget.update(
                "The params of this request are not stored: it was not submitted by batchtui "
                "(`batchtui attach` can record them from the input file)."
            )
        else:
            widget.update(json_renderable(self.params))

    # --- actions ---

    def action_back(self) -> None:
        self.dismiss(self.custom_id)  # the inspector's cursor follows to the request shown

    def action_step(self, direction: int) -> None:
        """n / p: the next or previous request of the inspector's list."""
        self._step(self.list_filter, direction, "No more requests in this direction.")

    def action_next_failure(self) -> None:
        """f: the next errored, expired or canceled request of the list."""
        wanted = self.list_filter.types
        failures = _FAILURES & wanted if wanted is not None else _FAILURES
        flt = replace(self.list_filter, types=frozenset(failures))
        self._step(flt, 1, "No failed request after this one in the list.")

    @work(group="request-detail-step", exclusive=True, exit_on_error=False)
    async def _step(self, flt: ResultFilter, direction: int, nothing: str) -> None:
        results = self.store.results
        batch_id = self.shown_batch.id
        if direction > 0:
            found = await results.page(batch_id, flt, after=self.custom_id, limit=1)
        else:
            found = await results.page(batch_id, flt, before=self.custom_id, limit=1)
        if not found:
            self.notify(nothing, timeout=3, markup=False)
            return
        self.custom_id = found[0].custom_id
        self.query_one("#detail-title", Static).update(
            untrusted_text(one_line(self.custom_id, 200))
        )
        if self.markdown:
            self.action_toggle_markdown()
        self._load()

    def action_show_tab(self, tab: str) -> None:
        self.query_one(TabbedContent).active = tab

    def action_copy_id(self) -> None:
        self.app.copy_to_clipboard(self.custom_id)
        self.notify("Copied the custom_id.")

    def action_copy_text(self) -> None:
        if self.result is None:
            return
        text = self.result.text if self.result.type is ResultType.SUCCEEDED else None
        self.app.copy_to_clipboard(sanitize(text or self.result.error_message or ""))
        self.notify("Copied the text." if text else "Copied the error message.")

    def action_toggle_markdown(self) -> None:
        """Plain text (the default) or Markdown; both get the sanitised text."""
        result = self.result
        if result is None or result.type is not ResultType.SUCCEEDED:
            return
        self.markdown = not self.markdown
        markdown = self.query_one("#response-markdown", Markdown)
        if self.markdown:
            markdown.update(sanitize(result.text))
        markdown.display = self.markdown
        self.query_one("#response-text").display = not self.markdown
        self.action_show_tab("response")

    def _external_content(self) -> tuple[str, str]:
        """What ``e`` opens: the active tab's JSON, or the answer's text."""
        active = self.query_one(TabbedContent).active
        result = self.result
        if active == "params" and self.params is not None:
            return pretty_json(self.params) or self.params.decode("utf-8", "replace"), "json"
        if result is None:
            return "", "txt"
        if active in ("raw", "usage"):
            return pretty_json(result.raw) or result.raw.decode("utf-8", "replace"), "json"
        return sanitize(result.text or result.error_message or ""), "txt"

    def action_open_external(self) -> None:
        """Open the content in ``$PAGER`` (else ``$EDITOR``, else ``less``), suspending the app."""
        content, suffix = self._external_content()
        command = shlex.split(os.environ.get("PAGER") or os.environ.get("EDITOR") or "less")
        directory = Path(tempfile.mkdtemp(prefix="batchtui-"))  # private: mode 0700
        try:
            path = directory / f"request.{suffix}"
            path.write_text(content, encoding="utf-8")
            with self.app.suspend():
                subprocess.run([*command, str(path)], check=False)
        except Exception as exc:  # no terminal to hand over (tests, web) or no such program
            self.notify(f"Cannot open {command[0]}: {exc}", severity="error", markup=False)
        finally:
            shutil.rmtree(directory, ignore_errors=True)
