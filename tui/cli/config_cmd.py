"""``batchtui config path|show|init``."""

from __future__ import annotations

import argparse

import tomli_w

from tui.cli.common import Context, add_command
from tui.core.config import effective_config_dict, write_starter_config


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = add_command(
        subparsers,
        "config",
        run,
        help="show where the config lives, show it (keys masked), or write a starter file",
    )
    parser.add_argument(
        "action",
        choices=["path", "show", "init"],
        help="path: print the file's path; show: the effective config, keys masked; "
        "init: write a starter file (mode 0600)",
    )


def run(args: argparse.Namespace, context: Context) -> int:
    path = context.paths.config_file
    if args.action == "path":
        print(path)
    elif args.action == "init":
        write_starter_config(path)
        print(f"wrote {path}")
    else:
        config = context.config
        source = path if config.from_file else f"{path} (absent: profiles from the environment)"
        print(f"# {source}")
        print(tomli_w.dumps(effective_config_dict(config, context.env)), end="")
    return 0
