"""One money format and one count format, in one module, for the TUI and the CLI (issue 15)."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

from tui.display.presentation import count, money, number, rate

TUI = Path(__file__).resolve().parents[2] / "tui"


def test_the_same_amount_reads_the_same_whatever_its_type() -> None:
    assert money(5.5) == money(Decimal("5.5")) == money(Decimal("5.5000")) == "$5.50"
    assert money(1234.5) == "$1,234.50"
    assert money(0) == "$0.00"
    assert money(None) == "—"


def test_small_amounts_keep_two_significant_digits() -> None:
    assert money(0.5) == "$0.50"
    assert money(0.055) == "$0.055"
    assert money(Decimal("0.0018")) == "$0.0018"
    assert money(0.000_012_3) == "$0.000012"
    assert money(1e-9) == "<$0.000001"
    assert money(-0.25) == "-$0.25"


def test_counts_and_rates() -> None:
    assert number(20_000) == "20,000"
    assert count(20_000) == "20k"
    assert count(950) == "950"
    assert rate(0.375) == "37.5%"
    assert rate(None) == "-"


def test_no_other_module_formats_dollars() -> None:
    """A ``$`` followed by a format field outside tui/display/presentation.py is a second format."""
    pattern = re.compile(r"""f["'][^"']*\$\{""")
    offenders = [
        str(path.relative_to(TUI))
        for path in TUI.rglob("*.py")
        if path.name != "presentation.py" and pattern.search(path.read_text())
    ]
    assert offenders == []
