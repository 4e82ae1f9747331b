"""SCALE-Sim inputs: a topology CSV (conv or GEMM format) as a Network, a `.cfg` as chip data.

Formats as SCALE-Sim v3 reads them (scalesim/topology_utils.py, scale_config.py):
- conv topology: a header line, then `name, IFMAP height, IFMAP width, filter height, filter
  width, channels, filters, stride,` with an optional `N:M` sparsity field; sizes are the padded
  input's (SCALE-Sim has no padding) and the output is ceil((in - filter + stride) / stride).
  A name containing `DP` is a depthwise layer: one filter set of `filters` per channel.
- GEMM topology (SCALE-Sim's `-i gemm`): a header `Layer, M, N, K,`, then `name, M, N, K,`:
  an M x K input times a K x N weight matrix.
- config: INI sections `architecture_presets` (ArrayHeight/Width, Ifmap/Filter/OfmapSramSzkB in
  KiB of 1-byte words, Dataflow ws|os|is, Bandwidth in words per cycle) and `run_presets`.

A topology lists the layers with weights and nothing between them (pooling, concatenation,
padding). accelsim runs them in file order, each reading the previous layer's output: where
that output's shape is not the row's input, a `pad` layer re-shapes it (a data movement on the
vector unit, no arithmetic), standing in for the glue the file leaves out.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from accelsim import units
from accelsim.errors import AccelsimError, closest, listing
from accelsim.ir.build import build_network
from accelsim.ir.network import INPUT, LayerSpec, Network, Shape
from accelsim.load.userfile import read_text

CONV_FIELDS = (
    "name",
    "IFMAP height",
    "IFMAP width",
    "filter height",
    "filter width",
    "channels",
    "filters",
    "stride",
)
GEMM_FIELDS = ("name", "M", "N", "K")
DATAFLOWS = {"ws": "weight_stationary", "os": "output_stationary", "is": "input_stationary"}
WORD_BYTES = 1  # SCALE-Sim v3's word (single_layer_sim.py: word_size = 1 byte)
# Words per cycle when a config gives none: the value of SCALE-Sim's own example configs
# (configs/scale.cfg); it reads Bandwidth only in USER mode.
DEFAULT_WORDS_PER_CYCLE = 10
MAX_TOPOLOGY_BYTES = 10 * 2**20
MAX_CFG_BYTES = 2**20  # SCALE-Sim's configs are a few hundred bytes


def is_topology(net: object) -> bool:
    return isinstance(net, (str, Path)) and str(net).lower().endswith(".csv")


def load_topology(path: Path) -> Network:
    """A SCALE-Sim topology file as a Network (cached while the file is unchanged)."""
    text = read_text(path, "SCALE-Sim topology CSV", MAX_TOPOLOGY_BYTES)
    return _load_topology(str(path.resolve()), text)


@lru_cache(maxsize=16)
def _load_topology(path: str, text: str) -> Network:
    lines = text.splitlines()
    header = next((i for i, line in enumerate(lines) if line.strip()), None)
    if header is None:
        raise AccelsimError(
            f"{path}: empty; expected a SCALE-Sim topology (a header line, then one layer a line)"
        )
    gemm = [f.strip().upper() for f in lines[header].split(",")[1:4]] == ["M", "N", "K"]
    fields = GEMM_FIELDS if gemm else CONV_FIELDS
    rows, problems = [], []
    for number, line in enumerate(lines[header + 1 :], start=header + 2):
        if not line.strip():
            continue
        try:
            row = _row(line, fields)
            if not gemm and (row[1] < row[3] or row[2] < row[4]):
                raise ValueError(
                    f"layer '{row[0]}': the {row[3]} x {row[4]} filter is larger than the {row[1]} x "
                    f"{row[2]} input; expected the padded input size"
                )
            rows.append((f"{path}:{number}", row))
        except ValueError as exc:
            problems.append(f"{path}:{number}: {exc}")
    if problems:
        raise AccelsimError(listing(problems))
    if not rows:
        raise AccelsimError(f"{path}: no layers after the header line")
    first = rows[0][1]
    input_shape = (first[1], first[3]) if gemm else (first[5], first[1], first[2])
    specs = _gemm_specs(rows) if gemm else _conv_specs(rows)
    kind = "GEMM" if gemm else "conv"
    return build_network(
        Path(path).stem,
        input_shape,
        specs,
        f"SCALE-Sim {kind} topology {Path(path).name}: {len(rows)} layers",
        source=path,
    )


def _row(line: str, fields: tuple[str, ...]) -> tuple[Any, ...]:
    """A row's name and whole numbers; SCALE-Sim's trailing comma and a dense '1:1' sparsity
    field allowed."""
    cells = [c.strip() for c in line.split(",")]
    if cells and cells[-1] == "":
        cells.pop()
    if len(cells) == len(fields) + 1:
        if cells[-1].replace(" ", "") not in ("1:1", ""):
            raise ValueError(
                f"sparsity '{cells[-1]}' is not modeled; expected a dense layer (1:1 or no field)"
            )
        cells.pop()
    if len(cells) != len(fields):
        raise ValueError(f"expected {len(fields)} fields ({', '.join(fields)}), got {len(cells)}")
    values: list[Any] = [cells[0]]
    for field, cell in zip(fields[1:], cells[1:], strict=True):
        try:
            value = int(cell)
        except ValueError:
            value = 0
        if value < 1:
            raise ValueError(f"layer '{cells[0]}': {field} must be a positive whole number, got '{cell}'")
        values.append(value)
    if not cells[0]:
        raise ValueError("the layer name (first field) is empty")
    return tuple(values)


def _glue(name: str, previous: str, have: Shape, want: Shape, where: str) -> tuple[list[LayerSpec], str]:
    """The previous output re-shaped to this row's input, when they differ."""
    if have == want:
        return [], previous
    glue = f"{name}/in"
    return [LayerSpec(glue, "pad", (previous,), {"shape": list(want)}, where)], glue


