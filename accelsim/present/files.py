"""Writing output files (--json, --report, --csv, --parquet): whole or not at all, and never
destroying what the target path names."""

from __future__ import annotations

import json
import math
import os
import re
import stat
import sys
import tempfile
from pathlib import Path
from typing import Any, NoReturn

from accelsim.errors import AccelsimError

_BYTE_KEY = re.compile(r"(^|_)bytes$")


def json_types(data: Any, in_bytes: bool = False, path: str = "") -> Any:
    """A document as its JSON is read, in one walk: numpy scalars as Python's; byte counts
    (under a key ending in 'bytes', a mapping of them included) as whole bytes, bit-level sizes
    rounded up; and NaN or infinity refused, naming where (inputs at the edge of their ranges can
    overflow a product: printed, it would read as a figure)."""
    from accelsim.account.result import whole_bytes

    if isinstance(data, dict):
        return {
            k: json_types(v, in_bytes or bool(_BYTE_KEY.search(str(k))), f"{path}.{k}" if path else str(k))
            for k, v in data.items()
        }
    if isinstance(data, (list, tuple)):
        return [json_types(v, in_bytes, f"{path}[{i}]") for i, v in enumerate(data)]
    if hasattr(data, "item") and not isinstance(data, (str, bytes)):  # a numpy scalar
        data = data.item()
    if isinstance(data, float):
        if not math.isfinite(data):
            raise AccelsimError(
                f"the result's '{path or 'value'}' came out {data} (not a finite number): some input is "
                "too large or too small to compute with; expected values in their plausible ranges"
            )
        if in_bytes:
            return whole_bytes(data)
    return data


def json_text(data: Any) -> str:
    """`data` as indented JSON in its JSON types, refused if it holds NaN or infinity."""
    return json.dumps(json_types(data), indent=2, allow_nan=False) + "\n"


def write_stdout(data: str | bytes) -> None:
    """Text or bytes on standard output; a reader that left (`| head`) ends the command quietly,
    a full disk is one error line."""
    try:
        if isinstance(data, bytes):
            sys.stdout.flush()
            sys.stdout.buffer.write(data)
        else:
            sys.stdout.write(data)
        sys.stdout.flush()
    except BrokenPipeError:
        raise
    except OSError as exc:
        stdout_failed(exc)


def stdout_failed(exc: OSError) -> NoReturn:
    """Standard output cannot be written (a full disk): say so once; what Python would flush at
    exit goes nowhere, so no second error follows."""
    os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    raise AccelsimError(f"cannot write to standard output ({exc.strerror or exc}); nothing more was written")


_UNSAFE = re.compile(r"[^A-Za-z0-9._@=+-]+")


def file_in(folder: Path, name: str, suffix: str) -> Path:
    """`folder/NAME.suffix` for a name taken from a user's file (a chip's or network's `name:`):
    made a plain file name (no separators, no leading dot, nothing but letters, digits and
    ._@=+-), and checked to land inside `folder`."""
    stem = _UNSAFE.sub("_", name).lstrip("._") or "accelsim"
    path = folder / f"{stem[:200]}{suffix}"
    if Path(os.path.realpath(path)).parent != Path(os.path.realpath(folder)):
        raise AccelsimError(f"--out: '{name}' would be written outside {folder}; expected a plain name")
    return path


def write_output(target: str | Path, data: str | bytes, what: str, follow_links: bool = True) -> None:
    """Write `data` to `target` ('-' is stdout). A regular file (or a new one) is replaced
    atomically by a complete copy written beside it; through a symlink, the file it points to is
    the one replaced, so the link stays a link. A FIFO, a terminal or a device (/dev/stdout) is
    written into directly, never renamed over. A directory is refused. `what` names the option
    in error messages. `follow_links=False` is for files the user did not name (a report's
    plotly.js): a link found there is replaced by the file, never written through."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    if str(target) == "-":
        write_stdout(payload)
        return
    path = Path(target).expanduser()
    if not follow_links and path.is_symlink():
        _replace_atomically(Path(os.path.realpath(path.parent)) / path.name, payload, None, what, shown=path)
        return
    try:
        mode = path.stat().st_mode  # follows links
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise AccelsimError(f"{what}: cannot write {path} ({exc.strerror})") from None
    if mode is not None and stat.S_ISDIR(mode):
        raise AccelsimError(f"{what}: {path} is a directory; expected a file path")
    try:
        if mode is not None and not stat.S_ISREG(mode):
            with open(path, "wb") as stream:
                stream.write(payload)
            return
    except OSError as exc:
        raise AccelsimError(f"{what}: cannot write {path} ({exc.strerror})") from None
    _replace_atomically(Path(os.path.realpath(path)), payload, mode, what, shown=path)


def _replace_atomically(real: Path, payload: bytes, mode: int | None, what: str, shown: Path) -> None:
    try:  # the folders a user names are made (`--json out/run.json` into a new `out`)
        real.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise AccelsimError(f"{what}: cannot make folder {real.parent} ({exc.strerror})") from None
    try:
        fd, partial = tempfile.mkstemp(dir=real.parent, prefix=f".{real.name}.", suffix=".partial")
    except OSError as exc:
        raise AccelsimError(f"{what}: cannot write in {real.parent} ({exc.strerror})") from None
    try:
        with os.fdopen(fd, "wb") as stream:
            stream.write(payload)
            stream.flush()
            os.fsync(stream.fileno())
        if mode is None:  # a new file gets the usual permissions, not mkstemp's private 0600
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(partial, 0o666 & ~umask)
        else:
            os.chmod(partial, stat.S_IMODE(mode))
        os.replace(partial, real)
    except OSError as exc:
        Path(partial).unlink(missing_ok=True)
        raise AccelsimError(f"{what}: cannot write {shown} ({exc.strerror})") from None
