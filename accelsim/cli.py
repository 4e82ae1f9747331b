"""The `accelsim` command line. Bad input ends with one line on stderr and exit status 2."""

from __future__ import annotations

import json
import os
import sys
import warnings
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from typer.core import TyperGroup

from accelsim import units
from accelsim.errors import AccelsimError, closest
from accelsim.files import write_output
from accelsim.hardware import Accelerator, hw_schema, load_hw
from accelsim.network import Network, Shape
from accelsim.resources import bundled_names
from accelsim.result import COMPONENTS, Result
from accelsim.units import BANDWIDTH, BYTES, ENERGY, ENERGY_PER_BYTE, FREQUENCY, POWER, TIME, format_si
from accelsim.workload import load_net, zoo_names

COMMAND_ORDER = ("run", "info", "nets", "hw", "compare", "sweep", "compress", "fit")


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
            _reader_gone()


def _reader_gone() -> NoReturn:
    """The reader of stdout has gone (`| head`), which is its choice: drop what is left (also
    what Python would flush at exit) and end with status 0, where click and rich would say 1."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    raise SystemExit(0)


class _Console(Console):
    def on_broken_pipe(self) -> None:
        _reader_gone()


app = typer.Typer(
    help="Energy and memory simulator for DNN accelerators.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=_Commands,
)
# Piped output gets a wide console so tables stay one line per row (rich assumes 80 columns).
console = _Console(width=None if sys.stdout.isatty() else 160)

NetOption = Annotated[
    str, typer.Option("--net", "-n", help="Zoo name, or a path to a workload YAML or an ONNX model.")
]
WidthOption = Annotated[float, typer.Option("--width", help="Width multiplier alpha (MobileNet).")]
ResolutionOption = Annotated[
    int | None, typer.Option("--resolution", help="Input resolution in pixels (square).")
]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON.")]
InputShapeOption = Annotated[
    str | None, typer.Option("--input-shape", help="ONNX: fix symbolic input dims, e.g. 1x3x224x224.")
]
StrictFlag = Annotated[bool, typer.Option("--strict", help="ONNX: unsupported ops are an error.")]
CompressOption = Annotated[
    str | None, typer.Option("--compress", help="Compression preset (deep_compression...) or spec YAML.")
]
WbitsOption = Annotated[int | None, typer.Option("--wbits", help="Weight bits (quantization).")]
AbitsOption = Annotated[int | None, typer.Option("--abits", help="Activation bits.")]
PruneOption = Annotated[float | None, typer.Option("--prune", help="Fraction of weights pruned, 0 to <1.")]
ParamOption = Annotated[
    list[str] | None,
    typer.Option("--param", help="Set a workload parameter, e.g. --param sr=0.5 (repeatable)."),
]
SrOption = Annotated[float | None, typer.Option("--sr", help="SqueezeNet squeeze ratio (= --param sr=...).")]
Pct3x3Option = Annotated[
    float | None,
    typer.Option("--pct3x3", help="SqueezeNet share of 3x3 expand filters (= --param pct3x3=...)."),
]


def _network(
    net: str,
    width: float,
    resolution: int | None,
    input_shape: str | None,
    strict: bool,
    param: list[str] | None,
    sr: float | None,
    pct3x3: float | None,
) -> Network:
    """The network the common options describe (info and run take the same ones)."""
    params = _params(param, sr, pct3x3)
    return load_net(
        net, width=width, resolution=resolution, input_shape=input_shape, strict=strict, params=params
    )


def _params(
    pairs: list[str] | None, sr: float | None = None, pct3x3: float | None = None
) -> dict[str, float]:
    """--param KEY=VALUE pairs (and the SqueezeNet shortcuts) as a mapping."""
    params: dict[str, float] = {}
    for pair in pairs or []:
        key, sep, value = pair.partition("=")
        try:
            params[key.strip()] = float(value)
        except ValueError:
            sep = ""
        if not sep or not key.strip():
            raise AccelsimError(f"--param: expected NAME=NUMBER, got '{pair}'")
    for key, value in (("sr", sr), ("pct3x3", pct3x3)):
        if value is not None:
            params[key] = value
    return params


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2) + "\n")


def _shape(shape: Shape) -> str:
    return "x".join(str(d) for d in shape)


def _mb(num_bytes: float) -> str:
    mb = num_bytes / 1e6
    return f"{mb:.2f}" if mb >= 0.1 or mb == 0 else f"{mb:.2g}"


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
    input_shape: InputShapeOption = None,
    strict: StrictFlag = False,
    param: ParamOption = None,
    sr: SrOption = None,
    pct3x3: Pct3x3Option = None,
) -> None:
    """Per-layer shapes, parameters and MACs of one network."""
    network = _network(net, width, resolution, input_shape, strict, param, sr, pct3x3)
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


def _version(value: bool) -> None:
    if value:
        from accelsim import __version__

        console.print(f"accelsim {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Energy and memory simulator for DNN accelerators."""


