"""The command tree: the Typer apps (accelsim, accelsim hw, accelsim sweep), listed in the
order a new user needs them, with help that shows flags as flags."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from typer.core import TyperGroup

from accelsim.present import console as show

COMMAND_ORDER = ("run", "info", "nets", "hw", "compare", "sweep", "compress", "fit", "serve", "trend")


class _Commands(TyperGroup):
    """Lists commands in the order a new user needs them, not in definition order; output piped
    into a reader that stops early (`| head`) ends the command quietly with status 0."""

    def list_commands(self, ctx: Any) -> list[str]:
        names = super().list_commands(ctx)
        return sorted(
            names, key=lambda n: COMMAND_ORDER.index(n) if n in COMMAND_ORDER else len(COMMAND_ORDER)
        )

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            show.reader_gone()

    def get_command(self, ctx: Any, name: str) -> Any:
        command = super().get_command(ctx, name)
        _flags_as_flags(getattr(command, "params", ()))
        return command

    def get_params(self, ctx: Any) -> Any:
        params = super().get_params(ctx)
        _flags_as_flags(params)
        return params


def _flags_as_flags(params: Any) -> None:
    """On/off options show as flags in help: typer would print `<bool>` beside them, as if
    they took a value."""
    for param in params:
        if getattr(param, "is_flag", False) and hasattr(param, "display_type_rich"):
            param.display_type_rich = lambda ctx: None


app = typer.Typer(
    help="Energy and memory simulator for DNN accelerators.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=_Commands,
)


def _version(value: bool) -> None:
    if value:
        from accelsim import version_line

        show.console.print(version_line())
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Energy and memory simulator for DNN accelerators."""


hw_app = typer.Typer(
    help="Accelerator configs: list, show resolved values, JSON Schema, import SCALE-Sim configs.",
    no_args_is_help=True,
    cls=_Commands,
)
app.add_typer(hw_app, name="hw")


class _Sweep(_Commands):
    """`accelsim sweep SPEC` runs a spec (the `run` subcommand, implied); `accelsim sweep show DB`
    reads one: each subcommand has its own options."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and not args[0].startswith("-"):
            args = ["run", *args]
        return super().parse_args(ctx, args)


sweep_app = typer.Typer(
    help="Design-space sweeps: accelsim sweep SPEC.yaml --out results.db runs one (sweep run); "
    "accelsim sweep show results.db reads one.",
    no_args_is_help=True,
    cls=_Sweep,
)
app.add_typer(sweep_app, name="sweep")
