"""Pictures: plotly figures built from results, and self-contained HTML reports.

Every figure is a function of a Result (or a list of them, or a sweep's rows), so tests can
check traces and values; writing files is `write_report`'s job alone. HTML reports inline
plotly.js, so they open offline.
"""

from __future__ import annotations

import html
import io
import math
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import plotly.graph_objects as go

from accelsim import units
from accelsim.account.result import AREA_LABELS, COMPONENT_LABELS, Result
from accelsim.errors import AccelsimError, closest
from accelsim.present.files import write_output

COLORS = {
    "mac": "#4C78A8",
    "register_file": "#F58518",
    "array_bus": "#EECA3B",
    "sram": "#E45756",
    "dram": "#72B7B2",
    "flash": "#9D755D",
    "vector": "#54A24B",
    "memory_leakage": "#FF9DA6",
    "static": "#B279A2",
}


# ---------------------------------------------------------------------------- one run


def energy_breakdown(result: Result) -> go.Figure:
    """Sunburst: energy per inference by component, memory components split by tensor kind."""
    ids, labels, parents, values = ["total"], [f"{result.energy_j * 1e6:.3g} uJ"], [""], [result.energy_j]
    for name in result.components():
        ids.append(name)
        labels.append(COMPONENT_LABELS[name])
        parents.append("total")
        values.append(result.energy_breakdown_j[name])
    for comp, kinds in result.memory_energy_j.items():
        if comp not in ids:
            continue
        for kind, value in kinds.items():
            ids.append(f"{comp}/{kind}")
            labels.append(kind)
            parents.append(comp)
            values.append(value)
    fig = go.Figure(
        go.Sunburst(
            ids=ids,
            labels=labels,
            parents=parents,
            values=values,
            branchvalues="total",
            marker={"colors": [None, *(COLORS[c] for c in result.components())]},
            hovertemplate="%{id}: %{value:.3g} J<extra></extra>",
        )
    )
    fig.update_layout(title="Energy per inference by component and tensor kind (J)", margin={"t": 50})
    return fig


def layer_energy(result: Result) -> go.Figure:
    """Stacked bars: each layer's dynamic energy by component, layers in order."""
    names = [layer.name for layer in result.layers]
    scale, unit = units.column_unit([layer.energy_j for layer in result.layers], units.ENERGY)
    fig = go.Figure()
    for comp in result.components(dynamic=True):  # static power is chip-wide, not per layer
        fig.add_bar(
            x=names,
            y=[layer.energy_breakdown_j[comp] / scale for layer in result.layers],
            name=COMPONENT_LABELS[comp],
            marker_color=COLORS[comp],
        )
    fig.update_layout(
        barmode="stack",
        title="Energy per layer (dynamic; static is chip-wide)",
        xaxis={"title": "layer", "tickangle": -60},
        yaxis={"title": f"energy ({unit})"},
    )
    return fig


def timeline(result: Result) -> go.Figure:
    """Gantt chart of the simpy simulation: DMA and compute engines, one bar per busy interval."""
    fig = go.Figure()
    for engine, color in (("dma", "#72B7B2"), ("compute", "#4C78A8")):
        spans = [(layer, start, end) for eng, layer, start, end in result.timeline if eng == engine]
        fig.add_bar(
            y=[engine] * len(spans),
            x=[(end - start) * 1e6 for _, start, end in spans],
            base=[start * 1e6 for _, start, _ in spans],
            orientation="h",
            name=engine,
            marker_color=color,
            customdata=[layer for layer, _, _ in spans],
            hovertemplate="%{customdata}: %{base:.1f} to %{x:.1f} us later<extra>" + engine + "</extra>",
        )
    fig.update_layout(
        title=f"Timeline (latency {result.latency_s * 1e6:,.1f} us): overlap and stalls",
        barmode="overlay",
        xaxis={"title": "time (us)"},
        yaxis={"title": "engine"},
    )
    return fig


