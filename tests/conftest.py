"""Shared fixtures of the core tests: the CLI in-process and as a real process, DOCX read-back,
village files written on the fly, plugin managers made of fixture plugins (``tests/plugins/``)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from docx import Document as Docx

import docforge.plugins
from docforge.cli import cli
from docforge.inputs import load_household, load_village
from docforge.plugins import make_plugin_manager
from docforge.resolve import Resolver

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
HOUSEHOLDS = EXAMPLES / "households"
VILLAGE = EXAMPLES / "village.yaml"  # 某某县 of the seed, plugin docforge-sample-county
GANSU_VILLAGE = EXAMPLES / "gansu" / "village.yaml"  # 会宁县, plugins docforge-gansu(-huining)
SEED_AS_OF = dt.date(2006, 9, 1)  # the seed's plan is dated 2006-07-24; its charter adopted 2006-08-20

# Which example household signs which agreement (see the comments in examples/households/).
HOUSEHOLD_FOR = {
    "contraception": HOUSEHOLDS / "h02-one-child-second-planned.yaml",
    "birth-spacing": HOUSEHOLDS / "h02-one-child-second-planned.yaml",
    "outflow": HOUSEHOLDS / "h04-outflow.yaml",
    "inflow": HOUSEHOLDS / "h05-inflow.yaml",
}


@pytest.fixture(autouse=True)
def _fresh_plugin_manager(monkeypatch):
    """Every test sees the installed plugins as a fresh process would: no environment switches, no
    manager cached by an earlier test."""
    monkeypatch.delenv("DOCFORGE_LOAD_PLUGINS", raising=False)
    monkeypatch.delenv("DOCFORGE_TRACE", raising=False)
    # English messages unless a test asks for Chinese (tests/test_i18n.py), whatever the machine's locale.
    for var in ("LC_ALL", "LC_MESSAGES", "DOCFORGE_LANG"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    monkeypatch.setattr(docforge.plugins, "_pm", None)


@dataclass
class Run:
    """The outcome of one ``docforge`` command."""

    code: int
    stdout: str
    stderr: str
    exception: BaseException | None = None

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def _invoke(*args: object, env: dict | None = None) -> Run:
    result = CliRunner().invoke(cli, [str(a) for a in args], env=env, catch_exceptions=True)
    exc = result.exception if not isinstance(result.exception, SystemExit) else None
    return Run(result.exit_code, result.stdout, result.stderr, exc)


@pytest.fixture
def docforge_cli():
    """``docforge_cli("render", "charter", ...)``: the CLI in this process (click's test runner)."""
    return _invoke


def docforge_process(*args: object, env: dict | None = None, cwd: Path | None = None, timeout: float = 60) -> Run:
    """``docforge`` as a real process (``python -m docforge.cli``), with ``env`` added to the
    environment: for entry points that must be discovered from a fresh ``sys.path``."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("DOCFORGE_")}
    full_env.update(env or {})
    p = subprocess.run([sys.executable, "-m", "docforge.cli", *map(str, args)], capture_output=True, text=True,
                       env=full_env, cwd=cwd, timeout=timeout)
    return Run(p.returncode, p.stdout, p.stderr)


def docx_paragraphs(path: Path) -> list[str]:
    """The non-empty body paragraphs of a DOCX, read with python-docx (not with docforge's own reader)."""
    return [p.text for p in Docx(str(path)).paragraphs if p.text.strip()]


@pytest.fixture
def render(tmp_path, docforge_cli):
    """``render(kind, village=..., household=..., as_of=...)`` → the paragraphs of the DOCX that
    ``docforge render`` wrote. Fails the test if the command fails."""

    def _render(kind: str, village: Path = VILLAGE, household: Path | None = None,
                as_of: dt.date | str = SEED_AS_OF, name: str | None = None) -> list[str]:
        out = tmp_path / (name or f"{kind}.docx")
        args = ["render", kind, "--village", village, "--as-of", str(as_of), "-o", out]
        if household is not None:
            args += ["--household", household]
        run = docforge_cli(*args)
        assert run.code == 0 and run.exception is None, run.output + repr(run.exception)
        return docx_paragraphs(out)

    return _render


def write_yaml(path: Path, data: dict) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def village_data(province: dict, county: dict, prefecture: dict | None = None,
                 township: dict | None = None, village: dict | None = None) -> dict:
    """A minimal valid village file for a place chain."""
    data = {"province": province}
    if prefecture:
        data["prefecture"] = prefecture
    data.update({"county": county, "township": township or {"name": "城关镇"},
                 "village": village or {"name": "东关村"}, "committee": {"legal_representative": "张主任"}})
    return data


HEBEI_VILLAGE = village_data({"name": "河北省", "code": "130000"}, {"name": "正定县", "code": "130123"},
                             prefecture={"name": "石家庄市", "code": "130100"})


def resolver(village: Path | dict, *plugins, as_of: dt.date = SEED_AS_OF) -> Resolver:
    """A resolver whose plugins are docforge's defaults plus exactly ``plugins`` (no entry points),
    registered in the order given."""
    v = load_village(village) if isinstance(village, Path) else load_village_dict(village)
    return Resolver(v, as_of, make_plugin_manager(load_entrypoints=False, extra=tuple(plugins)))


def load_village_dict(data: dict):
    from docforge.models import Village

    return Village.model_validate(data)


def household(kind: str):
    return load_household(HOUSEHOLD_FOR[kind])


def install_distribution(site: Path, name: str, source: Path | str, keywords: str = "", version: str = "1.0") -> Path:
    """Install a one-module plugin into ``site`` as pip leaves a distribution: ``docforge_<name>``
    (the text of ``source``, a file of tests/plugins/ or the module's text) with a dist-info holding
    its METADATA and the entry point ``<name> = docforge_<name>`` of the group ``docforge``. Put
    ``site`` on ``sys.path`` (``monkeypatch.syspath_prepend``) or PYTHONPATH to discover it."""
    text = source.read_text(encoding="utf-8") if isinstance(source, Path) else source
    module = f"docforge_{name}"
    info = site / f"{module}-{version}.dist-info"
    info.mkdir(parents=True)
    meta = f"Metadata-Version: 2.1\nName: docforge-{name.replace('_', '-')}\nVersion: {version}\n"
    if keywords:
        meta += f"Keywords: docforge,{keywords}\n"
    (info / "METADATA").write_text(meta, encoding="utf-8")
    (info / "entry_points.txt").write_text(f"[docforge]\n{name} = {module}\n", encoding="utf-8")
    (info / "RECORD").write_text("", encoding="utf-8")
    (site / f"{module}.py").write_text(text, encoding="utf-8")
    return site


FIXTURE_PLUGINS = ROOT / "tests" / "plugins"


# Test modules whose tests convert with LibreOffice: the slow tier (`pytest -m "not slow"` skips it;
# `make test` runs everything). A test elsewhere that converts says so with @pytest.mark.slow.
SLOW_MODULES = {"test_batch", "test_browser", "test_bundle", "test_cluster", "test_pdf", "test_pdfpool", "test_print"}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.module.__name__.rsplit(".", 1)[-1] in SLOW_MODULES:
            item.add_marker(pytest.mark.slow)
