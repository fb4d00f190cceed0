"""What the batch list does to batches: which actions apply, and the workers that do them.

:class:`BatchActions` is the base of :class:`~tui.ui.screens.main.MainScreen`: cancel, delete,
download, acknowledge, label, the marks (compare, bulk cancel and delete), and opening submit
and retry. Which actions apply to the selected batch is decided in
:meth:`BatchActions.unavailable_reason`, used both by ``check_action`` (the footer dims them)
and to tell the user why a key did nothing. Store and provider calls only happen in the
workers at the bottom; their outcomes come back as :class:`~tui.ui.messages.ActionFinished`.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from textual import work
from textual.screen import Screen

from tui.core.attention import BY_USER, settle_lineages
from tui.core.events import ProfileHealth
from tui.core.models import Batch, BatchStatus
from tui.display.formatting import batch_name, safe
from tui.ui.batch_marks import BatchMarks, bulk_stakes, marked_reason, split_marked
from tui.ui.messages import ActionFinished, BatchesReloaded
from tui.ui.widgets.batch_detail import deleted_words
from tui.ui.widgets.batch_table import BatchTable

if TYPE_CHECKING:
    from collections.abc import Callable

    from rich.text import Text

    from tui.core.prices import PriceTable
    from tui.core.store import ResultFilter
    from tui.ui.screens.bulk_export import BulkExport
    from tui.ui.services import Services

PROVIDER_ACTIONS = frozenset({"cancel_batch", "delete_batch", "download", "submit", "retry"})
"""Actions that change something at a provider: hidden in read-only mode."""

CACHE_WRITES = frozenset({"acknowledge", "annotate"})
"""Actions that only write the cache: refused when it cannot be written."""

_NEEDS_BATCH = frozenset(
    {
        "cancel_batch",
        "delete_batch",
        "copy_id",
        "annotate",
        "open_requests",
        "retry",
        "acknowledge",
        "toggle_mark",
        "export_results",
    }
)


class BatchActions(Screen):
    """The actions of the batch list on the selected (or the marked) batches."""

    services: Services
    marks: BatchMarks
    """Batches marked with Space: compared by =, canceled or deleted together."""
    costs: dict[str, float]
    """Cost so far of each batch with downloaded results (the confirm modals show it)."""

    @cached_property
    def prices(self) -> PriceTable:
        """The shipped price table with the user's overrides, read on first use (a worker's,
        after the first paint), not while the screen is built."""
        from tui.core.prices import load_price_table  # with the cost modules, on first use

        return load_price_table(self.services.config.price_overrides)

    @property
    def table(self) -> BatchTable:
        return self.query_one(BatchTable)

    @property
    def selected(self) -> Batch | None:
        return self.table.selected

    # --- which actions apply --------------------------------------------------------------------

    def unavailable_reason(self, action: str) -> str | None:
        """Why ``action`` does not apply to the selected batch right now (None if it does)."""
        if action == "compare" and self.marks.pair() is None:
            return f"Mark two batches with Space to compare them ({len(self.marks)} marked)."
        if self.marks and action in ("cancel_batch", "delete_batch"):
            return marked_reason(action, *self._marked_by_reach())
        if action == "export_results" and (self.marks or self.selected is not None):
            return _export_reason(self._export_batches())
        if action in CACHE_WRITES and self.services.cache_problem is not None:
            return self.services.read_only_words()
        batch = self.selected
        if action in _NEEDS_BATCH and batch is None:
            return "No batch selected."
        if batch is None:
            return None
        if action in PROVIDER_ACTIONS and action != "submit":
            gone = self.services.profile_gone(batch)
            if gone is not None:
                return gone
            status = self.services.engine.statuses.get(batch.profile)
            if status is not None and status.health is ProfileHealth.MISCONFIGURED:
                return f"Profile {safe(batch.profile)} is read-only here ({status.message})."
        if action == "cancel_batch":
            if batch.status is BatchStatus.CANCELING:
                return "This batch is already canceling."
            if batch.is_terminal:
                return f"This batch has {batch.status.value}; only running batches can be canceled."
        if action == "delete_batch" and not batch.is_terminal:
            return "Only ended batches can be deleted: cancel it and wait for it to end."
        if action == "retry":
            if not batch.is_terminal:
                return "Retry once the batch has ended: its results say which requests failed."
            if batch.counts.failed == 0:
                return (
                    "This batch has no errored, expired or canceled requests. Answers cut off "
                    "at max_tokens: Enter, then R on the Succeeded tab."
                )
        if action == "download" and not batch.is_terminal:
            return "Results can be downloaded once the batch has ended."
        return None

    # --- actions --------------------------------------------------------------------------------

    def action_cancel_batch(self) -> None:
        from tui.ui.screens.confirm import cancel_stakes

        self._confirm("cancel_batch", "Cancel this batch?", cancel_stakes, "Cancel batch")

    def action_delete_batch(self) -> None:
        from tui.ui.screens.confirm import delete_stakes

        title = "Delete this batch at the provider?"
        self._confirm("delete_batch", title, delete_stakes, "Delete batch")

    def _confirm(
        self,
        action: str,
        title: str,
        stakes_of: Callable[[Batch, float | None], Text],
        button: str,
    ) -> None:
        """Ask first (focus on Cancel), then run ``action``'s worker on the marked batches, or
        else on the selected one."""
        start = self.run_cancel if action == "cancel_batch" else self.run_delete
        if self.marks:
            self._confirm_bulk(action, start)
            return
        batch = self.selected
        if batch is None:
            return
        from tui.ui.screens.confirm import ConfirmScreen

        batch_id = batch.id
        screen = ConfirmScreen(title, stakes_of(batch, self.costs.get(batch_id)), button)

        def confirmed(ok: bool | None) -> None:
            if ok:
                start(batch_id)

        self.app.push_screen(screen, confirmed)

    # --- marks: compare, bulk cancel and delete (the rules live in tui.ui.batch_marks) ------------

    def _marked_batches(self) -> list[Batch]:
        known = self.table.batches
        return [known[batch_id] for batch_id in self.marks.ids if batch_id in known]

    def _marked_by_reach(self) -> tuple[list[Batch], list[Batch]]:
        """The marked batches whose profile is in the config, and those whose is not."""
        marked = self._marked_batches()
        gone = {b.id for b in marked if self.services.profile_gone(b) is not None}
        return [b for b in marked if b.id not in gone], [b for b in marked if b.id in gone]

    def action_toggle_mark(self) -> None:
        if self.selected is not None:
            self.marks.toggle(self.selected.id)
            self.table.refresh()
            self.table.action_cursor(1)
            self.refresh_bindings()

    def action_unmark_all(self) -> None:
        self.marks.clear()
        self.table.refresh()
        self.refresh_bindings()

    def action_compare(self) -> None:
        pair = self.marks.pair()
        if pair is None:
            return
        from tui.ui.screens.compare import CompareScreen  # loaded on first use

        a, b = (self.table.batches[batch_id] for batch_id in pair)
        self.app.push_screen(CompareScreen(self.services.store, a, b, prices=self.prices))

    def _confirm_bulk(self, action: str, start: Callable[[str], object]) -> None:
        from tui.ui.screens.confirm import ConfirmScreen

        reachable, gone = self._marked_by_reach()
        targets, skipped = split_marked(action, reachable)
        verb = "Cancel" if action == "cancel_batch" else "Delete"
        stakes = bulk_stakes(verb, targets, skipped, gone)
        title = f"{verb} {len(targets)} marked batch(es)?"
        ids = [batch.id for batch in targets]

        def confirmed(ok: bool | None) -> None:
            for batch_id in ids if ok else ():
                start(batch_id)

        self.app.push_screen(ConfirmScreen(title, stakes, f"{verb} {len(ids)}"), confirmed)

    # --- export: the results of the marked batches (or the selected one), a file each ------------

    def _export_batches(self) -> list[Batch]:
        if self.marks:
            return self._marked_batches()
        return [self.selected] if self.selected is not None else []

    def action_export_results(self) -> None:
        from tui.ui.screens.bulk_export import BulkExportScreen

        batches = self._export_batches()
        if not batches:
            return

        def chosen(export: BulkExport | None) -> None:
            if export is not None:
                self.run_export(export)

        self.app.push_screen(BulkExportScreen(batches, cwd=Path.cwd()), chosen)

    @work(group="export", exit_on_error=False, name="export", description="Exporting results")
    async def run_export(self, export: BulkExport) -> None:
        from tui.ui.screens.bulk_export import write_exports

        report = await write_exports(self.services.store, export)
        if report.written:
            self.notify(report.summary(), title="Exported", timeout=10, markup=False)
        if report.failed:
            self.notify(
                report.failures(), title="Export failed", severity="error", timeout=15, markup=False
            )

    def action_submit(self) -> None:
        from tui.ui.screens.submit import SubmitScreen  # loaded on first use, not at start-up

        self.app.push_screen(SubmitScreen(self.services), self._batches_created)

    def action_retry(self) -> None:
        if self.selected is not None:
            self.open_retry(self.selected)

    def open_retry(
        self,
        batch: Batch,
        custom_ids: frozenset[str] = frozenset(),
        error_keys: frozenset[str] = frozenset(),
        *,
        view: ResultFilter | None = None,
        truncated: bool = False,
    ) -> None:
        """The retry modal for ``batch``: the marked requests and groups, or the failures in
        ``view`` (every failure when None)."""
        if self.services.read_only:
            self.notify(self.services.read_only_words(), markup=False)
            return
        gone = self.services.profile_gone(batch)
        if gone is not None:  # R in the inspector comes here without unavailable_reason
            self.notify(gone, title="Retry", severity="warning", markup=False)
            return
        from tui.ui.screens.retry import RetryScreen  # loaded on first use, not at start-up

        screen = RetryScreen(
            self.services,
            batch,
            custom_ids=custom_ids,
            error_keys=error_keys,
            view=view,
            truncated=truncated,
        )
        self.app.push_screen(screen, self._retried)

    def _retried(self, batch_id: str | None) -> None:
        self._batches_created([batch_id] if batch_id else None)

    def _batches_created(self, batch_ids: list[str] | None) -> None:
        """List what a submit or a retry created (already in the store)."""
        if batch_ids:
            self.reload(batch_ids)

    def action_download(self) -> None:
        if self.selected is not None:
            self.run_download(self.selected.id)

    def action_copy_id(self) -> None:
        batch = self.selected
        if batch is not None:
            self.app.copy_to_clipboard(batch.id)
            self.notify(f"Copied {safe(batch.id)}", title="Batch id", markup=False)

    def action_annotate(self) -> None:
        from tui.ui.screens.annotate import AnnotateScreen

        batch = self.selected
        if batch is not None:
            self.app.push_screen(AnnotateScreen(batch), lambda r: self._annotated(batch.id, r))

    def _annotated(self, batch_id: str, result: tuple[str, str] | None) -> None:
        if result is not None:
            self.run_annotate(batch_id, *result)

    # --- workers: store and provider calls only happen here -------------------------------------

    @work(group="action", exit_on_error=False, name="cancel", description="Cancelling the batch")
    async def run_cancel(self, batch_id: str) -> None:
        batch = await self.services.engine.cancel(batch_id)
        text = f"Cancel requested: {batch_name(batch)} is {batch.status.value}."
        self.post_message(ActionFinished("cancel", batch_id, text, batch=batch))

    @work(group="action", exit_on_error=False, name="delete", description="Deleting the batch")
    async def run_delete(self, batch_id: str) -> None:
        await self.services.engine.delete(batch_id)
        batch = await self.services.store.batches.get(batch_id)
        what = deleted_words(batch).capitalize()
        text = f"{what}; the local copy and its results stay here."
        self.post_message(ActionFinished("delete", batch_id, text, batch=batch))

    @work(group="action", exit_on_error=False, name="download", description="Downloading results")
    async def run_download(self, batch_id: str) -> None:
        stored = await self.services.engine.download_results(batch_id)
        self.post_message(ActionFinished("download", batch_id, f"{stored:,} results stored."))

    def action_acknowledge(self) -> None:
        """``a``: the selected batch needs no more attention (again: it needs it again)."""
        if self.selected is not None:
            self.run_acknowledge(self.selected)

    @work(group="action", exit_on_error=False, name="acknowledge", description="Acknowledging")
    async def run_acknowledge(self, batch: Batch) -> None:
        at = None if batch.acknowledged_at else self.services.engine_clock()
        await self.services.store.batches.acknowledge([batch.id], at, BY_USER)
        fresh = await self.services.store.batches.get(batch.id)
        words = "Acknowledged: no longer needs attention." if at else "Needs attention again."
        self.post_message(ActionFinished("acknowledge", batch.id, words, batch=fresh))

    @work(group="action", exit_on_error=False, name="annotate", description="Saving label")
    async def run_annotate(self, batch_id: str, label: str, notes: str) -> None:
        store = self.services.store
        await store.batches.annotate(batch_id, label=label or None, notes=notes or None)
        batch = await store.batches.get(batch_id)
        self.post_message(
            ActionFinished("annotate", batch_id, "Label and notes saved.", batch=batch)
        )

    @work(group="store", exit_on_error=False, description="Reading batches")
    async def reload(self, batch_ids: list[str]) -> None:
        store = self.services.store
        # Retries that left no failure clear their lineage from "Needs attention".
        settled = await settle_lineages(store, batch_ids, self.services.engine_clock())
        wanted = dict.fromkeys([*batch_ids, *settled])
        batches = [await store.batches.get(batch_id) for batch_id in wanted]
        self.post_message(BatchesReloaded(batches))


def _export_reason(batches: list[Batch]) -> str | None:
    """Why an export of ``batches`` (the marked, or the selected one) writes nothing."""
    from tui.ui.screens.bulk_export import exportable

    if any(exportable(batch) for batch in batches):
        return None
    which = "the marked batches" if len(batches) > 1 else "this batch"
    return f"No results of {which} are downloaded: nothing to export (D downloads them)."
