"""The `accelsim` command line: options parsed here, work done by api/apps, output by present.
Bad input ends with one line on stderr and exit status 2."""

from __future__ import annotations

import errno
import json
import math
import sys
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal

import typer
from typer.core import TyperGroup

from accelsim.errors import AccelsimError
from accelsim.limits import MAX_SWEEP_WORKERS
from accelsim.present import console as show
from accelsim.present.files import check_finite

COMMAND_ORDER = ("run", "info", "nets", "hw", "compare", "sweep", "compress", "fit", "trend")


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
        """A command whose on/off options show as flags in its help: typer would print `<bool>`
        beside them, as if they took a value."""
        command = super().get_command(ctx, name)
        for param in getattr(command, "params", ()):
            if getattr(param, "is_flag", False) and hasattr(param, "display_type_rich"):
                param.display_type_rich = lambda ctx: None
        return command


def _bare_json(argv: list[str]) -> list[str]:
    """`--json` with no file (last, or before another option) means stdout: `--json -`."""
    out = []
    for i, arg in enumerate(argv):
        out.append(arg)
        following = argv[i + 1] if i + 1 < len(argv) else None
        if arg == "--json" and (following is None or (following.startswith("-") and following != "-")):
            out.append("-")
    return out


app = typer.Typer(
    help="Energy and memory simulator for DNN accelerators.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    cls=_Commands,
)

NetOption = Annotated[
    str,
    typer.Option(
        "--net",
        "-n",
        help="Zoo name, or a path to a workload YAML, a SCALE-Sim topology CSV or an ONNX model.",
    ),
]
HwOption = Annotated[str, typer.Option("--hw", help="Bundled chip name or path to a config YAML.")]
WidthOption = Annotated[float, typer.Option("--width", help="Width multiplier alpha (MobileNet).")]
ResolutionOption = Annotated[
    int | None, typer.Option("--resolution", help="Input resolution in pixels (square).")
]
ModeOption = Annotated[
    Literal["steady", "cold"],
    typer.Option("--mode", help="steady (per inference in a stream) or cold (weights loaded first)."),
]
JsonOption = Annotated[
    str | None,
    typer.Option(
        "--json",
        metavar="[FILE]",
        help="The answer as JSON: to FILE, or to stdout when no file (or -) is given.",
    ),
]


def _answer(json_target: str | None, document: Any, render: Callable[[], None]) -> None:
    """A command's answer, checked finite: `--json FILE` writes it there and shows the console
    view too; `--json` (or `--json -`) prints it alone on stdout; else the console view."""
    from accelsim.present.files import json_text, write_output

    text = json_text(document)
    if json_target is not None:
        write_output(json_target, text, "--json")
        if json_target == "-":
            return
    render()
    if json_target is not None:
        show.note(f"JSON written to {json_target}")


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
ReportOption = Annotated[
    str | None,
    typer.Option(
        "--report", help="Write a report: .html; or every figure as .png/.svg (numbered) or one .pdf."
    ),
]
PlotlyJsOption = Annotated[
    str | None,
    typer.Option(
        "--plotlyjs",
        help="An HTML report's plotly.js: inline (works offline, ~4.7 MB), cdn, or directory "
        "(plotly.min.js beside the report). Default inline.",
    ),
]


FigureSizeOption = Annotated[
    str | None,
    typer.Option("--figure-size", metavar="WxH", help="Static --report images: pixels, e.g. 1200x800."),
]
FigureScaleOption = Annotated[
    float,
    typer.Option("--figure-scale", help="Static --report images: resolution scale (2 = twice the pixels)."),
]