def roofline(result: Result) -> go.Figure:
    """The chip's roofline and each array layer at its DRAM arithmetic intensity. A layer that
    moves no DRAM bytes has no finite intensity: it is drawn at the right edge, and says so."""
    peak = 2 * result.peak_macs_per_s
    bandwidth = result.dram_bandwidth_bytes_per_s
    layers = [layer for layer in result.layers if layer.engine == "array" and layer.macs]
    ridge = peak / bandwidth
    finite = [2 * layer.macs / layer.dram_bytes for layer in layers if layer.dram_bytes]
    low, high = min([*finite, ridge]) / 10, max([*finite, ridge]) * 10
    xs = [2 * layer.macs / layer.dram_bytes if layer.dram_bytes else high for layer in layers]
    # a layer's span is one group's (README "Batches")
    ys = [2 * layer.macs * result.group_size / max(layer.end_s - layer.start_s, 1e-12) for layer in layers]
    labels = [layer.name + ("" if layer.dram_bytes else " (no DRAM traffic)") for layer in layers]
    fig = go.Figure()
    edges = [low, ridge, high]
    fig.add_scatter(
        x=edges,
        y=[min(x * bandwidth, peak) for x in edges],
        mode="lines",
        name="roofline",
        line={"color": "black"},
    )
    fig.add_scatter(
        x=xs,
        y=ys,
        mode="markers",
        name="layers",
        text=labels,
        hovertemplate="%{text}: %{x:.3g} ops/B, %{y:.3g} ops/s<extra></extra>",
    )
    fig.update_layout(
        title="Roofline: ops per DRAM byte vs achieved ops/s",
        xaxis={"type": "log", "title": "arithmetic intensity (ops per DRAM byte)"},
        yaxis={"type": "log", "title": "ops/s"},
    )
    return fig


def weight_fit(result: Result) -> go.Figure:
    """Cumulative weight bytes along the network against the on-chip capacity for weights."""
    names, cumulative, total = [], [], 0.0
    for layer in result.layers:
        if layer.weight_bytes:
            total += layer.weight_bytes
            names.append(layer.name)
            cumulative.append(total)
    scale, unit = units.column_unit([*cumulative, result.weight_capacity_bytes], units.BYTES)
    fig = go.Figure()
    fig.add_scatter(x=names, y=[c / scale for c in cumulative], mode="lines+markers", name="weights so far")
    fig.add_hline(
        y=result.weight_capacity_bytes / scale,
        line_dash="dash",
        line_color="red",
        annotation_text=f"on-chip for weights: {units.format_si(result.weight_capacity_bytes, units.BYTES)}",
    )
    fig.update_layout(
        title="Where the weights stop fitting: cumulative weights",
        xaxis={"title": "layer", "tickangle": -60},
        yaxis={"title": f"weights ({unit})"},
    )
    return fig


def run_figures(result: Result) -> list[go.Figure]:
    """A run's figures, each titled with its network and chip (an exported figure stands alone)."""
    figures = [
        energy_breakdown(result),
        layer_energy(result),
        timeline(result),
        roofline(result),
        weight_fit(result),
    ]
    for fig in figures:
        fig.update_layout(title=f"{result.network} on {result.hardware}: {fig.layout.title.text}")
    return figures


def run_header(result: Result) -> str:
    def size(nbytes: float) -> str:
        return units.format_si(nbytes, units.BYTES)

    fit = "yes" if result.weights_fit_on_chip else "no"
    budget = "within" if result.within_budget else "over"
    return (
        f"<h1>{html.escape(result.network)} on {html.escape(result.hardware)}</h1>"
        f"<p>{result.mode} state, batch {result.batch}"
        f"{f' in groups of {result.group_size}' if result.group_size != result.batch else ''}"
        f"{', compressed (' + html.escape(result.compression) + ')' if result.compression else ''}. "
        f"Weights fit on chip: <b>{fit}</b> ({size(result.weight_bytes)} of weights + "
        f"{size(result.peak_activation_bytes)} peak activations, {size(result.onchip_bytes)} on chip). "
        f"Latency {result.latency_s * 1e3:.3g} ms ({result.throughput_fps:,.1f} fps); energy "
        f"{result.energy_j * 1e6:,.1f} uJ per inference; power {result.power_w:.3g} W, {budget} the "
        f"{result.power_budget_w:.3g} W budget. Memory share {result.memory_share:.1%}, DRAM share "
        f"{result.dram_share:.1%}. Chip area {result.area_mm2:.3g} mm² "
        f"({result.inferences_per_s_per_mm2:,.1f} inferences/s per mm²).</p>"
    )


# ---------------------------------------------------------------------------- compare and sweep


def in_units(values: Sequence[float], kind: units.Kind) -> tuple[list[float], str]:
    """`values` in the unit their largest reads best in (uJ, ms, MiB...), and that unit."""
    scale, unit = units.column_unit(values, kind)
    return [v / scale for v in values], unit


