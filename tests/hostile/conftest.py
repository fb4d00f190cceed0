"""The hostile suite's UI half drives the app the way tests/ui does, with the same helpers."""

from __future__ import annotations

import sys
from pathlib import Path

# tests/ui's support modules (main_support, requests_support) are plain modules beside their
# tests, importable once their directory is on the path, as pytest does for tests/ui itself.
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "ui"))
