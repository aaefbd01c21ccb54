"""Generate the reference parts of ``docs/plugin_hooks.md``: each hook's reference from its docstring
in ``docforge/hookspecs.py`` (Markdown; ``Example::`` and the indented block after it become a Python
example), and from the national base texts (``docforge/default_plugins/data/*.yaml``) the clause ids
of each document and the placeholders the base texts use.

    python tools/plugin_docs.py           # rewrite the generated sections of docs/plugin_hooks.md
    python tools/plugin_docs.py --check   # exit 1 if they are stale (tests/test_hooks_documented.py)

A generated section sits between ``<!-- generated:NAME -->`` and ``<!-- end:NAME -->``; a hook's
between ``<!-- generated:hook:HOOK -->`` and ``<!-- end:hook:HOOK -->``.
"""

from __future__ import annotations

import inspect
import re
import sys
import textwrap
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import datetime as dt  # noqa: E402

from docforge import hookspecs  # noqa: E402
from docforge.default_plugins.national import clauses_on, document_withdrawn, national_instruments  # noqa: E402
from docforge.models import NATIONAL, DocumentKind, Provenance  # noqa: E402
from docforge.resolve import PLACEHOLDER, ClauseTree, Contributed  # noqa: E402

DOC = ROOT / "docs" / "plugin_hooks.md"
TITLES = {"charter": "人口和计划生育村居民自治章程", "convention": "人口和计划生育村居民自治公约",
          "contraception": "落实避孕节育措施协议书", "birth-spacing": "生育间隔协议书",
          "outflow": "流出人口计划生育管理协议", "inflow": "流入人口计划生育管理协议"}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _begins(text: str, width: int = 18) -> str:
    return text if len(text) <= width else text[:width] + "…"


SEED = dt.date(2006, 7, 24)
CURRENT = dt.date(2021, 11, 1)  # after the 2021 amendment, the repeal and the 个人信息保护法


def _table(kind: DocumentKind, on: dt.date) -> list[str]:
    prov = Provenance(plugin="national", jurisdiction=NATIONAL)
    tree = ClauseTree(kind)
    clauses = clauses_on(kind, on)
    for n, clause in enumerate(clauses):
        tree.apply(Contributed(clause, prov, n))
    parents = {c.id: c.parent or "" for c in clauses}
    out = ["| id | type | number | parent | begins |", "|---|---|---|---|---|"]
    for b in tree.numbered():
        parent = f"`{parents[b.id]}`" if parents[b.id] else ""
        out.append(f"| `{b.id}` | {b.type} | {b.label} | {parent} | {_cell(_begins(b.text))} |")
    return out


def clause_tables() -> str:
    out = []
    for kind in DocumentKind:
        out.append(f"#### `{kind.value}`: {TITLES[kind.value]}\n")
        out.append(f"The seed's text (as of {SEED}):\n")
        out.extend(_table(kind, SEED))
        out.append("")
        gone = document_withdrawn(kind, CURRENT)
        if gone:
            out.append(f"From {gone['effective_from']} the national layer has no text of `{kind.value}`: "
                       f"{gone['reason']}\n")
        else:
            out.append(f"The text in force from {CURRENT} (the ids a plugin can use today):\n")
            out.extend(_table(kind, CURRENT))
            out.append("")
    return "\n".join(out).rstrip() + "\n"


def placeholder_table() -> str:
    used: dict[tuple[str, str], list[str]] = defaultdict(list)
    for kind in DocumentKind:
        for clause in {c.id + (c.text or ""): c for on in (SEED, CURRENT) for c in clauses_on(kind, on)}.values():
            for m in PLACEHOLDER.finditer(clause.text or ""):
                ns, key, fmt = m.group(1), m.group(2).strip(), m.group(3)
                token = f"{{{ns}:{key}{'|' + fmt if fmt else ''}}}"
                if clause.id not in used[(ns, token)]:
                    used[(ns, token)].append(clause.id)
    order = {"amount": 0, "policy": 1, "cite": 2, "ref": 3, "place": 4, "doc": 5}
    out = ["| placeholder | used by |", "|---|---|"]
    for (ns, token), ids in sorted(used.items(), key=lambda kv: (order[kv[0][0]], kv[0][1])):
        out.append(f"| `{_cell(token)}` | {', '.join(f'`{i}`' for i in ids)} |")
    return "\n".join(out) + "\n"


def instrument_table() -> str:
    out = ["| id | name | versions (in force from–to) | article ids |", "|---|---|---|---|"]
    for inst in national_instruments():
        versions = "; ".join(f"{v.label} {v.effective_from}–{v.effective_to or ''}" for v in inst.versions)
        articles = sorted({a for v in inst.versions for a in v.articles})
        out.append(f"| `{inst.id}` | 《{inst.name}》 | {versions} | {', '.join(f'`{a}`' for a in articles)} |")
    return "\n".join(out) + "\n"


def hook_names() -> list[str]:
    """The hooks of the contract, in the order hookspecs.py defines them."""
    fns = [fn for name, fn in vars(hookspecs).items() if name.startswith("docforge_") and hasattr(fn, "docforge_spec")]
    return [fn.__name__ for fn in sorted(fns, key=lambda f: f.__code__.co_firstlineno)]


def hook_reference(name: str) -> str:
    """A hook's heading and its docstring as Markdown."""
    fn = getattr(hookspecs, name)
    args = ", ".join(inspect.signature(fn).parameters)
    summary, _, body = inspect.getdoc(fn).partition("\n")
    out = [f"### `{name}({args})`", "", summary.strip(), ""]
    text, _, example = textwrap.dedent(body).strip("\n").partition("Example::")
    out.append(text.strip())
    if example:
        out += ["", "```python", textwrap.dedent(example).strip("\n"), "```"]
    return "\n".join(out) + "\n"


SECTIONS = {"clause-ids": clause_tables, "placeholders": placeholder_table, "instruments": instrument_table}


def regenerate(text: str) -> str:
    sections = dict(SECTIONS)
    sections.update({f"hook:{h}": (lambda h=h: hook_reference(h)) for h in hook_names()})
    for name, make in sections.items():
        pattern = re.compile(rf"(<!-- generated:{name} -->\n).*?(<!-- end:{name} -->)", re.S)
        if not pattern.search(text):
            raise SystemExit(f"{DOC}: no <!-- generated:{name} --> … <!-- end:{name} --> section")
        text = pattern.sub(lambda m: m.group(1) + "\n" + make() + "\n" + m.group(2), text)
    return text


def main(argv: list[str]) -> int:
    current = DOC.read_text(encoding="utf-8")
    fresh = regenerate(current)
    if "--check" in argv:
        if fresh != current:
            print(f"{DOC} is stale: run python tools/plugin_docs.py", file=sys.stderr)
            return 1
        return 0
    DOC.write_text(fresh, encoding="utf-8")
    print(f"wrote {DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
