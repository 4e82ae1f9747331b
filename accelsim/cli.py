"""The `accelsim` command line. Bad input ends with one line on stderr and exit status 2."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from accelsim.errors import AccelsimError
from accelsim.network import Network, Shape
from accelsim.workload import load_net, zoo_names

app = typer.Typer(
    help="Energy and memory simulator for DNN accelerators.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# Piped output gets a wide console so tables stay one line per row (rich assumes 80 columns).
console = Console(width=None if sys.stdout.isatty() else 160)

NetOption = Annotated[str, typer.Option("--net", "-n", help="Zoo name or path to a workload YAML.")]
WidthOption = Annotated[float, typer.Option("--width", help="Width multiplier alpha (MobileNet).")]
ResolutionOption = Annotated[
    int | None, typer.Option("--resolution", help="Input resolution in pixels (square).")
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2) + "\n")


def _shape(shape: Shape) -> str:
    return "x".join(str(d) for d in shape)


def _mb(num_bytes: float) -> str:
    return f"{num_bytes / 1e6:.2f}"


@app.command()
def nets(json_out: JsonFlag = False) -> None:
    """List the bundled network zoo: parameters, MACs and fp32 model size."""
    networks = [load_net(name) for name in zoo_names()]
    if json_out:
        _print_json(
            [{key: value for key, value in net.to_dict().items() if key != "layers"} for net in networks]
        )
        return
    table = Table(title="Network zoo (batch 1; MB = 10^6 bytes)")
    table.add_column("name", no_wrap=True)
    for column in ("input", "params (M)", "MACs (G)", "fp32 (MB)"):
        table.add_column(column, justify="right", no_wrap=True)
    table.add_column("description")
    for net in networks:
        table.add_row(
            net.name,
            _shape(net.input_shape),
            f"{net.params / 1e6:.3f}",
            f"{net.macs / 1e9:.3f}",
            _mb(net.weight_bytes(32)),
            net.description,
        )
    console.print(table)


@app.command()
def info(
    net: NetOption,
    width: WidthOption = 1.0,
    resolution: ResolutionOption = None,
    json_out: JsonFlag = False,
) -> None:
    """Per-layer shapes, parameters and MACs of one network."""
    network = load_net(net, width=width, resolution=resolution)
    if json_out:
        _print_json(network.to_dict())
        return
    _print_layers(network)


def _print_layers(network: Network) -> None:
    table = Table(title=f"{network.name}: {network.description}")
    for column in ("layer", "kind", "input", "output", "params", "MACs (M)", "weights (kB fp32)"):
        table.add_column(column, justify="left" if column in ("layer", "kind") else "right")
    for layer in network.layers:
        table.add_row(
            layer.name,
            layer.kind,
            " + ".join(_shape(s) for s in layer.input_shapes),
            _shape(layer.output_shape),
            f"{layer.params:,}",
            f"{layer.macs / 1e6:,.2f}",
            f"{layer.weight_bytes(32) / 1e3:,.1f}",
        )
    console.print(table)
    console.print(
        f"[bold]{network.name}[/]: {network.params:,} parameters, {network.macs / 1e6:,.1f} M MACs, "
        f"{network.vector_ops / 1e6:,.1f} M vector ops, {_mb(network.weight_bytes(32))} MB of fp32 "
        f"weights, input {_shape(network.input_shape)}"
    )


def main() -> None:
    """Entry point: run the app; bad input becomes one line on stderr and exit status 2."""
    try:
        app()
    except AccelsimError as exc:
        Console(stderr=True).print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
