"""User-facing errors: one clear line, no traceback, exit status 2."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from accelsim.limits import MAX_ERRORS_LISTED

if TYPE_CHECKING:
    from pydantic import ValidationError


class AccelsimError(ValueError):
    """Bad input from the user (a file, a field, a name, a value). The CLI prints it and exits 2.
    A ValueError, so Python callers can catch bad values the usual way."""


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def has_control(text: str) -> bool:
    """Holds a control character (an ANSI escape...): printed, it would drive the terminal."""
    return bool(_CONTROL.search(text))


def listing(problems: Sequence[str]) -> str:
    """Problems on one line, the first MAX_ERRORS_LISTED of them named and the rest counted (a
    file with 5,000 bad layers gets a line a person can read)."""
    shown = "; ".join(problems[:MAX_ERRORS_LISTED])
    more = len(problems) - MAX_ERRORS_LISTED
    return shown + (f"; and {more:,} more problem{'s' if more > 1 else ''}" if more > 0 else "")


def whole(value: object, name: str, low: int, high: int) -> int:
    """`value` as a count from `low` to `high`: TypeError for a non-integer (True is no count),
    AccelsimError (a ValueError) outside the range, the range named."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an integer, got {value!r}")
    if not low <= value <= high:
        raise AccelsimError(f"{name} must be an integer from {low:,} to {high:,}, got {value:,}")
    return value


def closest(name: str, choices: Iterable[str]) -> str:
    """A ' (did you mean X?)' hint for a misspelled name, or '' when nothing is close."""
    matches = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.5)
    return f" (did you mean '{matches[0]}'?)" if matches else ""


def unknown(what: str, name: str, choices: Iterable[str]) -> AccelsimError:
    """Error for an unknown name, listing the valid ones and the closest match."""
    choices = sorted(choices)
    listing = ", ".join(choices) if len(choices) <= 12 else ", ".join(choices[:12]) + ", ..."
    return AccelsimError(f"unknown {what} '{name}'{closest(name, choices)}; expected one of: {listing}")


def _location(data: Any, loc: tuple[Any, ...]) -> int:
    """The line of the deepest mapping on the path to a field, for error messages."""
    line = getattr(data, "line", 0)
    node = data
    for key in loc:
        if (
            isinstance(node, Mapping)
            and key in node
            or (
                isinstance(node, Sequence)
                and not isinstance(node, str)
                and isinstance(key, int)
                and key < len(node)
            )
        ):
            node = node[key]
        else:
            break
        line = getattr(node, "line", line)
    return line


def _model_fields(model: Any, loc: tuple[Any, ...]) -> list[str]:
    """Valid field names at the parent of `loc` in a pydantic model (for 'did you mean')."""
    for key in loc[:-1]:
        if isinstance(key, int):  # an item of a list: the model stays the item's
            continue
        info = getattr(model, "model_fields", {}).get(key)
        if info is None:
            return []
        annotation = info.annotation
        candidates = [a for a in getattr(annotation, "__args__", (annotation,)) if hasattr(a, "model_fields")]
        if not candidates:
            return []
        model = candidates[0]
    return list(getattr(model, "model_fields", {}))


def _problem(err: Mapping[str, Any], model: Any, path: str) -> str:
    """One pydantic error as a phrase naming the field (at `path`) and what was expected."""
    loc = tuple(err["loc"])
    if err["type"] == "extra_forbidden":
        moved = getattr(model, "moved_fields", {}).get(path)
        if moved:
            return f"field '{path}' is now {moved}"
        hint = closest(str(loc[-1]), _model_fields(model, loc))
        if re.match(r"\d", str(loc[-1])):  # {capacity: 4,096 KiB}: the comma split the mapping
            hint = " (a comma inside a number ends the value in a {...} mapping: write 4096, not 4,096)"
        return f"unknown field '{path}'{hint}"
    if err["type"] == "missing":
        return f"missing required field '{path}'"
    message = err["msg"].removeprefix("Value error, ")
    if err["type"] == "literal_error":
        given = err.get("input")
        choices = re.findall(r"'([^']*)'", str(err.get("ctx", {}).get("expected", "")))
        message = f"got {given!r}, expected one of {', '.join(choices)}{closest(str(given), choices)}"
    return f"field '{path}': {message}"


def validation_message(exc: ValidationError, data: Any, source: str, model: Any) -> str:
    """Every problem in a pydantic ValidationError of `model`, on one line: file:line (when
    `data` came from yamlio, whose mappings know their lines), field path, what was expected."""
    # A misspelled field also shows up as a missing one: report the misspelling first.
    errors = sorted(exc.errors(), key=lambda e: e["type"] != "extra_forbidden")
    parts = []
    for i, err in enumerate(errors):
        loc = tuple(err["loc"])
        # a model may name a place better than pydantic's path (a list item by its name)
        named = model.error_location(loc, data) if hasattr(model, "error_location") else loc
        line = max(_location(data, loc), _location(data, named))
        if i == 0:
            where = f"{source}:{line}: " if line else f"{source}: "
        else:
            where = f"line {line}: " if line else ""
        parts.append(where + _problem(err, model, ".".join(str(p) for p in named)))
    return listing(parts)
