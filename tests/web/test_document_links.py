"""Links on the document page: drawn, changed and deleted by keyboard and stored through /v1/links;
the other end of a link shows when a sentence is selected."""

from __future__ import annotations

import pytest

from tests.web.conftest import sign_in
from tests.web.test_document_page import DOCUMENT, label_in_page

pytestmark = pytest.mark.browser


def _span(sentence: str) -> tuple[int, int]:
    start = DOCUMENT.index(sentence)
    return start, start + len(sentence)


CITIZENS = _span("Citizens should vote online in every local election.")
TURNOUT = _span("Turnout rose by 12 percent in 2019.")
NGOS = _span("NGOs and parties gain a stronger voice.")


def _links(server, **params):
    return server.api.get("/v1/links", params={"doc_id": "town-halls", **params}).json()["items"]


def test_a_link_is_added_changed_and_deleted_from_the_keyboard(page, server):
    label_in_page(page, DOCUMENT, "town-halls")
    page.locator("#doc-view .sent").first.focus()
    page.keyboard.press("j")
    page.keyboard.press("j")  # sentence 3: "Turnout rose ..."
    assert page.locator('#doc-view .sent[data-i="2"]').get_attribute("aria-pressed") == "true"

    # l: pick a target (it starts on the sentence before), s: it supports it.
    page.keyboard.press("l")
    assert "link-pick" in page.locator('#doc-view .sent[data-i="1"]').get_attribute("class")
    page.keyboard.press("s")
    sign_in(page, "ada", server.token("ada"))
    mark = page.locator('#doc-view .sent[data-i="2"] .badge.link')
    mark.wait_for()
    assert mark.text_content() == "→ S2 supports"
    stored = _links(server, annotator="ada")
    assert [(l["source_start"], l["source_end"], l["target_start"], l["target_end"], l["type"]) for l in stored] == [
        (*TURNOUT, *CITIZENS, "support")]
    assert stored[0]["source_text"] == DOCUMENT[slice(*TURNOUT)]
    link_id = stored[0]["id"]
    assert "link-to" in page.locator('#doc-view .sent[data-i="1"]').get_attribute("class")
    assert f"Stored link #{link_id}" in page.locator("#link-status").text_content()

    # t: support becomes attack, the same link changed in place.
    page.keyboard.press("t")
    page.locator('#doc-view .sent[data-i="2"] .badge.link[data-type="attack"]').wait_for()
    assert [(l["id"], l["type"], l["updated_by"]) for l in _links(server)] == [(link_id, "attack", "ada")]

    # l again: the cursor starts on the current target; a step down skips the source itself.
    page.keyboard.press("l")
    page.keyboard.press("j")
    assert "link-pick" in page.locator('#doc-view .sent[data-i="3"]').get_attribute("class")
    page.keyboard.press("x")
    page.locator('#doc-view .sent[data-i="2"] .badge.link[data-target="3"]').wait_for()
    assert page.locator('#doc-view .sent[data-i="2"] .badge.link').text_content() == "→ S4 attacks"
    assert [(l["id"], l["target_start"], l["target_end"], l["type"]) for l in _links(server)] == [
        (link_id, *NGOS, "attack")]

    # Selecting the target shows which sentence points at it.
    page.keyboard.press("j")
    assert page.locator('#doc-view .sent[data-i="3"]').get_attribute("aria-pressed") == "true"
    assert "link-from" in page.locator('#doc-view .sent[data-i="2"]').get_attribute("class")
    assert "Pointed at by S3 (attacks)" in page.locator("#link-panel").text_content()

    # Delete removes the person's link.
    page.keyboard.press("k")
    page.keyboard.press("Delete")
    page.locator('#doc-view .sent[data-i="2"] .badge.link').wait_for(state="detached")
    assert _links(server) == []
    assert f"Deleted link #{link_id}" in page.locator("#link-status").text_content()


def test_stored_links_show_after_a_reload_and_others_links_are_not_offered_for_deletion(page, server):
    ben = server.token("ben")
    server.write("/v1/links", {"links": [{"doc_id": "town-halls", "source_start": NGOS[0], "source_end": NGOS[1],
                                          "target_start": CITIZENS[0], "target_end": CITIZENS[1],
                                          "type": "support"}]}, ben)
    label_in_page(page, DOCUMENT, "town-halls")
    mark = page.locator('#doc-view .sent[data-i="3"] .badge.link')
    mark.wait_for()
    assert mark.text_content() == "→ S2 supports" and "ben" in mark.get_attribute("title")
    page.click('#doc-view .sent[data-i="3"]')
    assert "stored by ben" in page.locator("#link-current").text_content()
    assert page.locator("#link-delete").count() == 0
    # Picking a target by mouse: the link is the person's own, beside ben's.
    page.click("#link-start")
    page.click('#doc-view .sent[data-i="2"]')
    page.click("#link-attack")
    sign_in(page, "ada", server.token("ada"))
    page.locator('#doc-view .sent[data-i="3"] .badge.link-mine').wait_for()
    assert {(l["annotator"], l["type"]) for l in _links(server)} == {("ben", "support"), ("ada", "attack")}
    assert "ben: supports S2" in page.locator("#link-panel").text_content()
