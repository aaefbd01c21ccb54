"""Reading input files (YAML or JSON) into validated models, with errors that name file and field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from .errors import InputError, Invalid, mask_ids
from .i18n import N_, LazyText, _, lazy, pair
from .models import Household, Village

M = TypeVar("M", bound=BaseModel)


class _Loader(yaml.SafeLoader):
    """PyYAML's safe loader, refusing what it would otherwise take silently or with a traceback:
    a key given twice in one mapping (the last one would win), and a date that does not exist
    (``2026-13-45`` matches YAML's timestamp pattern and then fails inside the constructor)."""

    def construct_mapping(self, node, deep=False):
        seen: dict[object, int] = {}
        for key_node, _value in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                first = seen.setdefault(key, key_node.start_mark.line + 1)
            except TypeError:  # an unhashable key: the base class says so
                break
            if first != key_node.start_mark.line + 1:
                raise yaml.constructor.ConstructorError(
                    None, None, _("the key {key} is given twice (first on line {line}); keep one of the two",
                                  key=repr(str(key)[:40]), line=first), key_node.start_mark)
        return super().construct_mapping(node, deep)

    def construct_yaml_timestamp(self, node):
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError as e:
            raise yaml.constructor.ConstructorError(
                None, None, _("{value} is not a date ({why}); write it as YYYY-MM-DD, e.g. 2026-11-30",
                              value=repr(self.construct_scalar(node)[:40]), why=e), node.start_mark) from None


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _Loader.construct_yaml_timestamp)
# types-PyYAML takes add_constructor's loader type from the function (SafeConstructor's method here) instead
# of the class it is called on, and then finds it outside its bound; PyYAML calls it with a _Loader.
_Loader.add_constructor("tag:yaml.org,2002:map", _Loader.construct_yaml_map)  # type: ignore[type-var]


def _no_duplicates(pairs: list[tuple[str, object]]) -> dict:
    out: dict = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(_("the key {key} is given twice in one object; keep one of the two", key=repr(key[:40])))
        out[key] = value
    return out


def _read(path: Path) -> object:
    if not path.exists():
        raise InputError(_("{path}: no such file", path=path))
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as e:
        raise InputError(_("{path}: not UTF-8 text (byte {byte}); save it as UTF-8", path=path, byte=e.start)) from None
    except OSError as e:
        raise InputError(_("{path}: cannot be read: {reason}", path=path, reason=e.strerror)) from None
    try:
        if path.suffix.lower() == ".json":
            return json.loads(text, object_pairs_hook=_no_duplicates)
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader
    except (yaml.YAMLError, ValueError, RecursionError) as e:
        # The parser quotes the offending line, which may hold an identity number: mask it.
        why = mask_ids(str(e))[:2000].replace('in "<unicode string>", ', "at ")
        raise InputError(_("{path}: not valid {format}: {reason}", path=path, reason=why,
                           format="JSON" if path.suffix.lower() == ".json" else "YAML")) from None


#: pydantic's errors, by type, in words a committee can act on (``{...}`` from the error's context);
#: a type not listed keeps pydantic's English text.
PYDANTIC_ERRORS = {
    "missing": N_("this field is required"),
    "extra_forbidden": N_("is not a field of this file (check its spelling)"),
    "string_too_short": N_("must not be empty"),
    "string_pattern_mismatch": N_("does not have the expected form ({pattern})"),
    "string_type": N_("must be text"),
    "date_parsing": N_("is not a date: write it as 2026-11-30"),
    "date_from_datetime_parsing": N_("is not a date: write it as 2026-11-30"),
    "date_from_datetime_inexact": N_("is not a date: write it as 2026-11-30"),
    "date_type": N_("is not a date: write it as 2026-11-30"),
    "int_parsing": N_("must be a whole number"),
    "int_type": N_("must be a whole number"),
    "bool_parsing": N_("must be true or false"),
    "bool_type": N_("must be true or false"),
    "enum": N_("must be one of: {expected}"),
    "literal_error": N_("must be one of: {expected}"),
    "list_type": N_("must be a list"),
    "dict_type": N_("must be a mapping of fields"),
    "model_type": N_("must be a mapping of fields"),
    "model_attributes_type": N_("must be a mapping of fields"),
    "decimal_parsing": N_("must be a number"),
    "float_parsing": N_("must be a number"),
}


def describe_errors(e: ValidationError) -> list[str]:
    """One line per problem: the field path and the reason (pydantic's input value is left out, so
    that an identity number never reaches a message in full), in the language in force."""
    return [str(x) for x in error_texts(e)]


def error_texts(e: ValidationError) -> list[LazyText]:
    """:func:`describe_errors` as lazy texts (either language; ``.values["field"]`` and
    ``.values["reason"]`` are the two parts)."""
    out = []
    for err in e.errors():
        loc = ".".join(str(x) for x in err["loc"]) or lazy("(top level)")
        error = (err.get("ctx") or {}).get("error")
        reason: object
        if isinstance(error, Invalid):
            reason = error.text
        elif err["type"] == "string_too_long" and isinstance(err.get("input"), str):
            reason = lazy("has {n} characters; at most {limit} fit where the document prints it: shorten it",
                          n=len(err["input"]), limit=(err.get("ctx") or {}).get("max_length"))
        elif err["type"] in PYDANTIC_ERRORS:
            ctx = {k: mask_ids(str(v)) for k, v in (err.get("ctx") or {}).items()}
            # English: pydantic's own words (scripts and tests know them); Chinese: ours
            reason = pair(mask_ids(err["msg"]), lazy(PYDANTIC_ERRORS[err["type"]], **ctx).text("zh"))
        else:
            reason = mask_ids(err["msg"].removeprefix("Value error, "))
        out.append(lazy("{field}: {reason}", field=loc, reason=reason))
    return out


def load_model(path: Path | str, model: type[M]) -> M:
    path = Path(path)
    data = _read(path)
    if not isinstance(data, dict):
        raise InputError(_("{path}: expected a mapping of fields at the top level, found {found}", path=path,
                           found=type(data).__name__))
    try:
        return model.model_validate(data)
    except ValidationError as e:
        lines = "\n  ".join(str(x) for x in describe_errors(e))
        kind = model.__name__.lower()
        raise InputError(_("{path}: invalid {kind} file:\n  {lines}\n(the JSON Schema is in schemas/{kind}.schema.json; "
                           "`docforge schema {kind}` prints it)", path=path, kind=kind, lines=lines)) from None


def load_village(path: Path | str) -> Village:
    return load_model(path, Village)


def load_household(path: Path | str) -> Household:
    return load_model(path, Household)


SCHEMAS: dict[str, type[BaseModel]] = {"village": Village, "household": Household}


def schema_text(name: str) -> str:
    """The JSON Schema of an input file, as committed in ``schemas/``."""
    model = SCHEMAS[name]
    schema = model.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["$id"] = f"https://docforge.invalid/schemas/{name}.schema.json"
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
