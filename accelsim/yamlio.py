"""Reading YAML files safely, with line numbers for error messages.

Mappings load as `LineDict`, which remembers the line it started on. Aliases are refused
(they are the vector of "billion laughs" bombs and no accelsim file needs them).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from accelsim.errors import AccelsimError

MAX_BYTES = 10 * 2**20  # no sane config or workload file is larger


class LineDict(dict):
    """A mapping that knows the 1-based line it starts on in its file."""

    line: int = 0


class _Loader(yaml.SafeLoader):
    def compose_node(self, parent: Any, index: Any) -> Any:  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.MarkedYAMLError(
                problem="YAML aliases (*name) are not supported", problem_mark=event.start_mark
            )
        return super().compose_node(parent, index)

    def construct_line_mapping(self, node: yaml.MappingNode) -> LineDict:
        mapping = LineDict(self.construct_mapping(node, deep=True))
        mapping.line = node.start_mark.line + 1
        return mapping


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _Loader.construct_line_mapping)


def load_yaml_text(text: str, source: str) -> Any:
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{source}:{mark.line + 1}" if mark else source
        context = ""
        if exc.context and exc.context_mark and exc.context_mark is not mark:
            context = f" ({exc.context} at line {exc.context_mark.line + 1})"
        raise AccelsimError(f"{where}: not valid YAML: {exc.problem}{context}") from None
    except yaml.YAMLError as exc:
        raise AccelsimError(f"{source}: not valid YAML: {exc}") from None


def load_yaml_mapping(path: Path) -> LineDict:
    """Load a YAML file that must hold a mapping at the top."""
    try:
        if path.stat().st_size > MAX_BYTES:
            raise AccelsimError(f"{path}: file is larger than {MAX_BYTES // 2**20} MiB")
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise AccelsimError(f"{path}: not a text (UTF-8) YAML file") from None
    except OSError as exc:
        raise AccelsimError(f"{path}: cannot read file ({exc.strerror})") from None
    data = load_yaml_text(text, str(path))
    if not isinstance(data, dict):
        kind = "empty" if data is None else f"a {type(data).__name__}"
        raise AccelsimError(f"{path}: expected a YAML mapping at the top level, got {kind}")
    return data
