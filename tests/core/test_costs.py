"""Cost arithmetic pinned on hand-computed cases, and roll-ups from the store.

Every expected figure below is worked out by hand in the comment beside it, in USD, from the
rates in ``tui/core/prices.toml`` (per million tokens) and the 50 % batch discount.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import orjson
import pytest
from builders import T0, ended_batch, make_batch, make_result

from tui.core.config import load_config
from tui.core.cost_report import build_report, estimate_usage
from tui.core.costs import Tally, hit_rate, price_usage, request_cost
from tui.core.models import (
    RequestCounts,
    RequestResult,
    ResultsState,
    ResultType,
    Usage,
)
from tui.core.prices import load_price_table
from tui.core.store import Store

D = Decimal
PRICES = load_price_table()

HAIKU_USAGE = Usage(input_tokens=1000, cache_write_5m_tokens=2000, output_tokens=500)
# claude-haiku-4-5 (1 / 1.25 / 2 / 0.10 / 5):
#   standard = 1000x1 + 2000x1.25 + 500x5 = 6000 µ$ → 0.006; paid 0.003
#   cache saving = (2000x1 - 2000x1.25) x 0.5 = -250 µ$ (a write never read back costs extra)
SONNET_USAGE = Usage(
    input_tokens=100, cache_write_1h_tokens=1000, cache_read_tokens=4000, output_tokens=200
)
# claude-sonnet-4-5 (3 / 3.75 / 6 / 0.30 / 15):
#   standard = 100x3 + 1000x6 + 4000x0.30 + 200x15 = 300 + 6000 + 1200 + 3000 = 10500 µ$
#   paid 0.00525; cache saving = (5000x3 - (6000 + 1200)) x 0.5 = 3900 µ$ → 0.0039


DAY0 = T0.date()


def quote(model: str, day: date = DAY0, prompt: int = 0):
    found = PRICES.quote(model, day, prompt)
    assert found is not None, model
    return found


def paid(model: str, usage: Usage, day: date = DAY0) -> Decimal:
    return price_usage(usage, quote(model, day, usage.prompt_tokens).rates, D("0.5")).paid


# --- One request -----------------------------------------------------------------------------


def test_haiku_with_a_5_minute_cache_write() -> None:
    cost = price_usage(HAIKU_USAGE, quote("claude-haiku-4-5").rates, PRICES.batch_discount)
    assert cost.standard == D("0.006")
    assert cost.paid == D("0.003")
    assert cost.batch_saving == D("0.003")
    assert cost.cache_saving == D("-0.00025")
    assert cost.paid_by_class == {
        "input": D("0.0005"),
        "cache_write_5m": D("0.00125"),
        "cache_write_1h": D("0"),
        "cache_read": D("0"),
        "output": D("0.00125"),
    }


def test_sonnet_with_a_1_hour_write_and_reads() -> None:
    cost = price_usage(SONNET_USAGE, quote("claude-sonnet-4-5").rates, PRICES.batch_discount)
    assert cost.standard == D("0.0105")
    assert cost.paid == D("0.00525")
    assert cost.cache_saving == D("0.0039")
    assert hit_rate(SONNET_USAGE) == pytest.approx(4000 / 5100)


def test_results_that_did_not_succeed_cost_nothing() -> None:
    for kind in (ResultType.ERRORED, ResultType.EXPIRED, ResultType.CANCELED):
        result = RequestResult("b", "r", kind, model="claude-opus-5", usage=HAIKU_USAGE)
        cost = request_cost(result, T0.date(), PRICES)
        assert cost is not None
        assert cost.paid == 0


def test_haiku_5_5_long_prompt_reprices_every_token() -> None:
    at_threshold = Usage(input_tokens=100_000, output_tokens=1000)
    # base rates 0.10 / 0.50: 100000x0.10 + 1000x0.50 = 10500 µ$ standard → 0.00525 paid
    assert paid("claude-haiku-5-5", at_threshold) == D("0.00525")
    over = Usage(input_tokens=99_001, cache_read_tokens=1000, output_tokens=1000)
    # prompt 100,001 > 100K: tier rates 0.50 / 0.05 / 2.50 on every token:
    #   99001x0.50 + 1000x0.05 + 1000x2.50 = 49500.5 + 50 + 2500 = 52050.5 µ$ → paid 0.02602525
    assert paid("claude-haiku-5-5", over) == D("0.02602525")


def test_sonnet_4_5_over_200k_pays_the_long_context_rates() -> None:
    usage = Usage(input_tokens=50_001, cache_read_tokens=150_000, output_tokens=1000)
    # prompt 200,001: input 6, cache read 0.60, output 22.50:
    #   50001x6 + 150000x0.60 + 1000x22.50 = 300006 + 90000 + 22500 = 412506 µ$ → paid 0.206253
    assert paid("claude-sonnet-4-5", usage) == D("0.206253")
    assert quote("claude-sonnet-4-5", prompt=200_001).tier_above == 200_000
    assert quote("claude-sonnet-4-5", prompt=200_000).tier_above is None


def test_dated_price_changes_follow_the_batch_creation_day() -> None:
    reads = Usage(cache_read_tokens=1_000_000)
    # Sonnet 5.5 cache read 0.20 → 0.10 from 2026-10-07 (batch: half of that)
    assert paid("claude-sonnet-5-5", reads, date(2026, 10, 6)) == D("0.10")
    assert paid("claude-sonnet-5-5", reads, date(2026, 10, 7)) == D("0.05")
    assert quote("claude-sonnet-5-5", date(2026, 10, 7)).unofficial
    million_each = Usage(input_tokens=1_000_000, output_tokens=1_000_000)
    # Sonnet 5: 2 + 10 until 2026-08-31, 3 + 15 from 2026-09-01; batch halves it
    assert paid("claude-sonnet-5", million_each, date(2026, 8, 31)) == D("6")
    assert paid("claude-sonnet-5", million_each, date(2026, 9, 1)) == D("9")


def test_dated_ids_use_their_base_price() -> None:
    assert quote("claude-haiku-4-5-20251001").model == "claude-haiku-4-5"
    assert quote("claude-sonnet-4-5-20250929").model == "claude-sonnet-4-5"
    assert quote("claude-opus-4-5-20251101").rates.input == D("5")
    assert quote("gpt-4o-mini-2024-07-18").model == "gpt-4o-mini"
    # an unlisted snapshot falls back to the id without its date
    assert quote("claude-sonnet-4-6-20270101").model == "claude-sonnet-4-6"


def test_unpriced_models_are_unknown_not_free() -> None:
    for model in ("claude-mythos-5-2", "claude-mythos-preview", "my-model", None):
        assert PRICES.quote(model, T0.date()) is None
    result = RequestResult("b", "r", ResultType.SUCCEEDED, model="claude-mythos-5-2")
    assert request_cost(result, T0.date(), PRICES) is None


def test_openai_cached_input_is_a_cache_read() -> None:
    # gpt-4o-mini 0.15 input, 0.075 cached, 0.60 output. 1500 prompt tokens, 1024 cached:
    #   476x0.15 + 1024x0.075 + 100x0.60 = 71.4 + 76.8 + 60 = 208.2 µ$ → paid 0.0001041
    usage = Usage(input_tokens=476, cache_read_tokens=1024, output_tokens=100)
    assert paid("gpt-4o-mini", usage) == D("0.0001041")
    assert quote("gpt-4.1").unofficial


def test_every_shipped_row_is_complete() -> None:
    for price in PRICES.models.values():
        assert price.source, price.model
        assert price.as_of, price.model
        assert price.provider in ("anthropic", "openai"), price.model
        assert all(rate >= 0 for rate in price.rates.as_dict().values())
    assert PRICES.tier_thresholds == (100_000, 200_000, 272_000)
    assert PRICES.band_of(100_000) == 0
    assert PRICES.band_of(100_001) == 1
    assert PRICES.band_of(300_000) == 3


def test_user_overrides_replace_rates_and_add_models(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[prices."claude-haiku-4-5"]\ninput = 2.0\n\n'
        '[prices."claude-sonnet-5-5"]\ncache_read = 0.15\n\n'
        '[prices."my-finetune"]\ninput = 1.0\noutput = 4.0\n\n'
        '[prices."half-known"]\ninput = 1.0\n'
    )
    prices = load_price_table(load_config(path, env={}).price_overrides)
    haiku = prices.quote("claude-haiku-4-5", T0.date())
    assert haiku is not None
    assert haiku.rates.input == D("2")
    assert haiku.rates.output == D("5")  # untouched classes keep the shipped rate
    # the override wins over the dated cut, on every date
    sonnet = prices.quote("claude-sonnet-5-5", date(2026, 11, 1))
    assert sonnet is not None
    assert sonnet.rates.cache_read == D("0.15")
    mine = prices.quote("my-finetune", T0.date())
    assert mine is not None
    assert (mine.rates.cache_write_5m, mine.rates.cache_write_1h, mine.rates.cache_read) == (
        D("1.25"),
        D("2"),
        D("0.1"),
    )
    assert prices.quote("half-known", T0.date()) is None
    assert any("half-known" in w for w in prices.warnings)
    # 1000 input at 2.0 + 500 output at 5.0 = 4500 µ$ standard, 0.00225 paid
    usage = Usage(input_tokens=1000, output_tokens=500)
    assert price_usage(usage, haiku.rates, prices.batch_discount).paid == D("0.00225")


def test_tally_sums_and_keeps_unpriced_apart() -> None:
    tally = Tally(key="t")
    tally.add(1, HAIKU_USAGE, "claude-haiku-4-5", quote("claude-haiku-4-5"), D("0.5"))
    tally.add(1, SONNET_USAGE, "claude-sonnet-4-5", quote("claude-sonnet-4-5"), D("0.5"))
    tally.add(2, Usage(input_tokens=10), "claude-mythos-5-2", None, D("0.5"))
    assert tally.paid == D("0.00825")
    assert tally.standard == D("0.0165")
    assert tally.batch_saving == D("0.00825")
    assert tally.cache_saving == D("0.00365")
    assert (tally.requests, tally.unpriced_requests) == (4, 2)
    assert tally.unpriced_models == {"claude-mythos-5-2"}
    assert tally.known_paid is None  # a lower bound is not a price
    priced = Tally(key="p")
    priced.add(1, HAIKU_USAGE, "claude-haiku-4-5", quote("claude-haiku-4-5"), D("0.5"))
    assert priced.known_paid == D("0.003")


def test_estimate_from_params() -> None:
    params = {
        "model": "claude-haiku-4-5",
        "max_tokens": 300,
        "system": "x" * 40,
        "messages": [{"role": "user", "content": "y" * 36}],
    }
    model, usage = estimate_usage(orjson.dumps(params))
    # 40 + 4 ("user") + 36 = 80 characters ≈ 20 tokens; output at most max_tokens
    assert model == "claude-haiku-4-5"
    assert usage == Usage(input_tokens=20, output_tokens=300)
    openai_line = {"body": {"model": "gpt-4o-mini", "max_completion_tokens": 9, "messages": []}}
    assert estimate_usage(orjson.dumps(openai_line)) == ("gpt-4o-mini", Usage(output_tokens=9))
    assert estimate_usage(b"not json") == (None, Usage())


# --- Roll-ups from the store -----------------------------------------------------------------


THREE_OUTCOMES = RequestCounts(succeeded=2, errored=1, expired=1)


@pytest.fixture
async def filled(store: Store) -> Store:
    """Three batches on three days, two labels, two profiles; failures carrying usage that must
    not be billed, one unpriced model, one long prompt, one running batch with stored params."""
    mixed = ended_batch("b_mixed", created_at=T0, counts=THREE_OUTCOMES, label="nightly")
    long = ended_batch(
        "b_long",
        created_at=T0 + timedelta(days=1),
        counts=THREE_OUTCOMES,
        label="nightly",
        profile="lab",
    )
    odd = ended_batch(
        "b_odd",
        created_at=T0 + timedelta(days=40),
        counts=THREE_OUTCOMES,
        results_state=ResultsState.PARTIAL,
    )
    running = make_batch(
        "b_run", created_at=T0 + timedelta(days=40), counts=RequestCounts(processing=2)
    )
    for batch in (mixed, long, odd, running):
        await store.batches.insert_local(batch)
        await store.batches.set_results_state(batch.id, batch.results_state)
    await store.results.write(
        [
            make_result("a", batch_id="b_mixed", model="claude-haiku-4-5", usage=HAIKU_USAGE),
            make_result(
                "b", batch_id="b_mixed", model="claude-sonnet-4-5-20250929", usage=SONNET_USAGE
            ),
            make_result(
                "c",
                ResultType.ERRORED,
                batch_id="b_mixed",
                model="claude-sonnet-4-5",
                usage=SONNET_USAGE,
            ),
            make_result(
                "d",
                ResultType.EXPIRED,
                batch_id="b_mixed",
                model="claude-haiku-4-5",
                usage=HAIKU_USAGE,
            ),
            make_result(
                "a", batch_id="b_long", model="claude-haiku-5-5", usage=Usage(input_tokens=100_001)
            ),
            make_result(
                "b", batch_id="b_long", model="claude-haiku-5-5", usage=Usage(input_tokens=100_000)
            ),
            make_result(
                "a",
                batch_id="b_odd",
                model="claude-mythos-5-2",
                usage=Usage(input_tokens=5, output_tokens=5),
            ),
        ]
    )
    params = {"model": "claude-haiku-4-5", "max_tokens": 1000, "messages": []}
    await store.requests.put("b_run", [("x", orjson.dumps(params)), ("y", orjson.dumps(params))])
    return store


# Expected paid per batch:
#   b_mixed: 0.003 (haiku) + 0.00525 (sonnet) = 0.00825; the errored and expired rows cost 0
#   b_long:  100001 x 0.50 / 2 = 0.02500025 (long tier) + 100000 x 0.10 / 2 = 0.005
#            → 0.03000025
#   b_odd:   unpriced (1 request)
#   b_run:   estimate: 2 x 1000 output x 5 / 2 = 0.005


async def test_report_by_batch(filled: Store) -> None:
    report = await build_report(filled, PRICES, group_by="batch")
    rows = {row.key: row for row in report.rows}
    assert [row.key for row in report.rows] == ["b_run", "b_odd", "b_long", "b_mixed"]
    assert rows["b_mixed"].paid == D("0.00825")
    assert rows["b_mixed"].title == "nightly"
    assert rows["b_mixed"].requests == 2
    assert rows["b_long"].paid == D("0.03000025")
    assert rows["b_odd"].paid == 0
    assert rows["b_odd"].unpriced_requests == 1
    assert rows["b_run"].estimate
    assert rows["b_run"].paid == D("0.005")
    assert report.totals.paid == D("0.03825025")
    assert report.totals.unpriced_models == {"claude-mythos-5-2"}
    assert not report.totals.estimate
    assert report.estimate is not None
    assert report.estimate.paid == D("0.005")
    assert report.batches_without_results == ["b_odd"]


async def test_report_by_model_label_profile_day_month(filled: Store) -> None:
    by_model = await build_report(filled, PRICES, group_by="model")
    models = {row.key: row.paid for row in by_model.rows}
    # the dated sonnet id counts (and is priced) under claude-sonnet-4-5
    assert models == {
        "claude-haiku-5-5": D("0.03000025"),
        "claude-sonnet-4-5": D("0.00525"),
        "claude-haiku-4-5": D("0.003"),
        "claude-mythos-5-2": D("0"),
    }
    by_label = await build_report(filled, PRICES, group_by="label")
    assert {r.key: r.paid for r in by_label.rows} == {
        "nightly": D("0.03825025"),
        "(no label)": D("0"),
    }
    by_profile = await build_report(filled, PRICES, group_by="profile")
    assert {r.key: r.paid for r in by_profile.rows} == {
        "lab": D("0.03000025"),
        "work": D("0.00825"),
    }
    by_day = await build_report(filled, PRICES, group_by="day")
    assert [r.key for r in by_day.rows] == ["2026-11-01", "2026-11-02", "2026-12-11"]
    by_month = await build_report(filled, PRICES, group_by="month")
    assert [(r.key, r.paid) for r in by_month.rows] == [
        ("2026-11", D("0.03825025")),
        ("2026-12", D("0")),
    ]
    daily = by_month.daily_paid()
    assert len(daily) == 41  # 2026-11-01 .. 2026-12-11, gaps filled with zero
    assert daily[1] == (date(2026, 11, 2), D("0.03000025"))


async def test_dated_snapshot_ids_group_under_their_model(store: Store) -> None:
    """The request alias and the dated id the API answers with are one model: one row, both
    requests, each priced (haiku 0.003 paid per HAIKU_USAGE; gpt-4o-mini priced from its row)."""
    batch = ended_batch("b_dated", created_at=T0, counts=RequestCounts(succeeded=4))
    await store.batches.insert_local(batch)
    await store.batches.set_results_state(batch.id, ResultsState.COMPLETE)
    gpt = Usage(input_tokens=1000, output_tokens=1000)
    await store.results.write(
        [
            make_result("a", batch_id="b_dated", model="claude-haiku-4-5", usage=HAIKU_USAGE),
            make_result(
                "b", batch_id="b_dated", model="claude-haiku-4-5-20251001", usage=HAIKU_USAGE
            ),
            make_result("c", batch_id="b_dated", model="gpt-4o-mini", usage=gpt),
            make_result("d", batch_id="b_dated", model="gpt-4o-mini-2024-07-18", usage=gpt),
        ]
    )
    report = await build_report(store, PRICES, group_by="model")
    rows = {row.key: row for row in report.rows}
    assert set(rows) == {"claude-haiku-4-5", "gpt-4o-mini"}
    assert [row.key for row in report.by_model] == [row.key for row in report.rows]
    assert rows["claude-haiku-4-5"].requests == 2
    assert rows["claude-haiku-4-5"].paid == D("0.006")
    assert rows["gpt-4o-mini"].requests == 2
    assert rows["gpt-4o-mini"].fully_priced
    assert rows["gpt-4o-mini"].paid == 2 * paid("gpt-4o-mini", gpt)


async def test_report_filters(filled: Store) -> None:
    lab = await build_report(filled, PRICES, profile="lab")
    assert [r.key for r in lab.rows] == ["b_long"]
    recent = await build_report(filled, PRICES, since=date(2026, 11, 2))
    assert recent.totals.paid == D("0.03000025")
    chosen = await build_report(filled, PRICES, batch_ids=["b_mixed"])
    assert chosen.totals.paid == D("0.00825")
    assert chosen.estimate is None
    with pytest.raises(ValueError, match="cannot group"):
        await build_report(filled, PRICES, group_by="colour")


async def test_report_json_is_stable(filled: Store) -> None:
    document = (await build_report(filled, PRICES, group_by="model")).to_json()
    assert document["schema"] == 1
    assert document["totals"]["paid_usd"] == 0.03825
    assert document["totals"]["tokens"]["cache_read"] == 4000
    assert document["totals"]["unpriced_models"] == ["claude-mythos-5-2"]
    assert document["estimate"]["paid_usd"] == 0.005
    assert orjson.dumps(document) == orjson.dumps(
        (await build_report(filled, PRICES, group_by="model")).to_json()
    )


async def test_running_batch_without_params_is_unknown(filled: Store) -> None:
    """A batch submitted by another tool has no stored params: no estimate, never $0."""
    elsewhere = make_batch("b_elsewhere", created_at=T0, counts=RequestCounts(processing=9))
    await filled.batches.insert_local(elsewhere)
    report = await build_report(filled, PRICES)
    assert report.unestimated_batches == ["b_elsewhere"]
    row = next(r for r in report.rows if r.key == "b_elsewhere")
    assert (row.estimate, row.requests) == (True, 0)
    assert report.estimate is not None
    assert report.estimate.paid == D("0.005")  # b_run only


async def test_json_keys_are_pinned(filled: Store) -> None:
    """The documented --json format (tui/cli/cost.py): keys may be added, never renamed."""
    document = (await build_report(filled, PRICES)).to_json()
    assert set(document) == {
        "schema", "currency", "group_by", "filters", "batches", "totals", "rows", "by_model",
        "daily_paid_usd", "estimate", "unestimated_batches", "batches_without_results",
        "warnings",
    }  # fmt: skip
    assert set(document["totals"]) == {
        "key", "title", "estimate", "requests", "unpriced_requests", "unpriced_models",
        "unofficial_models", "tokens", "paid_usd", "standard_usd", "batch_saving_usd",
        "cache_saving_usd", "paid_by_class_usd", "cache_hit_rate",
    }  # fmt: skip
    assert document["daily_paid_usd"][0] == ["2026-11-01", 0.00825]


async def test_estimates_are_cached_per_request_count(filled: Store) -> None:
    cache: dict = {}
    await build_report(filled, PRICES, estimate_cache=cache)
    assert list(cache) == [("b_run", 2)]
    cache[("b_run", 2)] = Tally(key="b_run", estimate=True)  # a stale entry is reused as is
    report = await build_report(filled, PRICES, estimate_cache=cache)
    assert report.estimate is not None
    assert report.estimate.paid == 0
