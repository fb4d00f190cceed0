"""Fixtures of the UI tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from main_support import prepare_cache


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo workspace imported and downloaded once for the module; a test works on a copy
    (``demo_services(..., cache=cache)``, ``copy_cache``)."""
    return prepare_cache(tmp_path_factory.mktemp("cache"))
