"""`accelsim fit`: how small must a network get to fit this chip's SRAM (on a chip with flash,
an MCU: its weights in flash and its activations in SRAM)?

Searches the knobs of the seed talk (width multiplier, weight bits, pruning) and the MobileNet
paper's resolution multiplier, and reports which combinations make all weights plus the peak
activations fit on chip. "Smallest change" ranks fitting candidates by how many knobs move,
then by a severity score: (1 - width) + (1 - bits / chip bits) + pruned fraction
+ (1 - resolution / original); lower is gentler. A documented heuristic, not an accuracy model.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from itertools import product
from pathlib import Path

from accelsim.account.result import Result
from accelsim.api import fits_on_chip, load_net, peak_activation_bytes, simulate, variant
from accelsim.errors import AccelsimError
from accelsim.hw.chip import Accelerator
from accelsim.hw.enums import TensorKind
from accelsim.hw.schema import HwConfig
from accelsim.ir.network import Network
from accelsim.load import load_hw
from accelsim.transform.compress import CompressionSpec, compress, store

WIDTHS = (1.0, 0.75, 0.5, 0.35, 0.25)
PRUNES = (0.0, 0.5, 0.67, 0.8, 0.9)
RESOLUTIONS = (1.0, 0.857, 0.714, 0.571)  # 224 -> 192, 160, 128 (MobileNet paper's rows)


@dataclass(frozen=True)
class Candidate:
    width: float
    resolution: int
    spec: CompressionSpec  # weight bits and pruning
    weight_bytes: float
    peak_activation_bytes: float
    fits: bool
    knobs_changed: int
    severity: float

    @property
    def weight_bits(self) -> int:
        return self.spec.weight_bits  # type: ignore[return-value]

    @property
    def prune(self) -> float:
        return self.spec.prune

    def network(self, net: Network) -> Network:
        """`net` at this candidate's width and resolution (compression is `spec`'s job)."""
        return _reshaped(net, self.width, self.resolution)

    def to_dict(self) -> dict[str, object]:
        return {
            "width": self.width,
            "resolution": self.resolution,
            "weight_bits": self.weight_bits,
            "prune": self.prune,
            "weight_bytes": self.weight_bytes,
            "peak_activation_bytes": self.peak_activation_bytes,
            "fits": self.fits,
            "knobs_changed": self.knobs_changed,
            "severity": self.severity,
        }


def _reshaped(net: Network, width: float, resolution: int) -> Network:
    return load_net(net, width=width, resolution=None if resolution == net.input_shape[1] else resolution)


def fits(chip: Accelerator, weight_bytes: float, peak_activations: float) -> bool:
    """The fit answer: weights plus the peak live activations in the on-chip buffers; on a chip
    with flash, weights in flash and the peak live activations in the buffers that hold them."""
    if chip.flash is not None:
        return weight_bytes <= chip.flash.capacity_bytes and peak_activations <= chip.capacity_for(
            TensorKind.ACTIVATIONS
        )
    return fits_on_chip(chip, weight_bytes, peak_activations)


def search(net: Network, hw: Accelerator) -> list[Candidate]:
    """Every combination, gentlest first among those that fit."""
    bits_options = sorted({hw.weight_bits, 6, 4} - {b for b in (6, 4) if b >= hw.weight_bits}, reverse=True)
    full = net.input_shape[1]
    out = []
    for width, res_scale in product(WIDTHS, RESOLUTIONS):
        resolution = max(8, round(full * res_scale))
        variant = _reshaped(net, width, resolution)
        peak = peak_activation_bytes(variant, hw)
        for bits, prune in product(bits_options, PRUNES):
            spec = CompressionSpec(name="fit", weight_bits=bits, prune=prune, sharing=bits < hw.weight_bits)
            stored = compress(variant, spec, default_bits=hw.weight_bits).coded
            changes = [width < 1, resolution < full, bits < hw.weight_bits, prune > 0]
            severity = (1 - width) + (1 - bits / hw.weight_bits) + prune + (1 - resolution / full)
            out.append(
                Candidate(
                    width,
                    resolution,
                    spec,
                    stored,
                    peak,
                    fits(hw, stored, peak),
                    sum(changes),
                    severity,
                )
            )
    return sorted(out, key=lambda c: (not c.fits, c.knobs_changed, c.severity, -c.weight_bytes))


@dataclass(frozen=True)
class FitAnswer:
    """What `accelsim fit` reports: every candidate (gentlest fitting first), the first choice
    and its simulated result."""

    network: Network
    chip: Accelerator
    candidates: list[Candidate]
    best: Candidate | None
    result: Result | None

    @property
    def fitting(self) -> list[Candidate]:
        return [c for c in self.candidates if c.fits]

    @property
    def fits_as_is(self) -> bool:
        return self.best is not None and self.best.knobs_changed == 0

    def smallest(self) -> Candidate:
        """The candidate needing the fewest on-chip bytes (for a chip nothing fits)."""
        return min(self.candidates, key=lambda c: c.weight_bytes + c.peak_activation_bytes)


def fit(net: str | Path | Network, hw: str | Path | HwConfig | Accelerator) -> FitAnswer:
    """How small must `net` get to fit `hw` (`accelsim fit`): every combination of width,
    resolution, weight bits and pruning, the gentlest one that fits (`best`), simulated."""
    net, chip = load_net(net), load_hw(hw)
    candidates = search(net, chip)
    best = next((c for c in candidates if c.fits), None)
    result = simulate(best.network(net), chip, compression=best.spec) if best else None
    return FitAnswer(net, chip, candidates, best, result)


GRANULE = 1024  # bytes: `fit --sram` answers to the KiB
MAX_SRAM = 2**40  # bytes: past 1 TiB of SRAM the answer is "no chip"


@dataclass(frozen=True)
class SramAnswer:
    """The smallest capacity of the buffer that holds weights (`field`) at which all weights
    fit, and at which the network fits (`fits`: weights plus the peak live activations; with
    flash, the activations alone); None when not even MAX_SRAM does (or, with split buffers,
    when the activation buffer is the one too small; with flash, when the weights outgrow it)."""

    network: Network
    chip: Accelerator
    field: str
    weight_bytes: float
    peak_activation_bytes: float
    weights_fit_bytes: int | None
    working_set_fits_bytes: int | None
    # at each answer's size: the buffer's area and the chip's, mm^2 (README "Area")
    weights_fit_area_mm2: tuple[float, float] | None = None
    working_set_fits_area_mm2: tuple[float, float] | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "network": self.network.name,
            "hardware": self.chip.name,
            "field": self.field,
            "weight_bytes": self.weight_bytes,
            "peak_activation_bytes": self.peak_activation_bytes,
            "weights_fit_sram_bytes": self.weights_fit_bytes,
            "working_set_fits_sram_bytes": self.working_set_fits_bytes,
            "weights_fit_area_mm2": _area_dict(self.weights_fit_area_mm2),
            "working_set_fits_area_mm2": _area_dict(self.working_set_fits_area_mm2),
        }


def smallest_sram(net: str | Path | Network, hw: str | Path | HwConfig | Accelerator) -> SramAnswer:
    """How big must `hw`'s SRAM get for `net` as it is (`accelsim fit --sram`): the buffer that
    holds weights is bisected (to GRANULE) for the two fit answers. Each probe is the chip with
    that capacity, validated again (a buffer smaller than the register files is not a chip:
    those capacities count as not fitting)."""
    net, chip = load_net(net), load_hw(hw)
    field = f"memory.{chip.buffer_for(TensorKind.WEIGHTS).name}.capacity"
    weights = sum(store(net, chip.weight_bits).bytes.values())
    peak = peak_activation_bytes(net, chip)

    def probe(capacity: int) -> Accelerator | None:
        try:
            return variant(chip, {field: capacity, "name": chip.name})
        except AccelsimError:
            return None

    def smallest(fits: Callable[[Accelerator], bool]) -> int | None:
        high = GRANULE
        while (sized := probe(high)) is None or not fits(sized):
            if high >= MAX_SRAM:
                return None
            high *= 2
        low = high // 2  # the answer lies in (low, high] granules
        while high - low > GRANULE:
            middle = (low + high) // 2 // GRANULE * GRANULE
            sized = probe(middle)
            if sized is not None and fits(sized):
                high = middle
            else:
                low = middle
        return high

    def area(capacity: int | None) -> tuple[float, float] | None:
        sized = None if capacity is None else probe(capacity)
        if sized is None:
            return None
        return sized.buffer_for(TensorKind.WEIGHTS).area_m2 * 1e6, sized.area_m2 * 1e6

    weights_fit = smallest(lambda c: weights <= c.capacity_for(TensorKind.WEIGHTS))
    working_set_fits = smallest(lambda c: fits(c, weights, peak))
    return SramAnswer(
        net,
        chip,
        field,
        weights,
        peak,
        weights_fit,
        working_set_fits,
        area(weights_fit),
        area(working_set_fits),
    )


def _area_dict(area: tuple[float, float] | None) -> dict[str, float] | None:
    return None if area is None else {"buffer": area[0], "chip": area[1]}