def compare_figures(results: Sequence[Result]) -> list[go.Figure]:
    chips = list(dict.fromkeys(r.hardware for r in results))
    nets = list(dict.fromkeys(r.network for r in results))
    by = {(r.hardware, r.network): r for r in results}
    parts: dict[str, Callable[[Result], float]] = {
        "Energy per inference": lambda r: r.energy_j,
        "Dynamic energy per inference (MACs, memories, wires)": lambda r: r.dynamic_energy_j,
        "Static energy per inference (leakage over the latency)": lambda r: r.static_energy_j,
    }
    figures = []
    for title, value in parts.items():
        shown, unit = in_units([value(by[chip, n]) for chip in chips for n in nets], units.ENERGY)
        bars = go.Figure()
        for i, chip in enumerate(chips):
            bars.add_bar(x=nets, y=shown[i * len(nets) : (i + 1) * len(nets)], name=chip)
        bars.update_layout(
            barmode="group",
            title=title,
            xaxis={"title": "network"},
            yaxis={"title": f"energy per inference ({unit})"},
        )
        figures.append(bars)
    latency, time_unit = in_units([by[c, n].latency_s for c in chips for n in nets], units.TIME)
    energy, energy_unit = in_units([by[c, n].energy_j for c in chips for n in nets], units.ENERGY)
    scatter = go.Figure()
    for i, chip in enumerate(chips):
        span = slice(i * len(nets), (i + 1) * len(nets))
        scatter.add_scatter(
            x=latency[span],
            y=energy[span],
            mode="markers+text",
            text=nets,
            textposition="top center",
            name=chip,
        )
    scatter.update_layout(
        title="Latency vs energy per inference",
        xaxis={"title": f"latency ({time_unit})", "type": "log"},
        yaxis={"title": f"energy per inference ({energy_unit})", "type": "log"},
    )
    matrix = go.Figure(
        go.Heatmap(
            z=[[int(by[c, n].weights_fit_on_chip) for c in chips] for n in nets],
            x=chips,
            y=nets,
            zmin=0,
            zmax=1,
            colorscale=[[0, "#E45756"], [1, "#54A24B"]],
            showscale=False,
            text=[["fits" if by[c, n].weights_fit_on_chip else "does not fit" for c in chips] for n in nets],
            texttemplate="%{text}",
        )
    )
    matrix.update_layout(
        title="Do the weights fit on chip?", xaxis={"title": "chip"}, yaxis={"title": "network"}
    )
    shares = go.Figure()
    for chip in chips:
        for share, label in (("memory_share", "memory share"), ("dram_share", "DRAM share")):
            shares.add_bar(
                x=nets,
                y=[100 * getattr(by[chip, n], share) for n in nets],
                name=f"{chip}: {label}",
                offsetgroup=f"{chip}/{share}",
            )
    shares.update_layout(
        barmode="group",
        title="How much of the energy goes to memory, and to DRAM",
        xaxis={"title": "network"},
        yaxis={"title": "share of energy per inference (%)", "range": [0, 100]},
    )
    return [
        *figures,
        scatter,
        matrix,
        shares,
        _area_figure(results, chips, nets),
        *component_figures(results, chips, nets),
    ]


def _area_figure(results: Sequence[Result], chips: Sequence[str], nets: Sequence[str]) -> go.Figure:
    """Each chip's area by component, and on a second axis its throughput per mm² on each
    network: the cost side of a bigger SRAM beside what it buys."""
    first = {r.hardware: r for r in results}
    by = {(r.hardware, r.network): r for r in results}
    figure = go.Figure()
    for component, label in AREA_LABELS.items():
        figure.add_bar(
            x=chips, y=[first[c].area_breakdown_mm2.get(component, 0.0) for c in chips], name=label
        )
    for net in nets:
        figure.add_scatter(
            x=chips,
            y=[by[c, net].inferences_per_s_per_mm2 for c in chips],
            mode="markers",
            name=f"{net}: inferences/s per mm²",
            yaxis="y2",
        )
    figure.update_layout(
        barmode="stack",
        title="Chip area by component, and throughput per mm²",
        xaxis={"title": "chip"},
        yaxis={"title": "area (mm²)"},
        yaxis2={"title": "inferences/s per mm²", "overlaying": "y", "side": "right", "type": "log"},
    )
    return figure


