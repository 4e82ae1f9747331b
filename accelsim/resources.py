"""Finding the bundled chips and networks, in a wheel install or a source checkout."""

from __future__ import annotations

from pathlib import Path

from accelsim.errors import AccelsimError, unknown

_PACKAGE = Path(__file__).resolve().parent


def bundled_dir(kind: str) -> Path:
    """`hw_configs` or `workloads`: inside the package when installed, beside it in a checkout."""
    for candidate in (_PACKAGE / kind, _PACKAGE.parent / kind):
        if candidate.is_dir():
            return candidate
    raise AccelsimError(f"the bundled '{kind}' folder is missing from this accelsim install")


def bundled_names(kind: str) -> list[str]:
    return sorted(p.stem for p in bundled_dir(kind).glob("*.yaml"))


def resolve(name_or_path: str | Path, kind: str, what: str) -> Path:
    """A path to an existing file, or a bundled name (with or without `.yaml`)."""
    path = Path(name_or_path).expanduser()
    if path.is_file():
        return path
    stem = path.name[:-5] if path.name.endswith(".yaml") else path.name
    if path.parent == Path(".") or str(path.parent) == "":
        bundled = bundled_dir(kind) / f"{stem}.yaml"
        if bundled.is_file():
            return bundled
        raise unknown(what, stem, bundled_names(kind))
    raise AccelsimError(f"{what} file not found: {path}")
