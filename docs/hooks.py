"""MkDocs hook: pages take their prose from README.md by heading (one text, two doors) and their
reference tables from the code (the pydantic schemas, the op registry), so the site cannot
drift from either. In a page, `{{ readme("## Heading") }}` is that README section (its heading
dropped, subheadings raised a level) and `{{ reference("hw") }}` a generated table."""

from __future__ import annotations

import re
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel

ROOT = Path(__file__).resolve().parents[1]
# README anchors that live on another page of the site
MOVED_ANCHORS = {"performance": "performance.md"}
_CALL = re.compile(r"\{\{\s*(readme|reference)\(\"([^\"]+)\"\)\s*\}\}")


def readme_section(heading: str) -> str:
    lines = (ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    level = len(heading) - len(heading.lstrip("#"))
    try:
        start = lines.index(heading)
    except ValueError:
        raise ValueError(f"README.md has no heading {heading!r}") from None
    body, fenced = [], False
    for line in lines[start + 1 :]:
        if line.startswith("```"):
            fenced = not fenced
        depth = len(line) - len(line.lstrip("#"))
        if not fenced and 0 < depth <= level and line[depth : depth + 1] == " ":
            break
        if not fenced and depth > level and line[depth : depth + 1] == " ":
            line = line[depth - level + 1 :]  # ### under a ## section -> ## on its own page
        body.append(line)
    text = "\n".join(body).strip() + "\n"
    for anchor, page in MOVED_ANCHORS.items():
        text = text.replace(f"](#{anchor})", f"]({page})")
    return text


def _type_name(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return " \\| ".join(f"`{a}`" for a in typing.get_args(annotation))
    if origin is typing.Annotated:
        return _type_name(typing.get_args(annotation)[0])
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    if args and origin is not None and origin not in (list, tuple, dict):
        return " or ".join(_type_name(a) for a in args)
    if origin in (list, tuple):
        return f"list of {_type_name(args[0])}" if args else "list"
    if origin is dict:
        return "mapping"
    return getattr(annotation, "__name__", str(annotation))


def _model_rows(model: type[BaseModel], prefix: str = "", chip: bool = False, shown: str = "") -> list[str]:
    """A row per field; `shown` is the path as printed (a list's items as `levels[]`)."""
    from accelsim.hw.schema import field_kind

    rows = []
    for name, info in model.model_fields.items():
        path, printed = f"{prefix}{name}", f"{shown}{name}"
        sections = [
            a
            for a in (typing.get_args(info.annotation) or (info.annotation,))
            if isinstance(a, type) and issubclass(a, BaseModel)
        ]
        if sections:
            items = "[]" if typing.get_origin(info.annotation) in (list, tuple) else ""
            rows += _model_rows(sections[0], f"{path}.", chip, f"{printed}{items}.")
            continue
        kind = field_kind(path) if chip else None
        field_type = f"{kind.name}, e.g. `{kind.example}`" if kind else _type_name(info.annotation)
        default = (
            "required" if info.is_required() else "none" if info.default is None else f"`{info.default!r}`"
        )
        about = (info.description or "").replace("|", "\\|")
        rows.append(f"| `{printed}` | {field_type} | {default} | {about} |")
    return rows


def _table(model: type[BaseModel], chip: bool = False) -> str:
    head = "| field | type | default | meaning |\n|---|---|---|---|\n"
    return head + "\n".join(_model_rows(model, chip=chip)) + "\n"


def _ops() -> str:
    from accelsim.ir.ops import ALIASES, OPS

    rows = ["| op | runs on | weights | attributes | also written |", "|---|---|---|---|---|"]
    for name, op in OPS.items():
        aliases = ", ".join(f"`{a}`" for a, target in ALIASES.items() if target == name)
        attrs = ", ".join(f"`{a}`" for a in sorted(op.attrs)) or "none"
        rows.append(f"| `{name}` | {op.engine} | {'yes' if op.has_weights else 'no'} | {attrs} | {aliases} |")
    return "\n".join(rows) + "\n"


def reference(kind: str) -> str:
    from accelsim.apps.sweep.spec import SweepSpec
    from accelsim.hw.schema import HwConfig

    if kind == "hw":
        return _table(HwConfig, chip=True)
    if kind == "sweep":
        return _table(SweepSpec)
    if kind == "ops":
        return _ops()
    raise ValueError(f"no reference table {kind!r}; expected hw, sweep or ops")


def on_page_markdown(markdown: str, **_: Any) -> str:
    return _CALL.sub(lambda m: readme_section(m[2]) if m[1] == "readme" else reference(m[2]), markdown)
