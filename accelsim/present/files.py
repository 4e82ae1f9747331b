"""Writing output files (--json, --report, --csv, --parquet): whole or not at all, and never
destroying what the target path names."""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from pathlib import Path

from accelsim.errors import AccelsimError


def write_output(target: str | Path, data: str | bytes, what: str) -> None:
    """Write `data` to `target` ('-' is stdout). A regular file (or a new one) is replaced
    atomically by a complete copy written beside it; through a symlink, the file it points to is
    the one replaced, so the link stays a link. A FIFO, a terminal or a device (/dev/stdout) is
    written into directly, never renamed over. A directory is refused. `what` names the option
    in error messages."""
    payload = data.encode("utf-8") if isinstance(data, str) else data
    if str(target) == "-":
        sys.stdout.buffer.write(payload)
        sys.stdout.flush()
        return
    path = Path(target).expanduser()
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
    if not real.parent.is_dir():
        raise AccelsimError(f"{what}: folder {real.parent} does not exist")
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