hw_app = typer.Typer(
    help="Accelerator configs: list, show resolved values, JSON Schema.", no_args_is_help=True
)
app.add_typer(hw_app, name="hw")
HwArgument = Annotated[str, typer.Argument(help="Bundled config name or path to a YAML file.")]


def _bytes(value: float) -> str:
    return format_si(value, BYTES)


@hw_app.command("list")
def hw_list(json_out: JsonFlag = False) -> None:
    """The bundled chips: MACs, peak TOPS, on-chip SRAM, DRAM bandwidth, power budget."""
    chips = [load_hw(name) for name in bundled_names("hw_configs")]
    if json_out:
        _print_json([_hw_summary(chip) for chip in chips])
        return
    table = Table(title="Bundled accelerators")
    table.add_column("name", no_wrap=True)
    for column in ("MACs", "peak TOPS", "on-chip SRAM", "DRAM BW", "budget"):
        table.add_column(column, justify="right", no_wrap=True)
    table.add_column("description")
    for chip in chips:
        table.add_row(
            chip.name,
            f"{chip.macs:,}",
            f"{chip.peak_tops:.3g}",
            _bytes(chip.onchip_bytes),
            format_si(chip.dram.bandwidth_bytes_per_s or 0, BANDWIDTH),
            format_si(chip.power_budget_w, POWER),
            chip.config.description,
        )
    console.print(table)


def _hw_summary(chip: Accelerator) -> dict[str, Any]:
    return {
        "name": chip.name,
        "description": chip.config.description,
        "macs": chip.macs,
        "peak_tops": chip.peak_tops,
        "onchip_bytes": chip.onchip_bytes,
        "dram_bandwidth_bytes_per_s": chip.dram.bandwidth_bytes_per_s,
        "power_budget_w": chip.power_budget_w,
    }


def _hw_resolved(chip: Accelerator) -> dict[str, Any]:
    """Every resolved value with its unit in the key, its source, and derived figures."""
    levels = [lvl for lvl in (chip.register_file, *chip.buffers, chip.dram) if lvl is not None]
    return {
        **_hw_summary(chip),
        "technology_nm": chip.config.technology_nm,
        "vdd_v": chip.vdd,
        "energy_scale_from_45nm": chip.energy_scale,
        "array": {"rows": chip.rows, "cols": chip.cols, "dataflow": chip.dataflow, "clock_hz": chip.clock_hz},
        "precision_bits": {
            "weights": chip.weight_bits,
            "activations": chip.activation_bits,
            "accumulators": chip.accumulator_bits,
        },
        "mac_energy_j": chip.mac_j,
        "vector": {"lanes": chip.vector_lanes, "op_energy_j": chip.vector_op_j},
        "memory": [
            {
                "name": lvl.name,
                "capacity_bytes": lvl.capacity_bytes,
                "holds": list(lvl.holds),
                "read_energy_j_per_byte": lvl.read_j_per_byte,
                "write_energy_j_per_byte": lvl.write_j_per_byte,
                "bandwidth_bytes_per_s": lvl.bandwidth_bytes_per_s,
                "leakage_w": lvl.leakage_w,
            }
            for lvl in levels
        ],
        "static_power_w": chip.leakage_w,
        "derived": {
            "peak_ops_per_s": 2 * chip.peak_macs_per_s,
            "mac_tops_per_w": chip.mac_tops_per_w,
            "onchip_bytes_weights": chip.capacity_for("weights"),
            "onchip_bytes_activations": chip.capacity_for("activations"),
            "ridge_macs_per_dram_byte": chip.ridge_macs_per_byte,
            "dram_bytes_per_mac_at_ridge": 1 / chip.ridge_macs_per_byte,
        },
        "sources": dict(chip.sources),
    }


