"""The core never imports Textual or Rich, and the SDKs are imported only when needed."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import tui.core


def core_modules() -> list[str]:
    return [info.name for info in pkgutil.walk_packages(tui.core.__path__, prefix="tui.core.")]


def imported_after(modules: list[str]) -> set[str]:
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "print('\\n'.join(sys.modules))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True
    ).stdout
    return set(out.split())


def test_every_core_module_is_found() -> None:
    assert "tui.core.models" in core_modules()
    assert "tui.core.config" in core_modules()


def test_core_never_imports_textual_or_rich() -> None:
    loaded = imported_after(core_modules())
    assert not {m for m in loaded if m.split(".")[0] in {"textual", "rich"}}


def test_cli_entry_point_does_not_import_sdks_or_textual() -> None:
    loaded = imported_after(["tui.cli.main"])
    assert not {m for m in loaded if m.split(".")[0] in {"textual", "anthropic", "openai"}}
