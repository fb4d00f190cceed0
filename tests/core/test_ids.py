"""Ids round-trip: what the list shows (short, provider prefix left out, ``…``) resolves back to
the one batch through the store's ``find``, the resolver every command uses (issue 15)."""

from __future__ import annotations

import pytest
from builders import make_batch

from tui.core.errors import NotFoundError
from tui.core.ids import distinctive_part, id_candidates
from tui.core.store import Store
from tui.display.formatting import short_id

ANTHROPIC = "msgbatch_01HkcTjaV5uDC8jWR4ZsDV8d"
OPENAI = "batch_6839f4c1e8b08190a3b5c2f1d0e9a7b6"


def test_candidates_put_the_provider_prefix_back() -> None:
    assert id_candidates(" HkcTjaV5uD… ") == [
        "HkcTjaV5uD",
        "msgbatch_01HkcTjaV5uD",
        "msgbatch_HkcTjaV5uD",
        "batch_HkcTjaV5uD",
    ]
    assert id_candidates("batch_68...") == ["batch_68"]
    assert id_candidates("…") == []
    assert distinctive_part(ANTHROPIC) == "HkcTjaV5uDC8jWR4ZsDV8d"


async def test_the_short_id_the_list_shows_finds_the_batch(store: Store) -> None:
    other = "msgbatch_01ZZZ" + "x" * 19
    await store.batches.upsert([make_batch(ANTHROPIC), make_batch(OPENAI), make_batch(other)])
    for batch_id in (ANTHROPIC, OPENAI):
        for typed in (batch_id, batch_id[:15], short_id(batch_id), short_id(batch_id, 20)):
            assert (await store.batches.find(typed)).id == batch_id, typed
    assert (await store.batches.find(distinctive_part(OPENAI)[:6])).id == OPENAI
    with pytest.raises(NotFoundError, match="no batch"):
        await store.batches.find("nope…")
