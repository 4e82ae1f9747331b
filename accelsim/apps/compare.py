"""Comparing chips on networks: every (chip, network) pair simulated, one row each, with notes
where the chips are not like for like."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from accelsim.account.result import Result, summary
from accelsim.api import load_net, simulate
from accelsim.errors import AccelsimError
from accelsim.hw.chip import Accelerator
from accelsim.ir.network import Network
from accelsim.load.chip import load_hw
from accelsim.load.resources import bundled_names


def _names_something(items: Any, flag: str, what: str) -> None:
    if isinstance(items, (str, Path)) or not isinstance(items, Sequence):
        raise TypeError(f"compare: {what} must be a list, got {items!r}")
    if not items:
        raise AccelsimError(f"compare: {flag} names no {what}; expected at least one, e.g. {flag} a,b")


def compare_chips(hws: Sequence[str | Path | Accelerator]) -> list[Accelerator]:
    """The chips named: bundled names or YAML files, 'all' for every bundled chip, a folder
    for every chip YAML in it (sorted by file name). A chip named twice is compared once."""
    _names_something(hws, "--hw", "chips")
    chips: list[Accelerator] = []
    for hw in hws:
        if isinstance(hw, Accelerator):
            chips.append(hw)
        elif str(hw) == "all":
            chips += [load_hw(name) for name in bundled_names("hw_configs")]
        elif Path(hw).expanduser().is_dir():
            folder = Path(hw).expanduser()
            files = sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml"))
            if not files:
                raise AccelsimError(f"{folder}: no chip YAML files (*.yaml, *.yml) in this folder")
            chips += [load_hw(path) for path in files]
        else:
            chips.append(load_hw(hw))
    return list({chip.name: chip for chip in chips}.values())


def fairness_notes(chips: Sequence[Accelerator]) -> list[str]:
    """What makes a ranking of these chips not like for like: different precisions or
    technology nodes, and chips with no static power configured."""
    notes = []
    precisions = {chip.name: f"int{chip.weight_bits}/int{chip.activation_bits}" for chip in chips}
    if len(set(precisions.values())) > 1:
        listing = ", ".join(f"{name} {p}" for name, p in precisions.items())
        notes.append(
            f"precision differs (weights/activations: {listing}): fewer bits move fewer bytes and cost "
            "less per MAC, so energies rank precision as much as architecture"
        )
    nodes = {chip.name: chip.config.technology_nm for chip in chips}
    if len(set(nodes.values())) > 1:
        listing = ", ".join(f"{name} {nm:g} nm" for name, nm in nodes.items())
        notes.append(
            f"technology node differs ({listing}): energy per operation scales with the node, so "
            "energies rank the process as much as the design"
        )
    for chip in chips:
        if chip.leakage_w == 0:
            notes.append(
                f"{chip.name} has no static power configured (static_power and SRAM leakage are 0 W): "
                "its energy is dynamic only, which flatters it against chips that count leakage"
            )
    return notes


def compare_results(
    hws: Sequence[str | Path | Accelerator], nets: Sequence[str | Path | Network], **options: Any
) -> list[Result]:
    chips = compare_chips(hws)
    _names_something(nets, "--net", "networks")
    networks = [load_net(net) for net in nets]
    return [simulate(net, chip, **options) for chip in chips for net in networks]


def compare(
    hws: Sequence[str | Path | Accelerator], nets: Sequence[str | Path | Network], **options: Any
) -> Any:
    """Every chip on every network: a pandas DataFrame, one row per pair (`options` go to
    simulate: mode, batch, fps, compression); `frame.attrs["notes"]` says where the chips are
    not like for like."""
    import pandas as pd

    chips = compare_chips(hws)
    frame = pd.DataFrame([summary(r) for r in compare_results(chips, nets, **options)])
    frame.attrs["notes"] = fairness_notes(chips)
    return frame
