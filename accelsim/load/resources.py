"""Finding the bundled chips, networks, trends and clusters, in a wheel install or a source checkout."""

from __future__ import annotations

import warnings
from pathlib import Path

from accelsim.errors import AccelsimError, closest, unknown


class ShadowWarning(UserWarning):
    """A local file and a bundled chip or network share a name: which one is used is said once."""


_PACKAGE = Path(__file__).resolve().parents[1]  # the accelsim package


def bundled_dir(kind: str) -> Path:
    """`hw_configs`, `workloads`, `trends` or `clusters`: inside the package when installed, beside it in a
    checkout."""
    for candidate in (_PACKAGE / kind, _PACKAGE.parent / kind):
        if candidate.is_dir():
            return candidate
    raise AccelsimError(f"the bundled '{kind}' folder is missing from this accelsim install")


def bundled_names(kind: str) -> list[str]:
    return sorted(p.stem for p in bundled_dir(kind).glob("*.yaml"))


def is_path_like(name: str | Path) -> bool:
    """Written as a file path (a folder part or a file ending), not as a bundled name."""
    text = str(name)
    return "/" in text or "\\" in text or text.lower().endswith((".yaml", ".yml", ".onnx"))


def resolve(name_or_path: str | Path, kind: str, what: str) -> Path:
    """A path to an existing file, or a bundled name (with or without `.yaml`)."""
    path = Path(name_or_path).expanduser()
    if path.is_dir():
        raise AccelsimError(f"{what} path {path} is a directory; expected a YAML file")
    stem = path.stem if path.suffix in (".yaml", ".yml") else path.name
    bundled = bundled_dir(kind) / f"{stem}.yaml"
    shadowed = path.parent == Path(".") and bundled.is_file()
    if path.exists():  # a file; anything else (a pipe, a device) is refused when it is read
        if shadowed and path.resolve() != bundled.resolve():
            warnings.warn(
                f"{path} is a local file: it is used, not the bundled {what} '{stem}' (results still "
                f"carry the name its file gives; give '{stem}' for the bundled one)",
                ShadowWarning,
                stacklevel=2,
            )
        return path
    if shadowed:
        local = Path(f"{stem}.yaml")
        if local.is_file() and local.resolve() != bundled.resolve():
            warnings.warn(
                f"'{stem}' is the bundled {what}; the local {local} is not read (give ./{local} for it)",
                ShadowWarning,
                stacklevel=2,
            )
        return bundled
    if is_path_like(name_or_path):
        raise AccelsimError(f"{what} file not found: {path}{closest(stem, bundled_names(kind))}")
    raise unknown(what, stem, bundled_names(kind))


def beside(owner: Path, name: str) -> str:
    """A file named inside another file (a cluster's chip, a sweep's base) is read relative to
    that file's folder, as a user who keeps them together expects; a bundled name stays a name."""
    path = Path(name).expanduser()
    if is_path_like(name) and not path.is_absolute() and (owner.parent / path).exists():
        return str(owner.parent / path)
    return name
