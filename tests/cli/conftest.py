"""The CLI tests' runner of ``batchtui`` (see cli_support.py)."""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from cli_support import ANTHROPIC_KEY, OPENAI_KEY, run_batchtui


@pytest.fixture
def batchtui(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., Awaitable[tuple[int, str, str]]]:
    """``await batchtui(*args)``: :func:`run_batchtui` on ``tmp_path``, both providers' keys in
    the environment (a test may take them out again with ``monkeypatch``)."""
    monkeypatch.setenv("ANTHROPIC_API_KEY", ANTHROPIC_KEY)
    monkeypatch.setenv("OPENAI_API_KEY", OPENAI_KEY)
    return functools.partial(run_batchtui, capsys, tmp_path)
