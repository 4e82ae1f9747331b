"""Console output (rich): the tables and lines each command prints. Numbers carry their units
(units.format_si); piped output gets a wide console so each row stays on one line."""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from accelsim import units
from accelsim.account.result import AREA_LABELS, COMPONENT_LABELS, STATIC_LABELS, STATIC_PARTS
from accelsim.hw.enums import Level, TensorKind
from accelsim.units import (
    BANDWIDTH,
    BYTES,
    ENERGY,
    ENERGY_PER_BYTE,
    FREQUENCY,
    LENGTH,
    POWER,
    TIME,
    format_si,
)

if TYPE_CHECKING:  # annotations only: the commands import what they run
    from accelsim.account.result import Result
    from accelsim.apps.compress import CompressionReport
    from accelsim.apps.fit import FitAnswer, SramAnswer
    from accelsim.hw.chip import Accelerator
    from accelsim.ir.network import Network, Shape

# The metrics `compare` tabulates: (result field, title, column header, unit kind, "plain" for a
# number in the header's unit, or None for a flag or a fraction; lower is better: True, higher:
# False, None: neither).
COMPARE_METRICS: tuple[tuple[str, str, str, units.Kind | str | None, bool | None], ...] = (
    ("weights_fit_on_chip", "weights fit on chip", "fits", None, None),
    ("latency_s", "latency", "latency", TIME, True),
    ("energy_j", "energy per inference", "energy", ENERGY, True),
    (
        "energy_dynamic_j",
        "dynamic energy per inference (switching: MACs, memories, wires)",
        "dynamic",
        ENERGY,
        True,
    ),
    (
        "energy_memory_leakage_j",
        "memory leakage per inference (the memory levels' over the latency)",
        "leakage",
        ENERGY,
        None,
    ),
    (
        "energy_static_j",
        "static energy per inference (the rest of the chip's static power)",
        "static",
        ENERGY,
        None,
    ),
    ("power_w", "average power", "power", POWER, True),
    ("memory_share", "memory share", "memory share", None, True),
    ("dram_share", "DRAM share", "DRAM share", None, True),
    ("area_mm2", "chip area (mm²)", "area (mm²)", "plain", True),
    (
        "inferences_per_s_per_mm2",
        "throughput per area (inferences/s per mm²)",
        "fps/mm²",
        "plain",
        False,
    ),
)