def component_figures(
    results: Sequence[Result], chips: Sequence[str], nets: Sequence[str]
) -> list[go.Figure]:
    """Where the energy goes, side by side: per network, a stacked bar per chip by component."""
    by = {(r.hardware, r.network): r for r in results}
    figures = []
    for net in nets:
        components = list(dict.fromkeys(c for chip in chips for c in by[chip, net].components()))
        shown, unit = in_units(
            [by[chip, net].energy_breakdown_j.get(c, 0.0) for c in components for chip in chips], units.ENERGY
        )
        bars = go.Figure()
        for i, component in enumerate(components):
            bars.add_bar(
                x=list(chips),
                y=shown[i * len(chips) : (i + 1) * len(chips)],
                name=COMPONENT_LABELS[component],
                marker_color=COLORS[component],
            )
        bars.update_layout(
            barmode="stack",
            title=f"{net}: energy per inference by component, per chip",
            xaxis={"title": "chip"},
            yaxis={"title": f"energy per inference ({unit})"},
        )
        figures.append(bars)
    return figures


def sweep_figures(frame: Any, front: Any) -> list[go.Figure]:
    """For each axis, the headline metrics against it (`axis_figure`); the Pareto front of
    energy per inference vs latency per network; for two or more axes, a heat map of the least
    energy over the first two. Values and axis labels in human units (a capacity axis, stored
    in bytes, reads 1 MiB)."""
    from accelsim.apps.sweep.spec import axis_label

    axes = frame.attrs.get("axes", [])
    ok = frame[frame["status"] == "ok"]
    time_scale, time_unit = units.si_unit(ok["latency_s"].max() if len(ok) else 0.0, units.TIME)
    energy_scale, energy_unit = units.si_unit(ok["energy_j"].max() if len(ok) else 0.0, units.ENERGY)
    pareto = _front_figure(
        ok, front, "latency_s", time_scale, f"latency ({time_unit})", "latency", energy_scale, energy_unit
    )
    # the metrics against each axis first: a static export (--report fig.png) shows the first
    figures = [*(axis_figure(ok, axis, [a for a in axes if a != axis]) for axis in axes), pareto]
    if len(axes) >= 2:
        x_axis, y_axis = axes[0], axes[1]
        for net, group in ok.groupby("network"):
            table = group.groupby([y_axis, x_axis])["energy_j"].min().unstack()
            heat = go.Figure(
                go.Heatmap(
                    z=table.to_numpy() / energy_scale,
                    x=[axis_label(x_axis, v) for v in table.columns],
                    y=[axis_label(y_axis, v) for v in table.index],
                    colorbar={"title": energy_unit},
                )
            )
            heat.update_layout(
                title=f"{net}: least energy per inference ({energy_unit}) over {x_axis} x {y_axis}",
                xaxis={"title": x_axis, "type": "category"},
                yaxis={"title": y_axis, "type": "category"},
            )
            figures.append(heat)
    if "area_mm2" in ok and len(ok) and ok["area_mm2"].notna().all():  # sweeps stored before area lack it
        figures.append(_energy_vs_area(ok, energy_scale, energy_unit))
    return figures


# The headline metrics drawn against each swept axis: column, subplot title, unit kind (None: a share).
AXIS_METRICS: tuple[tuple[str, str, units.Kind | None], ...] = (
    ("energy_j", "energy per inference", units.ENERGY),
    ("latency_s", "latency", units.TIME),
    ("dram_share", "DRAM share of the energy", None),
    ("memory_share", "memory share of the energy", None),
)


def _energy_vs_area(ok: Any, energy_scale: float, energy_unit: str) -> go.Figure:
    """Energy per inference against chip area, with the Pareto front of the two (least energy
    for the area), per network: what a bigger SRAM buys and costs."""
    from accelsim.apps.sweep import pareto_front

    front = pareto_front(ok, ["energy_j", "area_mm2"])
    return _front_figure(
        ok, front, "area_mm2", 1.0, "chip area (mm²)", "chip area", energy_scale, energy_unit
    )


