"""Reading YAML files safely, with line numbers for error messages.

Mappings load as `LineDict`, which remembers the line it started on. Refused, each with its
line: aliases (the vector of "billion laughs" bombs; no accelsim file needs them), a key given
twice in one mapping (YAML would keep the last silently), and nesting deeper than any accelsim
file needs.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from accelsim.errors import AccelsimError, has_control
from accelsim.load.userfile import read_text

MAX_BYTES = 10 * 2**20  # no sane config or workload file is larger
MAX_DEPTH = 64  # nested mappings/lists; the zoo's deepest file nests 6


class LineDict(dict[Any, Any]):
    """A mapping that knows the 1-based line it starts on in its file."""

    line: int = 0


if yaml.__with_libyaml__:

    class _SafeLoader(
        yaml.composer.Composer, yaml.cyaml.CParser, yaml.constructor.SafeConstructor, yaml.resolver.Resolver
    ):
        """libyaml scans and parses (~6x faster than PyYAML's Python); nodes are composed in
        Python, so the checks below see every node."""

        def __init__(self, stream: str) -> None:
            yaml.cyaml.CParser.__init__(self, stream)
            yaml.constructor.SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)
            yaml.composer.Composer.__init__(self)

else:
    _SafeLoader = yaml.SafeLoader  # type: ignore[misc]


class _Loader(_SafeLoader):
    depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if self.check_event(yaml.AliasEvent):
            raise yaml.MarkedYAMLError(
                problem="YAML aliases (*name) are not supported", problem_mark=event.start_mark
            )
        if self.depth >= MAX_DEPTH:
            raise yaml.MarkedYAMLError(
                problem=f"nested more than {MAX_DEPTH} levels deep", problem_mark=event.start_mark
            )
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1

    def construct_yaml_str(self, node: yaml.ScalarNode) -> str:
        value = str(super().construct_yaml_str(node))
        if has_control(value):
            raise yaml.MarkedYAMLError(
                problem=f"{value!r} holds a control character; expected printable text",
                problem_mark=node.start_mark,
            )
        return value

    def construct_line_mapping(self, node: yaml.MappingNode) -> LineDict:
        first_line: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            if isinstance(key, (str, int, float, bool)) and key in first_line:
                raise yaml.MarkedYAMLError(
                    problem=f"key '{key}' is given twice (lines {first_line[key]} and {line}); "
                    "expected each key once",
                    problem_mark=key_node.start_mark,
                )
            first_line.setdefault(key, line)
        mapping = LineDict(self.construct_mapping(node, deep=True))
        mapping.line = node.start_mark.line + 1
        return mapping


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _Loader.construct_line_mapping)
_Loader.add_constructor("tag:yaml.org,2002:str", _Loader.construct_yaml_str)


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
    text = read_text(path, "YAML", MAX_BYTES)
    data = load_yaml_text(text, str(path))
    if not isinstance(data, LineDict):
        kind = "empty" if data is None else f"a {type(data).__name__}"
        raise AccelsimError(f"{path}: expected a YAML mapping at the top level, got {kind}")
    return data