def reader_gone() -> NoReturn:
    """The reader of stdout has gone (`| head`), which is its choice: drop what is left (also
    what Python would flush at exit) and end with status 0, where click and rich would say 1."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    raise SystemExit(0)


class _Console(Console):
    def on_broken_pipe(self) -> None:
        reader_gone()


console = _Console(width=None if sys.stdout.isatty() else 160)


def error(message: str) -> None:
    Console(stderr=True).print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)


def warning(message: str) -> None:
    Console(stderr=True).print(f"[bold yellow]warning:[/] {escape(message)}", highlight=False, soft_wrap=True)


def print_json(data: Any) -> None:
    """`data` as JSON on stdout (checked finite first)."""
    from accelsim.present.files import json_text, write_stdout

    write_stdout(json_text(data))


def note(message: str) -> None:
    """A message about the command's doing (a report written), on stderr: stdout stays the answer
    alone, so `--json` output parses whatever else is asked."""
    Console(stderr=True).print(escape(message), highlight=False, soft_wrap=True)


def shape(dims: Shape) -> str:
    return "x".join(str(d) for d in dims)


def in_unit(values: Sequence[float], kind: units.Kind) -> tuple[str, list[str]]:
    """A column's values in one unit, the one its largest value reads best in: the unit (for
    the header) and the numbers ('705.9 us' beside '5.074 ms' becomes 0.7059 and 5.074 ms)."""
    scale, unit = units.column_unit(values, kind)
    return unit, [f"{v / scale:.4g}" for v in values]


def _bytes(value: float) -> str:
    return format_si(value, BYTES)


def networks(nets: Sequence[Network]) -> None:
    table = Table(title="Network zoo (batch 1)")
    table.add_column("name", no_wrap=True)
    for column in ("input", "params (M)", "MACs (G)", "fp32 (MiB)"):
        table.add_column(column, justify="right", no_wrap=True)
    table.add_column("description")
    for net in nets:
        table.add_row(
            net.name,
            shape(net.input_shape),
            f"{net.params / 1e6:.3f}",
            f"{net.macs / 1e9:.3f}",
            f"{net.weight_bytes(32) / 2**20:.2f}",
            net.description,
        )
    console.print(table)


def layers(network: Network) -> None:
    table = Table(title=f"{network.name}: {network.description}")
    for column in ("layer", "kind", "input", "output", "params", "MACs (M)", "weights (KiB fp32)"):
        table.add_column(column, justify="left" if column in ("layer", "kind") else "right")
    for layer in network.layers:
        table.add_row(
            layer.name,
            layer.kind,
            " + ".join(shape(s) for s in layer.input_shapes),
            shape(layer.output_shape),
            f"{layer.params:,}",
            f"{layer.macs / 1e6:,.2f}",
            f"{layer.weight_bytes(32) / 2**10:,.1f}",
        )
    console.print(table)
    console.print(
        f"[bold]{escape(network.name)}[/]: {network.params:,} parameters, {network.macs / 1e6:,.1f} M MACs, "
        f"{network.vector_ops / 1e6:,.1f} M vector ops, {_bytes(network.weight_bytes(32))} of fp32 "
        f"weights, input {shape(network.input_shape)}"
    )


def chips(accelerators: Sequence[Accelerator]) -> None:
    table = Table(title="Bundled accelerators")
    table.add_column("name", no_wrap=True)
    for column in ("MACs", "peak TOPS", "on-chip SRAM", "DRAM BW", "budget"):
        table.add_column(column, justify="right", no_wrap=True)
    table.add_column("description")
    sram_unit, srams = in_unit([chip.onchip_bytes for chip in accelerators], BYTES)
    bandwidth_unit, bandwidths = in_unit(
        [chip.main_memory.bandwidth_bytes_per_s or 0 for chip in accelerators], BANDWIDTH
    )
    budget_unit, budgets = in_unit([chip.power_budget_w for chip in accelerators], POWER)
    table.columns[3].header = f"on-chip SRAM ({sram_unit})"
    table.columns[4].header = f"DRAM BW ({bandwidth_unit})"
    table.columns[5].header = f"budget ({budget_unit})"
    for i, chip in enumerate(accelerators):
        table.add_row(
            chip.name,
            f"{chip.macs:,}",
            f"{chip.peak_tops:.3g}",
            srams[i],
            bandwidths[i],
            budgets[i],
            chip.config.description,
        )
    console.print(table)


def chip(chip: Accelerator) -> None:
    """Every resolved value of a chip, its source, and derived figures."""
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
        ("vdd", f"{chip.technology.vdd:g} V", src.get("vdd", "config")),
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
        ("compute.fuse", chip.config.compute.fuse, "config"),
        (
            "memory.tile_buffers, priority",
            f"{chip.config.memory.tile_buffers} per DRAM tile; keeps {chip.config.memory.priority} first",
            "config",
        ),
    ]
    for store in chip.pe.stores.values():
        what = "registers, priced per write" if store.registers else "scratchpad, per read and write"
        rows.append(
            (
                f"compute.pe.{store.operand}",
                f"{store.words} x {store.word_bytes * 8:g} bits per PE ({what}), "
                f"{format_si(store.j_per_byte, ENERGY_PER_BYTE)}",
                f"{src[f'compute.pe.{store.operand}']}; {src[f'compute.pe.{store.operand}.energy']}",
            )
        )
    wire = (
        f"{format_si(chip.pe.transfer_j_per_byte, ENERGY_PER_BYTE)} per transfer"
        if chip.pe.transfer_j_per_byte is not None
        else f"{format_si(chip.pe.hop_j_per_byte, ENERGY_PER_BYTE)} per hop"
    )
    rows += [
        ("compute.pe.pitch", format_si(chip.pe.pitch_m, LENGTH), src["compute.pe.pitch"]),
        ("  array bus energy", wire, src["compute.pe.array_bus_energy"]),
        ("accumulators", f"{format_si(chip.accumulator_j_per_byte, ENERGY_PER_BYTE)}", src["accumulators"]),
        ("memory.bypass", ", ".join(str(o) for o in chip.bypass) or "none", "config"),
    ]
    for lvl in chip.levels:
        capacity = "unbounded" if lvl.capacity_bytes == float("inf") else _bytes(lvl.capacity_bytes)
        bandwidth = (
            format_si(lvl.bandwidth_bytes_per_s, BANDWIDTH) if lvl.bandwidth_bytes_per_s else "not limiting"
        )
        held = "+".join(lvl.holds)
        rows.append((f"memory.{lvl.name}", f"{lvl.level}, {capacity}, holds {held}, {bandwidth}", "config"))
        write = "read-only" if lvl.level == Level.FLASH else format_si(lvl.write_j_per_byte, ENERGY_PER_BYTE)
        width = f", {lvl.width_bytes:g} B accesses" if lvl.width_bytes else ""
        rows.append(
            (
                "  read / write energy",
                f"{format_si(lvl.read_j_per_byte, ENERGY_PER_BYTE)} / {write}{width}",
                src[f"memory.{lvl.name}.read_energy"],
            )
        )
        area = f", {lvl.area_m2 * 1e6:.3g} mm²" if lvl.area_m2 else ""
        rows.append(
            ("  leakage, area", f"{format_si(lvl.leakage_w, POWER)}{area}", src[f"memory.{lvl.name}.leakage"])
        )
    parts = ", ".join(
        f"{AREA_LABELS[name]} {mm2 * 1e6:.3g}" for name, mm2 in chip.area_breakdown_m2.items() if mm2
    )
    rows += [
        (
            "area",
            f"{chip.area_m2 * 1e6:.3g} mm² ({parts}); {chip.tops_per_mm2:.3g} TOPS/mm²",
            'README "Area"',
        ),
        (
            "static power",
            format_si(chip.static_w, POWER),
            chip.sources.get("static_power", 'logic leakage and clock (README "Static power")'),
        ),
        *(
            (
                f"  {STATIC_LABELS[name]}",
                format_si(watts, POWER),
                src[f"static.{name}" if name in STATIC_PARTS else name],
            )
            for name, watts in chip.static_parts_w.items()
        ),
        (
            "  + memory leakage",
            format_si(chip.memory_leakage_w, POWER),
            "the levels' (above), and the PE scratchpads' and accumulators' "
            + format_si(chip.pe_memory_leakage_w, POWER),
        ),
        ("power budget", format_si(chip.power_budget_w, POWER), "config"),
        ("peak", f"{chip.peak_tops:.3g} TOPS; MACs alone {chip.mac_tops_per_w:.3g} TOPS/W", "derived"),
        ("on-chip for weights", _bytes(chip.capacity_for(TensorKind.WEIGHTS)), "derived"),
        ("on-chip for activations", _bytes(chip.capacity_for(TensorKind.ACTIVATIONS)), "derived"),
        (
            "ridge point",
            f"{chip.ridge_macs_per_byte:.4g} MACs per DRAM byte ({1 / chip.ridge_macs_per_byte:.3g} B/MAC)",
            "derived",
        ),
    ]
    for row in rows:
        table.add_row(*row)
    console.print(table)


def compression(report: CompressionReport, link: str | None) -> None:
    network, spec, model = report.network, report.spec, report.model
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
    totals = report.to_dict()["bytes"]
    table.add_row(
        "[bold]total[/]",
        f"{network.params:,}",
        "",
        "",
        *(f"{totals[k] / 1e3:,.1f}" for k in ("dense_fp32", "quantized", "pruned", "coded")),
    )
    console.print(table)
    console.print(
        f"  {_bytes(model.dense_fp32)} -> {_bytes(model.coded)}: {model.ratio:.1f}x smaller; "
        f"{report.ratio_vs_alexnet_fp32:.0f}x smaller than 32-bit AlexNet "
        f"({_bytes(report.alexnet_fp32_bytes)})"
    )
    if report.download_s is not None:
        console.print(
            f"  over-the-air update: {_bytes(model.coded)} at {link} takes "
            f"{format_si(report.download_s, TIME)}"
        )


def fit(answer: FitAnswer, top: int) -> None:
    network, chip, best, result, fitting = (
        answer.network,
        answer.chip,
        answer.best,
        answer.result,
        answer.fitting,
    )
    flash = (
        f", {_bytes(chip.flash.capacity_bytes)} of flash for the weights (fits: weights in flash, "
        "activations on chip)"
        if chip.flash
        else ""
    )
    console.print(
        f"[bold]{network.name}[/] on [bold]{chip.name}[/]: {_bytes(chip.onchip_bytes)} on chip{flash}"
    )
    if best is None:
        smallest = answer.smallest()
        console.print(
            f"  [bold red]nothing searched fits[/]: the smallest ({smallest.width:g}x width, "
            f"{smallest.resolution} px, {smallest.weight_bits}-bit, {smallest.prune:.0%} pruned) still needs "
            f"{_bytes(smallest.weight_bytes)} of weights + "
            f"{_bytes(smallest.peak_activation_bytes)} of activations"
        )
        return
    if best.knobs_changed == 0:
        console.print("  [bold green]fits as it is[/]: no change needed")
    table = Table(title="Gentlest changes that fit (fewest knobs moved, then least severe)")
    for column in (
        "width",
        "resolution",
        "weight bits",
        "pruned",
        "weights (MiB)",
        "activations (MiB)",
        "knobs",
    ):
        table.add_column(column, justify="right")
    for c in fitting[:top]:
        table.add_row(
            f"{c.width:g}",
            str(c.resolution),
            str(c.weight_bits),
            f"{c.prune:.0%}",
            f"{c.weight_bytes / 2**20:.3f}",
            f"{c.peak_activation_bytes / 2**20:.3f}",
            str(c.knobs_changed),
        )
    console.print(table)
    if result is not None:
        console.print(
            f"  first choice on {chip.name}: latency {format_si(result.latency_s, TIME)}, "
            f"energy {format_si(result.energy_j, ENERGY)} per inference, DRAM share {result.dram_share:.1%}"
        )


def sram_needed(answer: SramAnswer) -> None:
    def at(capacity: int | None, area: tuple[float, float] | None) -> str:
        if capacity is None:
            return "no size up to 1 TiB"
        cost = f": the buffer {area[0]:.3g} mm², the chip {area[1]:.3g} mm²" if area else ""
        return f"{_bytes(capacity)} ({capacity:,} B){cost}"

    console.print(
        f"[bold]{escape(answer.network.name)}[/] on [bold]{escape(answer.chip.name)}[/], sizing "
        f"{answer.field} ({_bytes(answer.chip.capacity_for(TensorKind.WEIGHTS))} now):"
    )
    fit = at(answer.weights_fit_bytes, answer.weights_fit_area_mm2)
    console.print(f"  weights ({_bytes(answer.weight_bytes)}) fit from {fit}")
    held = "weights in flash, " if answer.chip.flash else "weights + "
    console.print(
        f"  working set ({held}{_bytes(answer.peak_activation_bytes)} of peak live activations) fits "
        f"from {at(answer.working_set_fits_bytes, answer.working_set_fits_area_mm2)}"
    )


def _metric_text(value: Any, kind: units.Kind | str | None, scale: float) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return f"{value:.1%}" if kind is None else f"{value / scale:.4g}"


def _best(values: Sequence[Any], lower: bool | None) -> Any:
    """The best of a metric's values (None where the metric has no better end)."""
    if lower is None:
        return None
    return min(values) if lower else max(values)


