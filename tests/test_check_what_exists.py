"""``docforge check`` checks each document that can be resolved and lists the others as not checked,
with every value they lack."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from conftest import HEBEI_VILLAGE, village_data, write_yaml
from plugins import hebei, zhejiang

import docforge.plugins
from docforge.errors import MissingValueError
from docforge.law import check_documents, check_village
from docforge.plugins import make_plugin_manager

ZHEJIANG_VILLAGE = village_data({"name": "浙江省", "code": "330000"}, {"name": "余姚市", "code": "330281"},
                                township={"name": "梨洲街道"}, village={"name": "姜家渡村"})
AS_OF = dt.date(2009, 6, 1)  # every document still offered (the national layer withdraws the agreements in 2021)


def village(data):
    from docforge.models import Village

    return Village.model_validate(data)


def test_a_province_with_only_its_charter_can_check_it():
    pm = make_plugin_manager(load_entrypoints=False, extra=(zhejiang,))
    result = check_documents(village(ZHEJIANG_VILLAGE), AS_OF, pm)
    assert [d.kind.value for d in result.documents] == ["charter"]
    not_checked = {n.document.value: n for n in result.not_checked}
    assert set(not_checked) == {"convention", "contraception", "birth-spacing", "outflow", "inflow"}
    assert [(m.what, m.key, m.needed_by) for m in not_checked["contraception"].missing] == [
        ("amount", "deposit.contraception.one_child",
         "clause 'contraception.breach.text' of contraception (plugin \"national\")"),
        ("amount", "deposit.contraception.two_child",
         "clause 'contraception.breach.text' of contraception (plugin \"national\")")]
    assert [(m.what, m.key) for m in not_checked["inflow"].missing] == [
        ("instrument", "province.migrant_rules"), ("amount", "fine.inflow.no_certificate"),
        ("amount", "fee.inflow.breach")]
    conv = not_checked["convention"].missing
    assert ("policy value", "birth_spacing.years") in {(m.what, m.key) for m in conv}
    assert all(m.needed_by.startswith("clause '") for m in conv)
    # the old all-or-nothing function still stops at the first missing value
    with pytest.raises(MissingValueError):
        check_village(village(ZHEJIANG_VILLAGE), AS_OF, pm)


def test_check_lists_what_it_did_not_check(tmp_path, docforge_cli, monkeypatch):
    monkeypatch.setattr(docforge.plugins, "_pm", make_plugin_manager(load_entrypoints=False, extra=(hebei,)))
    path = write_yaml(tmp_path / "village.yaml", HEBEI_VILLAGE)
    run = docforge_cli("check", "--village", path, "--as-of", AS_OF)
    assert run.code == 0, run.output
    assert "Checked: charter, convention, contraception, birth-spacing, outflow. Not checked" in run.stdout
    assert ("inflow: not checked, it needs amount 'fee.inflow.breach' (clause 'inflow.breach.party_b' of inflow "
            "(plugin \"national\"))" in run.stdout)
    run = docforge_cli("check", "--village", path, "--as-of", AS_OF, "--json")
    out = json.loads(run.stdout)
    assert out["checked"] == ["charter", "convention", "contraception", "birth-spacing", "outflow"]
    assert out["not_checked"] == [{"document": "inflow", "missing": [
        {"what": "amount", "key": "fee.inflow.breach",
         "needed_by": "clause 'inflow.breach.party_b' of inflow (plugin \"national\")"}]}]
    # the documents it did check still carry their findings
    assert any(f["document"] == "contraception" for f in out["findings"])
