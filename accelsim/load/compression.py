"""Compression specs from files: presets (per network, bundled) and the user's own YAML, and
the command line's --compress/--wbits/--abits/--prune combined into one CompressionSpec."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from accelsim.errors import AccelsimError, unknown
from accelsim.load.yamlio import load_yaml_mapping
from accelsim.transform.compress import CompressionSpec

PRESETS_DIR = Path(__file__).resolve().parents[1] / "presets"


def _validated(data: Any, source: str) -> CompressionSpec:
    return CompressionSpec.validated(data, source)


def preset_names() -> list[str]:
    return sorted(p.stem for p in PRESETS_DIR.glob("*.yaml"))


def load_preset(name: str, network: str) -> CompressionSpec:
    """A preset's settings for one network (presets hold settings per network)."""
    if name not in preset_names():
        raise unknown("compression preset", name, preset_names())
    data = load_yaml_mapping(PRESETS_DIR / f"{name}.yaml")
    base = network.split("@")[0]
    if base not in data:
        raise AccelsimError(
            f"preset '{name}' has settings for {', '.join(sorted(data))}, not for '{base}'; "
            "give --wbits/--prune or a spec file with --compress"
        )
    return _validated(data[base], f"preset {name}")


def load_spec(spec: str, network: str) -> CompressionSpec:
    """--compress: a preset name or a YAML file of a CompressionSpec."""
    path = Path(spec).expanduser()
    if path.suffix in (".yaml", ".yml") or path.exists():
        if not path.exists():
            raise AccelsimError(f"compression spec file not found: {path}")
        return _validated(load_yaml_mapping(path), str(path))
    return load_preset(spec, network)


def resolve_spec(
    spec: str | None,
    network: str,
    wbits: int | None = None,
    abits: int | None = None,
    prune: float | None = None,
) -> CompressionSpec | None:
    """The command line's compression: --compress PRESET|FILE, then --wbits/--abits/--prune
    on top (they override the spec's defaults); None when nothing is asked."""
    for flag, value in (("--wbits", wbits), ("--abits", abits)):
        if value is not None and not 1 <= value <= 32:
            raise AccelsimError(f"{flag} must be an integer from 1 to 32, got {value}")
    if prune is not None and not 0 <= prune < 1:
        raise AccelsimError(f"--prune must be a fraction in [0, 1), got {prune}")
    flags = {
        k: v
        for k, v in (("weight_bits", wbits), ("activation_bits", abits), ("prune", prune))
        if v is not None
    }
    if spec is None:
        return CompressionSpec.model_validate({"name": "flags", **flags}) if flags else None
    base = load_spec(spec, network)
    return base.model_copy(update=flags) if flags else base
