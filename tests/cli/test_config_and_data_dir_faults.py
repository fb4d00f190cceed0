"""A named config file must exist and parse, for every command; a data directory that cannot
be made is one clear line; a cache that cannot be written is still read."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from builders import ended_batch

from tui.cli.main import main
from tui.core.models import RequestCounts, utcnow
from tui.core.store import Store


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    "command", [("ls",), ("show", "x"), ("cost",), ("sync",), ("config", "show")]
)
def test_a_named_config_that_does_not_exist_is_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: tuple[str, ...]
) -> None:
    missing = tmp_path / "nope.toml"
    code, _, err = run(capsys, "--config", str(missing), "--data-dir", str(tmp_path), *command)
    assert code == 2
    assert f"{missing}: no such config file" in err
    assert len(err.strip().splitlines()) == 1


def test_the_environment_variable_names_a_config_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BATCHTUI_CONFIG", str(tmp_path / "gone.toml"))
    code, _, err = run(capsys, "--data-dir", str(tmp_path), "ls")
    assert code == 2
    assert "no such config file" in err


def test_config_init_still_creates_a_named_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "new.toml"
    assert run(capsys, "--config", str(config), "config", "init")[0] == 0
    assert run(capsys, "--config", str(config), "config", "path")[0] == 0
    assert config.exists()


@pytest.mark.parametrize("command", [("ls",), ("show", "x"), ("cost",), ("results", "x")])
def test_a_malformed_config_is_reported_by_every_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: tuple[str, ...]
) -> None:
    config = tmp_path / "bad.toml"
    config.write_text("[profiles\n")
    code, _, err = run(capsys, "--config", str(config), "--data-dir", str(tmp_path), *command)
    assert code == 2
    assert f"{config}:1:" in err


def data_dir_cases(tmp_path: Path) -> dict[str, Path]:
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    return {"a file": a_file, "under a file": a_file / "data"}


@pytest.mark.parametrize(
    ("case", "words"), [("a file", "it is a file"), ("under a file", "part of its path is a file")]
)
@pytest.mark.parametrize("command", [("ls",), ("sync",), ("cost",)])
def test_an_uncreatable_data_dir_is_one_line_exit_3(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str, words: str,
    command: tuple[str, ...], monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-x")
    data = data_dir_cases(tmp_path)[case]
    code, _, err = run(capsys, "--data-dir", str(data), *command)
    assert code == 3
    assert err.strip() == (
        f"batchtui: {data}: cannot "
        + ("use it as the data directory" if case == "a file" else "create the data directory")
        + f": {words}; choose another with --data-dir or BATCHTUI_DATA_DIR"
    )


def test_an_unwritable_cache_is_read_read_only_and_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data"
    data.mkdir()

    async def fill() -> None:
        async with await Store.open(data / "batchtui.db") as store:
            batch = ended_batch(
                "msgbatch_readonly1", counts=RequestCounts(succeeded=3), created_at=utcnow()
            )
            await store.batches.upsert([batch])

    asyncio.run(fill())
    # SQLite cannot open its write-ahead log: the database cannot be written (as in a read-only
    # directory, which root, running these tests in CI, could write anyway).
    (data / "batchtui.db-wal").unlink(missing_ok=True)
    (data / "batchtui.db-shm").unlink(missing_ok=True)
    (data / "batchtui.db-wal").mkdir()
    for command in (("ls",), ("show", "msgbatch_readonly1"), ("cost",)):
        code, out, err = run(capsys, "--data-dir", str(data), *command)
        assert code == 0, err
        assert "msgbatch_readonly1" in out or command == ("cost",)
        assert "cannot write the database" in err
        assert "reading it read-only" in err
    code, _, err = run(capsys, "--data-dir", str(data), "sync")
    assert code != 0
    assert "Traceback" not in err
