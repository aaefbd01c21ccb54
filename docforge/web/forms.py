"""The village form, generated from the village file's JSON Schema (the pydantic model).

Labels are the fields' ``title`` and help their ``x-help`` (Chinese, in :mod:`docforge.models`); a
field's type, whether it is required, its choices and its pattern come from the schema too. The form
posts flat names (``province.name``) that :func:`village_data` turns back into the nested data the
village file holds.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from ..i18n import _, lazy
from ..models import Village

#: pydantic's "missing" in either language (docforge.inputs.PYDANTIC_ERRORS)
REQUIRED = ("Field required", lazy("this field is required").text("zh"))
#: the beginnings of pydantic's "wrong form" and "not a date" in either language
WRONG_FORM = ("String should match pattern", lazy("does not have the expected form ({pattern})",
                                                   pattern="\0").text("zh").split("\0")[0])
NOT_A_DATE = ("Input should be a valid date", lazy("is not a date: write it as 2026-11-30").text("zh"))

#: The steps of the form, as the committee fills it in: top-level fields of the village file.
STEPS: list[tuple[str, str, list[str]]] = [
    ("地点", "选择本村所在的省、市、县、乡镇，再填写村名", ["province", "prefecture", "county", "township", "village"]),
    ("村民委员会", "村民委员会是各协议书的甲方", ["committee", "groups"]),
    ("签订", "签订地点和日期决定适用的法律条文", ["signing_place"]),
    ("通过与备案（可选）", "章程和公约经村民会议通过、报乡镇备案后填写", ["charter", "convention"]),
]
#: The two adoption groups have the same fields: their labels say which document they are about.
_ADOPTED = {"charter": "自治章程", "convention": "自治公约"}
AS_OF = "as_of"  # the signing date: not a field of the village file, the --as-of of the CLI


@dataclass
class Spec:
    name: str  # flat path: province.name
    label: str
    help: str = ""
    kind: str = "text"  # text, date, select, lines
    required: bool = False
    choices: list[str] = field(default_factory=list)
    pattern: str | None = None
    group: str = ""  # the parent's title

    @property
    def dom_id(self) -> str:
        return "f-" + self.name.replace(".", "-").replace("_", "-")


def _resolve(schema: dict, node: dict) -> tuple[dict, bool]:
    """The object schema behind a property (following $ref and ``X | None``), and whether it is optional."""
    optional = False
    if "anyOf" in node:
        alts = [a for a in node["anyOf"] if a.get("type") != "null"]
        optional = len(alts) < len(node["anyOf"])
        node = {**alts[0], **{k: v for k, v in node.items() if k != "anyOf"}}
    if "$ref" in node:
        name = node["$ref"].rsplit("/", 1)[-1]
        node = {**schema["$defs"][name], **{k: v for k, v in node.items() if k != "$ref"}}
    return node, optional


def _leaf(name: str, node: dict, schema: dict, required: bool, group: str = "") -> Spec:
    node, optional = _resolve(schema, node)
    kind = "text"
    if node.get("format") == "date":
        kind = "date"
    elif "enum" in node:
        kind = "select"
    elif node.get("type") == "array":
        kind = "lines"
    return Spec(name=name, label=node.get("title", name), help=node.get("x-help", ""), kind=kind,
                required=required and not optional, choices=list(node.get("enum", [])),
                pattern=node.get("pattern"), group=group)


@lru_cache(maxsize=1)
def specs() -> dict[str, list[Spec]]:
    """Per top-level field of the village file, the inputs that edit it."""
    schema = Village.model_json_schema()
    required = set(schema.get("required", []))
    out: dict[str, list[Spec]] = {}
    for key, prop in schema["properties"].items():
        if key == "clauses":  # the committee's edits: made on the documents themselves, not in this form
            continue
        node, optional = _resolve(schema, prop)
        if node.get("type") == "object" and "properties" in node:
            inner = set(node.get("required", []))
            title = node.get("title", key)
            out[key] = [_leaf(f"{key}.{sub}", sp, schema, sub in inner and key in required, title)
                        for sub, sp in node["properties"].items()]
            for s in out[key]:
                s.label = f"{title}{s.label}" if key in ("province", "prefecture", "county", "township", "village") \
                    else f"{_ADOPTED[key]}{s.label}" if key in _ADOPTED else s.label
        else:
            out[key] = [_leaf(key, prop, schema, key in required)]
    return out


def steps() -> list[tuple[str, str, list[Spec]]]:
    sp = specs()
    return [(title, hint, [s for k in keys for s in sp.get(k, [])]) for title, hint, keys in STEPS]


def village_data(form: dict[str, str]) -> dict[str, Any]:
    """The village file's data from the posted form: empty inputs left out, optional groups of
    fields (the prefecture, the adoption facts) left out when all their inputs are empty."""
    data: dict[str, Any] = {}
    for key, fields in specs().items():
        if len(fields) == 1 and fields[0].name == key:
            raw = (form.get(key) or "").strip()
            if fields[0].kind == "lines":
                lines = [x.strip() for x in raw.replace("\r", "\n").replace("、", "\n").split("\n") if x.strip()]
                if lines:
                    data[key] = lines
            elif raw:
                data[key] = raw
            continue
        sub = {}
        for f in fields:
            raw = (form.get(f.name) or "").strip()
            if raw:
                sub[f.name.split(".", 1)[1]] = raw
        if sub:
            data[key] = sub
    return data


def form_values(village: dict[str, Any]) -> dict[str, str]:
    """The inputs' values for a village's data (the reverse of :func:`village_data`)."""
    out: dict[str, str] = {}
    for key, fields in specs().items():
        value = village.get(key)
        if value is None:
            continue
        if len(fields) == 1 and fields[0].name == key:
            out[key] = "\n".join(value) if isinstance(value, list) else str(value)
            continue
        if isinstance(value, dict):
            for f in fields:
                v = value.get(f.name.split(".", 1)[1])
                if v is not None:
                    out[f.name] = str(v)
    return out


def untouched(errors: dict[str, list[str]], form: dict[str, str]) -> dict[str, list[str]]:
    """While the form is being filled in: no 'Field required' for a group not yet begun."""
    out = {}
    for name, msgs in errors.items():
        group = name.split(".", 1)[0]
        begun = any((form.get(s.name) or "").strip() for s in specs().get(group, []))
        kept = [m for m in msgs if begun or not m.endswith(REQUIRED)]
        if kept:
            out[name] = kept
    return out


def errors_by_field(errors: dict[str, list[str]]) -> dict[str, list[str]]:
    """Errors keyed by the input they belong to (an error on a whole group goes to its first input)."""
    names = {s.name for fs in specs().values() for s in fs}
    out: dict[str, list[str]] = {}
    for loc, msgs in errors.items():
        parts = [p for p in loc.split(".") if p not in ("Place", "Committee", "Adoption")]
        key = ".".join(parts)
        while key and key not in names:
            if key in specs():  # a whole group missing: on its first required input
                group = specs()[key]
                key = next((s.name for s in group if s.required), group[0].name)
                break
            key = key.rsplit(".", 1)[0] if "." in key else ""
        spec = next((x for fs in specs().values() for x in fs if x.name == key), None)
        out.setdefault(key or "(top level)", []).extend(plain(m, spec) + f"（{loc}: {m}）" for m in msgs)
    return out


def plain(msg: str, spec: Spec | None) -> str:
    """What the committee should do, before the CLI's words for the same problem."""
    if msg in REQUIRED:
        return _("Required: fill this in.")
    if msg.startswith(WRONG_FORM):
        return _("Wrong format: {rule}", rule=spec.help) if spec and spec.help else _("Wrong format.")
    if msg.startswith(NOT_A_DATE):
        return _("Not a date: choose it in the calendar or write it as 2026-11-30.")
    return ""

