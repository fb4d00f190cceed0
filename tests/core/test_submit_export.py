"""Export round trips: what ``export_results`` writes reads back as the stored results."""

from __future__ import annotations

import csv
import io
import stat
from pathlib import Path

import orjson
import pytest
from builders import ended_batch, make_result

from tui.core.errors import BatchtuiError
from tui.core.export import export_results, format_for, private_file, write_retry_file
from tui.core.models import (
    Batch,
    ProviderKind,
    RequestCounts,
    RequestResult,
    ResultType,
    Usage,
)
from tui.core.store import Store
from tui.core.submit.validate import scan_requests_file


def batch(provider: ProviderKind = ProviderKind.ANTHROPIC) -> Batch:
    return ended_batch(
        profile="p",
        provider=provider,
        counts=RequestCounts(succeeded=1, errored=1, expired=1),
        endpoint="/v1/chat/completions" if provider is ProviderKind.OPENAI else None,
    )


def results() -> list[RequestResult]:
    return [
        make_result(
            "a",
            stop_reason="end_turn",
            text='Hello, "world"\nsecond line',
            usage=Usage(input_tokens=10, cache_read_tokens=3, output_tokens=5),
            raw=b'{"custom_id":"a","result":{"type":"succeeded"}}',
        ),
        make_result(
            "b",
            ResultType.ERRORED,
            model=None,
            error_type="overloaded_error",
            error_message="Overloaded",
            raw=b'{"custom_id":"b","result":{"type":"errored"}}',
        ),
        make_result("c", ResultType.EXPIRED, model=None, error_type=None, error_message=None),
    ]


def params(custom_id: str) -> bytes:
    return orjson.dumps(
        {
            "model": "claude-haiku-4-5",
            "max_tokens": 9,
            "messages": [{"role": "user", "content": custom_id}],
        }
    )


async def filled_store(tmp_path: Path, provider: ProviderKind = ProviderKind.ANTHROPIC) -> Store:
    store = await Store.open(tmp_path / "cache.db")
    await store.batches.upsert([batch(provider)])
    await store.results.write(results())
    await store.requests.put("b1", [(c, params(c)) for c in "abc"])
    return store


async def test_jsonl_export_round_trip(tmp_path: Path) -> None:
    async with await filled_store(tmp_path) as store:
        out = io.StringIO()
        assert await export_results(store, "b1", out) == 3
    rows = [orjson.loads(line) for line in out.getvalue().splitlines()]
    assert [r["custom_id"] for r in rows] == ["a", "b", "c"]
    assert rows[0]["text"] == 'Hello, "world"\nsecond line'
    assert rows[0]["usage"]["cache_read_tokens"] == 3
    assert rows[0]["params"] == orjson.loads(params("a"))
    assert rows[0]["result"] == {"custom_id": "a", "result": {"type": "succeeded"}}
    assert rows[1]["error_type"] == "overloaded_error"


async def test_csv_export_round_trip_with_a_type_filter(tmp_path: Path) -> None:
    async with await filled_store(tmp_path) as store:
        out = io.StringIO()
        written = await export_results(
            store, "b1", out, format="csv", types={ResultType.SUCCEEDED, ResultType.ERRORED}
        )
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert written == 2
    assert [r["custom_id"] for r in rows] == ["a", "b"]
    assert rows[0]["text"] == 'Hello, "world"\nsecond line'
    assert rows[0]["input_tokens"] == "10"
    assert orjson.loads(rows[1]["params"]) == orjson.loads(params("b"))


async def test_retry_files_are_valid_requests_files(tmp_path: Path) -> None:
    for provider in ProviderKind:
        async with await filled_store(tmp_path / provider.value, provider) as store:
            path = tmp_path / f"{provider.value}.jsonl"
            with path.open("w") as out:
                assert await write_retry_file(store, batch(provider), ["b", "c", "zz"], out) == 2
        scan = scan_requests_file(path)
        assert scan.ok, scan.problems
        assert scan.kind is provider
        assert scan.count == 2


def test_private_file_is_written_whole_or_not_at_all(tmp_path: Path) -> None:
    exports = tmp_path / "exports"
    exports.mkdir()
    target = exports / "results.jsonl"
    with private_file(target) as out:
        out.write("first\n")
    assert target.read_text() == "first\n"
    assert stat.S_IMODE(target.stat().st_mode) == 0o600

    def export_cut_short() -> None:
        with private_file(target) as out:
            out.write("half of the second")
            raise RuntimeError("cut short")

    with pytest.raises(RuntimeError):
        export_cut_short()
    assert target.read_text() == "first\n"  # the earlier export is untouched
    assert sorted(p.name for p in exports.iterdir()) == ["results.jsonl"]  # no .part left

    with pytest.raises(BatchtuiError, match="cannot write"), private_file(tmp_path / "no" / "x"):
        pass


def test_format_follows_the_file_name() -> None:
    assert format_for(Path("out.CSV")) == "csv"
    assert format_for(Path("out.jsonl")) == "jsonl"
    assert format_for(Path("out")) == "jsonl"
