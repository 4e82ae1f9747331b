"""`accelsim run`: one network on one chip, or a decoder generating text."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from accelsim.cli.app import app
from accelsim.cli.options import (
    AbitsOption,
    CompressOption,
    FigureScaleOption,
    FigureSizeOption,
    HwOption,
    InputShapeOption,
    JsonOption,
    ModeOption,
    NetOption,
    ParamOption,
    Pct3x3Option,
    PlotlyJsOption,
    PruneOption,
    ReportOption,
    ResolutionOption,
    SrOption,
    StrictFlag,
    WbitsOption,
    WidthOption,
    report_request,
    respond,
    workload_params_of,
)
from accelsim.errors import AccelsimError
from accelsim.present import console as show
from accelsim.present.files import json_text


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
    request = report_request(report, plotlyjs, figure_size, figure_scale)
    from accelsim.api import load_net, onnx_weights, simulate
    from accelsim.load import resolve_spec

    params = workload_params_of(param, sr, pct3x3)
    if seq_len is not None:
        params["seq"] = seq_len
    if context is not None or tokens is not None:
        _generate(hw, net, context, tokens, batch, params, compress, wbits, abits, prune, json_target, report)
        return
    network = load_net(net, width, resolution, input_shape, strict, params)
    spec = resolve_spec(compress, network.name, wbits, abits, prune)
    weights = onnx_weights(net, input_shape, width, resolution) if spec and spec.huffman else None
    result = simulate(network, hw, mode=mode, batch=batch, fps=fps, compression=spec, weights=weights)
    text = json_text(result.to_dict())  # checked finite before any report is written
    request.write(lambda reports, *to: reports.run_report(result, *to))
    respond(json_target, text, lambda: show.result(result, layers))


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
    respond(json_target, json_text(result.to_dict()), lambda: show.generation(result))
