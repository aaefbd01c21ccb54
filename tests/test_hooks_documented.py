"""Every hook of the plugin contract is documented in docs/plugin_hooks.md and has a test of its
own; the generated reference tables of that page are current."""

from __future__ import annotations

import ast
import importlib.util
import inspect

import pytest
from conftest import ROOT

from docforge import hookspecs
from docforge.models import DocumentKind

DOC = ROOT / "docs" / "plugin_hooks.md"
TESTS = ROOT / "tests"

# hook -> the test (file::function) that exercises it through a plugin of its own
HOOK_TESTS = {
    "docforge_jurisdictions": "test_core_plugins.py::test_hook_docforge_jurisdictions",
    "docforge_clauses": "test_core_resolve.py::test_removed_clause_renumbers_docforge_clauses",
    "docforge_amounts": "test_core_resolve.py::test_county_amount_beats_province_docforge_amounts",
    "docforge_policies": "test_core_resolve.py::test_county_policies_override_docforge_policies",
    "docforge_instruments": "test_core_resolve.py::test_hook_docforge_instruments",
    "docforge_templates": "test_core_plugins.py::test_hook_docforge_templates",
    "docforge_select_agreements": "test_core_plugins.py::test_hook_docforge_select_agreements",
    "docforge_legal_checks": "test_core_plugins.py::test_hook_docforge_legal_checks",
    "docforge_layout": "test_layout.py::test_hook_docforge_layout_title_labels_and_items",
}


def hook_names() -> list[str]:
    return sorted(name for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
                  if name.startswith("docforge_") and hasattr(fn, "docforge_spec"))


def test_hookspecs_are_found():
    assert len(hook_names()) >= 8 and "docforge_clauses" in hook_names()


@pytest.mark.parametrize("hook", hook_names())
def test_hook_is_documented(hook):
    doc = DOC.read_text(encoding="utf-8")
    headings = [line for line in doc.splitlines() if line.startswith("#")]
    assert any(f"`{hook}(" in h for h in headings), f"docs/plugin_hooks.md has no heading for {hook}"
    spec = inspect.signature(getattr(hookspecs, hook))
    heading = next(h for h in headings if f"`{hook}(" in h)
    assert heading.strip("# `") == f"{hook}({', '.join(spec.parameters)})`".rstrip("`"), \
        f"the heading of {hook} does not list the hook's arguments {list(spec.parameters)}"
    assert getattr(hookspecs, hook).__doc__, f"{hook} has no docstring in hookspecs.py"


def test_every_hook_has_a_test_of_its_own():
    assert set(HOOK_TESTS) == set(hook_names()), "add the new hook and its test to HOOK_TESTS"


@pytest.mark.parametrize("hook", sorted(HOOK_TESTS))
def test_hook_test_exists_and_names_the_hook(hook):
    filename, function = HOOK_TESTS[hook].split("::")
    source = (TESTS / filename).read_text(encoding="utf-8")
    tree = ast.parse(source)
    fn = next((n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == function), None)
    assert fn is not None, f"{HOOK_TESTS[hook]} does not exist"
    # The test must run a plugin that implements the hook (a fixture plugin of tests/plugins/ or a
    # reference plugin it uses by name, or a hook implementation of its own), not merely carry the
    # hook's name in its own name.
    body = fn.body[1:] if ast.get_docstring(fn) else fn.body
    used = {n.id for stmt in body for n in ast.walk(stmt) if isinstance(n, ast.Name)}
    used |= {a.asname or a.name for stmt in body for n in ast.walk(stmt)
             if isinstance(n, (ast.Import, ast.ImportFrom)) for a in n.names}
    own = any(isinstance(n, ast.FunctionDef) and n.name == hook for stmt in body for n in ast.walk(stmt))
    implementers = {path.stem for path in (TESTS / "plugins").glob("*.py") if f"def {hook}(" in path.read_text()}
    implementers |= {path.parent.name for path in (ROOT / "plugins").glob("*/*/__init__.py")
                     if f"def {hook}(" in path.read_text(encoding="utf-8")}
    assert own or used & implementers, (
        f"{HOOK_TESTS[hook]} uses no plugin that implements {hook} (plugins that do: {sorted(implementers)})")


def test_environment_switches_are_documented():
    doc = DOC.read_text(encoding="utf-8")
    for name in ("DOCFORGE_LOAD_PLUGINS", "DOCFORGE_TRACE", "[project.entry-points.docforge]",
                 "docforge-jurisdiction:"):
        assert name in doc


def test_placeholder_syntax_is_documented():
    doc = DOC.read_text(encoding="utf-8")
    for syntax in ("{amount:KEY}", "{policy:KEY}", "{policy:KEY\\|cn}", "{policy:KEY\\|count_cn}",
                   "{policy:KEY\\|holders}", "{cite:ID}", "{cite:ID\\|short}", "{cite:ID#ARTICLE}",
                   "{ref:CLAUSE_ID}", "{place:LEVEL}", "{doc:term}"):
        assert f"`{syntax}`" in doc, syntax


def test_template_context_is_documented():
    from docforge.render.docx import context
    from docforge.models import Block, Document, Provenance, NATIONAL

    doc = Document(kind="charter", title="t", as_of="2026-11-30", village="v", blocks=[
        Block(id="a", type="article", text="x", provenance=Provenance(plugin="p", jurisdiction=NATIONAL))])
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## Template context", 1)[1].split("\n## ", 1)[0]
    for name in context(doc):
        assert f"| `{name}` |" in section, f"template context variable {name} is not documented"


def test_generated_tables_are_current():
    spec = importlib.util.spec_from_file_location("plugin_docs", ROOT / "tools" / "plugin_docs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    current = DOC.read_text(encoding="utf-8")
    assert module.regenerate(current) == current, "docs/plugin_hooks.md is stale: run python tools/plugin_docs.py"
    for kind in (k.value for k in DocumentKind):
        assert f"#### `{kind}`" in current
    assert "| `charter.incentives` | article | 第十一条 |" in current


@pytest.mark.parametrize("hook", hook_names())
def test_hook_reference_is_generated_from_its_docstring(hook):
    """docs/plugin_hooks.md holds each hook's docstring (tools/plugin_docs.py copies it there), so the
    two cannot drift; the docstring says what the hook returns and where its models are imported from."""
    doc = DOC.read_text(encoding="utf-8")
    block = doc.split(f"<!-- generated:hook:{hook} -->", 1)[1].split(f"<!-- end:hook:{hook} -->", 1)[0]
    docstring = inspect.getdoc(getattr(hookspecs, hook))
    assert docstring.splitlines()[0] in block
    for part in ("- **Arguments:**", "- **Returns:**", "- **Precedence:**", "```python\n@hookimpl"):
        assert part in block, (hook, part)
    assert "from docforge.models import" in block, f"{hook}: say where the models it returns come from"