def _figure(size: str | None, scale: float, report: str | None) -> Any:
    """--figure-size WxH and --figure-scale, for .png/.svg/.pdf reports only."""
    from accelsim.present.report import IMAGE_FORMATS, FigureSize

    if (size is not None or scale != 1.0) and not (report and report.lower().endswith(IMAGE_FORMATS)):
        raise AccelsimError("--figure-size and --figure-scale apply to a .png, .svg or .pdf --report")
    width = height = None
    if size is not None:
        parts = size.lower().split("x")
        if len(parts) != 2 or not all(p.strip().isdigit() and 10 <= int(p) <= 20_000 for p in parts):
            raise AccelsimError(
                f"--figure-size: expected WIDTHxHEIGHT in pixels (10 to 20000), like 1200x800, got '{size}'"
            )
        width, height = (int(p) for p in parts)
    if not (math.isfinite(scale) and 0.1 <= scale <= 10):
        raise AccelsimError(f"--figure-scale: expected 0.1 to 10, got {scale:g}")
    return FigureSize(width, height, scale)


def _plotlyjs(plotlyjs: str | None, report: str | None) -> str:
    """--plotlyjs applies to an HTML --report only: given without one, it would be ignored."""
    if plotlyjs is not None and not (report and report.lower().endswith((".html", ".htm"))):
        raise AccelsimError(
            "--plotlyjs applies to an HTML report; give --report FILE.html, or drop --plotlyjs"
        )
    return plotlyjs or "inline"


SrOption = Annotated[float | None, typer.Option("--sr", help="SqueezeNet squeeze ratio (= --param sr=...).")]
Pct3x3Option = Annotated[
    float | None,
    typer.Option("--pct3x3", help="SqueezeNet share of 3x3 expand filters (= --param pct3x3=...)."),
]


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
    for name, given in (("sr", sr), ("pct3x3", pct3x3)):
        if given is not None:
            params[name] = given
    return params


@app.command()
def nets(json_target: JsonOption = None) -> None:
    """List the bundled network zoo: parameters, MACs and fp32 model size."""
    from accelsim.api import load_net, zoo_names

    networks = [load_net(name) for name in zoo_names()]
    document = [{k: v for k, v in net.to_dict().items() if k != "layers"} for net in networks]
    _answer(json_target, document, lambda: show.networks(networks))


@app.command()
def info(
    net: NetOption,
    width: WidthOption = 1.0,
    resolution: ResolutionOption = None,
    json_target: JsonOption = None,
    input_shape: InputShapeOption = None,
    strict: StrictFlag = False,
    param: ParamOption = None,
    sr: SrOption = None,
    pct3x3: Pct3x3Option = None,
) -> None:
    """Per-layer shapes, parameters and MACs of one network."""
    from accelsim.api import load_net

    network = load_net(net, width, resolution, input_shape, strict, _params(param, sr, pct3x3))
    _answer(json_target, network.to_dict(), lambda: show.layers(network))


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
HwArgument = Annotated[str, typer.Argument(help="Bundled config name or path to a YAML file.")]


@hw_app.command("list")
def hw_list(json_target: JsonOption = None) -> None:
    """The bundled chips: MACs, peak TOPS, on-chip SRAM, DRAM bandwidth, power budget."""
    from accelsim.load import bundled_names, load_hw
    from accelsim.present.documents import hw_summary

    chips = [load_hw(name) for name in bundled_names("hw_configs")]
    _answer(json_target, [hw_summary(chip) for chip in chips], lambda: show.chips(chips))


@hw_app.command("show")
def hw_show(hw: HwArgument, json_target: JsonOption = None) -> None:
    """Every resolved value of a config, where each default came from, and derived figures."""
    from accelsim.load import load_hw
    from accelsim.present.documents import hw_document

    chip = load_hw(hw)
    _answer(json_target, hw_document(chip), lambda: show.chip(chip))


@hw_app.command("schema")
def hw_schema_command() -> None:
    """JSON Schema of the accelerator config format (for editor validation and completion)."""
    from accelsim.hw.schema import hw_schema

    show.print_json(hw_schema())


