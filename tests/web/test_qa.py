"""What a committee trips over when it uses the workbench: pages that say the right thing."""

from __future__ import annotations

import re
import time

from docforge.web import engine as E

from .test_units import client, gansu_state, new_draft  # noqa: F401  (client is a fixture)


def test_identical_document_in_a_comparison_names_the_documents_that_did_change(client):
    store = client.app.workbench.store
    did = new_draft(client)
    v1 = store.save_version(did, "张秘书")
    edits, _ = E.add_after([], "convention", "convention.binding", "本村补充的一条。", "article", [])
    store.update_draft(did, gansu_state(edits))
    v2 = store.save_version(did, "李委员")
    page = client.get(f"/drafts/{did}/compare?kind=charter&a={v1.id}&b={v2.id}").text
    same = re.search(r'<p class="hint" id="same">(.*?)</p>', page, re.S).group(1)
    assert "自治章程文本相同" in same and "自治公约" in same and "kind=convention" in same
    # nothing changed anywhere: it says so
    page = client.get(f"/drafts/{did}/compare?kind=charter&a={v1.id}&b={v1.id}").text
    assert "其他文件也没有改动" in page


def test_field_errors_say_in_chinese_what_to_do_before_the_cli_words(client):
    did = new_draft(client, {"village": {}, "as_of": "2026-11-30", "edits": []})
    page = client.post(f"/drafts/{did}/village/check", headers={"X-CSRF-Token": client.cookies.get("docforge_csrf") or ""},
                       data={"province.name": "甘肃省", "county.name": "会宁县", "township.name": "会师镇",
                             "township.code": "6204", "village.name": "", "committee.legal_representative": "马志强",
                             "as_of": "2026-11-30"}).text
    span = re.search(r'id="err-f-township-code"[^>]*>(.*?)</span>', page, re.S).group(1)
    # the workbench speaks Chinese: the CLI's words for the same problem are its Chinese ones
    assert span.startswith("格式不对：GB/T 2260 代码") and "township.code: 格式不对（应符合" in span
    village = re.search(r'id="err-f-village-name"[^>]*>(.*?)</span>', page, re.S).group(1)
    assert village.startswith("必填，请填写。") and "village: 必须填写" in village


def test_a_bundle_refused_for_roster_errors_says_what_to_do_on_the_page(client, tmp_path):
    from .test_browser import roster_xlsx

    did = new_draft(client)
    tok = client.cookies.get("docforge_csrf") or ""
    data = roster_xlsx(tmp_path / "花名册.xlsx", bad=True).read_bytes()
    client.post(f"/drafts/{did}/roster", data={"csrf": tok}, files={"file": ("花名册.xlsx", data)})
    r = client.post(f"/drafts/{did}/bundle", headers={"X-CSRF-Token": tok}, data={"csrf": tok, "version": "draft"})
    bid = re.search(r"/bundle/(\d+)", r.text).group(1)
    for _ in range(200):
        status = client.get(f"/drafts/{did}/bundle/{bid}").text
        if "未能生成" in status:
            break
        time.sleep(0.1)
    assert "户花名册有 3 处错误" in status and "问题表" in status and "跳过户花名册中有错误的行" in status
    assert "--skip-bad-rows" not in status and "/inputs/" not in status


def test_the_not_filed_finding_names_the_form_field_a_committee_fills_in(client):
    state = gansu_state()
    state["village"].pop("charter", None)  # not adopted, not filed
    did = new_draft(client, state)
    page = client.get(f"/drafts/{did}/doc/charter").text
    assert "尚未报" in page and "工作台「村情」第四步" in page and "报乡镇备案日期" in page
    assert "截至2026年11月30日" in page


def test_the_adoption_step_says_which_document_each_date_is_for(client):
    did = new_draft(client)
    page = client.get(f"/drafts/{did}/village").text
    labels = re.findall(r'<label for="f-(?:charter|convention)-[^"]*">([^<]*)', page)
    assert labels == ["自治章程通过日期", "自治章程通过会议", "自治章程报乡镇备案日期",
                      "自治公约通过日期", "自治公约通过会议", "自治公约报乡镇备案日期"], labels


def test_downloads_page_says_an_agreement_is_no_longer_signed_instead_of_a_dead_link(client):
    state = gansu_state()  # signed 2026-11-30: the four agreements are withdrawn from 2021-08-20
    did = new_draft(client, state)
    client.app.workbench.store.save_version(did, "张秘书")
    page = client.get(f"/drafts/{did}/downloads").text
    assert f'/download/contraception.docx"' not in page and "download/contraception.docx?version" not in page
    assert page.count("签订日期起不再签订") == 8  # 4 agreements × (draft, 第 1 版)
    assert f'/drafts/{did}/download/charter.docx"' in page
    old = gansu_state()
    old["as_of"] = "2019-06-30"  # still signed then
    did = new_draft(client, old)
    page = client.get(f"/drafts/{did}/downloads").text
    assert "签订日期起不再签订" not in page and f'/drafts/{did}/download/contraception.docx"' in page


def test_the_comparison_table_shows_the_articles_text_not_the_engines_objects(client):
    store = client.app.workbench.store
    did = new_draft(client)
    v1 = store.save_version(did, "张秘书")
    edits, _ = E.add_after([], "charter", "charter.binding", "本村补充的一条。", "article", [])
    store.update_draft(did, gansu_state(edits))
    page = client.get(f"/drafts/{did}/compare?kind=charter&a={v1.id}&b=draft").text
    cells = re.findall(r"<td>(.*?)</td>", page, re.S)
    assert cells and not any("segments" in c or "{&#39;" in c for c in cells)
    assert any(c.startswith("第四条") and "本村补充的一条。" in c for c in cells)
