"""Requests files: every problem reported with its line number; chunking under the limits."""

from __future__ import annotations

import hashlib
from pathlib import Path

import orjson
import pytest

from tui.core.models import ProviderKind
from tui.core.submit.chunking import LIMITS, BatchLimits, chunk_stream, plan_chunks
from tui.core.submit.validate import RequestLine, iter_requests, scan_requests_file


def anthropic_line(custom_id: str, **params: object) -> str:
    body = {
        "model": "claude-haiku-4-5",
        "max_tokens": 64,
        "messages": [{"role": "user", "content": "hi"}],
    }
    body.update(params)
    return orjson.dumps({"custom_id": custom_id, "params": body}).decode()


def openai_line(
    custom_id: str, model: str = "gpt-4o-mini", url: str = "/v1/chat/completions"
) -> str:
    body = {"model": model, "messages": [{"role": "user", "content": "hi"}], "max_tokens": 16}
    line = {"custom_id": custom_id, "method": "POST", "url": url, "body": body}
    return orjson.dumps(line).decode()


def write(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "requests.jsonl"
    path.write_text("\n".join(lines) + "\n")
    return path


def problems_by_line(path: Path) -> dict[int, str]:
    return {p.line: p.message for p in scan_requests_file(path).problems}


def test_a_clean_anthropic_file_passes(tmp_path: Path) -> None:
    scan = scan_requests_file(write(tmp_path, [anthropic_line("a"), anthropic_line("b")]))
    assert scan.ok
    assert scan.kind is ProviderKind.ANTHROPIC
    assert scan.count == 2
    assert scan.models == {"claude-haiku-4-5": 2}
    assert len(scan.sha256) == 64


def test_every_anthropic_problem_is_reported_on_its_line(tmp_path: Path) -> None:
    lines = [
        anthropic_line("ok-1"),  # 1
        '{"custom_id": "broken", "params": {',  # 2
        anthropic_line("has space"),  # 3
        anthropic_line("ok-1"),  # 4 duplicate of line 1
        orjson.dumps(
            {
                "custom_id": "no-model",
                "params": {"max_tokens": 5, "messages": [{"role": "user", "content": "x"}]},
            }
        ).decode(),  # 5
        orjson.dumps(
            {
                "custom_id": "no-max",
                "params": {"model": "m", "messages": [{"role": "user", "content": "x"}]},
            }
        ).decode(),  # 6
        anthropic_line("streams", stream=True),  # 7
        '{"params": {}}',  # 8 missing custom_id
        "[1, 2]",  # 9
        "",  # 10 blank: ignored
        anthropic_line("x" * 65),  # 11
        openai_line("openai-line"),  # 12 other provider's format
    ]
    found = problems_by_line(write(tmp_path, lines))
    assert set(found) == {2, 3, 4, 5, 6, 7, 8, 9, 11, 12}
    assert found[2].startswith("invalid JSON at column ")
    assert "line 1" not in found[2]  # the decoder's own line count would contradict "line 2"
    assert "has space" in found[3]
    assert found[4] == "duplicate custom_id 'ok-1' (first on line 1)"
    assert "params.model is missing" in found[5]
    assert "params.max_tokens" in found[6]
    assert "stream" in found[7]
    assert found[8] == "missing custom_id"
    assert "JSON object" in found[9]
    assert "1-64" in found[11]
    assert "line 1 is anthropic" in found[12]


def test_openai_problems_mixed_endpoints_and_models(tmp_path: Path) -> None:
    lines = [
        openai_line("a", model="gpt-4o-mini"),  # 1
        openai_line("b", model="gpt-4.1"),  # 2: another model is fine (own batches)
        openai_line("c", url="/v1/embeddings"),  # 3: another endpoint is not
        orjson.dumps(
            {
                "custom_id": "d",
                "method": "POST",
                "url": "/v1/chat/completions",
                "body": {"messages": []},
            }
        ).decode(),  # 4
        orjson.dumps(
            {
                "custom_id": "e",
                "method": "POST",
                "url": "/v1/chat/completions",
                "body": {"model": "m", "stream": True},
            }
        ).decode(),  # 5
        orjson.dumps(
            {"custom_id": "f", "method": "GET", "url": "/v1/nope", "body": {"model": "m"}}
        ).decode(),  # 6
    ]
    path = write(tmp_path, lines)
    found = problems_by_line(path)
    assert set(found) == {3, 4, 5, 6}
    assert "differs from /v1/chat/completions (line 1)" in found[3]
    assert "body.model is missing" in found[4]
    assert "stream" in found[5]
    assert "POST" in found[6]
    assert "not a batch endpoint" in found[6]
    assert scan_requests_file(path).models == {"gpt-4o-mini": 1, "gpt-4.1": 1}


def test_an_empty_file_is_not_ok(tmp_path: Path) -> None:
    assert not scan_requests_file(write(tmp_path, [""])).ok


def test_120k_lines_make_two_anthropic_and_three_openai_batches(tmp_path: Path) -> None:
    count = 120_000
    anthropic = tmp_path / "a.jsonl"
    openai = tmp_path / "o.jsonl"
    anthropic.write_text("".join(anthropic_line(f"r{i}") + "\n" for i in range(count)))
    openai.write_text("".join(openai_line(f"r{i}") + "\n" for i in range(count)))

    plans = plan_chunks(
        iter_requests(anthropic, ProviderKind.ANTHROPIC), LIMITS[ProviderKind.ANTHROPIC]
    )
    assert [p.count for p in plans] == [100_000, 20_000]
    assert plans[1].first_custom_id == "r100000"

    plans = plan_chunks(iter_requests(openai, ProviderKind.OPENAI), LIMITS[ProviderKind.OPENAI])
    assert [p.count for p in plans] == [50_000, 50_000, 20_000]
    assert {p.model for p in plans} == {"gpt-4o-mini"}


def line(custom_id: str, model: str, size: int) -> RequestLine:
    return RequestLine(0, custom_id, b"x" * size, model, 1)


def test_chunks_split_by_bytes_and_by_openai_model() -> None:
    limits = BatchLimits(max_requests=50_000, max_bytes=1000, one_model=True)
    big = limits.byte_budget // 3
    items = [line(f"r{i}", "gpt-a" if i % 2 else "gpt-b", big) for i in range(8)]
    chunks = list(chunk_stream(items, limits))
    assert all(len({i.model for i in c.items}) == 1 for c in chunks)
    assert all(c.bytes <= limits.byte_budget for c in chunks)
    assert sum(len(c.items) for c in chunks) == 8
    # Anthropic mixes models in one batch.
    mixed = list(
        chunk_stream(
            [line(f"r{i}", f"m{i % 3}", 10) for i in range(9)], LIMITS[ProviderKind.ANTHROPIC]
        )
    )
    assert len(mixed) == 1


def test_a_chunk_plan_matches_the_chunks_submitted() -> None:
    limits = LIMITS[ProviderKind.OPENAI]
    items = [line(f"r{i}", f"gpt-{i % 3}", 100) for i in range(30)]
    plans = plan_chunks(items, limits)
    chunks = list(chunk_stream(items, limits))
    assert [p.first_custom_id for p in plans] == [c.items[0].custom_id for c in chunks]
    assert [p.model for p in plans] == ["gpt-0", "gpt-1", "gpt-2"]


@pytest.mark.parametrize(
    ("model", "minimum"),
    [
        ("claude-sonnet-4-5", 1024),
        ("claude-opus-4-1", 1024),
        ("claude-opus-4-5", 4096),
        ("claude-haiku-4-5-20251001", 4096),
        ("claude-3-5-haiku-latest", 2048),
        ("claude-something-new", 1024),
    ],
)
def test_minimum_cacheable_lengths(model: str, minimum: int) -> None:
    from tui.core.submit.estimate import min_cacheable_tokens

    assert min_cacheable_tokens(model) == minimum


def test_custom_id_with_a_trailing_newline_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "nl.jsonl"
    line = {
        "custom_id": "a\n",
        "params": {
            "model": "claude-haiku-4-5",
            "max_tokens": 5,
            "messages": [{"role": "user", "content": "hi"}],
        },
    }
    path.write_bytes(orjson.dumps(line) + b"\n")
    scan = scan_requests_file(path)
    assert [p.line for p in scan.problems] == [1]
    assert "custom_id" in scan.problems[0].message


def test_a_line_over_the_request_limit_is_found_while_streaming(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tui.core.submit import validate

    monkeypatch.setattr(validate, "MAX_LINE_BYTES", {k: 4096 for k in validate.MAX_LINE_BYTES})
    good = {
        "custom_id": "ok",
        "params": {
            "model": "claude-haiku-4-5",
            "max_tokens": 5,
            "messages": [{"role": "user", "content": "hi"}],
        },
    }
    huge = {**good, "custom_id": "huge"}
    huge["params"] = {**good["params"], "messages": [{"role": "user", "content": "x" * 3_000_000}]}
    path = tmp_path / "big.jsonl"
    path.write_bytes(b"\n".join([orjson.dumps(good), orjson.dumps(huge), b""]))
    scan = scan_requests_file(path)
    assert scan.count == 1
    assert [p.line for p in scan.problems] == [2]
    assert "over the 4,096-byte limit" in scan.problems[0].message
    assert scan.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_warnings_for_what_the_provider_would_refuse(tmp_path: Path) -> None:
    """max_tokens over the model's known limit, a retired model, an unknown model: warnings
    (with the first line and how many more), never problems; the file can still be sent."""
    path = write(
        tmp_path,
        [
            anthropic_line("ok"),  # 1
            anthropic_line("long-1", max_tokens=100_000),  # 2
            anthropic_line("long-2", model="claude-haiku-4-5-20251001", max_tokens=64_001),  # 3
            anthropic_line("at-limit", max_tokens=64_000),  # 4: at the limit is fine
            anthropic_line("unknown", model="claude-nonexistent-9"),  # 5
            anthropic_line("retired", model="claude-3-5-sonnet-20241022"),  # 6
            anthropic_line("priced", model="claude-sonnet-5"),  # 7: priced, limit unknown
        ],
    )
    scan = scan_requests_file(path)
    assert scan.ok
    assert scan.count == 7
    assert [w.line for w in scan.warnings] == [2, 5, 6]
    long, unknown, retired = scan.warnings
    assert long.more_lines == 1
    assert str(long).startswith(
        "line 2: max_tokens 100,000 is over the 64,000 output tokens claude-haiku-4-5 allows"
    )
    assert str(long).endswith("(and 1 more line(s))")
    assert "unknown model 'claude-nonexistent-9'" in unknown.message
    assert "not_found_error" in unknown.message
    assert "retired on 2025-10-28" in retired.message
    for warning in scan.warnings:
        assert "the provider's catalogue may be newer" in warning.message


def test_openai_warnings_name_the_cap_the_request_used(tmp_path: Path) -> None:
    body = {
        "model": "gpt-4o-mini",
        "messages": [{"role": "user", "content": "hi"}],
        "max_completion_tokens": 20_000,
    }
    line = {"custom_id": "a", "method": "POST", "url": "/v1/chat/completions", "body": body}
    scan = scan_requests_file(write(tmp_path, [openai_line("ok"), orjson.dumps(line).decode()]))
    assert scan.ok
    (warning,) = scan.warnings
    assert warning.line == 2
    assert "max_completion_tokens 20,000 is over the 16,384 output tokens gpt-4o-mini" in str(
        warning
    )