def _one_network(rows: Sequence[dict[str, Any]]) -> None:
    """One network: chips down, metrics across, each column in one unit, the best marked."""
    table = Table(title=f"{rows[0]['network']} (best marked *)", title_justify="left")
    table.add_column("chip", no_wrap=True)
    columns = []
    for key, _, short, kind, lower in COMPARE_METRICS:
        values = [r[key] for r in rows]
        scale, unit = units.column_unit(values, kind) if isinstance(kind, units.Kind) else (1.0, "")
        table.add_column(f"{short} ({unit})" if unit else short, justify="right", no_wrap=True)
        best = _best(values, lower) if len(rows) > 1 else None
        columns.append(
            [
                f"[bold green]{_metric_text(v, kind, scale)} *[/]"
                if v == best
                else _metric_text(v, kind, scale)
                for v in values
            ]
        )
    for i, row in enumerate(rows):
        table.add_row(row["hardware"], *(column[i] for column in columns))
    console.print(table)


def comparison(rows: Sequence[dict[str, Any]], notes: Sequence[str] = ()) -> None:
    """For one network, one table (chips down, metrics across); for several, one table per
    metric (networks down, chips across); the best marked; then the notes on what makes the
    chips not like for like."""
    chip_names = list(dict.fromkeys(r["hardware"] for r in rows))
    nets = list(dict.fromkeys(r["network"] for r in rows))
    if len(nets) == 1:
        _one_network(rows)
        for note in notes:
            console.print(f"[yellow]note:[/] {note}")
        return
    cell = {(r["network"], r["hardware"]): r for r in rows}
    for key, label, _, kind, lower in COMPARE_METRICS:
        table = Table(title=label + (" (best marked *)" if lower is not None else ""), title_justify="left")
        table.add_column("network")
        for chip in chip_names:
            table.add_column(chip, justify="right")
        scale, unit = (1.0, "")
        if isinstance(kind, units.Kind):
            scale, unit = units.column_unit((r[key] for r in rows), kind)
            table.title = f"{label} ({unit})" + (" (best marked *)" if lower is not None else "")
        for net in nets:
            values = [cell[net, chip][key] for chip in chip_names]
            best = _best(values, lower)
            shown = []
            for value in values:
                text = _metric_text(value, kind, scale)
                shown.append(
                    f"[bold green]{text} *[/]"
                    if best is not None and value == best and len(chip_names) > 1
                    else text
                )
            table.add_row(net, *shown)
        console.print(table)
    for note in notes:
        console.print(f"[yellow]note:[/] {note}")