def _front_figure(
    ok: Any,
    front: Any,
    x: str,
    x_scale: float,
    x_title: str,
    x_name: str,
    energy_scale: float,
    energy_unit: str,
) -> go.Figure:
    """Energy per inference against `x`, every point and the Pareto front, per network."""
    figure = go.Figure()
    for net, group in ok.groupby("network"):
        best = front[front["network"] == net]
        for rows, mode, name, opacity in (
            (group, "markers", "points", 0.4),
            (best, "lines+markers", "Pareto front", 1),
        ):
            figure.add_scatter(
                x=rows[x] / x_scale,
                y=rows["energy_j"] / energy_scale,
                mode=mode,
                name=f"{net}: {name}",
                opacity=opacity,
            )
    figure.update_layout(
        title=f"Energy per inference vs {x_name}",
        xaxis={"title": x_title, "type": "log"},
        yaxis={"title": f"energy per inference ({energy_unit})", "type": "log"},
    )
    return figure


def axis_figure(ok: Any, axis: str, others: Sequence[str] = ()) -> go.Figure:
    """Energy, latency, DRAM share and memory share against one swept axis, a line per network.
    With other axes swept too, each value of this one shows the point of least energy over
    them. A dotted line marks the smallest swept value from which a network's weights fit on
    chip (or stop fitting), where that changes along the axis."""
    from pandas.api.types import is_bool_dtype, is_numeric_dtype
    from plotly.colors import qualitative
    from plotly.subplots import make_subplots

    from accelsim.apps.sweep.spec import axis_label
    from accelsim.hw.schema import field_kind

    kind = field_kind(axis)
    numeric = is_numeric_dtype(ok[axis]) and not is_bool_dtype(ok[axis])
    best = ok.loc[ok.groupby(["network", axis])["energy_j"].idxmin()]
    scale, unit = units.si_unit(float(best[axis].abs().max()), kind) if numeric and kind else (1.0, "")
    fig = make_subplots(
        rows=2,
        cols=2,
        subplot_titles=[title for _, title, _ in AXIS_METRICS],
        vertical_spacing=0.2,  # room for the top row's axis titles above the bottom row's names
        horizontal_spacing=0.14,
    )
    cells = [(1, 1), (1, 2), (2, 1), (2, 2)]
    # one unit per metric across the networks (uJ, ms); shares as they are
    metric_units = {
        column: units.si_unit(float(best[column].abs().max()), quantity) if quantity else (1.0, "")
        for column, _, quantity in AXIS_METRICS
    }
    for n, (net, group) in enumerate(best.groupby("network", sort=False)):
        group = group.sort_values(axis) if numeric else group
        x = list(group[axis] / scale) if numeric else [axis_label(axis, v) for v in group[axis]]
        color = qualitative.Plotly[n % len(qualitative.Plotly)]
        for (column, _, _), (row, col) in zip(AXIS_METRICS, cells, strict=True):
            y_scale, y_unit = metric_units[column]
            shown = f"%{{y:.4g}} {y_unit}" if y_unit else "%{y:.1%}"
            fig.add_scatter(
                x=x,
                y=list(group[column] / y_scale),
                mode="lines+markers",
                name=str(net),
                legendgroup=str(net),
                showlegend=(row, col) == (1, 1),
                line={"color": color},
                hovertemplate=f"{shown}<extra>{net}</extra>",
                row=row,
                col=col,
            )
        fits = list(group["weights_fit_on_chip"])
        for i in (i for i in range(1, len(fits)) if fits[i] != fits[i - 1]):
            at = axis_label(axis, group[axis].iloc[i])
            label = f"{net}: weights {'fit' if fits[i] else 'stop fitting'} from {at}"
            for (column, _, _), (row, col) in zip(AXIS_METRICS, cells, strict=True):
                top = float(best[column].max()) / metric_units[column][0]
                fig.add_scatter(  # a dotted line from zero to the top of the subplot's data
                    x=[x[i], x[i]],
                    y=[0, top],
                    mode="lines",
                    name=label,
                    legendgroup=f"{net} fit",
                    showlegend=(row, col) == (1, 1),
                    line={"color": color, "dash": "dot"},
                    hovertemplate=f"{label}<extra></extra>",
                    row=row,
                    col=col,
                )
    values = best[axis] / scale if numeric else None
    x_axis: dict[str, Any] = {"title": f"{axis} ({unit})" if unit else axis}
    if values is None:
        x_axis["type"] = "category"
    else:
        if values.min() > 0 and values.max() >= 8 * values.min():
            x_axis["type"] = "log"
        swept = sorted(set(best[axis]))
        if len(swept) <= 12:  # ticks at the swept values, as people read them (1 MiB, not 10^6)
            x_axis["tickvals"] = [v / scale for v in swept]
            x_axis["ticktext"] = [axis_label(axis, v) for v in swept]
            x_axis["title"] = axis  # the ticks carry their units
    fig.update_xaxes(**x_axis)
    for (column, title, metric_kind), (row, col) in zip(AXIS_METRICS, cells, strict=True):
        if metric_kind is None:
            digits = 0 if best[column].max() >= 0.1 else 1  # 1.5% not read as 2%
            fig.update_yaxes(title="share", tickformat=f".{digits}%", rangemode="tozero", row=row, col=col)
        else:
            unit_title = f"{title} ({metric_units[column][1]})"
            fig.update_yaxes(title=unit_title, rangemode="tozero", row=row, col=col)
    title = f"Headline metrics against {axis}"
    if others:
        title += f"<br><sup>each value at its least-energy point over {', '.join(others)}</sup>"
    fig.update_layout(
        title=title, height=800, legend={"orientation": "h", "yanchor": "top", "y": -0.12, "x": 0}
    )
    return fig