@hw_app.command("show")
def hw_show(hw: HwArgument, json_out: JsonFlag = False) -> None:
    """Every resolved value of a config, where each default came from, and derived figures."""
    chip = load_hw(hw)
    if json_out:
        _print_json(_hw_resolved(chip))
        return
    src = chip.sources
    table = Table(title=f"{chip.name}: {chip.config.description}")
    for column in ("field", "value", "source"):
        table.add_column(column, no_wrap=column != "source")
    rows = [
        (
            "technology",
            f"{chip.config.technology_nm:g} nm, energy x{chip.energy_scale:.3g} vs 45 nm",
            src["energy_scale"],
        ),
        ("vdd", f"{chip.vdd:g} V", src.get("vdd", "config")),
        ("compute.array", f"{chip.rows} x {chip.cols} = {chip.macs:,} MACs, {chip.dataflow}", "config"),
        ("compute.clock", format_si(chip.clock_hz, FREQUENCY), "config"),
        (
            "compute.precision",
            f"w{chip.weight_bits} a{chip.activation_bits} acc{chip.accumulator_bits} bits",
            "config",
        ),
        ("compute.mac_energy", format_si(chip.mac_j, ENERGY), src["compute.mac_energy"]),
        (
            "compute.vector",
            f"{chip.vector_lanes} lanes, {format_si(chip.vector_op_j, ENERGY)}/op",
            src["compute.vector.op_energy"],
        ),
    ]
    for lvl in (chip.register_file, *chip.buffers, chip.dram):
        if lvl is None:
            continue
        per_pe = " per PE" if lvl.name == "register_file" else ""
        capacity = "unbounded" if lvl.capacity_bytes == float("inf") else _bytes(lvl.capacity_bytes)
        bandwidth = (
            format_si(lvl.bandwidth_bytes_per_s, BANDWIDTH) if lvl.bandwidth_bytes_per_s else "not limiting"
        )
        rows.append(
            (f"memory.{lvl.name}", f"{capacity}{per_pe}, holds {'+'.join(lvl.holds)}, {bandwidth}", "config")
        )
        key = "memory.dram.energy" if lvl.name == "dram" else f"memory.{lvl.name}.read_energy"
        rows.append(
            (
                "  read / write energy",
                f"{format_si(lvl.read_j_per_byte, ENERGY_PER_BYTE)} / "
                f"{format_si(lvl.write_j_per_byte, ENERGY_PER_BYTE)}",
                src[key],
            )
        )
    rows += [
        ("static power", format_si(chip.leakage_w, POWER), "config (static_power + buffer leakage)"),
        ("power budget", format_si(chip.power_budget_w, POWER), "config"),
        ("peak", f"{chip.peak_tops:.3g} TOPS; MACs alone {chip.mac_tops_per_w:.3g} TOPS/W", "derived"),
        ("on-chip for weights", _bytes(chip.capacity_for("weights")), "derived"),
        ("on-chip for activations", _bytes(chip.capacity_for("activations")), "derived"),
        (
            "ridge point",
            f"{chip.ridge_macs_per_byte:.4g} MACs per DRAM byte ({1 / chip.ridge_macs_per_byte:.3g} B/MAC)",
            "derived",
        ),
    ]
    for row in rows:
        table.add_row(*row)
    console.print(table)


@hw_app.command("schema")
def hw_schema_command() -> None:
    """JSON Schema of the accelerator config format (for editor validation and completion)."""
    _print_json(hw_schema())


def _real_weights(
    net: str, input_shape: str | None, width: float, resolution: int | None
) -> dict[str, Any] | None:
    """An ONNX file's weight arrays (for measured Huffman sizes); None for other networks."""
    from accelsim.onnx_import import is_onnx, load_onnx_weights

    if not is_onnx(net) or width != 1.0 or resolution is not None:
        return None
    return load_onnx_weights(net, input_shape)