def sweep_front(path: Path, frame: Any, front: Any, onchip: bool) -> None:
    from accelsim.apps.sweep.spec import axis_label  # (the sweep's modules load only for sweeps)

    axes = frame.attrs["axes"]
    counts = frame["status"].value_counts().to_dict()
    console.print(
        f"{path}: {len(frame)} rows ({', '.join(f'{n} {k}' for k, n in counts.items())}), "
        f"axes: {', '.join(axes)}"
    )
    title = "Pareto front: energy per inference vs latency" + (" vs on-chip SRAM bytes" if onchip else "")
    table = Table(title=title, title_justify="left")
    columns = {
        "latency": in_unit(list(front["latency_s"]), TIME),
        "energy": in_unit(list(front["energy_j"]), ENERGY),
        "on-chip": in_unit([float(v) for v in front["onchip_bytes"]], BYTES),
    }
    for column in ("network", "point", *axes, "fits"):
        table.add_column(column, justify="left" if column == "network" else "right")
    for column, (unit, _) in columns.items():
        table.add_column(f"{column} ({unit})", justify="right")
    for i, (_, row) in enumerate(front.iterrows()):
        table.add_row(
            row["network"],
            str(row["point_id"]),
            *(axis_label(a, row[a]) for a in axes),
            "yes" if row["weights_fit_on_chip"] else "no",
            *(texts[i] for _, texts in columns.values()),
        )
    console.print(table)


