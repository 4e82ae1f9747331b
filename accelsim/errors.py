"""User-facing errors: one clear line, no traceback, exit status 2."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class AccelsimError(Exception):
    """Bad input from the user (a file, a field, a name). The CLI prints it and exits 2."""


def closest(name: str, choices: Iterable[str]) -> str:
    """A ' (did you mean X?)' hint for a misspelled name, or '' when nothing is close."""
    matches = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.5)
    return f" (did you mean '{matches[0]}'?)" if matches else ""


def unknown(what: str, name: str, choices: Iterable[str]) -> AccelsimError:
    """Error for an unknown name, listing the valid ones and the closest match."""
    choices = sorted(choices)
    listing = ", ".join(choices) if len(choices) <= 12 else ", ".join(choices[:12]) + ", ..."
    return AccelsimError(f"unknown {what} '{name}'{closest(name, choices)}; expected one of: {listing}")