@app.command("compress")
def compress_command(
    net: NetOption,
    preset: Annotated[
        str | None, typer.Option("--preset", help="deep_compression, deep_compression_6bit, or a spec YAML.")
    ] = None,
    wbits: WbitsOption = None,
    abits: AbitsOption = None,
    prune: PruneOption = None,
    link: Annotated[
        str | None, typer.Option("--link", help="Link speed for the over-the-air update, e.g. 10Mbit/s.")
    ] = None,
    width: WidthOption = 1.0,
    resolution: ResolutionOption = None,
    json_out: JsonFlag = False,
) -> None:
    """Stored model size per layer: dense fp32 -> quantized -> pruned (+index) -> Huffman-coded."""
    from accelsim.compression import compress, resolve_spec

    network = load_net(net, width=width, resolution=resolution)
    spec = resolve_spec(preset, network.name, wbits, abits, prune)
    if spec is None:
        raise AccelsimError("compress: give --preset, or at least one of --wbits, --prune")
    model = compress(
        network, spec, weights=_real_weights(net, None, width, resolution) if spec.huffman else None
    )
    link_bps = units.parse_cli(link, BANDWIDTH, "--link") if link else None
    data = model.to_dict()
    alexnet_fp32 = load_net("alexnet").weight_bytes(32)
    data["ratio_vs_alexnet_fp32"] = alexnet_fp32 / model.coded
    if link_bps:
        data["link_bytes_per_s"] = link_bps
        data["download_s"] = model.coded / link_bps
    if json_out:
        _print_json(data)
        return
    table = Table(title=f"{network.name}: {spec.name} ({spec.source or 'flags'})")
    for column in (
        "layer",
        "params",
        "bits",
        "density",
        "dense fp32 kB",
        "quantized kB",
        "pruned kB",
        "coded kB",
    ):
        table.add_column(column, justify="left" if column == "layer" else "right")
    for x in model.layers:
        table.add_row(
            x.name,
            f"{x.params:,}",
            str(x.weight_bits),
            f"{x.density:.0%}",
            f"{x.dense_fp32 / 1e3:,.1f}",
            f"{x.quantized / 1e3:,.1f}",
            f"{x.pruned / 1e3:,.1f}",
            f"{x.coded / 1e3:,.1f}",
        )
    totals = data["bytes"]
    table.add_row(
        "[bold]total[/]",
        f"{network.params:,}",
        "",
        "",
        *(f"{totals[k] / 1e3:,.1f}" for k in ("dense_fp32", "quantized", "pruned", "coded")),
    )
    console.print(table)
    console.print(
        f"  {_mb(model.dense_fp32)} MB -> {_mb(model.coded)} MB: {model.ratio:.1f}x smaller; "
        f"{data['ratio_vs_alexnet_fp32']:.0f}x smaller than 32-bit AlexNet ({_mb(alexnet_fp32)} MB)"
    )
    if link_bps:
        console.print(
            f"  over-the-air update: {_mb(model.coded)} MB at {link} takes "
            f"{format_si(data['download_s'], TIME)}"
        )


