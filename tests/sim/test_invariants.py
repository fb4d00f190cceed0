"""Invariants of the lazily computed lifecycles, checked over many seeded batches and times."""

from __future__ import annotations

import pytest
from simkit import chat_line, jsonl

from tui.sim.anthropic_api import batch_json as anthropic_json
from tui.sim.openai_api import batch_json as openai_json
from tui.sim.state import SimState

HOUR = 3600.0
STEPS = [i * 0.25 * HOUR for i in range(0, 30 * 4)] + [29.5 * 24 * HOUR]


@pytest.mark.parametrize("seed", range(6))
def test_anthropic_counts_and_times_stay_consistent(seed: int) -> None:
    state = SimState(seed=seed, error_rate=0.2, expire_rate=0.3)
    params = {"model": "m", "max_tokens": 50, "messages": [{"role": "user", "content": "x"}]}
    batches = []
    for index in range(8):
        batch = state.create_anthropic([(f"r{i}", params) for i in range(30)], created=0.0)
        if index % 3 == 0:
            batch.cancel_at = (index + 1) * 600.0
        batches.append(batch)
    for batch in batches:
        ended_seen = None
        for now in STEPS:
            data = anthropic_json(batch, now, "http://sim")
            counts = data["request_counts"]
            assert sum(counts.values()) == 30
            if data["processing_status"] != "ended":
                assert counts["processing"] == 30
                assert data["results_url"] is None
                assert ended_seen is None, "an ended batch never runs again"
            else:
                assert counts["processing"] == 0
                ended_seen = ended_seen or data
                assert data["ended_at"] == ended_seen["ended_at"]
                assert data["ended_at"] <= data["expires_at"]
                assert counts == ended_seen["request_counts"]
        assert ended_seen is not None
        if batch.cancel_at is None:
            assert ended_seen["request_counts"]["canceled"] == 0


@pytest.mark.parametrize("seed", range(6))
def test_openai_counts_move_forward_and_timestamps_are_ordered(seed: int) -> None:
    state = SimState(seed=seed, error_rate=0.2, expire_rate=0.3)
    record = state.add_file("in.jsonl", "batch", jsonl([chat_line(f"r{i}") for i in range(40)]), 0)
    batches = []
    for index in range(8):
        batch = state.create_openai(
            input_file=record,
            endpoint="/v1/chat/completions",
            completion_window="24h",
            metadata=None,
            created=0.0,
        )
        if index % 3 == 0:
            batch.cancel_at = index * 900.0 + 1
        batches.append(batch)
    terminal = {"completed", "failed", "expired", "cancelled"}
    for batch in batches:
        previous = {"completed": 0, "failed": 0}
        final = None
        for now in STEPS:
            state.settle(now, shuffle=True)
            data = openai_json(batch, now)
            counts = data["request_counts"]
            assert counts["completed"] >= previous["completed"]
            assert counts["failed"] >= previous["failed"]
            assert counts["completed"] + counts["failed"] <= counts["total"]
            previous = counts
            if data["status"] in terminal:
                final = final or data
                assert data == final, "a finished batch never changes"
        assert final is not None
        assert final["request_counts"]["completed"] + final["request_counts"]["failed"] == 40
        stamps = [
            final[k]
            for k in ("created_at", "in_progress_at", "finalizing_at", "completed_at")
            if final[k] is not None
        ]
        assert stamps == sorted(stamps)
        assert (final["output_file_id"] is not None) == (final["request_counts"]["completed"] > 0)
