"""Pure helpers of the batch list: safe text, durations, money, glyphs, filters and views."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tui.core.models import Batch, BatchStatus, ProviderKind, RequestCounts, ResultsState
from tui.display.formatting import (
    STATUS_LOOKS,
    duration,
    money,
    plain,
    progress_text,
    safe,
    short_id,
    time_left,
)
from tui.ui.batch_view import SORTS_BY_KEY, View, in_view, needs_attention, parse_query, sort_key

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def make(batch_id: str = "msgbatch_01ABCDEFGHIJKLMNOPQRSTUV", **changes) -> Batch:
    fields = dict(
        id=batch_id,
        profile="work",
        provider=ProviderKind.ANTHROPIC,
        status=BatchStatus.IN_PROGRESS,
        provider_status="in_progress",
        counts=RequestCounts(processing=10, succeeded=5),
        created_at=NOW - timedelta(hours=3),
        models=("claude-haiku-4-5",),
    )
    fields.update(changes)
    return Batch(**fields)


def test_safe_strips_escape_sequences_and_controls() -> None:
    evil = "ok\x1b[31mred\x1b[0m\x1b]0;pwned\x07 \x9b2J\x00bell\x07\nnext"
    assert safe(evil) == "okred bell next"  # the 8-bit CSI goes whole, parameters too
    assert safe("a\nb", one_line=False) == "a\nb"


def test_untrusted_text_is_never_markup() -> None:
    text = plain("[bold red]boom[/] [link=http://x]y[/link]")
    assert text.plain == "[bold red]boom[/] [link=http://x]y[/link]"
    assert not text.spans


@pytest.mark.parametrize(
    ("delta", "shown"),
    [
        (timedelta(seconds=42), "42s"),
        (timedelta(minutes=12), "12m"),
        (timedelta(hours=3, minutes=5), "3h 05m"),
        (timedelta(days=2, hours=4), "2d 4h"),
        (timedelta(days=29), "29d"),
    ],
)
def test_duration(delta: timedelta, shown: str) -> None:
    assert duration(delta) == shown


def test_money_keeps_small_amounts_readable() -> None:
    assert money(None) == "—"
    assert money(0) == "$0.00"
    assert money(0.004) == "$0.0040"
    assert money(0.055) == "$0.055"
    assert money(1234.5) == "$1,234.50"


def test_every_status_has_a_distinct_one_cell_glyph() -> None:
    glyphs = [look.glyph for look in STATUS_LOOKS.values()]
    assert set(STATUS_LOOKS) == set(BatchStatus)
    assert len(set(glyphs)) == len(glyphs)
    assert all(len(glyph) == 1 for glyph in glyphs)


def test_ids_progress_and_clocks() -> None:
    assert short_id("msgbatch_01ABCDEFGHIJKLMNOPQRSTUV") == "ABCDEFGHIJK…"
    assert short_id("batch_abc") == "abc"
    counts = RequestCounts(succeeded=380, errored=12, expired=8)
    assert progress_text(counts).plain == "400/400 ✗12 ⧗8"
    # Labelled: "exp" until unfinished requests expire, "del" until the provider deletes results.
    assert time_left(make(), NOW).plain == "exp 21h"
    ended = make(status=BatchStatus.ENDED)
    assert time_left(ended, NOW).plain == "del 28d"
    assert (
        time_left(make(created_at=NOW - timedelta(days=30), status=BatchStatus.ENDED), NOW).plain
        == "gone"
    )


def test_a_running_batch_shows_its_eta_unless_expiry_comes_first() -> None:
    running = make()  # expires in 21h
    soon = time_left(running, NOW, NOW + timedelta(hours=2, minutes=10))
    assert soon.plain == "eta 2h"
    assert not soon.style
    assert time_left(running, NOW, NOW - timedelta(minutes=1)).plain == "eta now"
    # At this pace it ends after its requests expire: the expiry is the limit, in red.
    late = time_left(running, NOW, NOW + timedelta(hours=30))
    assert late.plain == "exp 21h"
    assert late.style == "red"
    assert time_left(running, NOW).style == ""  # no pace: far from expiry, plain
    # An ended batch has no ETA, whatever it is given.
    ended = make(status=BatchStatus.ENDED)
    assert time_left(ended, NOW, NOW + timedelta(hours=1)).plain == "del 28d"


def test_views_and_needs_attention() -> None:
    running = make()
    clean = make(
        status=BatchStatus.ENDED,
        counts=RequestCounts(succeeded=5),
        results_state=ResultsState.COMPLETE,
    )
    not_downloaded = make(status=BatchStatus.ENDED, counts=RequestCounts(succeeded=5))
    errored = make(status=BatchStatus.ENDED, counts=RequestCounts(succeeded=4, errored=1))
    expired = make(status=BatchStatus.EXPIRED, counts=RequestCounts(expired=5))
    assert in_view(running, View.ACTIVE)
    assert not in_view(clean, View.ACTIVE)
    assert in_view(clean, View.ENDED)
    assert [needs_attention(b) for b in (running, clean, not_downloaded, errored, expired)] == [
        False,
        False,
        True,
        True,
        True,
    ]


def test_filter_tokens() -> None:
    haiku = make(label="Nightly refunds")
    gpt = make(
        "batch_0123",
        provider=ProviderKind.OPENAI,
        profile="team",
        models=("gpt-4o-mini",),
        status=BatchStatus.ENDED,
    )
    assert parse_query("model:haiku").matches(haiku)
    assert not parse_query("model:haiku").matches(gpt)
    assert parse_query("status:ended").matches(gpt)
    assert parse_query("status:running").matches(haiku)  # the word the list shows
    assert parse_query("!status:ended profile:work").matches(haiku)
    assert parse_query("refunds").matches(haiku)
    assert parse_query("PROFILE:Team").matches(gpt)
    query = parse_query("colour:red haiku")
    assert query.unknown == ("colour",)
    assert query.matches(haiku)


def test_sort_keys_are_stable_and_complete() -> None:
    older = make("b1", created_at=NOW - timedelta(days=1), label=None)
    newer = make("b2", created_at=NOW, label="a")
    by_created = sorted([older, newer], key=sort_key(SORTS_BY_KEY["created"], NOW), reverse=True)
    assert [b.id for b in by_created] == ["b2", "b1"]
    by_label = sorted([older, newer], key=sort_key(SORTS_BY_KEY["label"], NOW))
    assert [b.id for b in by_label] == ["b2", "b1"]  # unlabelled last


def bar_cells(counts: RequestCounts, width: int) -> list[tuple[str, str | None]]:
    """The outcome bar as (characters, colour) runs, rendered without colour codes."""
    from rich.console import Console

    from tui.ui.widgets.batch_detail import OutcomeBar

    console = Console(width=width, color_system=None)
    segments = console.render(OutcomeBar(counts), console.options)
    return [(s.text, s.style.color.name if s.style and s.style.color else None) for s in segments]


def test_the_outcome_bar_fills_the_width_in_proportion_and_keeps_rare_outcomes_visible() -> None:
    runs = bar_cells(RequestCounts(succeeded=9_990, errored=3, processing=7), 40)
    assert runs[-1] == ("\n", None)
    runs = runs[:-1]
    assert sum(len(text) for text, _ in runs) == 40
    assert [colour for _, colour in runs] == ["green", "red", "bright_black"]
    assert runs[1][0] == "━"  # 3 of 10,000 still gets a cell
    assert runs[2][0] == "─"  # unfinished: another glyph, readable without colour
    assert runs[0][0] == "━" * 38


def test_the_outcome_bar_of_an_empty_batch_is_all_unfinished() -> None:
    assert bar_cells(RequestCounts(), 10)[:-1] == [("─" * 10, "bright_black")]


def test_progress_that_does_not_fit_is_shortened_not_cut() -> None:
    counts = RequestCounts(
        processing=1_234, succeeded=15_000, errored=1_219, canceled=2_300, expired=247
    )
    full = progress_text(counts).plain
    assert full == "18.8k/20k ✗1,219 ⊘2,300 ⧗247"  # 29 cells: the list's column has 16
    assert progress_text(counts, 40).plain == full
    assert progress_text(counts, 22).plain == "93% ✗1,219 ⊘2,300 ⧗247"
    assert progress_text(counts, 16).plain == "93% ✗3,766"  # every failure, summed