@hw_app.command("import-scalesim")
def hw_import_scalesim(
    cfg: Annotated[Path, typer.Argument(help="A SCALE-Sim config (.cfg).")],
    out: Annotated[str, typer.Option("--out", "-o", help="Chip YAML to write, or - for stdout.")] = "-",
    clock: Annotated[
        str, typer.Option("--clock", help="Not in SCALE-Sim configs: the array clock.")
    ] = "1 GHz",
    node: Annotated[
        float, typer.Option("--node", help="Not in SCALE-Sim configs: technology node, nm.")
    ] = 45.0,
    dram: Annotated[str, typer.Option("--dram", help="Not in SCALE-Sim configs: DRAM type.")] = "ddr4",
    power_budget: Annotated[
        str, typer.Option("--power-budget", help="Not in SCALE-Sim configs: the chip's power budget.")
    ] = "2 W",
) -> None:
    """A SCALE-Sim config as an accelsim chip YAML (array, dataflow, SRAMs, bandwidth), each
    value's origin in a comment; energies from the default table."""
    from typing import get_args

    import yaml

    from accelsim import units
    from accelsim.energy.default import TABLE_NODES
    from accelsim.errors import closest
    from accelsim.hw.schema import DramType
    from accelsim.load import chip_from_cfg, parse_hw
    from accelsim.present.files import write_output

    units.parse_cli(clock, units.FREQUENCY, "--clock")
    units.parse_cli(power_budget, units.POWER, "--power-budget")
    if dram not in get_args(DramType):
        raise AccelsimError(
            f"--dram: expected one of {', '.join(get_args(DramType))}, got '{dram}'"
            + closest(dram, get_args(DramType))
        )
    if not TABLE_NODES[-1] <= node <= TABLE_NODES[0]:  # the nodes the energy scaling covers
        raise AccelsimError(f"--node: expected {TABLE_NODES[-1]} to {TABLE_NODES[0]} nm, got {node:g}")
    data, notes = chip_from_cfg(cfg, clock, node, dram, power_budget)
    parse_hw(data, str(cfg))  # a config SCALE-Sim accepts but accelsim cannot use fails here
    text = "".join(f"# {line}\n" for line in notes) + yaml.safe_dump(data, sort_keys=False)
    write_output(out, text, "--out")
    if out != "-":
        show.note(f"chip '{data['name']}' written to {out}")


@app.command("export-scalesim")
def export_scalesim(
    net: Annotated[
        str | None, typer.Option("--net", "-n", help="Network to write as a topology CSV.")
    ] = None,
    hw: Annotated[str | None, typer.Option("--hw", help="Chip to write as a SCALE-Sim .cfg.")] = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder to write into.")] = Path("."),
    width: WidthOption = 1.0,
    resolution: ResolutionOption = None,
    input_shape: InputShapeOption = None,
) -> None:
    """Write a network as a SCALE-Sim topology CSV and/or a chip as a SCALE-Sim config, to run
    the same workload in SCALE-Sim v3; prints its command line."""
    from accelsim.api import load_net
    from accelsim.load import load_hw
    from accelsim.present.files import file_in, write_output
    from accelsim.present.scalesim import chip_cfg, topology_csv

    if net is None and hw is None:
        raise AccelsimError("export-scalesim: give --net (a topology CSV), --hw (a .cfg), or both")
    if out.exists() and not out.is_dir():
        raise AccelsimError(f"--out: {out} is a file; expected a folder (it is made if missing)")
    files: dict[str, tuple[Path, str]] = {}  # made whole before any is written
    left_out: list[str] = []
    if hw is not None:
        chip = load_hw(hw)
        files["-c"] = (file_in(out, chip.name, ".cfg"), chip_cfg(chip))
    if net is not None:
        network = load_net(net, width, resolution, input_shape)
        text, left_out = topology_csv(network)
        files["-t"] = (file_in(out, network.name, ".csv"), text)
    for path, text in files.values():
        write_output(path, text, "--out")
    if left_out:
        show.console.print(f"left out (SCALE-Sim cannot express them): {', '.join(left_out)}", style="yellow")
    for path, _ in files.values():
        show.console.print(f"wrote {path}")
    flags = " ".join(f"{flag} {path}" for flag, (path, _) in files.items())
    command = f"python -m scalesim.scale {flags} -p scalesim_logs"
    show.console.print(f"run it in SCALE-Sim v3: {command}", soft_wrap=True, highlight=False)


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
    json_target: JsonOption = None,
) -> None:
    """Stored model size per layer: dense fp32 -> quantized -> pruned (+index) -> Huffman-coded."""
    from accelsim import units
    from accelsim.api import load_net, onnx_weights
    from accelsim.apps.compress import compression_report
    from accelsim.load import resolve_spec

    network = load_net(net, width=width, resolution=resolution)
    spec = resolve_spec(preset, network.name, wbits, abits, prune)
    if spec is None:
        raise AccelsimError("compress: give --preset, or at least one of --wbits, --prune")
    weights = onnx_weights(net, None, width, resolution) if spec.huffman else None
    link_bps = units.parse_cli(link, units.BANDWIDTH, "--link") if link else None
    report = compression_report(network, spec, weights, link_bps)
    _answer(json_target, report.to_dict(), lambda: show.compression(report, link))


