"""The options commands share, and the helpers that turn their text into checked values (or
one error line naming the flag)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal

import typer

from accelsim.errors import AccelsimError
from accelsim.present import console as show

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


def respond(json_target: str | None, text: str, render: Callable[[], None]) -> None:
    """A command's answer, its JSON `text` made (and so checked finite) before anything was
    shown or written: `--json FILE` writes it there and shows the console view too; `--json`
    (or `--json -`) prints it alone on stdout; else the console view."""
    from accelsim.present.files import write_output

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


@dataclass(frozen=True)
class ReportRequest:
    """A command's --report and its options, checked before the command does any work."""

    path: str | None
    plotlyjs: str
    figure: Any  # present.report.FigureSize

    def write(self, make: Callable[..., None]) -> None:
        """Write the report, if one was asked for: `make(reports, path, plotlyjs, figure)` with
        `reports` the accelsim.present.report module (imported only then: plotly is slow to load)."""
        if self.path is None:
            return
        from accelsim.present import report as reports

        make(reports, self.path, self.plotlyjs, self.figure)
        show.note(f"report written to {self.path}")


def report_request(report: str | None, plotlyjs: str | None, size: str | None, scale: float) -> ReportRequest:
    """--report with --plotlyjs, --figure-size and --figure-scale, each checked against it."""
    return ReportRequest(report, plotlyjs_of(plotlyjs, report), image_size(size, scale, report))


def image_size(size: str | None, scale: float, report: str | None) -> Any:
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


def plotlyjs_of(plotlyjs: str | None, report: str | None) -> str:
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


def workload_params_of(
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


HwArgument = Annotated[str, typer.Argument(help="Bundled config name or path to a YAML file.")]


def years_of(text: str) -> list[float]:
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


def _positive_counts(text: str) -> list[int] | None:
    """`1,4,16` as counts, None unless every part is a positive integer."""
    try:
        counts = [int(part) for part in text.split(",")]
    except ValueError:
        return None
    return counts if all(c >= 1 for c in counts) else None


def counts_of(text: str, flag: str) -> list[int]:
    """A list of positive counts: `256,1024`."""
    counts = _positive_counts(text)
    if counts is None:
        raise AccelsimError(f"{flag}: expected positive integers like 1,4,16, got '{text}'")
    return counts


def workers_of(text: str) -> list[int]:
    """`1,2,4,8` or `1..256` (powers of two from the first to the last)."""
    if ".." not in text:
        counts = _positive_counts(text)
    else:
        try:
            first, last = (int(part) for part in text.split(".."))
            counts = [2**k for k in range(first.bit_length() - 1, last.bit_length()) if first <= 2**k <= last]
        except ValueError:
            counts = None
    if counts and all(c >= 1 for c in counts):
        return counts
    raise AccelsimError(f"--workers: expected a list like 1,2,4,8 or a range like 1..256, got '{text}'")


def listed(values: list[str]) -> list[str]:
    """Repeated options and comma-separated values, in order: --hw a,b --hw c -> [a, b, c]."""
    return [part.strip() for value in values for part in value.split(",") if part.strip()]