def trend_figures(result: Any) -> list[go.Figure]:
    """Memory share vs year, a line per network and weight placement; energy per inference too."""
    figures = []
    for key, title, axis in (
        ("memory_share", "Memory share of the energy per inference, by year", {"tickformat": ".0%"}),
        ("energy_j", "Energy per inference (J), by year", {"type": "log"}),
    ):
        fig = go.Figure()
        for network in result.sram_bytes:
            for placement, dash in (("on_chip", "solid"), ("in_dram", "dash")):
                points = [p for p in result.points if p.network == network and p.placement == placement]
                fig.add_scatter(
                    x=[p.years for p in points],
                    y=[getattr(p, key) for p in points],
                    mode="lines+markers",
                    line={"dash": dash},
                    name=f"{network}, weights {placement.replace('_', ' ')}",
                )
        fig.update_layout(title=f"{title}, on {result.hardware}", xaxis={"title": "years ahead"}, yaxis=axis)
        figures.append(fig)
    return figures


def serving_figures(result: Any) -> list[go.Figure]:
    """Total tokens/s against each sequence's time per output token, a line per prompt length
    through its batches, coloured by energy per token; open markers where the batch's KV caches
    spill off chip (the cache-fit boundary)."""
    fig = go.Figure()
    energies = [p.energy_per_token_j * 1e3 for p in result.points]
    for context in dict.fromkeys(p.context for p in result.points):
        points = [p for p in result.points if p.context == context]
        fig.add_scatter(
            x=[p.time_per_output_token_s * 1e3 for p in points],
            y=[p.tokens_per_s for p in points],
            mode="lines+markers+text",
            text=[f"b{p.batch}" for p in points],
            textposition="top center",
            name=f"context {context:,}",
            line={"color": "#BBBBBB"},
            marker={
                "size": 12,
                "color": [p.energy_per_token_j * 1e3 for p in points],
                "cmin": min(energies),
                "cmax": max(energies),
                "colorscale": "Viridis",
                "colorbar": {"title": "mJ per token"},
                "symbol": ["circle" if p.kv_cache_fits_on_chip else "circle-open" for p in points],
                "line": {"width": 2},
            },
        )
    fig.update_layout(
        title=f"Serving {result.network} on {result.hardware}: throughput vs latency per token "
        "(open markers: the KV caches spill off chip)",
        xaxis={"title": "time per output token (ms)"},
        yaxis={"title": "tokens/s, all sequences"},
    )
    return [fig]


def train_scale_figures(results: Sequence[Any]) -> list[go.Figure]:
    """Speedup vs workers, a line per network and algorithm, with linear scaling for reference;
    the iteration's exposed communication share too."""
    speedup, share = go.Figure(), go.Figure()
    most = max(p.workers for r in results for p in r.points)
    speedup.add_scatter(x=[1, most], y=[1, most], mode="lines", line={"dash": "dot"}, name="linear")
    for r in results:
        name = f"{r.network}, {r.algorithm.replace('_', ' ')}"
        workers = [p.workers for p in r.points]
        speedup.add_scatter(x=workers, y=[p.speedup for p in r.points], mode="lines+markers", name=name)
        share.add_scatter(
            x=workers,
            y=[p.exposed_communication_s / p.iteration_s for p in r.points],
            mode="lines+markers",
            name=name,
        )
    log2 = {"title": "workers", "type": "log", "dtick": math.log10(2)}
    speedup.update_layout(
        title=f"Training speedup over one worker ({results[0].cluster}, batch {results[0].batch})",
        xaxis=log2,
        yaxis={"title": "speedup (x)", "type": "log"},
    )
    share.update_layout(
        title="Communication share of the iteration time",
        xaxis=log2,
        yaxis={"title": "share", "tickformat": ".0%"},
    )
    return [speedup, share]