@app.command("fit")
def fit_command(
    hw: HwOption,
    net: NetOption,
    top: Annotated[
        int, typer.Option("--top", min=1, max=1000, help="How many fitting candidates to list.")
    ] = 5,
    sram: Annotated[
        bool,
        typer.Option(
            "--sram", help="Instead: the smallest SRAM at which the weights, and the working set, fit."
        ),
    ] = False,
    context: Annotated[
        bool,
        typer.Option(
            "--context", help="Instead, for a decoder (gpt2): the longest context whose KV cache fits."
        ),
    ] = False,
    json_target: JsonOption = None,
) -> None:
    """How small must a network get to fit the chip? Width, resolution, bits and pruning.
    With --sram: how big must the chip's SRAM get for the network as it is?
    With --context: how many tokens' keys and values can a decoder keep on chip?"""
    from accelsim.apps.fit import fit, smallest_sram
    from accelsim.load import load_hw
    from accelsim.present.documents import fit_document

    if context and sram:
        raise AccelsimError("fit: --context and --sram ask different questions; give one of them")
    if context:
        from accelsim.apps.generate import longest_context

        most = longest_context(net, hw)
        document = {"network": Path(net).stem, "hardware": hw, "longest_context_tokens": most}
        _answer(json_target, document, lambda: show.longest_context(Path(net).stem, load_hw(hw), most))
    elif sram:
        needed = smallest_sram(net, hw)
        _answer(json_target, needed.to_dict(), lambda: show.sram_needed(needed))
    else:
        answer = fit(net, hw)
        _answer(json_target, fit_document(answer, top), lambda: show.fit(answer, top))


def _years(text: str) -> list[float]:
    """`0..10` (every year), `0..10..5` (a step) or `0,3,10`; counted before any is made."""
    from accelsim.apps.trend import check_years, year_range

    try:
        parts = [float(part) for part in text.split(".." if ".." in text else ",")]
    except ValueError:
        parts = []
    if not parts or (".." in text and len(parts) not in (2, 3)):
        raise AccelsimError(f"--years: expected FIRST..LAST[..STEP] or a list like 0,5,10, got '{text}'")
    if ".." in text:
        first, last, *step = parts
        return check_years(year_range(first, last, step[0] if step else 1.0, "--years"), "--years")
    return check_years(parts, "--years")


@app.command("trend")
def trend_command(
    hw: HwOption,
    net: Annotated[
        list[str], typer.Option("--net", "-n", help="Zoo name, workload YAML or ONNX file (repeatable).")
    ],
    years: Annotated[str, typer.Option("--years", help="Years ahead: 0..10, 0..10..2 or 0,5,10.")] = "0..10",
    trends: Annotated[
        str, typer.Option("--trends", help="Bundled trends name or a trends YAML file.")
    ] = "default",
    report: ReportOption = None,
    plotlyjs: PlotlyJsOption = None,
    figure_size: FigureSizeOption = None,
    figure_scale: FigureScaleOption = 1.0,
    json_target: JsonOption = None,
) -> None:
    """Will memory dominate? Each network's energy and memory share, year by year, on this chip
    with its compute, SRAM and DRAM energies projected by a trends file; weights on chip vs in
    DRAM."""
    plotlyjs = _plotlyjs(plotlyjs, report)
    figure = _figure(figure_size, figure_scale, report)
    from accelsim.apps.trend import trend

    result = trend(net, hw, _years(years), trends)
    check_finite(result.to_dict())
    if report:
        from accelsim.present.report import trend_report

        trend_report(result, report, plotlyjs, figure)
        show.note(f"report written to {report}")
    _answer(json_target, result.to_dict(), lambda: show.trend(result))


