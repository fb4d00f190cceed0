"""Batch ids as people type them: the whole id, a unique prefix, or the short id the list shows.

The list drops the provider's prefix (``msgbatch_01``, ``batch_``) and cuts the rest with ``…``;
a user copying that back must land on the same batch. :func:`id_candidates` turns what was typed
into the prefixes to look for; the store's ``find`` is the one resolver every command uses.
"""

from __future__ import annotations

PROVIDER_PREFIXES = ("msgbatch_01", "msgbatch_", "batch_")
"""Id prefixes the list leaves out (longest first: ``msgbatch_01`` before ``msgbatch_``)."""

_ELLIPSES = ("…", "...")


def distinctive_part(batch_id: str) -> str:
    """The id without its provider prefix: what the list shows (cut to fit)."""
    for prefix in PROVIDER_PREFIXES:
        if batch_id.startswith(prefix) and len(batch_id) > len(prefix):
            return batch_id[len(prefix) :]
    return batch_id


def id_candidates(typed: str) -> list[str]:
    """What ``typed`` may be a prefix of, most literal first: the text itself (without a
    trailing ellipsis), then with each provider prefix put back."""
    text = typed.strip()
    for ellipsis in _ELLIPSES:
        text = text.removesuffix(ellipsis)
    if not text:
        return []
    candidates = [text]
    if not any(text.startswith(prefix) for prefix in PROVIDER_PREFIXES):
        candidates.extend(prefix + text for prefix in PROVIDER_PREFIXES)
    return candidates
