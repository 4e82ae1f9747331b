"""Commands that study many points: trends over years, training on clusters, chips compared,
design-space sweeps."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from accelsim.cli.app import app, sweep_app
from accelsim.cli.options import (
    FigureScaleOption,
    FigureSizeOption,
    HwOption,
    JsonOption,
    ModeOption,
    PlotlyJsOption,
    ReportOption,
    counts_of,
    listed,
    report_request,
    respond,
    workers_of,
    years_of,
)
from accelsim.errors import AccelsimError
from accelsim.limits import MAX_SWEEP_WORKERS
from accelsim.present import console as show
from accelsim.present.files import json_text


@app.command("serve")
def serve_command(
    hw: HwOption,
    net: Annotated[
        str, typer.Option("--net", "-n", help="A decoder: zoo name or workload YAML (seq, past).")
    ],
    context: Annotated[
        str, typer.Option("--context", help="Prompt tokens per sequence: one or a list, 256,1024.")
    ] = "512",
    batch: Annotated[
        str, typer.Option("--batch", help="Sequences served together: a list, 1,4,16.")
    ] = "1,4,16",
    tokens: Annotated[int, typer.Option("--tokens", help="Tokens generated per sequence.")] = 32,
    report: ReportOption = None,
    plotlyjs: PlotlyJsOption = None,
    figure_size: FigureSizeOption = None,
    figure_scale: FigureScaleOption = 1.0,
    json_target: JsonOption = None,
) -> None:
    """Serving a decoder: at each prompt length and batch, each sequence's time to first token
    and time per output token against the total tokens/s, the energy per token, and whether the
    KV caches stay on chip (the longest context that keeps them, per batch)."""
    request = report_request(report, plotlyjs, figure_size, figure_scale)
    from accelsim.apps.serve import serve

    result = serve(net, hw, counts_of(context, "--context"), counts_of(batch, "--batch"), tokens)
    text = json_text(result.to_dict())
    request.write(lambda reports, *to: reports.serving_report(result, *to))
    respond(json_target, text, lambda: show.serving(result))


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
    request = report_request(report, plotlyjs, figure_size, figure_scale)
    from accelsim.apps.trend import trend

    result = trend(net, hw, years_of(years), trends)
    text = json_text(result.to_dict())  # checked finite before any report is written
    request.write(lambda reports, *to: reports.trend_report(result, *to))
    respond(json_target, text, lambda: show.trend(result))


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
    request = report_request(report, plotlyjs, figure_size, figure_scale)
    from accelsim.apps.train_scale import train_scale

    counts = workers_of(workers)
    results = [train_scale(n, cluster, counts, batch, a, overlap) for n in net for a in algorithm]
    text = json_text([r.to_dict() for r in results])
    request.write(lambda reports, *to: reports.train_scale_report(results, *to))
    respond(json_target, text, lambda: show.train_scale(results))


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
    request = report_request(report, plotlyjs, figure_size, figure_scale)
    from accelsim.account.result import summary
    from accelsim.apps.compare import compare_chips, compare_results, fairness_notes

    if stray:
        raise AccelsimError(
            f"compare: '{stray[0]}' follows no option; list chips and networks with commas or repeated "
            "options, e.g. --hw 2W_npu,eyeriss --net squeezenet --net alexnet"
        )
    chips = compare_chips(listed(hw))
    results = compare_results(chips, listed(net), mode=mode, batch=batch)
    notes = fairness_notes(chips)
    rows = [summary(r) for r in results]
    text = json_text({"rows": rows, "notes": notes})
    request.write(lambda reports, path, *how: reports.compare_report(results, path, notes, *how))
    respond(json_target, text, lambda: show.comparison(rows, notes))


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
    request = report_request(report, plotlyjs, figure_size, figure_scale)
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
    for kind, written in (("CSV", csv), ("Parquet", parquet)):
        if written:
            show.note(f"{kind} written to {written}")
    request.write(lambda reports, *to: reports.sweep_report(frame, front, *to))
    pareto = json.loads(front.to_json(orient="records"))
    document = {"rows": len(frame), "axes": frame.attrs["axes"], "pareto": pareto}
    respond(json_target, json_text(document), lambda: show.sweep_front(db, frame, front, onchip))
