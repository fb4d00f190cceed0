"""The mission's stories after a batch is sent: live progress, one request's result, the cost,
an export and a delete, end to end through the installed ``batchtui`` in an 80x24 pty.

The provider's side of each story is read through the official SDKs (what the simulator says
happened), and the TUI's side from the screen text a user sees.
"""

from __future__ import annotations

import json
import re

import anthropic
import openai
import pytest
from conftest import ANTHROPIC_KEY, OPENAI_KEY, Workspace
from harness import Terminal
from steps import confirm, open_list

from tui.display.presentation import money

REQUESTS = 40


def create_batch(client: anthropic.Anthropic, count: int = REQUESTS, prefix: str = "q") -> str:
    batch = client.messages.batches.create(
        requests=[
            {
                "custom_id": f"{prefix}-{i:03d}",
                "params": {
                    "model": "claude-haiku-4-5",
                    "max_tokens": 64,
                    "messages": [{"role": "user", "content": f"Question {i}"}],
                },
            }
            for i in range(count)
        ]
    )
    return batch.id


def done_count(client: anthropic.Anthropic, batch_id: str) -> int:
    counts = client.messages.batches.retrieve(batch_id).request_counts
    return counts.succeeded + counts.errored + counts.canceled + counts.expired


def ended_batch_open_in_list(space: Workspace) -> tuple[Terminal, str]:
    """An ended 40-request batch, its results downloaded by the TUI's first poll."""
    client = space.anthropic()
    batch_id = create_batch(client)
    space.sim.advance(3600 * 10)
    assert client.messages.batches.retrieve(batch_id).processing_status == "ended"
    terminal = open_list(space, f"{REQUESTS}/{REQUESTS}")
    return terminal, batch_id


def openai_client(space: Workspace) -> openai.OpenAI:
    return openai.OpenAI(base_url=space.sim.openai_base_url, api_key=OPENAI_KEY)


def create_openai_batch(client: openai.OpenAI, count: int, prefix: str = "o") -> str:
    lines = [
        json.dumps(
            {
                "custom_id": f"{prefix}-{i:03d}",
                "method": "POST",
                "url": "/v1/chat/completions",
                "body": {
                    "model": "gpt-4o-mini",
                    "messages": [{"role": "user", "content": f"Question {i}"}],
                },
            }
        )
        for i in range(count)
    ]
    file = client.files.create(file=("in.jsonl", "\n".join(lines).encode()), purpose="batch")
    batch = client.batches.create(
        input_file_id=file.id, endpoint="/v1/chat/completions", completion_window="24h"
    )
    return batch.id


def test_a_running_batch_shows_its_progress_as_the_provider_reports_it(make_workspace) -> None:
    """OpenAI counts requests as they finish (Anthropic's counts move only when the whole
    batch ends): after each poll (r) the list shows the count the provider reports."""
    space = make_workspace()
    client = openai_client(space)
    batch_id = create_openai_batch(client, REQUESTS)
    terminal = open_list(space, "validating")  # as OpenAI starts every batch: no count yet

    def done() -> int:
        counts = client.batches.retrieve(batch_id).request_counts
        assert counts is not None
        return counts.completed + counts.failed

    while done() == 0:
        space.sim.advance(30)
    part = done()
    assert part < REQUESTS, "the batch ended in one step: no progress to see"
    terminal.press("r")
    terminal.wait_for(f"{part}/{REQUESTS}")

    space.sim.advance(3600 * 10)
    terminal.press("r")
    terminal.wait_for(f"{REQUESTS}/{REQUESTS}")
    assert client.batches.retrieve(batch_id).status == "completed"


def test_enter_opens_one_requests_result_with_the_models_text(make_workspace) -> None:
    space = make_workspace()
    terminal, batch_id = ended_batch_open_in_list(space)
    results = {r.custom_id: r for r in space.anthropic().messages.batches.results(batch_id)}

    terminal.press("enter")
    terminal.wait_for(re.compile(rf"\b{REQUESTS} of {REQUESTS}\b"))
    first = next(
        line.split()[1] for line in terminal.lines() if re.match(r"^\s+[✓✗] q-\d{3}", line)
    )
    terminal.press("enter")
    terminal.wait_for(lambda text: "Raw JSON" in text and first in text)  # its own screen
    result = results[first].result
    if result.type == "succeeded":
        words = result.message.content[0].text.split()[:3]
        terminal.wait_for(" ".join(words))
    else:
        terminal.wait_for(result.error.error.type)
    terminal.press("escape")
    terminal.wait_for(re.compile(rf"\b{REQUESTS} of {REQUESTS}\b"))


def test_the_cost_pane_shows_what_batchtui_cost_reports(make_workspace) -> None:
    """Both front ends tally the same cost: half the standard price, at batch prices."""
    space = make_workspace()
    terminal, _batch_id = ended_batch_open_in_list(space)
    totals = json.loads(space.run("cost", "--json").stdout)["totals"]
    assert totals["paid_usd"] > 0
    assert totals["paid_usd"] == pytest.approx(totals["standard_usd"] / 2, rel=0.01)

    terminal.type("$")
    lines = terminal.wait_for("cache hit rate").splitlines()
    header = next(i for i, line in enumerate(lines) if "batch saving" in line)
    figures = lines[header + 1].strip("│ ").split()
    expected = [money(totals[key]) for key in ("paid_usd", "standard_usd", "batch_saving_usd")]
    assert figures[:3] == expected
    assert "1 batch ─" in terminal.text()  # one batch, said in the singular


def test_export_writes_every_result_in_view_and_no_key(make_workspace) -> None:
    space = make_workspace()
    terminal, _batch_id = ended_batch_open_in_list(space)
    terminal.press("enter")
    terminal.wait_for(re.compile(rf"\b{REQUESTS} of {REQUESTS}\b"))
    terminal.press("ctrl+e")
    terminal.wait_for("Export results")
    terminal.wait_for("JSONL")  # the path is checked: a new file, in JSONL
    terminal.press("enter")
    terminal.wait_for(f"{REQUESTS} result(s) written to")
    [written] = list(space.root.glob("*.jsonl"))
    lines = written.read_text().splitlines()
    assert len(lines) == REQUESTS
    assert {json.loads(line)["custom_id"] for line in lines} == {
        f"q-{i:03d}" for i in range(REQUESTS)
    }
    assert ANTHROPIC_KEY not in written.read_text()
    assert written.stat().st_mode & 0o077 == 0  # readable only by the user, as the modal said


def test_delete_removes_the_batch_at_the_provider_and_keeps_its_results(make_workspace) -> None:
    space = make_workspace()
    terminal, batch_id = ended_batch_open_in_list(space)
    terminal.press("d")
    confirm(terminal, "Delete this batch at the provider?")
    terminal.wait_for("deleted")
    with pytest.raises(anthropic.NotFoundError):
        space.anthropic().messages.batches.retrieve(batch_id)
    terminal.press("enter")  # the results stay in the cache
    terminal.wait_for(re.compile(rf"\b{REQUESTS} of {REQUESTS}\b"))


def test_an_openai_batch_is_listed_and_its_results_open(make_workspace) -> None:
    space = make_workspace()
    create_openai_batch(openai_client(space), 12)
    space.sim.advance(3600 * 10)
    terminal = open_list(space, "12/12")
    terminal.press("enter")
    terminal.wait_for(re.compile(r"\b12 of 12\b"))
    assert re.search(r"^\s+[✓✗] o-\d{3}", terminal.text(), re.MULTILINE)