@app.command("fit")
def fit_command(
    hw: Annotated[str, typer.Option("--hw", help="Bundled chip name or path to a config YAML.")],
    net: NetOption,
    top: Annotated[int, typer.Option("--top", help="How many fitting candidates to list.")] = 5,
    json_out: JsonFlag = False,
) -> None:
    """How small must a network get to fit the chip? Width, resolution, bits and pruning."""
    from accelsim.fit import search
    from accelsim.simulate import simulate

    network, chip = load_net(net), load_hw(hw)
    candidates = search(network, chip)
    fitting = [c for c in candidates if c.fits]
    best = fitting[0] if fitting else None
    result = None
    if best is not None:
        result = simulate(best.network(network), chip, compression=best.spec)
    if json_out:
        _print_json(
            {
                "network": network.name,
                "hardware": chip.name,
                "onchip_bytes": chip.onchip_bytes,
                "fits_as_is": bool(best and best.knobs_changed == 0),
                "candidates": [c.to_dict() for c in fitting[:top]],
                "recommended_result": result.to_dict() if result else None,
            }
        )
        return
    console.print(f"[bold]{network.name}[/] on [bold]{chip.name}[/]: {_mb(chip.onchip_bytes)} MB on chip")
    if best is None:
        smallest = min(candidates, key=lambda c: c.weight_bytes + c.peak_activation_bytes)
        console.print(
            f"  [bold red]nothing searched fits[/]: the smallest ({smallest.width:g}x width, "
            f"{smallest.resolution} px, {smallest.weight_bits}-bit, {smallest.prune:.0%} pruned) still needs "
            f"{_mb(smallest.weight_bytes)} MB of weights + "
            f"{_mb(smallest.peak_activation_bytes)} MB of activations"
        )
        return
    if best.knobs_changed == 0:
        console.print("  [bold green]fits as it is[/]: no change needed")
    table = Table(title="Gentlest changes that fit (fewest knobs moved, then least severe)")
    for column in ("width", "resolution", "weight bits", "pruned", "weights MB", "activations MB", "knobs"):
        table.add_column(column, justify="right")
    for c in fitting[:top]:
        table.add_row(
            f"{c.width:g}",
            str(c.resolution),
            str(c.weight_bits),
            f"{c.prune:.0%}",
            _mb(c.weight_bytes),
            _mb(c.peak_activation_bytes),
            str(c.knobs_changed),
        )
    console.print(table)
    if result is not None:
        console.print(
            f"  first choice on {chip.name}: latency {format_si(result.latency_s, TIME)}, "
            f"energy {format_si(result.energy_j, ENERGY)} per inference, DRAM share {result.dram_share:.1%}"
        )


def _split_lists(tokens: list[str], flags: dict[str, str]) -> dict[str, list[str]]:
    """`--hw a b c --net x y` (and repeated flags) into lists per flag."""
    found: dict[str, list[str]] = {name: [] for name in flags.values()}
    current = None
    for token in tokens:
        if token.startswith("--"):
            if token not in flags:
                raise AccelsimError(f"compare: unknown option '{token}'{closest(token, flags)}")
            current = flags[token]
        elif current is None:
            raise AccelsimError(f"compare: '{token}' must follow --hw or --net")
        else:
            found[current].append(token)
    return found


@app.command(context_settings={"allow_extra_args": True, "ignore_unknown_options": True})
def compare(ctx: typer.Context) -> None:
    """Every chip on every network: accelsim compare --hw A B --net X Y [--json] [--mode M] [--batch N].

    One table per metric (fits on chip, latency, energy, power, memory share, DRAM share),
    networks down, chips across, the best chip of each row marked."""
    from accelsim.compare import METRICS, compare_results, summary

    args = list(ctx.args)
    json_out = "--json" in args
    args = [a for a in args if a != "--json"]
    options = _split_lists(
        args, {"--hw": "hw", "--net": "net", "--mode": "mode", "--batch": "batch", "--report": "report"}
    )
    if not options["hw"] or not options["net"]:
        raise AccelsimError("compare: give at least one chip (--hw A B ...) and one network (--net X Y ...)")
    if len(options["mode"]) > 1 or len(options["batch"]) > 1 or len(options["report"]) > 1:
        raise AccelsimError("compare: --mode, --batch and --report take one value")
    batch = options["batch"][0] if options["batch"] else "1"
    if not batch.isdigit() or int(batch) < 1:
        raise AccelsimError(f"compare: --batch must be a positive integer, got '{batch}'")
    results = compare_results(
        options["hw"], options["net"], mode=(options["mode"] or ["steady"])[0], batch=int(batch)
    )
    if options["report"]:
        from accelsim.report import compare_report

        compare_report(results, options["report"][0])
        console.print(f"report written to {options['report'][0]}")
    rows = [summary(r) for r in results]
    if json_out:
        _print_json(rows)
        return
    chips = list(dict.fromkeys(r["hardware"] for r in rows))
    nets = list(dict.fromkeys(r["network"] for r in rows))
    cell = {(r["network"], r["hardware"]): r for r in rows}
    for key, label, kind, lower in METRICS:
        table = Table(title=label + (" (best marked *)" if lower is not None else ""), title_justify="left")
        table.add_column("network")
        for chip in chips:
            table.add_column(chip, justify="right")
        for net in nets:
            values = [cell[net, chip][key] for chip in chips]
            best = min(values) if lower else None
            shown = []
            for value in values:
                text = (
                    ("yes" if value else "no")
                    if isinstance(value, bool)
                    else (f"{value:.1%}" if kind is None else format_si(value, kind))
                )
                shown.append(
                    f"[bold green]{text} *[/]"
                    if best is not None and value == best and len(chips) > 1
                    else text
                )
            table.add_row(net, *shown)
        console.print(table)


