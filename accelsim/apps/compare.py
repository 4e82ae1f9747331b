"""Comparing chips on networks: every (chip, network) pair simulated, one row each, with notes
where the chips are not like for like."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from accelsim.account.result import Result, summary
from accelsim.api import load_net, simulate
from accelsim.errors import AccelsimError
from accelsim.hw.chip import Accelerator
from accelsim.ir.network import Network
from accelsim.load import bundled_dir, bundled_names, is_onnx, is_topology, load_hw, resolve


def _names_something(items: Any, flag: str, what: str) -> None:
    if isinstance(items, (str, Path)) or not isinstance(items, Sequence):
        raise TypeError(f"compare: {what} must be a list, got {items!r}")
    if not items:
        raise AccelsimError(f"compare: {flag} names no {what}; expected at least one, e.g. {flag} a,b")


def _told_apart(entries: Sequence[tuple[Any, str]], same: Callable[[Any, Any], bool]) -> list[Any]:
    """Items (chips or networks) with where each came from: the same item named twice is kept
    once; different items of one name are renamed 'name (origin)', so no row hides another
    (a copied chip YAML whose `name:` was not changed)."""
    kept: list[tuple[Any, str]] = []
    for item, origin in entries:
        if not any(k.name == item.name and same(k, item) for k, _ in kept):
            kept.append((item, origin))
    names = Counter(item.name for item, _ in kept)
    numbered = (origin or f"#{i + 1}" for i, (_, origin) in enumerate(kept))
    return [
        replace(item, name=f"{item.name} ({origin})") if names[item.name] > 1 else item
        for (item, _), origin in zip(kept, numbered, strict=True)
    ]


def _origin(name: str | Path, kind: str, what: str) -> str:
    """Where a chip or network named on the command line comes from: 'bundled' (or 'zoo'), or
    its file as written."""
    path = resolve(name, kind, what)
    return ("zoo" if kind == "workloads" else "bundled") if path.parent == bundled_dir(kind) else str(name)


def compare_chips(hws: Sequence[str | Path | Accelerator]) -> list[Accelerator]:
    """The chips named: bundled names or YAML files, 'all' for every bundled chip, a folder
    for every chip YAML in it (sorted by file name). A chip named twice is compared once; two
    different chips of one name are shown as 'name (file)'."""
    _names_something(hws, "--hw", "chips")
    entries: list[tuple[Accelerator, str]] = []
    for hw in hws:
        if isinstance(hw, Accelerator):
            entries.append((hw, ""))
        elif str(hw) == "all":
            entries += [(load_hw(name), "bundled") for name in bundled_names("hw_configs")]
        elif Path(hw).expanduser().is_dir():
            folder = Path(hw).expanduser()
            files = sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml"))
            if not files:
                raise AccelsimError(f"{folder}: no chip YAML files (*.yaml, *.yml) in this folder")
            entries += [(load_hw(path), str(path)) for path in files]
        else:
            entries.append((load_hw(hw), _origin(hw, "hw_configs", "hardware config")))
    return _told_apart(entries, lambda a, b: a.config == b.config)


def compare_networks(nets: Sequence[str | Path | Network]) -> list[Network]:
    """The networks named (as `--net` takes them); two different networks of one name are shown
    as 'name (file)'."""
    _names_something(nets, "--net", "networks")
    entries = []
    for net in nets:
        if isinstance(net, Network):
            entries.append((net, ""))
        elif is_onnx(net) or is_topology(net):
            entries.append((load_net(net), str(net)))
        else:
            entries.append((load_net(net), _origin(net, "workloads", "network")))
    return _told_apart(entries, lambda a, b: a.specs == b.specs and a.input_shape == b.input_shape)


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
    nodes = {chip.name: chip.technology.node_nm for chip in chips}
    if len(set(nodes.values())) > 1:
        listing = ", ".join(f"{name} {nm:g} nm" for name, nm in nodes.items())
        notes.append(
            f"technology node differs ({listing}): energy per operation scales with the node, so "
            "energies rank the process as much as the design"
        )
    for chip in chips:
        if chip.static_w == 0:
            notes.append(
                f"{chip.name}'s config sets static_power to 0 W (only its memories' leakage is counted), "
                "which flatters it against chips whose logic leakage and clock are counted"
            )
    return notes


def compare_results(
    hws: Sequence[str | Path | Accelerator], nets: Sequence[str | Path | Network], **options: Any
) -> list[Result]:
    chips = compare_chips(hws)
    networks = compare_networks(nets)
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
