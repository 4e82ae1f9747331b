"""Reading a user's file (YAML, ONNX, topology CSV, SCALE-Sim cfg): one guarded reader.

A regular file only: a FIFO would block the reader for ever, a device (/dev/zero) never ends,
a folder is no file. The file is opened without blocking and checked on the open descriptor
(no window between the check and the read), and no more than `limit` bytes are ever read.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import BinaryIO

from accelsim.errors import AccelsimError

MIB = 2**20


def _mib(limit: int) -> str:
    return f"{limit / MIB:g} MiB" if limit < 2**30 else f"{limit / 2**30:g} GiB"


def _a_file(what: str) -> str:
    return f"{'an' if what[0] in 'AEIOU' else 'a'} {what} file"


def open_regular(path: str | Path, what: str, limit: int) -> BinaryIO:
    """`path` opened for reading in binary, once it is known to be a regular file of at most
    `limit` bytes; `what` names the file kind in errors ('SCALE-Sim config' -> 'expected a
    SCALE-Sim config file'). Refused: a missing file, a folder, a FIFO, a device or socket."""
    path = Path(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except FileNotFoundError:
        raise AccelsimError(f"{what} file not found: {path}") from None
    except OSError as exc:
        raise AccelsimError(f"{path}: cannot read {what} ({exc.strerror})") from None
    info = os.fstat(fd)
    an = _a_file(what)
    problem = None
    if stat.S_ISDIR(info.st_mode):
        problem = f"{path} is a folder; expected {an}"
    elif not stat.S_ISREG(info.st_mode):
        problem = f"{path} is not a regular file (a pipe, device or socket); expected {an}"
    elif info.st_size > limit:
        problem = f"{path}: {info.st_size:,} bytes; expected {an} of at most {_mib(limit)}"
    if problem:
        os.close(fd)
        raise AccelsimError(problem)
    return os.fdopen(fd, "rb")


def read_bytes(path: str | Path, what: str, limit: int) -> bytes:
    """The bytes of the regular file `path`, never more than `limit` (as open_regular)."""
    with open_regular(path, what, limit) as stream:
        try:
            data = stream.read(limit + 1)
        except OSError as exc:
            raise AccelsimError(f"{path}: cannot read {what} ({exc.strerror})") from None
    if len(data) > limit:  # grew while being read
        raise AccelsimError(
            f"{path}: more than {_mib(limit)}; expected {_a_file(what)} of at most {_mib(limit)}"
        )
    return data


def read_text(path: str | Path, what: str, limit: int) -> str:
    """The UTF-8 text of the regular file `path` (as read_bytes)."""
    data = read_bytes(path, what, limit)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise AccelsimError(f"{path}: not a text (UTF-8) {what} file") from None
