"""The hostile batch through every command that prints it: nothing raw reaches the terminal.

Human-readable output is sanitised; CSV keeps the data with control characters written as
visible escapes; JSON keeps the data with C1 and bidi controls as ``\\u`` escapes.
"""

from __future__ import annotations

import asyncio
import csv
import io
from pathlib import Path

import orjson
import pytest
from hostile_support import (
    BATCH_ID,
    CUSTOM_IDS,
    LABEL,
    MODEL,
    RESULT_TEXT,
    make_hostile_database,
    unsafe_characters,
)

from tui.cli.main import main


@pytest.fixture
def run(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    """``batchtui ARGS`` over a cache holding the hostile batch; returns (code, out, err)."""
    data = tmp_path / "data"
    data.mkdir()
    asyncio.run(make_hostile_database(data / "batchtui.db"))
    config = tmp_path / "config.toml"
    config.write_text('[profiles.openai]\nprovider = "openai"\napi_key_env = "NO_SUCH_KEY"\n')

    def invoke(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main(["--config", str(config), "--data-dir", str(data), *args])
        out, err = capsys.readouterr()
        return code, out, err

    return invoke


COMMANDS = [
    ("ls",),
    ("ls", "--json"),
    ("show", BATCH_ID),
    ("show", BATCH_ID, "--json"),
    ("cost",),
    ("cost", "--json"),
    ("cost", "--by", "model"),
    ("results", BATCH_ID),
    ("results", BATCH_ID, "--format", "csv"),
    ("results", BATCH_ID, "--retry-file"),
    ("lineage", BATCH_ID),
    ("lineage", BATCH_ID, "--missing"),
    ("lineage", BATCH_ID, "--json"),
]


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_no_raw_control_character_reaches_the_terminal(run, args: tuple[str, ...]) -> None:
    code, out, err = run(*args)
    assert code == 0, err
    assert out
    assert unsafe_characters(out) == []
    assert unsafe_characters(err) == []


def test_json_outputs_keep_the_data(run) -> None:
    code, out, _ = run("show", BATCH_ID, "--json")
    assert code == 0
    assert "\\u202e" in out
    assert "\\u009b" in out
    document = orjson.loads(out)
    assert document["label"] == LABEL
    assert document["models"] == [MODEL]
    code, out, _ = run("cost", "--json", "--by", "model")
    assert code == 0
    assert orjson.loads(out)
    code, out, _ = run("results", BATCH_ID)
    rows = [orjson.loads(line) for line in out.splitlines()]
    assert sorted(r["custom_id"] for r in rows) == sorted(CUSTOM_IDS)
    assert {r["text"] for r in rows if r["type"] == "succeeded"} == {RESULT_TEXT}


def test_csv_escapes_controls_visibly_and_keeps_the_rest(run) -> None:
    code, out, _ = run("results", BATCH_ID, "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    custom_ids = {row["custom_id"] for row in rows}
    assert "req-1\\x1b]52;c;QQ==\\x07" in custom_ids
    assert "req-2\\u202egnp.exe" in custom_ids
    assert "req-3\\x85" in custom_ids
    assert {row["model"] for row in rows if row["model"]} == {
        "gpt-4o-mini[/x]\\x1b[2J\\x1b]52;c;ZXZpbA==\\x07\\x1b]0;pwned\\x07\\x9b31m\\x9d8;;x\\x9c\\u202e"
    }


def test_csv_file_holds_no_raw_controls(run, tmp_path: Path) -> None:
    out_file = tmp_path / "out.csv"
    code, _, err = run("results", BATCH_ID, "--out", str(out_file))
    assert code == 0, err
    assert unsafe_characters(out_file.read_text(encoding="utf-8")) == []


def test_show_gives_the_providers_reason_for_a_failed_batch(run) -> None:
    code, out, _ = run("show", BATCH_ID)
    assert code == 0
    assert "  failed      model_mismatch[/]: The model 'gpt-4o-mini[/x]" in out


def test_cost_names_the_unpriced_model_without_its_escapes(run) -> None:
    code, out, _ = run("cost")
    assert code == 0
    assert "unpriced: 2 requests of gpt-4o-mini[/x]" in out