def result(r: Result, show_layers: bool) -> None:
    fit = "[bold green]yes[/]" if r.weights_fit_on_chip else "[bold red]no[/]"
    compressed = f", compressed ({r.compression})" if r.compression else ""
    console.print(
        f"[bold]{r.network}[/] on [bold]{r.hardware}[/]: {r.mode} state, "
        f"batch {r.batch}{_groups(r)}{compressed}"
    )
    working = "[bold green]yes[/]" if r.working_set_fits_on_chip else "[bold red]no[/]"
    console.print(
        f"  weights fit on chip: {fit} — {_bytes(r.weight_bytes)} of weights, "
        f"{_bytes(r.weight_capacity_bytes)} on chip can hold weights"
    )
    console.print(
        f"  working set fits on chip: {working} — weights + {_bytes(r.peak_activation_bytes)} of peak live "
        f"activations, {_bytes(r.onchip_bytes)} on chip"
    )
    home, from_home = (
        ("flash", r.flash_bytes) if r.flash_capacity_bytes else ("DRAM", r.dram_bytes["weights"])
    )
    if not r.working_set_fits_on_chip:
        console.print(
            f"    pinned {_bytes(r.pinned_weight_bytes)} of weights (highest reuse first); "
            f"{_bytes(from_home)} of weights from {home} per inference"
        )
    if r.flash_capacity_bytes:  # an MCU's answer: weights in flash, activations in SRAM
        in_flash = "[bold green]yes[/]" if r.weights_fit_in_flash else "[bold red]no[/]"
        kept = "[bold green]yes[/]" if r.activations_fit_on_chip else "[bold red]no[/]"
        console.print(
            f"  weights fit in flash: {in_flash} — {_bytes(r.flash_capacity_bytes)} of flash; "
            f"activations stay on chip: {kept}"
        )
    if r.kv_cache_bytes:
        kept = "[bold green]yes[/]" if r.kv_cache_fits_on_chip else "[bold red]no[/]"
        console.print(f"  KV cache stays on chip: {kept} — {_bytes(r.kv_cache_bytes)} of keys and values")
    budget = "within" if r.within_budget else "[bold red]over[/]"
    console.print(
        f"  latency {format_si(r.latency_s, TIME)}, {r.throughput_fps:,.1f} fps; "
        f"energy {format_si(r.energy_j, ENERGY)} per inference; "
        f"power {format_si(r.power_w, POWER)} with DRAM ({format_si(r.chip_power_w, POWER)} the chip "
        f"alone) at {r.fps:,.1f} fps, {budget} the {format_si(r.power_budget_w, POWER)} budget"
    )
    if r.overfilled:
        (layer, (buffer, held, capacity)), *more = r.overfilled.items()
        others = f" and {len(more)} more layer{'s' * (len(more) > 1)}" if more else ""
        verb = "overfill" if more else "overfills"
        console.print(
            f"  [bold yellow]note[/]: {layer}{others} {verb} a buffer even at the finest tiling searched "
            f"({layer}: {_bytes(held)} in {buffer}'s {_bytes(capacity)}): the model runs them over "
            "capacity, so their DRAM traffic is optimistic"
        )
    levels = "PE registers + SRAM + DRAM" + (" + flash" if r.flash_capacity_bytes else "")
    console.print(
        f"  memory share {r.memory_share:.1%} ({levels}, and their leakage; "
        f"{r.dynamic_memory_share:.1%} of the dynamic energy); DRAM share {r.dram_share:.1%}"
    )
    if r.area_mm2:
        parts = sorted(r.area_breakdown_mm2.items(), key=lambda item: -item[1])
        shown = ", ".join(f"{AREA_LABELS[name]} {mm2:.3g}" for name, mm2 in parts if mm2)
        console.print(
            f"  chip area {r.area_mm2:.3g} mm² ({shown}); "
            f"{r.inferences_per_s_per_mm2:,.1f} inferences/s per mm²"
        )
    names = r.components()
    unit, energies = in_unit([r.energy_breakdown_j[name] for name in names], ENERGY)
    table = Table(title="Energy per inference", title_justify="left")
    table.add_column("component")
    table.add_column(f"energy ({unit})", justify="right")
    table.add_column("share", justify="right")
    table.add_column("", min_width=30)
    for name, energy in zip(names, energies, strict=True):
        share = r.energy_breakdown_j[name] / r.energy_j
        table.add_row(COMPONENT_LABELS[name], energy, f"{share:.1%}", "█" * round(share * 40))
    console.print(table)
    if len(r.level_traffic) > 2:  # one buffer and DRAM: the lines above say it all
        level_table(r)
    top = sorted(r.layers, key=lambda layer: -layer.energy_j)[:3]
    console.print(
        "  most expensive layers: "
        + ", ".join(
            f"{layer.name} ({format_si(layer.energy_j, ENERGY)}, {layer.energy_j / r.energy_j:.0%})"
            for layer in top
        )
    )
    if show_layers:
        layers_table(r)