sweep_help = (
    "Run a sweep: accelsim sweep SPEC.yaml --out results.db; read one: accelsim sweep show results.db"
)


@app.command(help=sweep_help)
def sweep(
    target: Annotated[str, typer.Argument(help="A sweep spec YAML, or 'show'.")],
    db: Annotated[str | None, typer.Argument(help="With 'show': the results database.")] = None,
    out: Annotated[str, typer.Option("--out", help="SQLite file for the results.")] = "sweep.db",
    resume: Annotated[bool, typer.Option("--resume", help="Continue an interrupted sweep.")] = False,
    dask: Annotated[
        str | None, typer.Option("--dask", help="Dask scheduler address, or 'local' for a LocalCluster.")
    ] = None,
    workers: Annotated[
        int | None, typer.Option("--workers", help="Worker processes (default: all cores).")
    ] = None,
    max_points: Annotated[
        int | None,
        typer.Option("--max-points", help="Refuse a spec with more points than this (default 1,000,000)."),
    ] = None,
    area: Annotated[
        bool, typer.Option("--area", help="show: on-chip SRAM as a third Pareto objective.")
    ] = False,
    csv: Annotated[str | None, typer.Option("--csv", help="show: export every row as CSV.")] = None,
    parquet: Annotated[
        str | None, typer.Option("--parquet", help="show: export every row as Parquet.")
    ] = None,
    report: Annotated[str | None, typer.Option("--report", help="show: write an HTML report.")] = None,
    json_out: JsonFlag = False,
) -> None:
    if target == "show":
        if db is None:
            raise AccelsimError("sweep show: give the results database, e.g. accelsim sweep show results.db")
        _sweep_show(Path(db), area, csv, parquet, report, json_out)
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    from accelsim.sweep import load_sweep, run_sweep

    spec, base = load_sweep(target)
    if workers is not None and workers < 1:
        raise AccelsimError(f"--workers must be at least 1, got {workers}")
    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        "[progress.percentage]{task.percentage:>3.0f}%",
        "{task.fields[rate]}",
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as progress:
        task = progress.add_task("sweep", total=None, rate="")
        start = [None]

        def on_progress(rows: int, total: int) -> None:
            import time

            if start[0] is None:
                start[0] = (time.perf_counter(), rows)
                progress.update(task, total=total, completed=rows)
                return
            progress.advance(task, rows)
            elapsed = time.perf_counter() - start[0][0]
            done = progress.tasks[0].completed - start[0][1]
            progress.update(task, rate=f"{done / max(elapsed, 1e-9):,.0f} rows/s")

        try:
            counts = run_sweep(
                spec,
                base,
                Path(out),
                resume=resume,
                dask=dask,
                workers=workers,
                on_progress=on_progress,
                max_points=max_points,
            )
        except KeyboardInterrupt:
            progress.stop()
            Console(stderr=True).print(f"stopped: finished rows are kept in {out}; --resume continues")
            sys.exit(130)
    if counts["added"] == 0 and counts["before"] >= counts["total"]:
        console.print(f"{out}: sweep already complete ({counts['total']} rows); nothing to do")
    else:
        console.print(
            f"{out}: {counts['before'] + counts['added']} of {counts['total']} rows ({counts['added']} new)"
        )


