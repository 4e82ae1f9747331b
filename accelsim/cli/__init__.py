"""The `accelsim` command line: options parsed here, work done by api/apps, output by present.
Bad input ends with one line on stderr and exit status 2."""

from __future__ import annotations

import errno
import sys
import warnings
from typing import Any

import typer

from accelsim.cli import inspect, simulate, studies  # noqa: F401 - each registers its commands
from accelsim.cli.app import app
from accelsim.errors import AccelsimError
from accelsim.present import console as show

__all__ = ["app", "main"]


def _bare_json(argv: list[str]) -> list[str]:
    """`--json` with no file (last, or before another option) means stdout: `--json -`."""
    out = []
    for i, arg in enumerate(argv):
        out.append(arg)
        following = argv[i + 1] if i + 1 < len(argv) else None
        if arg == "--json" and (following is None or (following.startswith("-") and following != "-")):
            out.append("-")
    return out


def _warn(message: Warning | str, category: type[Warning], *_: Any, **__: Any) -> None:
    show.warning(str(message))


_WRITE_FAILURES = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO}  # stdout on a full disk...


def main() -> None:
    """Entry point: run the app; bad input (a file, a value, a flag) becomes one line on stderr
    and exit status 2."""
    warnings.showwarning = _warn
    try:
        status = app(args=_bare_json(sys.argv[1:]), standalone_mode=False)
    except AccelsimError as exc:
        show.error(str(exc))
        sys.exit(2)
    except (KeyboardInterrupt, typer.Abort):
        sys.exit(130)
    except OSError as exc:
        if exc.errno not in _WRITE_FAILURES:
            raise
        from accelsim.present.files import stdout_failed

        try:
            stdout_failed(exc)
        except AccelsimError as failed:
            show.error(str(failed))
        sys.exit(2)
    except RecursionError:  # a last guard: every input has a depth limit before this
        show.error("input nested too deeply to read; expected shallower nesting")
        sys.exit(2)
    except Exception as exc:
        # click's usage errors (a misspelled flag or command, a value of the wrong type); typer
        # may bundle its own click, so they are known by their interface, not their class
        if not (hasattr(exc, "format_message") and hasattr(exc, "exit_code")):
            raise
        message = " ".join(exc.format_message().replace("Value error, ", "").split())
        if message:  # none when no command was given and the help was shown
            ctx = getattr(exc, "ctx", None)
            show.error(message + (f" (see '{ctx.command_path} --help')" if ctx is not None else ""))
        sys.exit(exc.exit_code)
    sys.exit(status if isinstance(status, int) else 0)
