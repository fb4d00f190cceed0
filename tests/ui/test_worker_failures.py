"""A worker of the main screen that fails ends as one error toast that shows the error as it is.

Worker failures travel up as :class:`~tui.ui.messages.WorkFailed` (``Worker.StateChanged``
does not bubble) to the App's one reporter. The error text holds what others chose (a profile
name from the config, a provider's message), so it must be shown literally: ``[bold]x[/]``
is four brackets on the screen, never bold text.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from main_support import T0, make_sim, services_on, settle
from textual.widgets._toast import Toast
from textual.worker import WorkerFailed

from tui.core.config import Config, Profile
from tui.core.models import Batch, BatchStatus, ProviderKind, RequestCounts
from tui.ui.app import BatchApp
from tui.ui.screens.confirm import ConfirmScreen

PROFILE = "[bold]x[/]"
"""A profile name that Rich would read as markup (and show as a bold "x")."""


def screen_text(app: BatchApp) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


async def test_a_failed_cancel_is_a_toast_with_the_error_text_as_typed(tmp_path: Path) -> None:
    sim = make_sim()
    await sim.start(host="127.0.0.1", port=0)
    try:
        url = sim.anthropic_base_url
        profile = Profile(PROFILE, ProviderKind.ANTHROPIC, api_key="k", base_url=url)
        config = Config(path=tmp_path / "config.toml", profiles={PROFILE: profile})
        async with services_on(sim, config, tmp_path / "batchtui.db") as services:
            # In the cache, unknown to the provider: cancelling it fails there (HTTP 404).
            stray = Batch(
                id="msgbatch_stray", profile=PROFILE, provider=ProviderKind.ANTHROPIC,
                status=BatchStatus.IN_PROGRESS, provider_status="in_progress",
                counts=RequestCounts(processing=3), created_at=T0,
            )  # fmt: skip
            await services.store.batches.upsert([stray])
            app = BatchApp(services)
            # notifications=True: run_test leaves toasts out unless asked.
            async with app.run_test(size=(160, 40), notifications=True) as pilot:
                await settle(pilot)
                await pilot.press("c")
                await settle(pilot)
                assert isinstance(app.screen, ConfirmScreen)
                await pilot.click("#confirm")
                with contextlib.suppress(WorkerFailed):  # it fails: that is the point
                    await app.workers.wait_for_complete()
                await settle(pilot)

                [toast] = list(app._notifications)
                assert toast.severity == "error"
                assert not toast.markup
                message = str(toast.message)
                assert message.startswith("Cancelling the batch failed: ")
                assert f"profile {PROFILE!r}" in message
                assert "msgbatch_stray" in message
                # On the screen as typed: the brackets are there, not swallowed as markup.
                [shown] = [toast.render().plain for toast in app.screen.query(Toast)]
                assert f"'{PROFILE}'" in shown
                assert f"'{PROFILE}'" in screen_text(app)
    finally:
        await sim.stop()