def _groups(r: Result) -> str:
    """How the batch ran, when not whole (README "Batches")."""
    if r.group_size == r.batch:
        return ""
    why = "the first loads the weights" if r.mode == "cold" else "cheaper per image than whole"
    return f" (run as {r.batch // r.group_size} groups of {r.group_size}: {why})"


def level_table(r: Result) -> None:
    """Each memory level's traffic and energy per inference, nearest the array first."""
    names = list(r.level_traffic)
    moved = [r.level_traffic[n]["read_bytes"] + r.level_traffic[n]["write_bytes"] for n in names]
    byte_unit, amounts = in_unit(moved, BYTES)
    energy_unit, energies = in_unit([r.level_traffic[n]["energy_j"] for n in names], ENERGY)
    table = Table(title="Memory levels per inference", title_justify="left")
    table.add_column("level")
    table.add_column(f"read + written ({byte_unit})", justify="right")
    table.add_column(f"energy ({energy_unit})", justify="right")
    for name, amount, energy in zip(names, amounts, energies, strict=True):
        table.add_row(name, amount, energy)
    console.print(table)


def layers_table(r: Result) -> None:
    """`run --layers`: one row per layer, each column in one unit."""
    scale, time_unit = units.si_unit(r.latency_s, TIME) if r.latency_s else (1.0, TIME.unit)
    starts = [f"{layer.start_s / scale:.4g}" for layer in r.layers]
    ends = [f"{layer.end_s / scale:.4g}" for layer in r.layers]
    energy_unit, energies = in_unit([layer.energy_j for layer in r.layers], ENERGY)
    dram_unit, drams = in_unit([layer.dram_bytes for layer in r.layers], BYTES)
    detail = Table(title="Per layer (energy excludes chip-wide static power)")
    for column in (
        "layer",
        "kind",
        "MACs (M)",
        "cycles",
        "util",
        f"start ({time_unit})",
        f"end ({time_unit})",
        f"energy ({energy_unit})",
        f"DRAM ({dram_unit})",
        "pinned",
    ):
        detail.add_column(column, justify="left" if column in ("layer", "kind") else "right")
    for i, layer in enumerate(r.layers):
        detail.add_row(
            layer.name,
            layer.kind,
            f"{layer.macs / 1e6:,.2f}",
            f"{layer.cycles:,}",
            f"{layer.utilization:.0%}" if layer.engine != "none" else "-",
            starts[i],
            ends[i],
            energies[i],
            drams[i],
            "yes" if layer.weights_pinned else "",
        )
    console.print(detail)


