"""The `accelsim` command (and `python -m accelsim`). `accelsim --version` is answered here,
before the command line's own libraries (typer, rich) load: a shell prompt gets it at once."""

from __future__ import annotations

import sys


def main() -> None:
    if sys.argv[1:] == ["--version"]:
        from accelsim import version_line

        print(version_line())
        return
    from accelsim.cli import main as run_cli

    run_cli()


if __name__ == "__main__":
    main()