def _workers(text: str) -> list[int]:
    """`1,2,4,8` or `1..256` (powers of two from the first to the last)."""
    try:
        if ".." in text:
            first, last = (int(part) for part in text.split(".."))
            counts = [2**k for k in range(first.bit_length() - 1, last.bit_length()) if first <= 2**k <= last]
        else:
            counts = [int(part) for part in text.split(",")]
        if counts and all(c >= 1 for c in counts):
            return counts
    except ValueError:
        pass
    raise AccelsimError(f"--workers: expected a list like 1,2,4,8 or a range like 1..256, got '{text}'")


@app.command("train-scale")
def train_scale_command(
    net: Annotated[
        list[str], typer.Option("--net", "-n", help="Zoo name, workload YAML or ONNX file (repeatable).")
    ],
    cluster: Annotated[str, typer.Option("--cluster", help="Bundled cluster name or a cluster YAML file.")],
    workers: Annotated[
        str, typer.Option("--workers", help="Worker counts: 1,2,4,8 or 1..256 (powers of two).")
    ] = "1..256",
    batch: Annotated[int, typer.Option("--batch", help="Global batch, split across the workers.")] = 1024,
    algorithm: Annotated[
        list[str],
        typer.Option("--algorithm", help="reduction_tree, ring or parameter_server (repeatable)."),
    ] = ["reduction_tree"],  # noqa: B006 - typer reads the default, never mutates it
    overlap: Annotated[
        bool, typer.Option("--overlap", help="Send each layer's gradients during the backward pass.")
    ] = False,
    report: ReportOption = None,
    plotlyjs: PlotlyJsOption = None,
    figure_size: FigureSizeOption = None,
    figure_scale: FigureScaleOption = 1.0,
    json_target: JsonOption = None,
) -> None:
    """Do small DNNs train faster on clusters? Data-parallel training time per iteration, split
    into compute and gradient communication, speedup and efficiency from 1 to N workers."""
    plotlyjs = _plotlyjs(plotlyjs, report)
    figure = _figure(figure_size, figure_scale, report)
    from accelsim.apps.train_scale import train_scale

    counts = _workers(workers)
    results = [train_scale(n, cluster, counts, batch, a, overlap) for n in net for a in algorithm]
    check_finite([r.to_dict() for r in results])
    if report:
        from accelsim.present.report import train_scale_report

        train_scale_report(results, report, plotlyjs, figure)
        show.note(f"report written to {report}")
    _answer(json_target, [r.to_dict() for r in results], lambda: show.train_scale(results))


def _listed(values: list[str]) -> list[str]:
    """Repeated options and comma-separated values, in order: --hw a,b --hw c -> [a, b, c]."""
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


@app.command()
def compare(
    hw: Annotated[
        list[str],
        typer.Option(
            "--hw",
            help="Chips: bundled names or YAML files, comma-separated or repeated; 'all' (every bundled "
            "chip) or a folder (every chip YAML in it).",
        ),
    ],
    net: Annotated[
        list[str],
        typer.Option("--net", "-n", help="Networks: zoo names, workload YAMLs or ONNX files (as --hw)."),
    ],
    mode: ModeOption = "steady",
    batch: Annotated[int, typer.Option("--batch", help="Inferences per batch.")] = 1,
    report: ReportOption = None,
    plotlyjs: PlotlyJsOption = None,
    figure_size: FigureSizeOption = None,
    figure_scale: FigureScaleOption = 1.0,
    json_target: JsonOption = None,
    stray: Annotated[list[str] | None, typer.Argument(hidden=True)] = None,
) -> None:
    """Every chip on every network: one table per metric (fits on chip, latency, energy, its
    dynamic and static parts, power, memory share, DRAM share), networks down, chips across,
    the best chip of each row marked; notes when the chips are not like for like."""
    plotlyjs = _plotlyjs(plotlyjs, report)
    figure = _figure(figure_size, figure_scale, report)
    from accelsim.account.result import summary
    from accelsim.apps.compare import compare_chips, compare_results, fairness_notes

    if stray:
        raise AccelsimError(
            f"compare: '{stray[0]}' follows no option; list chips and networks with commas or repeated "
            "options, e.g. --hw 2W_npu,eyeriss --net squeezenet --net alexnet"
        )
    chips = compare_chips(_listed(hw))
    results = compare_results(chips, _listed(net), mode=mode, batch=batch)
    notes = fairness_notes(chips)
    rows = [summary(r) for r in results]
    check_finite(rows)
    if report:
        from accelsim.present.report import compare_report

        compare_report(results, report, notes, plotlyjs, figure)
        show.note(f"report written to {report}")
    _answer(json_target, {"rows": rows, "notes": notes}, lambda: show.comparison(rows, notes))


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