def _sweep_show(
    path: Path, area: bool, csv: str | None, parquet: str | None, report: str | None, json_out: bool
) -> None:
    from accelsim.sweep import pareto_front, read_results

    frame = read_results(path)
    axes = frame.attrs["axes"]
    objectives = ["energy_j", "latency_s", *(["onchip_bytes"] if area else [])]
    front = pareto_front(frame, objectives)
    if csv:
        write_output(csv, frame.to_csv(index=False), "--csv")
    if parquet:
        try:
            write_output(parquet, frame.to_parquet(index=False), "--parquet")
        except ImportError:
            raise AccelsimError("--parquet needs pyarrow: pip install 'accelsim[parquet]'") from None
    if report:
        from accelsim.report import sweep_report

        sweep_report(frame, front, report)
    if json_out:
        _print_json({"rows": len(frame), "axes": axes, "pareto": json.loads(front.to_json(orient="records"))})
        return
    counts = frame["status"].value_counts().to_dict()
    console.print(
        f"{path}: {len(frame)} rows ({', '.join(f'{n} {k}' for k, n in counts.items())}), "
        f"axes: {', '.join(axes)}"
    )
    title = "Pareto front: energy per inference vs latency" + (" vs on-chip SRAM" if area else "")
    table = Table(title=title, title_justify="left")
    for column in ("network", "point", *axes, "fits", "latency", "energy", "on-chip"):
        table.add_column(column, justify="left" if column == "network" else "right")
    for _, row in front.iterrows():
        table.add_row(
            row["network"],
            str(row["point_id"]),
            *(str(row[a]) for a in axes),
            "yes" if row["weights_fit_on_chip"] else "no",
            format_si(row["latency_s"], TIME),
            format_si(row["energy_j"], ENERGY),
            f"{_mb(row['onchip_bytes'])} MB",
        )
    console.print(table)
    for kind, target in (("CSV", csv), ("Parquet", parquet), ("report", report)):
        if target:
            console.print(f"{kind} written to {target}")


def _write_json(data: Any, target: str) -> None:
    """JSON to stdout ('-') or to a file, written whole or not at all."""
    write_output(target, json.dumps(data, indent=2) + "\n", "--json")


@app.command()
def run(
    hw: Annotated[str, typer.Option("--hw", help="Bundled chip name or path to a config YAML.")],
    net: NetOption,
    mode: Annotated[
        str, typer.Option("--mode", help="steady (per inference in a stream) or cold.")
    ] = "steady",
    batch: Annotated[int, typer.Option("--batch", help="Inferences per batch.")] = 1,
    fps: Annotated[float | None, typer.Option("--fps", help="Operating frame rate for power.")] = None,
    width: WidthOption = 1.0,
    resolution: ResolutionOption = None,
    layers: Annotated[bool, typer.Option("--layers", help="Add the per-layer table.")] = False,
    json_target: Annotated[
        str | None, typer.Option("--json", help="Write the result as JSON to FILE, or - for stdout.")
    ] = None,
    input_shape: InputShapeOption = None,
    strict: StrictFlag = False,
    compress: CompressOption = None,
    wbits: WbitsOption = None,
    abits: AbitsOption = None,
    prune: PruneOption = None,
    param: ParamOption = None,
    sr: SrOption = None,
    pct3x3: Pct3x3Option = None,
    report: Annotated[
        str | None, typer.Option("--report", help="Write an HTML report (or .png/.svg of the breakdown).")
    ] = None,
) -> None:
    """Simulate a network on an accelerator: fit on chip, latency, energy, power, memory share."""
    from accelsim.compression import resolve_spec
    from accelsim.simulate import simulate

    network = _network(net, width, resolution, input_shape, strict, param, sr, pct3x3)
    spec = resolve_spec(compress, network.name, wbits, abits, prune)
    weights = _real_weights(net, input_shape, width, resolution) if spec and spec.huffman else None
    result = simulate(network, hw, mode=mode, batch=batch, fps=fps, compression=spec, weights=weights)
    if report is not None:
        from accelsim.report import run_report

        run_report(result, report)
    if json_target is not None:
        _write_json(result.to_dict(), json_target)
        if json_target == "-":
            return
    _print_result(result, layers)
    if report is not None:
        console.print(f"  report written to {report}")


