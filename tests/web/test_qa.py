"""What a committee trips over when it uses the workbench: pages that say the right thing."""

from __future__ import annotations

import re

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