# ---------------------------------------------------------------------------- files


def figures(answer: Any) -> list[go.Figure]:
    """The figures a report of `answer` holds, for a notebook or a script: a Result (`simulate`),
    a list of Results (`compare_results`, or any results side by side), a trend (`trend`), one or
    several train-scale answers (`train_scale`), or a sweep's DataFrame (`sweep`)."""
    from accelsim.apps.serve import Serving
    from accelsim.apps.train_scale import TrainScaleResult
    from accelsim.apps.trend import TrendResult

    if isinstance(answer, Result):
        return run_figures(answer)
    if isinstance(answer, Serving):
        return serving_figures(answer)
    if isinstance(answer, TrendResult):
        return trend_figures(answer)
    if isinstance(answer, TrainScaleResult):
        return train_scale_figures([answer])
    if isinstance(answer, (list, tuple)) and answer and all(isinstance(a, Result) for a in answer):
        return compare_figures(answer)
    if isinstance(answer, (list, tuple)) and answer and all(isinstance(a, TrainScaleResult) for a in answer):
        return train_scale_figures(answer)
    if hasattr(answer, "attrs") and "axes" in getattr(answer, "attrs", {}):
        from accelsim.apps.sweep import pareto_front

        return sweep_figures(answer, pareto_front(answer, ["energy_j", "latency_s"]))
    raise TypeError(
        "figures: expected a Result, a list of Results, a trend, a serving study, train-scale answers or "
        "a sweep's "
        f"DataFrame, got {type(answer).__name__}"
    )


PLOTLYJS = ("inline", "cdn", "directory")
IMAGE_FORMATS = (".png", ".svg", ".pdf")


@dataclass(frozen=True)
class FigureSize:
    """A static figure's size: pixels (None: plotly's 700 x 500 or the figure's own height) and a
    scale for resolution (2 doubles the pixels of a PNG; vector formats scale their text)."""

    width: int | None = None
    height: int | None = None
    scale: float = 1.0


