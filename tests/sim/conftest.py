"""Clients of both SDKs pointed at the ``sim`` fixture, closed after each test."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from anthropic import AsyncAnthropic
from openai import AsyncOpenAI
from simkit import anthropic_client, openai_client

from tui.sim import Simulator


@pytest.fixture
async def aclient(sim: Simulator) -> AsyncIterator[AsyncAnthropic]:
    async with anthropic_client(sim) as client:
        yield client


@pytest.fixture
async def oclient(sim: Simulator) -> AsyncIterator[AsyncOpenAI]:
    async with openai_client(sim) as client:
        yield client