@sweep_app.command("run")
def sweep_run(
    spec: Annotated[str, typer.Argument(help="A sweep spec YAML.")],
    out: Annotated[str, typer.Option("--out", help="SQLite file for the results.")] = "sweep.db",
    resume: Annotated[bool, typer.Option("--resume", help="Continue an interrupted sweep.")] = False,
    dask: Annotated[
        str | None, typer.Option("--dask", help="Dask scheduler address, or 'local' for a LocalCluster.")
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers", min=1, max=MAX_SWEEP_WORKERS, help="Worker processes (default: all cores)."
        ),
    ] = None,
    max_points: Annotated[
        int | None,
        typer.Option(
            "--max-points", min=1, help="Refuse a spec with more points than this (default 1,000,000)."
        ),
    ] = None,
) -> None:
    """Run a sweep spec: every point on every network, stored row by row in SQLite (resumable)."""
    from accelsim.apps.sweep import load_sweep, run_sweep

    loaded, base = load_sweep(spec, max_points)
    with show.sweep_progress() as on_progress:
        try:
            counts = run_sweep(
                loaded,
                base,
                Path(out),
                resume=resume,
                dask=dask,
                workers=workers,
                on_progress=on_progress,
                max_points=max_points,
            )
        except KeyboardInterrupt:
            show.warning(f"stopped: finished rows are kept in {out}; --resume continues")
            sys.exit(130)
    show.sweep_done(out, counts)


@sweep_app.command("show")
def sweep_show(
    db: Annotated[Path, typer.Argument(help="A sweep's results database.")],
    onchip: Annotated[
        bool,
        typer.Option("--onchip", help="On-chip SRAM bytes as a third Pareto objective (smaller is better)."),
    ] = False,
    csv: Annotated[str | None, typer.Option("--csv", help="Export every row as CSV.")] = None,
    parquet: Annotated[str | None, typer.Option("--parquet", help="Export every row as Parquet.")] = None,
    report: ReportOption = None,
    plotlyjs: PlotlyJsOption = None,
    figure_size: FigureSizeOption = None,
    figure_scale: FigureScaleOption = 1.0,
    json_target: JsonOption = None,
) -> None:
    """A sweep's results: the Pareto front of energy and latency; exports and a report."""
    plotlyjs = _plotlyjs(plotlyjs, report)
    figure = _figure(figure_size, figure_scale, report)
    from accelsim.apps.sweep import pareto_front, read_results
    from accelsim.present.files import write_output

    frame = read_results(db)
    front = pareto_front(frame, ["energy_j", "latency_s", *(["onchip_bytes"] if onchip else [])])
    if csv:
        write_output(csv, frame.to_csv(index=False), "--csv")
    if parquet:
        try:
            write_output(parquet, frame.to_parquet(index=False), "--parquet")
        except ImportError:
            raise AccelsimError("--parquet needs pyarrow: pip install 'accelsim[parquet]'") from None
    if report:
        from accelsim.present.report import sweep_report

        sweep_report(frame, front, report, plotlyjs, figure)
    for kind, written in (("CSV", csv), ("Parquet", parquet), ("report", report)):
        if written:
            show.note(f"{kind} written to {written}")
    pareto = json.loads(front.to_json(orient="records"))
    document = {"rows": len(frame), "axes": frame.attrs["axes"], "pareto": pareto}
    _answer(json_target, document, lambda: show.sweep_front(db, frame, front, onchip))


