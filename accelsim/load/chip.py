"""Chip YAML files -> Accelerator: validation with file:line errors, the energy table the chip
names (if any), and a per-process cache of unchanged files."""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Any

from accelsim.energy.table import EnergyTable
from accelsim.errors import AccelsimError
from accelsim.hw.chip import Accelerator
from accelsim.hw.resolve import resolve_accelerator
from accelsim.hw.schema import HwConfig, in_list_form
from accelsim.load.resources import resolve
from accelsim.load.yamlio import load_yaml_mapping


def load_energy_table(reference: str, base: Path | None = None) -> EnergyTable:
    """An energy table named 'file.py:Name' (a path relative to `base`) or 'module:Name'; a
    class is instantiated. It must have every method of the EnergyTable interface."""
    where, sep, attribute = reference.rpartition(":")
    if not sep or not where or not attribute.isidentifier():
        raise AccelsimError(f"energy_table: expected 'file.py:Name' or 'module:Name', got '{reference}'")
    try:
        if where.endswith(".py"):
            path = Path(where) if base is None or Path(where).is_absolute() else base / where
            if not path.is_file():
                raise AccelsimError(f"energy_table: file not found: {path}")
            spec = importlib.util.spec_from_file_location(f"accelsim_energy_{path.stem}", path)
            assert spec is not None and spec.loader is not None
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
        else:
            module = importlib.import_module(where)
        found = getattr(module, attribute)
    except AccelsimError:
        raise
    except AttributeError:
        raise AccelsimError(f"energy_table: '{where}' has no '{attribute}'") from None
    except Exception as exc:  # noqa: BLE001 - the user's module failed to import
        raise AccelsimError(
            f"energy_table: cannot load '{reference}' ({type(exc).__name__}: {exc})"
        ) from None
    table = found() if isinstance(found, type) else found
    if not isinstance(table, EnergyTable):
        missing = [m for m in vars(EnergyTable) if not m.startswith("_") and not hasattr(table, m)]
        raise AccelsimError(
            f"energy_table: '{reference}' lacks {', '.join(missing)}; expected an EnergyTable"
        )
    return table


def parse_hw(
    data: Mapping[str, Any], source: str, energy_table: EnergyTable | None = None, base: Path | None = None
) -> Accelerator:
    config = HwConfig.validated(data, source)
    try:
        if energy_table is None and config.energy_table:
            energy_table = load_energy_table(config.energy_table, base)
            config = config.model_copy(update={"energy_table": anchored(config.energy_table, base)})
        return resolve_accelerator(config, energy_table)
    except AccelsimError as exc:
        raise AccelsimError(f"{source}: {exc}") from None


def anchored(reference: str, base: Path | None) -> str:
    """A 'file.py:Name' table reference made absolute (relative to the chip file's folder), so
    the config names the same table wherever it goes next (a variant, a sweep's worker)."""
    where, _, attribute = reference.rpartition(":")
    if not where.endswith(".py") or Path(where).is_absolute() or base is None:
        return reference
    return f"{(base / where).resolve()}:{attribute}"


def load_hw(hw: str | Path | HwConfig | Accelerator, energy_table: EnergyTable | None = None) -> Accelerator:
    """An accelerator from a bundled name, a YAML path, a HwConfig, or an Accelerator;
    `energy_table` replaces the table the chip would use (not the energies its YAML gives).
    Without one, a chip keeps the table it names or was priced with."""
    if isinstance(hw, Accelerator):
        return hw if energy_table is None else resolve_accelerator(hw.config, energy_table)
    if isinstance(hw, HwConfig):
        if energy_table is None and hw.energy_table:
            energy_table = load_energy_table(hw.energy_table)
        return resolve_accelerator(hw, energy_table)
    path = resolve(hw, "hw_configs", "hardware config")
    if energy_table is not None:
        return parse_hw(load_yaml_mapping(path), str(path), energy_table, path.parent)
    return _load_hw_file(str(path), path.stat().st_mtime_ns)


@lru_cache(maxsize=64)
def _load_hw_file(path: str, stamp: int) -> Accelerator:
    """Accelerators are immutable: an unchanged file is parsed once (`stamp` is its mtime)."""
    return parse_hw(load_yaml_mapping(Path(path)), path, base=Path(path).parent)


def in_levels_form(hw: str | Path) -> dict[str, Any]:
    """A chip file's data as written, its memory given as a level list (the older named fields
    `sram`, `weight_sram`, `dram`, `flash` rewritten in place): what `hw show --yaml` prints."""
    path = resolve(hw, "hw_configs", "hardware config")
    data: dict[str, Any] = _plain(load_yaml_mapping(path))
    if isinstance(data.get("memory"), dict):
        data["memory"] = in_list_form(data["memory"])
    HwConfig.validated(data, str(path))  # what is printed loads
    return data


def _plain(value: Any) -> Any:
    """YAML data as plain dicts and lists (yamlio's carry their lines)."""
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    return value