def _print_result(r: Result, show_layers: bool) -> None:
    fit = "[bold green]yes[/]" if r.weights_fit_on_chip else "[bold red]no[/]"
    compressed = f", compressed ({r.compression})" if r.compression else ""
    console.print(
        f"[bold]{r.network}[/] on [bold]{r.hardware}[/]: {r.mode} state, batch {r.batch}{compressed}"
    )
    console.print(
        f"  weights fit on chip: {fit} — {_mb(r.weight_bytes)} MB of weights + "
        f"{_mb(r.peak_activation_bytes)} MB peak activations, {_mb(r.onchip_bytes)} MB on chip"
    )
    if not r.weights_fit_on_chip:
        console.print(
            f"    pinned {_mb(r.pinned_weight_bytes)} MB (highest reuse first); "
            f"{_mb(r.dram_bytes['weights'])} MB of weights from DRAM per inference"
        )
    budget = "within" if r.within_budget else "[bold red]over[/]"
    console.print(
        f"  latency {format_si(r.latency_s, TIME)}, {r.throughput_fps:,.1f} fps; "
        f"energy {format_si(r.energy_j, ENERGY)} per inference; "
        f"power {format_si(r.power_w, POWER)} at {r.fps:,.1f} fps, "
        f"{budget} the {format_si(r.power_budget_w, POWER)} budget"
    )
    console.print(
        f"  memory share {r.memory_share:.1%} (register file + SRAM + DRAM); DRAM share {r.dram_share:.1%}"
    )
    table = Table(title="Energy per inference", title_justify="left")
    table.add_column("component")
    table.add_column("energy", justify="right")
    table.add_column("share", justify="right")
    table.add_column("", min_width=30)
    for name in COMPONENTS:
        value = r.energy_breakdown_j[name]
        share = value / r.energy_j
        table.add_row(name, format_si(value, ENERGY), f"{share:.1%}", "█" * round(share * 40))
    console.print(table)
    top = sorted(r.layers, key=lambda layer: -layer.energy_j)[:3]
    console.print(
        "  most expensive layers: "
        + ", ".join(
            f"{layer.name} ({format_si(layer.energy_j, ENERGY)}, {layer.energy_j / r.energy_j:.0%})"
            for layer in top
        )
    )
    if show_layers:
        detail = Table(title="Per layer (energy excludes chip-wide static power)")
        for column in (
            "layer",
            "kind",
            "MACs (M)",
            "cycles",
            "util",
            "start",
            "end",
            "energy",
            "DRAM",
            "pinned",
        ):
            detail.add_column(column, justify="left" if column in ("layer", "kind") else "right")
        for layer in r.layers:
            detail.add_row(
                layer.name,
                layer.kind,
                f"{layer.macs / 1e6:,.2f}",
                f"{layer.cycles:,}",
                f"{layer.utilization:.0%}" if layer.engine != "none" else "-",
                format_si(layer.start_s, TIME),
                format_si(layer.end_s, TIME),
                format_si(layer.energy_j, ENERGY),
                f"{layer.dram_bytes / 1e3:,.1f} kB",
                "yes" if layer.weights_pinned else "",
            )
        console.print(detail)


def _warn(message: Warning | str, category: type[Warning], *_: Any, **__: Any) -> None:
    Console(stderr=True).print(
        f"[bold yellow]warning:[/] {escape(str(message))}", highlight=False, soft_wrap=True
    )


def _error(message: str, status: int = 2) -> NoReturn:
    Console(stderr=True).print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    sys.exit(status)


def main() -> None:
    """Entry point: run the app; bad input (a file, a value, a flag) becomes one line on stderr
    and exit status 2."""
    warnings.showwarning = _warn
    try:
        status = app(standalone_mode=False)
    except AccelsimError as exc:
        _error(str(exc))
    except (KeyboardInterrupt, typer.Abort):
        sys.exit(130)
    except RecursionError:  # a last guard: every input has a depth limit before this
        _error("input nested too deeply to read; expected shallower nesting")
    except Exception as exc:
        # click's usage errors (a misspelled flag or command, a value of the wrong type); typer
        # may bundle its own click, so they are known by their interface, not their class
        if not (hasattr(exc, "format_message") and hasattr(exc, "exit_code")):
            raise
        message = " ".join(exc.format_message().split())
        if not message:  # no command given: the help was shown
            sys.exit(exc.exit_code)
        ctx = getattr(exc, "ctx", None)
        _error(message + (f" (see '{ctx.command_path} --help')" if ctx is not None else ""), exc.exit_code)
    sys.exit(status if isinstance(status, int) else 0)