def generation(g: Any) -> None:
    """`run --context --tokens`: a decoder's prefill and generation (apps.generate.Generation)."""
    yes, no = "[bold green]yes[/]", "[bold red]no[/]"
    console.print(
        f"[bold]{g.network}[/] on [bold]{g.hardware}[/]: {g.context:,}-token prompt, {g.tokens:,} tokens "
        f"generated, batch {g.batch}"
    )
    console.print(
        f"  weights fit on chip: {yes if g.weights_fit_on_chip else no} — {_bytes(g.prefill.weight_bytes)} "
        f"of weights, {_bytes(g.prefill.weight_capacity_bytes)} on chip can hold weights"
    )
    console.print(
        f"  KV cache stays on chip: {yes if g.kv_cache_fits_on_chip else no} — {_bytes(g.kv_cache_bytes)} "
        f"of keys and values after {g.context + g.tokens:,} tokens"
    )
    every = f" per sequence, {g.tokens_per_s:,.1f} in all" if g.batch > 1 else ""
    console.print(
        f"  time to first token {format_si(g.time_to_first_token_s, TIME)} "
        f"(prefill, {format_si(g.prefill.energy_j, ENERGY)}); then a token every "
        f"{format_si(g.time_per_output_token_s, TIME)}: {g.tokens_per_s_per_sequence:,.1f} tokens/s{every}"
    )
    console.print(
        f"  energy per generated token {format_si(g.energy_per_token_j, ENERGY)}; memory share "
        f"{g.memory_share:.1%}, DRAM share {g.dram_share:.1%}"
    )
    per_token = {kind: value / g.tokens for kind, value in g.decode_by_tensor_j.items()}
    unit, energies = in_unit(list(per_token.values()), ENERGY)
    table = Table(title="Memory energy per generated token, by tensor", title_justify="left")
    table.add_column("tensor")
    table.add_column(f"energy ({unit})", justify="right")
    table.add_column("share of token", justify="right")
    for (kind, value), energy in zip(per_token.items(), energies, strict=True):
        table.add_row(kind, energy, f"{value / g.energy_per_token_j:.1%}")
    console.print(table)
    if len(g.steps) < g.tokens:
        console.print(
            f"  ({len(g.steps)} of the {g.tokens:,} decode steps simulated, the others interpolated)"
        )


def longest_context(network: str, chip: Accelerator, tokens: int, batch: int = 1) -> None:
    """`fit --context`: the longest context whose KV caches (one per sequence) stay on chip."""
    what = (
        f"the KV cache of up to [bold]{tokens:,}[/] tokens stays"
        if batch == 1
        else f"the KV caches of {batch:,} sequences of up to [bold]{tokens:,}[/] tokens each stay"
    )
    console.print(
        f"[bold]{network}[/] on [bold]{chip.name}[/] ({_bytes(chip.onchip_bytes)} on chip): {what} on chip "
        "while generating" + ("" if tokens else " (not even one token's: every step reads it from DRAM)")
    )


def serving(result: Any) -> None:
    """`serve`: each prompt length and batch, a row: latency per sequence, throughput over the
    batch, energy per token, and whether the caches stay on chip."""
    table = Table(
        title=f"{result.network} on {result.hardware}: {result.tokens} tokens generated per sequence",
        title_justify="left",
    )
    for column in (
        "context",
        "batch",
        "time to first token",
        "per output token",
        "tokens/s per sequence",
        "tokens/s, all",
        "energy per token",
        "memory share",
        "KV caches",
    ):
        table.add_column(column, justify="right")
    for p in result.points:
        caches = f"{_bytes(p.kv_cache_bytes)} " + ("on chip" if p.kv_cache_fits_on_chip else "[red]spill[/]")
        table.add_row(
            f"{p.context:,}",
            f"{p.batch:,}",
            format_si(p.time_to_first_token_s, TIME),
            format_si(p.time_per_output_token_s, TIME),
            f"{p.tokens_per_s_per_sequence:,.1f}",
            f"{p.tokens_per_s:,.1f}",
            format_si(p.energy_per_token_j, ENERGY),
            f"{p.memory_share:.1%}",
            caches,
        )
    console.print(table)
    longest = ", ".join(
        f"{tokens:,} tokens at batch {batch}" for batch, tokens in result.longest_context.items()
    )
    console.print(f"  caches stay on chip up to: {longest}")


