"""The package's structure, read from its source: no import cycles, no import from a higher layer, no
private name used across modules, no module grown past ~600 lines (the long ones listed), and the
bundle pipeline's stages importable on their own."""

from __future__ import annotations

import ast
import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest

from docforge.bundle import BundleOptions, HouseholdModels, write_bundle
from docforge.demo import examples_dir
from docforge.errors import InputError
from docforge.inputs import load_household, load_village
from docforge.packet import InputFile

PKG = Path(__file__).resolve().parents[1] / "docforge"

#: Private names used across modules: none (a name another module needs is public where it is defined).
KNOWN_PRIVATE: set[tuple[str, str, str]] = set()
#: Modules over 600 lines, to be split: none.
KNOWN_LONG: set[str] = set()


def _modules() -> dict[str, Path]:
    out = {}
    for p in sorted(PKG.rglob("*.py")):
        parts = p.relative_to(PKG.parent).with_suffix("").parts
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = p
    for c in sorted(PKG.rglob("*.c")):  # a C extension's module (built from its source next to it)
        out[".".join(c.relative_to(PKG.parent).with_suffix("").parts)] = c
    return out


def _graph() -> tuple[dict[str, set[str]], set[tuple[str, str, str]]]:
    """Each module's run-time imports of docforge modules (``if TYPE_CHECKING`` left out), and the
    underscore names it takes from another module (gettext's ``_`` is not private)."""
    mods = _modules()
    edges: dict[str, set[str]] = {m: set() for m in mods}
    private: set[tuple[str, str, str]] = set()
    for m, path in mods.items():
        if path.suffix != ".py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        typing_only = {id(n) for node in ast.walk(tree) if isinstance(node, ast.If)
                       and "TYPE_CHECKING" in ast.unparse(node.test) for b in node.body for n in ast.walk(b)}
        package = m if path.name == "__init__.py" else m.rpartition(".")[0]
        aliases: dict[str, str] = {}
        for node in ast.walk(tree):
            if id(node) in typing_only or not isinstance(node, ast.ImportFrom):
                continue
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            target = ".".join([*base, node.module] if node.module else base)
            if not target.startswith("docforge"):
                continue
            for a in node.names:
                sub = f"{target}.{a.name}"
                if sub in mods:
                    edges[m].add(sub)
                    aliases[a.asname or a.name] = sub
                else:
                    edges[m].add(target)
                    if a.name.startswith("_") and not a.name.startswith("__") and a.name != "_":
                        private.add((m, target, a.name))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases
                    and node.attr.startswith("_") and not node.attr.startswith("__")):
                private.add((m, aliases[node.value.id], node.attr))
        edges[m].discard(m)
    return edges, private


def test_no_import_cycles():
    edges, _private = _graph()
    state: dict[str, int] = {}

    def visit(m: str, path: list[str]) -> None:
        state[m] = 1
        for n in sorted(edges.get(m, ())):
            if state.get(n) == 1:
                pytest.fail(f"import cycle: {' -> '.join(path[path.index(n):] + [n])}")
            if n in edges and not state.get(n):
                visit(n, path + [n])
        state[m] = 2

    for m in sorted(edges):
        if not state.get(m):
            visit(m, [m])


def test_no_private_name_crosses_a_module_border():
    _edges, private = _graph()
    assert private - KNOWN_PRIVATE == set(), "use a public name (or make the name public where it is defined)"
    assert KNOWN_PRIVATE - private == set(), "no longer used across modules: take it off the list"


def test_no_new_long_module():
    long = {m for m, p in _modules().items() if p.suffix == ".py" and len(p.read_text(encoding="utf-8").splitlines()) > 600}
    assert long - KNOWN_LONG == set()
    assert KNOWN_LONG - long == set(), "no longer over 600 lines: take it off the list"
    assert "docforge.bundle" not in long


def test_verify_reads_a_bundle_without_the_run():
    """``docforge verify`` needs the packet model, not the run's machinery."""
    code = "import sys, docforge.verify; print(sorted(m for m in sys.modules if m.startswith('docforge.')))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    for stage in ("docforge.bundle", "docforge.writer", "docforge.planning", "docforge.resolve", "docforge.render"):
        assert f"'{stage}'" not in loaded
    assert "'docforge.packet'" in loaded


def test_one_household_id_check_for_every_source(tmp_path):
    """Models given by a library caller go through the same id check as files and rosters."""
    base = examples_dir()
    village_file = base / "village.yaml"
    h = load_household(base / "households" / "h05-inflow.yaml")
    source = HouseholdModels([(h, None), (h, None)])
    with pytest.raises(InputError, match=r"household id '005' is also the id of an earlier household"):
        write_bundle(load_village(village_file), InputFile.of("village", village_file), source, tmp_path / "out",
                     BundleOptions(as_of=dt.date(2021, 8, 19), formats=("docx",)))


#: The layers, lowest first, in the direction the data flows (inputs and plugins → resolve → render →
#: packet → bundle → interfaces): a module imports only from its own layer or lower ones (by its
#: top-level module or package; the package itself holds the version, lowest of all).
LAYERS = (
    ("", "i18n", "errors", "fsutil", "compact", "safezip", "output"),  # foundations
    ("xlsx", "conventions"),  # file formats, text conventions
    ("models", "divisions"),  # the data
    ("hookspecs", "inputs"),  # the plugin contract, reading input files
    ("plugins", "roster"),
    ("default_plugins", "example_county"),  # the national layer (plugins themselves)
    ("notices",),
    ("resolve",),
    ("law", "explain", "compare"),
    ("render", "progress"),  # DOCX, PDF; what a run tells its user
    ("packet",),  # the bundle pipeline, one stage per module
    ("sources", "manifest", "stamps", "assembly", "verify"),
    ("writer",),
    ("planning",),
    ("bundle",),
    ("county",),
    ("province",),
    ("cluster",),  # a county or province on Dask (imported only with --cluster)
    ("demo", "testing", "plugincheck", "scaffold"),
    ("cli", "web"),  # the interfaces
)


def test_no_import_from_a_higher_layer():
    rank = {name: n for n, layer in enumerate(LAYERS) for name in layer}

    def layer(module: str) -> int:
        top = module.removeprefix("docforge").removeprefix(".").split(".")[0]
        assert top in rank, f"{module}: put it in a layer of LAYERS"
        return rank[top]

    edges, _private = _graph()
    upward = sorted((m, n) for m, targets in edges.items() for n in targets if layer(n) > layer(m))
    assert upward == [], "a module imports from a higher layer"
