"""The agreements' party lines, signature lines and term are data of the national layer
(``default_plugins/data/forms.yaml``, policy values ``form.*``): a plugin changes them like any policy
value, and a packet's signature places follow the document's data, not a list of known labels."""

from __future__ import annotations

import datetime as dt

import pytest

from docforge.demo import examples_dir
from docforge.errors import PluginError
from docforge.hookspecs import hookimpl
from docforge.inputs import load_household
from docforge.models import Jurisdiction, PolicyValue
from docforge.packet import InputFile
from docforge.planning import plan_household_packet
from docforge.render.docx import docx_text, write_docx

from conftest import HEBEI_VILLAGE, resolver
from plugins import county_forms, hebei

AS_OF = dt.date(2021, 8, 19)
HOUSEHOLD = load_household(examples_dir() / "households" / "h02-one-child-second-planned.yaml")


def test_the_national_forms_print_the_seeds_lines():
    doc = resolver(HEBEI_VILLAGE, hebei, as_of=AS_OF).document("contraception", HOUSEHOLD)
    h = HOUSEHOLD
    assert doc.parties[0].lines == ["甲方：东关村村民委员会"]
    assert doc.parties[1].lines == [f"乙方：东关村村民委员会{h.group}、{h.husband.name}与{h.wife.name}夫妻"]
    assert doc.signature[:2] == ["甲方法定代表人签章：", "乙方签章："]
    assert doc.signature_places == {"甲方法定代表人签章": "party_a", "乙方签章": "party_b"}
    assert all("{" not in line for line in doc.signature)


def test_a_plugin_changes_parties_signatures_and_term(tmp_path):
    r = resolver(HEBEI_VILLAGE, hebei, county_forms, as_of=AS_OF)
    h = HOUSEHOLD
    doc = r.document("contraception", h)
    assert doc.parties[1].lines == [f"乙方：{h.husband.name}、{h.wife.name}（{h.group}）"]
    assert doc.signature[:3] == ["甲方盖章：", "乙方（丈夫）签字：", "乙方（妻子）签字："]
    assert doc.signature_places == {"甲方盖章": "party_a", "乙方（丈夫）签字": "party_b", "乙方（妻子）签字": "party_b"}
    text = docx_text(write_docx(doc, tmp_path / "c.docx"))
    assert "乙方（妻子）签字：" in text and "乙方签章" not in text and "甲方法定代表人签章" not in text
    # the other agreements keep the national lines
    assert r.document("birth-spacing", h).signature[0] == "甲方法定代表人签章："
    # the term, where a clause prints it ({doc:term})
    out = r.document("outflow", load_household(examples_dir() / "households" / "h04-outflow.yaml"))
    assert any(b.text.startswith("自") and b.text.endswith("止。") for b in out.blocks)
    # the packet's signature places are the document's: the PDF fields go beside these labels
    packet, _docs = plan_household_packet(r, h, [InputFile("household", "h.yaml", "0" * 64, h.id)], draft=False)
    signs = [item.signs for item in packet.items if item.kind == "contraception"]
    assert signs and all(s == doc.signature_places for s in signs)


class _Typo:
    @hookimpl
    def docforge_jurisdictions(self):
        return [Jurisdiction(level="county", name="正定县", code="130123")]

    @hookimpl
    def docforge_policies(self, places, as_of):
        return [PolicyValue(key="form.outflow.party_b", value=["乙方：{husbnd}"])]


def test_an_unknown_placeholder_names_the_plugin_and_the_value():
    r = resolver(HEBEI_VILLAGE, hebei, _Typo(), as_of=AS_OF)
    with pytest.raises(PluginError, match=r"form\.outflow\.party_b: \{husbnd\} is not a placeholder.*\{husband\}"):
        r.document("outflow", load_household(examples_dir() / "households" / "h04-outflow.yaml"))
