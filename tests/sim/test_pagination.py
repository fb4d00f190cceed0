"""Paging through 2,500 batches of each provider with the SDKs' own auto-pagination."""

from __future__ import annotations

import asyncio

import anthropic
import openai
import pytest
from anthropic import AsyncAnthropic
from openai import AsyncOpenAI
from simkit import KEY, chat_line, jsonl

from tui.sim import Simulator

COUNT = 2500


@pytest.fixture
def many_anthropic(sim: Simulator) -> list[str]:
    """2,500 batches inserted straight into the state, one minute apart; newest first."""
    start = sim.clock.time() - COUNT * 60
    params = {"model": "claude-haiku-4-5", "max_tokens": 10, "messages": []}
    for i in range(COUNT):
        sim.state.create_anthropic([("only", params)], created=start + i * 60)
    return [key[2] for key in sim.state.anthropic_order.keys]


@pytest.fixture
def many_openai(sim: Simulator) -> list[str]:
    start = sim.clock.time() - COUNT * 60
    record = sim.state.add_file("in.jsonl", "batch", jsonl([chat_line("a")]), start - 60)
    for i in range(COUNT):
        sim.state.create_openai(
            input_file=record,
            endpoint="/v1/chat/completions",
            completion_window="24h",
            metadata=None,
            created=start + i * 60,
        )
    return [key[2] for key in sim.state.openai_order.keys]


async def test_anthropic_pages_both_ways_newest_first(
    sim: Simulator, aclient: AsyncAnthropic, many_anthropic: list[str]
) -> None:
    ids = [batch.id async for batch in aclient.messages.batches.list(limit=100)]
    assert ids == many_anthropic
    assert sim.counters["anthropic.list"] == COUNT // 100
    created = [sim.state.anthropic[i].created for i in ids]
    assert created == sorted(created, reverse=True)
    # The same 2,500 batches serve the backward and edge checks (building them takes a while).
    await _pages_backward(aclient, many_anthropic)
    await _has_more_at_the_edges(aclient, many_anthropic)


async def _pages_backward(aclient: AsyncAnthropic, many_anthropic: list[str]) -> None:
    oldest = many_anthropic[-1]
    first = await aclient.messages.batches.list(before_id=oldest, limit=7)
    assert [b.id for b in first.data] == many_anthropic[-8:-1]
    assert first.has_more is True
    assert (first.first_id, first.last_id) == (many_anthropic[-8], many_anthropic[-2])
    ids = [batch.id async for batch in aclient.messages.batches.list(before_id=oldest, limit=300)]
    assert sorted(ids) == sorted(many_anthropic[:-1])
    assert len(ids) == COUNT - 1
    newest_page = await aclient.messages.batches.list(before_id=many_anthropic[5], limit=100)
    assert [b.id for b in newest_page.data] == many_anthropic[:5]
    assert newest_page.has_more is False


async def _has_more_at_the_edges(aclient: AsyncAnthropic, many_anthropic: list[str]) -> None:
    last = await aclient.messages.batches.list(after_id=many_anthropic[-101], limit=100)
    assert [b.id for b in last.data] == many_anthropic[-100:]
    assert last.has_more is False
    almost = await aclient.messages.batches.list(after_id=many_anthropic[-102], limit=100)
    assert almost.has_more is True
    default = await aclient.messages.batches.list()
    assert len(default.data) == 20
    assert default.last_id == many_anthropic[19]
    biggest = await aclient.messages.batches.list(limit=1000)
    assert len(biggest.data) == 1000


async def test_openai_pages_forward_newest_first(
    sim: Simulator, oclient: AsyncOpenAI, many_openai: list[str]
) -> None:
    ids = [batch.id async for batch in oclient.batches.list(limit=100)]
    assert ids == many_openai
    assert sim.counters["openai.batches.list"] == COUNT // 100
    page = await oclient.batches.list(after=many_openai[-3], limit=100)
    assert [b.id for b in page.data] == many_openai[-2:]
    assert page.has_more is False


async def test_sync_clients_page_too(
    sim: Simulator, many_anthropic: list[str], many_openai: list[str]
) -> None:
    def work() -> tuple[int, int]:
        import openai

        with anthropic.Anthropic(base_url=sim.anthropic_base_url, api_key=KEY) as a:
            count_a = sum(1 for _ in a.messages.batches.list(limit=500))
        with openai.OpenAI(base_url=sim.openai_base_url, api_key=KEY) as o:
            count_o = sum(1 for _ in o.batches.list(limit=100))
        return count_a, count_o

    assert await asyncio.to_thread(work) == (COUNT, COUNT)


async def test_anthropic_pages_between_two_cursors(sim: Simulator, aclient: AsyncAnthropic) -> None:
    """``after_id`` and ``before_id`` together (the API reference defines each on its own, and
    the SDK keeps ``after_id`` while it pages on with ``before_id``) list what lies between
    them, paged from the ``before_id`` end; the simulator used to refuse them with a 400."""
    start = sim.clock.time() - 600
    params = {"model": "claude-haiku-4-5", "max_tokens": 10, "messages": []}
    for i in range(10):
        sim.state.create_anthropic([("only", params)], created=start + i * 60)
    ids = [key[2] for key in sim.state.anthropic_order.keys]  # newest first
    first = await aclient.messages.batches.list(after_id=ids[1], before_id=ids[7], limit=2)
    assert ([b.id for b in first.data], first.has_more) == (ids[5:7], True)
    paged = [b.id async for b in aclient.messages.batches.list(after_id=ids[1], before_id=ids[7])]
    assert paged == ids[2:7]
    every = aclient.messages.batches.list(after_id=ids[1], before_id=ids[7], limit=2)
    assert [b.id async for b in every] == ids[5:7] + ids[3:5] + ids[2:3]
    crossed = await aclient.messages.batches.list(after_id=ids[7], before_id=ids[1])
    assert (crossed.data, crossed.has_more, crossed.last_id) == ([], False, None)


async def test_openai_list_limit_as_the_live_api_answers_it(
    oclient: AsyncOpenAI, many_openai: list[str]
) -> None:
    """Recorded from api.openai.com (litellm#37149, #37198): limit=0 is an empty page, not an
    error; below 0 and above 100 are 400s with these messages and codes."""
    empty = await oclient.batches.list(limit=0)
    assert empty.data == []
    assert empty.has_more is False
    assert (empty.first_id, empty.last_id) == (None, None)
    cases = (
        (-1, "integer_below_min_value", "Expected a value >= 0, but got -1 instead."),
        (101, "integer_above_max_value", "Expected a value <= 100, but got 101 instead."),
    )
    for limit, code, words in cases:
        with pytest.raises(openai.BadRequestError) as caught:
            await oclient.batches.list(limit=limit)
        assert caught.value.code == code
        assert caught.value.param == "limit"
        assert words in caught.value.message