def write_report(
    figures: Sequence[go.Figure],
    path: str | Path,
    header: str = "",
    title: str = "accelsim",
    plotlyjs: str = "inline",
    size: FigureSize = FigureSize(),
) -> None:
    """One HTML file; or static images when the path ends in .png or .svg (the first figure at
    the path, the others numbered beside it: fig.png, fig-2.png...) or .pdf (one page per
    figure). Written whole or not at all. `plotlyjs`: how the page gets plotly.js: `inline` (the
    default: the page works offline, ~4.7 MB), `cdn` (a script from cdn.plot.ly) or `directory`
    (plotly.min.js written beside the report, shared by every report in that folder)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in IMAGE_FORMATS:
        images = _images(figures, path, suffix[1:], size)
        for target, data in images.items():  # all made before any is written
            write_output(target, data, "--report")
        return
    if suffix not in (".html", ".htm"):
        raise AccelsimError(f"--report: expected a .html, .png, .svg or .pdf file, got '{path.name}'")
    if plotlyjs not in PLOTLYJS:
        raise AccelsimError(
            f"--plotlyjs: expected one of {', '.join(PLOTLYJS)}, got '{plotlyjs}'"
            + closest(plotlyjs, PLOTLYJS)
        )
    include: bool | str = True if plotlyjs == "inline" else plotlyjs
    parts = [
        fig.to_html(full_html=False, include_plotlyjs=include if i == 0 else False)
        for i, fig in enumerate(figures)
    ]
    page = (
        f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
        "<style>body{font-family:sans-serif;margin:2em;max-width:1200px}</style></head><body>"
        f"{header}{''.join(parts)}</body></html>"
    )
    if plotlyjs == "directory":
        from plotly.offline import get_plotlyjs

        bundle = Path(os.path.realpath(path.expanduser())).parent / "plotly.min.js"
        fresh = not bundle.is_symlink() and bundle.is_file()
        if not fresh or bundle.stat().st_size != len(get_plotlyjs().encode()):
            write_output(bundle, get_plotlyjs(), "--plotlyjs directory", follow_links=False)
    write_output(path, page, "--report")


def image_paths(path: Path, count: int) -> list[Path]:
    """Where `count` figures go as images of `path`'s format: one PDF of `count` pages, or the
    first at `path` and the others numbered beside it."""
    if path.suffix.lower() == ".pdf":
        return [path]
    return [path if i == 0 else path.with_name(f"{path.stem}-{i + 1}{path.suffix}") for i in range(count)]


def _images(
    figures: Sequence[go.Figure], path: Path, image_format: str, size: FigureSize
) -> dict[Path, bytes]:
    """Every figure rendered in one browser session (kaleido), then read back whole."""
    import plotly.io as pio

    with tempfile.TemporaryDirectory() as folder:
        rendered = [Path(folder) / f"{i}.{image_format}" for i in range(len(figures))]
        try:
            pio.write_images(
                list(figures),
                rendered,
                format=image_format,
                width=size.width,
                height=size.height,
                scale=size.scale,
            )
        except Exception as exc:  # noqa: BLE001 - kaleido fails in several ways without a browser
            raise AccelsimError(
                f"--report {path.name}: static images need kaleido and Chrome or Chromium "
                f"({type(exc).__name__}): pip install 'accelsim[images]' and a browser (Debian/Ubuntu: "
                "apt-get install chromium); or write .html instead"
            ) from None
        pages = [file.read_bytes() for file in rendered]
    if image_format == "pdf":
        return {path: _one_pdf(pages)}
    return dict(zip(image_paths(path, len(pages)), pages, strict=True))


def _one_pdf(pages: Sequence[bytes]) -> bytes:
    """PDF documents joined into one, a figure per page (pypdf)."""
    try:
        from pypdf import PdfReader, PdfWriter
    except ImportError:
        raise AccelsimError(
            "--report .pdf joins its figures with pypdf: pip install 'accelsim[images]'"
        ) from None
    writer = PdfWriter()
    for page in pages:
        writer.append(PdfReader(io.BytesIO(page)))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def run_report(
    result: Result, path: str | Path, plotlyjs: str = "inline", size: FigureSize = FigureSize()
) -> None:
    title = f"{result.network} on {result.hardware}"
    write_report(run_figures(result), path, run_header(result), title, plotlyjs, size)


def compare_report(
    results: Sequence[Result],
    path: str | Path,
    notes: Sequence[str] = (),
    plotlyjs: str = "inline",
    size: FigureSize = FigureSize(),
) -> None:
    """The comparison's figures, headed by the notes on what makes the chips not like for like."""
    listed = "".join(f"<li>{html.escape(note)}</li>" for note in notes)
    header = "<h1>accelsim compare</h1>" + (f"<p>Notes:</p><ul>{listed}</ul>" if notes else "")
    write_report(compare_figures(results), path, header, "accelsim compare", plotlyjs, size)


def sweep_report(
    frame: Any, front: Any, path: str | Path, plotlyjs: str = "inline", size: FigureSize = FigureSize()
) -> None:
    header = f"<h1>accelsim sweep: {len(frame)} rows</h1>"
    write_report(sweep_figures(frame, front), path, header, "accelsim sweep", plotlyjs, size)


def train_scale_report(
    results: Sequence[Any], path: str | Path, plotlyjs: str = "inline", size: FigureSize = FigureSize()
) -> None:
    header = f"<h1>accelsim train-scale: {html.escape(results[0].cluster)}</h1>"
    write_report(train_scale_figures(results), path, header, "accelsim train-scale", plotlyjs, size)


def serving_report(
    result: Any, path: str | Path, plotlyjs: str = "inline", size: FigureSize = FigureSize()
) -> None:
    header = f"<h1>accelsim serve: {html.escape(result.network)} on {html.escape(result.hardware)}</h1>"
    write_report(serving_figures(result), path, header, "accelsim serve", plotlyjs, size)


def trend_report(
    result: Any, path: str | Path, plotlyjs: str = "inline", size: FigureSize = FigureSize()
) -> None:
    header = (
        f"<h1>accelsim trend: {html.escape(result.hardware)}, trends '{html.escape(result.trends.name)}'</h1>"
    )
    write_report(trend_figures(result), path, header, "accelsim trend", plotlyjs, size)
