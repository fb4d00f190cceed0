"""Comparing two batches: the SQL join, filters, paging and tallies against a plain-Python
reference, on batches the simulator made (the demo's "eval: opus vs sonnet" pair)."""

from __future__ import annotations

from pathlib import Path

import pytest
from synckit import anthropic_profile, engine_for

from tui.core.compare import CompareFilter, Only, SameBatchError, compare
from tui.core.errors import NotFoundError
from tui.core.known_models import canonical_models
from tui.core.models import RequestResult, ResultType
from tui.core.prices import load_price_table
from tui.core.store import Store
from tui.sim import Simulator
from tui.sim.scenarios import seed_model_comparison

OK = ResultType.SUCCEEDED


def expected(a: dict[str, RequestResult], b: dict[str, RequestResult], only: Only) -> list[str]:
    """The custom_ids a filter shows, computed the obvious way."""
    ids = sorted(set(a) | set(b))

    def keep(custom_id: str) -> bool:
        x, y = a.get(custom_id), b.get(custom_id)
        both = x is not None and y is not None
        if only is Only.ALL:
            return True
        if only is Only.ONLY_A:
            return y is None
        if only is Only.ONLY_B:
            return x is None
        if only is Only.A_FAILED:
            return both and x.type is not OK and y.type is OK  # type: ignore[union-attr]
        if only is Only.B_FAILED:
            return both and x.type is OK and y.type is not OK  # type: ignore[union-attr]
        if only is Only.DIFFERS:
            return both and x.text != y.text  # type: ignore[union-attr]
        return both and len(y.text or "") > len(x.text or "")  # type: ignore[union-attr]

    return [custom_id for custom_id in ids if keep(custom_id)]


async def stored(store: Store, batch_id: str) -> dict[str, RequestResult]:
    return {r.custom_id: r async for r in store.results.iterate(batch_id)}


@pytest.fixture
async def compared(sim: Simulator, tmp_path: Path):
    a_id, b_id = seed_model_comparison(sim, count=150)
    async with engine_for(sim, tmp_path, anthropic_profile(sim)) as (engine, store, _):
        await engine.import_all()
        await engine.poll_once()  # the batches have ended: this downloads their results
        yield store, a_id, b_id


async def test_every_filter_pages_the_pairs_python_would_pick(compared) -> None:
    store, a_id, b_id = compared
    a, b = await stored(store, a_id), await stored(store, b_id)
    assert len(a) == 150
    assert len(b) == 154
    repo = store.comparison
    for only in Only:
        want = expected(a, b, only)
        assert want or only in (Only.ONLY_A,), only  # the pair has rows for every other filter
        flt = CompareFilter(only)
        forward, after = [], None
        while page := await repo.page(a_id, b_id, flt, after=after, limit=7):
            forward += page
            after = page[-1].custom_id
        assert [p.custom_id for p in forward] == want, only
        for pair in forward:  # each side is that batch's own row, or None where it has none
            mine_a, mine_b = a.get(pair.custom_id), b.get(pair.custom_id)
            assert (pair.a.text if pair.a else None) == (mine_a.text if mine_a else None)
            assert (pair.b.type if pair.b else None) == (mine_b.type if mine_b else None)
        assert await repo.count(a_id, b_id, flt) == len(want), only
        if len(want) > 10:
            back = await repo.page(a_id, b_id, flt, before=want[10], limit=4)
            assert [p.custom_id for p in back] == want[6:10]
            jump = await repo.page_at(a_id, b_id, flt, offset=5, limit=3)
            assert [p.custom_id for p in jump] == want[5:8]
            assert await repo.position(a_id, b_id, want[9], flt) == 9


async def test_search_matches_either_side_and_punctuation_matches_nothing(compared) -> None:
    store, a_id, b_id = compared
    a, b = await stored(store, a_id), await stored(store, b_id)
    # The simulator's replies name their custom_id: a search for one finds that pair only.
    flt = CompareFilter(Only.ALL, search="eval-0152")
    pairs = await store.comparison.page(a_id, b_id, flt)
    assert [p.custom_id for p in pairs] == ["eval-0152"]  # only B has it
    assert pairs[0].a is None
    assert pairs[0].b is not None
    errored = next(cid for cid, r in b.items() if r.type is ResultType.ERRORED and cid in a)
    words = (b[errored].error_message or "").split()
    flt = CompareFilter(Only.DIFFERS, search=words[0])
    found = [p.custom_id async for p in store.comparison.iterate(a_id, b_id, flt)]
    assert errored in found  # A answered it, B failed: the texts differ
    assert await store.comparison.count(a_id, b_id, flt) == len(found)
    nothing = CompareFilter(Only.ALL, search="%%% ***")
    assert await store.comparison.page(a_id, b_id, nothing) == []
    assert await store.comparison.count(a_id, b_id, nothing) == 0


async def test_tallies_sides_costs_and_the_json_document(compared) -> None:
    store, a_id, b_id = compared
    a, b = await stored(store, a_id), await stored(store, b_id)
    prices = load_price_table()
    comparison = await compare(store, prices, a_id[:16], b_id)  # a unique prefix is enough
    for only in Only:
        assert comparison.count(only) == len(expected(a, b, only)), only
    assert canonical_models(comparison.a.batch.models) == ("claude-opus-4-5",)
    assert canonical_models(comparison.b.batch.models) == ("claude-sonnet-4-5",)
    assert comparison.a.outcomes[OK] == sum(r.type is OK for r in a.values())
    assert comparison.b.stop_reasons["max_tokens"] > comparison.a.stop_reasons.get("max_tokens", 0)
    output_b = sum(r.usage.output_tokens for r in b.values() if r.type is OK)
    assert comparison.b.cost.usage.output_tokens == output_b
    assert comparison.a.paid is not None
    assert comparison.b.paid is not None
    assert comparison.total.paid == comparison.a.paid + comparison.b.paid

    rows = [p async for p in store.comparison.iterate(a_id, b_id, CompareFilter(Only.B_FAILED))]
    document = comparison.to_json(Only.B_FAILED, rows)
    assert document["schema"] == 1
    assert document["a"]["id"] == a_id
    assert document["b"]["models"] == ["claude-sonnet-4-5"]
    assert document["pairs"] == {"total": 154, "in_both": 150, "only_a": 0, "only_b": 4}
    assert document["filters"]["b-failed"] == len(rows) > 0
    assert sum(o["count"] for o in document["outcomes"]) == 154
    assert sum(o["count"] for o in document["outcomes"] if o["a"] is None) == 4
    first = document["rows"][0]
    assert first["a"]["outcome"] == "succeeded"
    assert first["b"]["outcome"] != "succeeded"
    assert comparison.to_json()["rows"] is None
    assert comparison.to_json()["only"] is None


async def test_ids_that_name_no_batch_or_the_same_batch_are_refused(compared) -> None:
    store, a_id, _b_id = compared
    prices = load_price_table()
    with pytest.raises(NotFoundError):
        await compare(store, prices, a_id, "msgbatch_nope")
    with pytest.raises(NotFoundError, match="several"):
        await compare(store, prices, "msgbatch_", a_id)  # ambiguous prefix
    with pytest.raises(SameBatchError):
        await compare(store, prices, a_id, a_id[:20])
