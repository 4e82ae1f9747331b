"""Commands that describe: the zoo, a network, the chips (and SCALE-Sim's formats), a model's
compressed size, and how small a network must get to fit."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from accelsim.cli.app import app, hw_app
from accelsim.cli.options import (
    AbitsOption,
    HwArgument,
    HwOption,
    InputShapeOption,
    JsonOption,
    NetOption,
    ParamOption,
    Pct3x3Option,
    PruneOption,
    ResolutionOption,
    SrOption,
    StrictFlag,
    WbitsOption,
    WidthOption,
    respond,
    workload_params_of,
)
from accelsim.errors import AccelsimError
from accelsim.present import console as show
from accelsim.present.files import json_text


@app.command()
def nets(json_target: JsonOption = None) -> None:
    """List the bundled network zoo: parameters, MACs and fp32 model size."""
    from accelsim.api import load_net, zoo_names

    networks = [load_net(name) for name in zoo_names()]
    document = [{k: v for k, v in net.to_dict().items() if k != "layers"} for net in networks]
    respond(json_target, json_text(document), lambda: show.networks(networks))


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

    network = load_net(net, width, resolution, input_shape, strict, workload_params_of(param, sr, pct3x3))
    respond(json_target, json_text(network.to_dict()), lambda: show.layers(network))


@hw_app.command("list")
def hw_list(json_target: JsonOption = None) -> None:
    """The bundled chips: MACs, peak TOPS, on-chip SRAM, DRAM bandwidth, power budget."""
    from accelsim.load import bundled_names, load_hw
    from accelsim.present.documents import hw_summary

    chips = [load_hw(name) for name in bundled_names("hw_configs")]
    respond(json_target, json_text([hw_summary(chip) for chip in chips]), lambda: show.chips(chips))


@hw_app.command("show")
def hw_show(
    hw: HwArgument,
    json_target: JsonOption = None,
    as_yaml: Annotated[
        bool, typer.Option("--yaml", help="Print the chip file as written, its memory as a level list.")
    ] = False,
) -> None:
    """Every resolved value of a config, where each default came from, and derived figures."""
    from accelsim.load import in_levels_form, load_hw
    from accelsim.present.documents import hw_document

    if as_yaml:
        import yaml

        from accelsim.present.files import write_stdout

        if json_target is not None:
            raise AccelsimError("hw show: --yaml and --json each print the chip; give one")
        write_stdout(yaml.safe_dump(in_levels_form(hw), sort_keys=False))
        return
    chip = load_hw(hw)
    respond(json_target, json_text(hw_document(chip)), lambda: show.chip(chip))


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
    from accelsim.errors import closest
    from accelsim.hw.resolve import DEFAULT_TABLE
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
    low, high = DEFAULT_TABLE.nodes[-1], DEFAULT_TABLE.nodes[0]  # the nodes the energy scaling covers
    if not low <= node <= high:
        raise AccelsimError(f"--node: expected {low} to {high} nm, got {node:g}")
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
    respond(json_target, json_text(report.to_dict()), lambda: show.compression(report, link))


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
    batch: Annotated[
        int, typer.Option("--batch", min=1, help="With --context: sequences whose caches share the chip.")
    ] = 1,
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
    if batch != 1 and not context:
        raise AccelsimError("fit: --batch goes with --context (the sequences whose caches share the chip)")
    if context:
        from accelsim.apps.generate import longest_context

        most = longest_context(net, hw, batch)
        document = {"network": Path(net).stem, "hardware": hw, "batch": batch, "longest_context_tokens": most}
        respond(
            json_target,
            json_text(document),
            lambda: show.longest_context(Path(net).stem, load_hw(hw), most, batch),
        )
    elif sram:
        needed = smallest_sram(net, hw)
        respond(json_target, json_text(needed.to_dict()), lambda: show.sram_needed(needed))
    else:
        answer = fit(net, hw)
        respond(json_target, json_text(fit_document(answer, top)), lambda: show.fit(answer, top))