def _conv_specs(rows: list[tuple[str, tuple[Any, ...]]]) -> list[LayerSpec]:
    specs: list[LayerSpec] = []
    previous, shape = INPUT, rows[0][1][5:6] + rows[0][1][1:3]
    for where, (name, h, w, fh, fw, channels, filters, stride) in rows:
        extra, source = _glue(name, previous, shape, (channels, h, w), where)
        specs += extra
        # SCALE-Sim's output is ceil((in - filter + stride) / stride): the rows a stride leaves
        # over are computed too, as if padded at the bottom and right
        pads = [0, 0, (fh - h) % stride, (fw - w) % stride]
        attrs: dict[str, Any] = {"k": [fh, fw], "stride": stride, "pad": pads, "bias": False}
        if "DP" in name:
            specs.append(LayerSpec(name, "dwconv", (source,), {**attrs, "multiplier": filters}, where))
            out_c = channels * filters
        else:
            specs.append(LayerSpec(name, "conv", (source,), {**attrs, "out": filters}, where))
            out_c = filters
        previous, shape = name, (out_c, (h + pads[2] - fh) // stride + 1, (w + pads[3] - fw) // stride + 1)
    return specs


def _gemm_specs(rows: list[tuple[str, tuple[Any, ...]]]) -> list[LayerSpec]:
    specs: list[LayerSpec] = []
    previous, shape = INPUT, (rows[0][1][1], rows[0][1][3])
    for where, (name, m, n, k) in rows:
        extra, source = _glue(name, previous, shape, (m, k), where)
        specs += extra
        attrs = {"out": n, "last_axis": True, "bias": False}
        specs.append(LayerSpec(name, "linear", (source,), attrs, where))
        previous, shape = name, (m, n)
    return specs


# ---------------------------------------------------------------------------- config -> chip

# What a SCALE-Sim config does not say and accelsim needs: the import's defaults (its options).
# 45 nm is the default energy table's own node (no scaling); DDR4 and 1 GHz a common pairing.
DEFAULT_CLOCK, DEFAULT_NODE_NM, DEFAULT_DRAM, DEFAULT_POWER_BUDGET = "1 GHz", 45.0, "ddr4", "2 W"


def chip_from_cfg(
    path: Path,
    clock: str = DEFAULT_CLOCK,
    technology_nm: float = DEFAULT_NODE_NM,
    dram: str = DEFAULT_DRAM,
    power_budget: str = DEFAULT_POWER_BUDGET,
) -> tuple[dict[str, Any], list[str]]:
    """Chip data (as a YAML file holds it) from a SCALE-Sim config, and the comment lines that
    say where each value came from."""
    import configparser  # here: `--net file.csv` and every run skip its import (~5 ms)

    parser = configparser.ConfigParser()
    text = read_text(path, "SCALE-Sim config", MAX_CFG_BYTES)
    try:
        parser.read_string(text, str(path))
    except configparser.Error as exc:
        first = str(exc).splitlines()[0]
        raise AccelsimError(f"{path}: not a SCALE-Sim config ({first}); expected INI sections") from None
    section = "architecture_presets"
    if not parser.has_section(section):
        raise AccelsimError(
            f"{path}: no [{section}] section{closest(section, parser.sections())}; expected SCALE-Sim's "
            "[architecture_presets] with ArrayHeight, ArrayWidth, the SRAM sizes and Dataflow"
        )
    preset = parser[section]
    problems = []

    def whole(key: str) -> int:
        if key not in preset:
            problems.append(f"[{section}] {key} is missing{closest(key, list(preset))}")
            return 1
        try:
            value = int(preset[key].split(",")[0])
            if value >= 1:
                return value
        except ValueError:
            pass
        problems.append(f"[{section}] {key}: expected a positive whole number, got '{preset[key]}'")
        return 1

    rows, cols = whole("ArrayHeight"), whole("ArrayWidth")
    ifmap, filt, ofmap = (whole(f"{k}SramSzkB") for k in ("Ifmap", "Filter", "Ofmap"))
    dataflow = preset.get("Dataflow", "").strip().lower()
    if dataflow not in DATAFLOWS:
        problems.append(
            f"[{section}] Dataflow: expected one of {', '.join(DATAFLOWS)}, got '{dataflow}'"
            + closest(dataflow, DATAFLOWS)
        )
    words_per_cycle = whole("Bandwidth") if "Bandwidth" in preset else None
    if problems:
        raise AccelsimError(f"{path}: " + listing(problems))
    hz = units.parse(clock, units.FREQUENCY)
    mode = parser.get("run_presets", "InterfaceBandwidth", fallback="CALC").strip().upper()
    name = parser.get("general", "run_name", fallback=path.stem).strip().strip('"') or path.stem
    words_per_cycle = words_per_cycle or DEFAULT_WORDS_PER_CYCLE
    bandwidth = words_per_cycle * WORD_BYTES * hz
    data = {
        "name": name,
        "description": f"imported from SCALE-Sim config {path.name}: {rows} x {cols} {DATAFLOWS[dataflow]}",
        "source": f"SCALE-Sim config {path.name}; energies from accelsim's default table",
        "technology_nm": technology_nm,
        "power_budget": power_budget,
        "compute": {
            "rows": rows,
            "cols": cols,
            "dataflow": DATAFLOWS[dataflow],
            "clock": clock,
            "precision": {"weights": 8 * WORD_BYTES, "activations": 8 * WORD_BYTES, "accumulators": 32},
            "vector": {"lanes": cols},
        },
        "memory": {
            "levels": [
                {
                    "name": "sram",
                    "kind": "sram",
                    "capacity": f"{ifmap + ofmap} KiB",
                    "holds": ["activations", "kv_cache"],
                },
                {"name": "weight_sram", "kind": "sram", "capacity": f"{filt} KiB", "holds": ["weights"]},
                {
                    "name": "dram",
                    "kind": "dram",
                    "type": dram,
                    "bandwidth": units.format_si(bandwidth, units.BANDWIDTH),
                },
            ],
        },
    }
    notes = [
        f"Imported from the SCALE-Sim config {path.name} by `accelsim hw import-scalesim`.",
        f"From the config: the {rows} x {cols} array and its dataflow ({dataflow}); the filter SRAM "
        f"({filt} KiB) as the weight buffer; the ifmap and ofmap SRAMs ({ifmap} + {ofmap} KiB) as",
        "one activation buffer; 1-byte words (SCALE-Sim's), so int8 weights and activations.",
        f"DRAM bandwidth: {words_per_cycle} words per cycle x {clock}"
        + (
            " (Bandwidth; SCALE-Sim's CALC mode ignores it and never stalls)."
            if mode != "USER"
            else " (Bandwidth, USER mode)."
        ),
        "Not in a SCALE-Sim config, set by the import (options --clock, --node, --dram, --power-budget):",
        f"clock {clock}, technology {technology_nm:g} nm, DRAM type {dram}, power budget {power_budget};",
        f"the vector unit (pooling, activations) is {cols} lanes, one per array column.",
        "Energies: accelsim's default table (Horowitz ISSCC 2014 at 45 nm, scaled; README "
        '"Energy defaults").',
    ]
    return data, notes
