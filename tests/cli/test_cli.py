"""The command line: help, version, every subcommand listed, errors without tracebacks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from builders import ended_batch

from tui import __version__
from tui.cli.main import build_parser, main

SUBCOMMANDS = [
    "demo",
    "sim",
    "sync",
    "ls",
    "show",
    "results",
    "submit",
    "retry",
    "cancel",
    "delete",
    "cost",
    "watch",
    "config",
]


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tui", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=60,
    )


def test_help_lists_every_subcommand() -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    for name in SUBCOMMANDS:
        assert f"    {name} " in result.stdout, name


@pytest.mark.parametrize("name", SUBCOMMANDS)
def test_each_subcommand_has_its_own_help(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        build_parser().parse_args([name, "--help"])
    assert info.value.code == 0
    assert f"batchtui {name}" in capsys.readouterr().out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out.strip() == f"batchtui {__version__}"


def test_config_path_honours_overrides(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", str(tmp_path / "mine.toml"), "config", "path"]) == 0
    assert capsys.readouterr().out.strip() == str(tmp_path / "mine.toml")


def test_config_init_then_show_masks_keys(tmp_path: Path) -> None:
    config = str(tmp_path / "c.toml")
    assert run_cli("--config", config, "config", "init").returncode == 0
    shown = run_cli("--config", config, "config", "show", env={"ANTHROPIC_API_KEY": "sk-ant-xyz"})
    assert shown.returncode == 0
    assert "sk-ant-xyz" not in shown.stdout
    assert "[profiles.anthropic]" in shown.stdout


def test_malformed_config_is_one_line_exit_2_no_traceback(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text("[profiles\n")
    result = run_cli("--config", str(config), "config", "show")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().count("\n") == 0
    assert f"{config}:1:" in result.stderr


async def test_a_closed_pipe_is_not_a_traceback(tmp_path: Path) -> None:
    from tui.core.store import Store

    async with await Store.open(tmp_path / "batchtui.db") as store:
        await store.batches.upsert(
            ended_batch(f"msgbatch_{n:06d}", minutes=n)
            for n in range(3000)  # more output than a pipe buffers
        )
    process = subprocess.Popen(
        [sys.executable, "-m", "tui", "--data-dir", str(tmp_path), "ls"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert process.stdout.readline().startswith(b"ID")
    process.stdout.close()  # the reader leaves after one line, like `| head -1`
    stderr = process.stderr.read().decode()
    process.stderr.close()
    assert process.wait(timeout=60) == 141
    assert "Traceback" not in stderr


@pytest.mark.parametrize(
    "argv",
    [
        ["--config", "C.toml", "--data-dir", "D", "--read-only", "ls"],
        ["ls", "--config", "C.toml", "--data-dir", "D", "--read-only"],
        ["--config", "C.toml", "ls", "--data-dir", "D", "--read-only"],
    ],
)
def test_global_options_work_before_and_after_the_subcommand(argv: list[str]) -> None:
    args = build_parser().parse_args(argv)
    assert (args.config, args.data_dir, args.read_only) == ("C.toml", "D", True)


def test_a_global_option_given_after_the_subcommand_is_used(tmp_path: Path) -> None:
    """`batchtui config path --config X` names X, as `batchtui --config X config path` does."""
    named = tmp_path / "named.toml"
    result = run_cli("config", "path", "--config", str(named))
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(named)