@app.command()
def run(
    hw: HwOption,
    net: NetOption,
    mode: ModeOption = "steady",
    batch: Annotated[int, typer.Option("--batch", help="Inferences per batch.")] = 1,
    fps: Annotated[float | None, typer.Option("--fps", help="Operating frame rate for power.")] = None,
    width: WidthOption = 1.0,
    resolution: ResolutionOption = None,
    layers: Annotated[bool, typer.Option("--layers", help="Add the per-layer table.")] = False,
    json_target: JsonOption = None,
    input_shape: InputShapeOption = None,
    strict: StrictFlag = False,
    compress: CompressOption = None,
    wbits: WbitsOption = None,
    abits: AbitsOption = None,
    prune: PruneOption = None,
    param: ParamOption = None,
    sr: SrOption = None,
    pct3x3: Pct3x3Option = None,
    report: ReportOption = None,
    plotlyjs: PlotlyJsOption = None,
    figure_size: FigureSizeOption = None,
    figure_scale: FigureScaleOption = 1.0,
    seq_len: Annotated[
        int | None,
        typer.Option("--seq-len", min=1, help="Tokens per sequence (= --param seq=...): BERT, GPT-2..."),
    ] = None,
    context: Annotated[
        int | None,
        typer.Option("--context", help="Decoders: prompt tokens before generating (with --tokens)."),
    ] = None,
    tokens: Annotated[
        int | None, typer.Option("--tokens", help="Decoders: tokens to generate after --context (KV cache).")
    ] = None,
) -> None:
    """Simulate a network on an accelerator: fit on chip, latency, energy, power, memory share.
    A decoder (gpt2) with --context C --tokens N: prefill C tokens, then generate N."""
    plotlyjs = _plotlyjs(plotlyjs, report)
    figure = _figure(figure_size, figure_scale, report)
    from accelsim.api import load_net, onnx_weights, simulate
    from accelsim.load import resolve_spec

    params = _params(param, sr, pct3x3)
    if seq_len is not None:
        params["seq"] = seq_len
    if context is not None or tokens is not None:
        _generate(hw, net, context, tokens, batch, params, compress, wbits, abits, prune, json_target, report)
        return
    network = load_net(net, width, resolution, input_shape, strict, params)
    spec = resolve_spec(compress, network.name, wbits, abits, prune)
    weights = onnx_weights(net, input_shape, width, resolution) if spec and spec.huffman else None
    result = simulate(network, hw, mode=mode, batch=batch, fps=fps, compression=spec, weights=weights)
    document = result.to_dict()
    check_finite(document)
    if report is not None:
        from accelsim.present.report import run_report

        run_report(result, report, plotlyjs, figure)
        show.note(f"report written to {report}")
    _answer(json_target, document, lambda: show.result(result, layers))


def _generate(
    hw: str,
    net: str,
    context: int | None,
    tokens: int | None,
    batch: int,
    params: dict[str, float],
    compress: str | None,
    wbits: int | None,
    abits: int | None,
    prune: float | None,
    json_target: str | None,
    report: str | None,
) -> None:
    """`run --context C --tokens N`: text generation with a decoder workload."""
    from accelsim.apps.generate import generate
    from accelsim.load import resolve_spec

    if context is None or tokens is None:
        raise AccelsimError(
            "--context and --tokens go together: the prompt's tokens and the tokens to generate"
        )
    if report is not None:
        raise AccelsimError("--report draws one pass; with --context/--tokens write --json instead")
    if "seq" in params or "past" in params:
        raise AccelsimError(
            "--context/--tokens set the decoder's seq and past themselves; drop --seq-len/--param"
        )
    spec = resolve_spec(compress, Path(net).stem, wbits, abits, prune)
    result = generate(net, hw, context, tokens, batch, spec, params)
    _answer(json_target, result.to_dict(), lambda: show.generation(result))


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
