"""How numbers read, the same in the TUI and the CLI: money, request counts and rates.

The core computes numbers (floats, Decimals, ints) and never formats them for people; every
screen, pane and command formats them here, so a batch costs "$5.50" in the list, the detail,
the cost pane and ``batchtui cost`` alike. No Rich, no Textual: the CLI imports this too.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tui.core.submit.estimate import Estimate

DASH = "—"
"""What a cell shows when there is nothing to show (unknown cost, no label)."""

SMALLEST = 0.000_001
"""Below a millionth of a dollar an amount shows as ``<$0.000001`` (micro-dollar precision)."""


def money(amount: float | Decimal | None) -> str:
    """US dollars in one format: cents from a dollar up (``$1,234.50``), two significant
    digits below (``$0.50``, ``$0.055``, ``$0.0018``), so cheap requests never all read $0.00."""
    if amount is None:
        return DASH
    value = float(amount)
    size = abs(value)
    sign = "-" if value < 0 else ""
    if size >= 1 or size == 0:
        return f"{sign}${size:,.2f}"
    if size < SMALLEST:
        return f"{sign}<${SMALLEST:.6f}"
    places = min(6, 1 - math.floor(math.log10(size)))
    return f"{sign}${size:.{max(places, 2)}f}"


def number(n: int) -> str:
    """A count in full, with thousands separators: ``20,000``."""
    return f"{n:,}"


def count(n: int) -> str:
    """A request count that fits a narrow cell: ``950``, ``9,500``, ``20k``, ``1.2M``."""
    if n < 10_000:
        return f"{n:,}"
    if n < 1_000_000:
        return f"{n / 1000:.0f}k" if n >= 100_000 else f"{n / 1000:.1f}k".replace(".0k", "k")
    return f"{n / 1_000_000:.1f}M"


def rate(value: float | None) -> str:
    """A share as a percentage (``37.5%``), or a dash when there is nothing to share."""
    return "-" if value is None else f"{value:.1%}"


def estimate_lines(estimate: Estimate) -> list[str]:
    """An estimate as a short human report (``batchtui submit`` and the TUI's submit screen)."""
    method = {
        "exact": "counted exactly",
        "sampled": f"extrapolated from {estimate.sampled} counted",
        "local": "estimated locally at ~4 chars/token",
    }[estimate.input_method]
    lines = [
        f"requests:      {estimate.requests:,}",
        f"input tokens:  {estimate.input_tokens:,} ({method})",
        f"output tokens: min {estimate.output_min:,} · expected {estimate.output_expected:,}"
        f" · max {estimate.output_max:,}",
    ]
    costs = [estimate.cost(w) for w in ("min", "expected", "max")]
    if None in costs:
        lines.append(f"cost:          unknown (no price for {', '.join(estimate.unpriced_models)})")
    else:
        low, mid, high = (money(c) for c in costs)
        lines.append(f"cost:          min {low} · expected {mid} · max {high}")
        lines.append("               (batch rates, prompt-cache savings not counted)")
    lines.extend(f"warning: {w}" for w in estimate.cache_warnings)
    lines.extend(f"note: {n}" for n in estimate.notes)
    return lines
