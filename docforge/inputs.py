"""Reading input files (YAML or JSON) into validated models, with errors that name file and field."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from .errors import InputError, mask_id
from .models import Household, Village

M = TypeVar("M", bound=BaseModel)
_ID_LIKE = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9A-Za-z])")


def _read(path: Path) -> object:
    if not path.exists():
        raise InputError(f"{path}: no such file")
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as e:
        raise InputError(f"{path}: not UTF-8 text (byte {e.start}); save it as UTF-8") from None
    except OSError as e:
        raise InputError(f"{path}: cannot be read: {e.strerror}") from None
    try:
        if path.suffix.lower() == ".json":
            return json.loads(text)
        return yaml.safe_load(text)
    except (yaml.YAMLError, json.JSONDecodeError) as e:
        # The parser quotes the offending line, which may hold an identity number: mask it.
        why = _ID_LIKE.sub(lambda m: mask_id(m.group(0)), str(e))
        raise InputError(f"{path}: not valid {'JSON' if path.suffix.lower() == '.json' else 'YAML'}: {why}") from None


def describe_errors(e: ValidationError) -> list[str]:
    """One line per problem: the field path and the reason (pydantic's input value is left out, so
    that an identity number never reaches a message in full)."""
    out = []
    for err in e.errors():
        loc = ".".join(str(x) for x in err["loc"]) or "(top level)"
        msg = err["msg"].removeprefix("Value error, ")
        out.append(f"{loc}: {msg}")
    return out


def load_model(path: Path | str, model: type[M]) -> M:
    path = Path(path)
    data = _read(path)
    if not isinstance(data, dict):
        raise InputError(f"{path}: expected a mapping of fields at the top level, found {type(data).__name__}")
    try:
        return model.model_validate(data)
    except ValidationError as e:
        lines = "\n  ".join(describe_errors(e))
        raise InputError(f"{path}: invalid {model.__name__.lower()} file:\n  {lines}\n"
                         f"(the JSON Schema is in schemas/{model.__name__.lower()}.schema.json; "
                         f"`docforge schema {model.__name__.lower()}` prints it)") from None


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
