"""Run the `accelsim` entry point inside the test process (no interpreter start-up per call),
exactly as the console script would: argv in, exit status, stdout and stderr out."""

from __future__ import annotations

import io
import os
import sys
import warnings
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path
from unittest import mock


@dataclass(frozen=True)
class Outcome:
    returncode: int
    stdout: str
    stderr: str


def run_main(*args: str, cwd: Path | None = None) -> Outcome:
    """`accelsim ARGS` in this process (from folder `cwd`, if given)."""
    from accelsim.cli import main

    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8", write_through=True)  # has .buffer
    err = io.StringIO()
    showwarning = warnings.showwarning
    here = Path.cwd()
    with mock.patch.object(sys, "argv", ["accelsim", *args]), redirect_stdout(out), redirect_stderr(err):
        try:
            if cwd is not None:
                os.chdir(cwd)
            main()
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        finally:
            os.chdir(here)
            warnings.showwarning = showwarning
    out.seek(0)
    return Outcome(code, out.read(), err.getvalue())
