"""The `restorer` command: the engines, headless, for scripts and batches.

Each subcommand lives in its own module with `add_parser(subparsers)` registering it
and setting `func`. Errors a person can cause print one line on stderr and exit with
status 2; no traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from restorer import __version__
from restorer.errors import RestorerError
from restorer.progress import Cancelled

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2


def _command_modules():
    from restorer.cli import (
        batch_cmd,
        detect_cmd,
        engines_cmd,
        extend_cmd,
        filter_cmd,
        gan_cmd,
        inpaint_cmd,
        models_cmd,
        texture_cmd,
        train_cmd,
    )

    return [
        engines_cmd,
        inpaint_cmd,
        detect_cmd,
        batch_cmd,
        models_cmd,
        filter_cmd,
        extend_cmd,
        texture_cmd,
        gan_cmd,
        train_cmd,
    ]


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, status 2 (argparse's own convention)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="restorer",
        description="Repair and generate photos locally. Run 'restorer COMMAND -h' for help.",
    )
    parser.add_argument("--version", action="version", version=f"restorer {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    subparsers.required = True
    for module in _command_modules():
        module.add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or EXIT_OK)
    except RestorerError as exc:
        print(f"restorer: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except Cancelled:
        print("restorer: cancelled", file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        print("\nrestorer: interrupted", file=sys.stderr)
        return 130