@contextmanager
def sweep_progress() -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr (rows, rate, time left), fed by the sweep's on_progress(rows,
    total): first the rows already done, then each chunk's."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

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
        start: list[tuple[float, int]] = []

        def on_progress(rows: int, total: int) -> None:
            if not start:
                start.append((time.perf_counter(), rows))
                progress.update(task, total=total, completed=rows)
                return
            progress.advance(task, rows)
            elapsed = time.perf_counter() - start[0][0]
            done = progress.tasks[0].completed - start[0][1]
            progress.update(task, rate=f"{done / max(elapsed, 1e-9):,.0f} rows/s")

        yield on_progress


def trend(result: Any) -> None:
    """Year by year: node, and each network's energy and memory share, weights on chip vs in DRAM."""
    spec = result.trends
    console.print(
        f"{result.hardware}, trends '{spec.name}': compute energy x{spec.compute_per_year:.3f} per year, "
        f"DRAM x{spec.dram_per_year:.3f} per year, on-chip storage by node "
        f"(x{spec.node.shrink:g} every {spec.node.years_per_generation:g} years, down to "
        f"{spec.node.floor_nm:g} nm)"
    )
    for network, sram in result.sram_bytes.items():
        table = Table(
            title=f"{network} (SRAM {units.format_si(sram, units.BYTES)}: weights and activations fit)",
            title_justify="left",
        )
        pairs = [
            tuple(result.point(network, years, placement) for placement in ("on_chip", "in_dram"))
            for years in dict.fromkeys(p.years for p in result.points if p.network == network)
        ]
        on_unit, on_energy = in_unit([on.energy_j for on, _ in pairs], ENERGY)
        off_unit, off_energy = in_unit([off.energy_j for _, off in pairs], ENERGY)
        for column in (
            "year",
            "node (nm)",
            f"energy, weights on chip ({on_unit})",
            "memory share",
            f"energy, weights in DRAM ({off_unit})",
            "memory share",
            "DRAM share",
            "area, weights on chip (mm²)",
        ):
            table.add_column(column, justify="right")
        for i, (on, off) in enumerate(pairs):
            table.add_row(
                f"+{on.years:g}",
                f"{on.node_nm:.1f}",
                on_energy[i],
                f"{on.memory_share:.1%}",
                off_energy[i],
                f"{off.memory_share:.1%}",
                f"{off.dram_share:.1%}",
                f"{on.area_mm2:.3g}",
            )
        console.print(table)


def train_scale(results: Sequence[Any]) -> None:
    """Per network and algorithm: iteration time split into compute and communication, speedup
    and efficiency against one worker, and where communication starts to dominate."""
    for r in results:
        overlap = ", gradients sent during the backward pass" if r.overlap else ""
        table = Table(
            title=f"{r.network} on {r.cluster}: {r.algorithm.replace('_', ' ')}, batch {r.batch}{overlap} "
            f"({units.format_si(r.gradient_bytes, units.BYTES)} of gradients; backward "
            f"{r.backward_macs / r.forward_macs:.2f}x the forward MACs)",
            title_justify="left",
        )
        times = {
            name: in_unit([getattr(p, field) for p in r.points], TIME)
            for name, field in (
                ("compute", "compute_s"),
                ("communication", "communication_s"),
                ("exposed", "exposed_communication_s"),
                ("iteration", "iteration_s"),
            )
        }
        for column in ("workers", "images each", *(f"{n} ({u})" for n, (u, _) in times.items())):
            table.add_column(column, justify="right")
        for column in ("images/s", "speedup", "efficiency"):
            table.add_column(column, justify="right")
        for i, p in enumerate(r.points):
            table.add_row(
                f"{p.workers:,}",
                f"{p.images_per_worker:g}",
                *(texts[i] for _, texts in times.values()),
                f"{p.images_per_s:,.0f}",
                f"{p.speedup:.1f}x",
                f"{p.efficiency:.0%}",
            )
        console.print(table)
        crossover = r.crossover_workers
        console.print(
            f"  communication outlasts compute from {crossover:,} workers"
            if crossover
            else "  compute outlasts communication at every worker count shown"
        )


def sweep_done(out: str, counts: dict[str, int]) -> None:
    if counts["added"] == 0 and counts["before"] >= counts["total"]:
        console.print(f"{out}: sweep already complete ({counts['total']} rows); nothing to do")
    else:
        console.print(
            f"{out}: {counts['before'] + counts['added']} of {counts['total']} rows ({counts['added']} new)"
        )
