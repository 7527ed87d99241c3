"""The document page: every sentence shown in place with the API's labels and offsets; corrections stored."""

from __future__ import annotations

import pytest

from tests.web.conftest import sign_in

pytestmark = pytest.mark.browser

DOCUMENT = ("Digital Town Halls\n\n"
            "Citizens should vote online in every local election. Turnout rose by 12 percent in 2019.\n\n"
            "NGOs and parties gain a stronger voice. Hackers could manipulate the count. The portal opened in May.")


def label_in_page(page, text: str, doc_id: str) -> None:
    page.fill("#doc-text", text)
    page.fill("#doc-id", doc_id)
    page.click("#doc-label")
    page.locator("#doc-view .sent").first.wait_for()


def test_a_pasted_document_shows_every_sentence_with_the_apis_labels_and_offsets(page, server):
    label_in_page(page, DOCUMENT, "town-halls")
    expected = server.api.post("/v1/label", json={"documents": [{"id": "town-halls", "text": DOCUMENT}]}).json()
    sentences = expected["documents"][0]["sentences"]
    shown = page.eval_on_selector_all("#doc-view .sent", """els => els.map(e => ({
        start: +e.dataset.start, end: +e.dataset.end, role: e.dataset.role, stance: e.dataset.stance,
        risk: e.dataset.risk === "true", text: e.querySelector(".stext").textContent}))""")
    assert shown == [{k: s[k] for k in ("start", "end", "role", "stance", "risk", "text")} for s in sentences]
    assert all(DOCUMENT[s["start"]:s["end"]] == s["text"] for s in shown)
    # The document as written: the view's text without the marks is the document, paragraphs kept.
    as_written = page.evaluate("""() => { const v = document.getElementById("doc-view").cloneNode(true);
        v.querySelectorAll(".badge").forEach(b => b.remove()); return v.textContent; }""")
    assert as_written == DOCUMENT
    # Never colour alone: every role has its letter, stances and risks their text.
    roles = page.eval_on_selector_all("#doc-view .sent > .badge:first-child", "els => els.map(e => e.textContent)")
    assert roles == [{"claim": "C", "premise": "P", "none": "·"}[s["role"]] for s in sentences]
    assert page.locator("#doc-view .badge.risk").count() == sum(s["risk"] for s in sentences)
    claims = sum(s["role"] == "claim" for s in sentences)
    assert page.locator('[data-count="claims"] strong').text_content() == str(claims)
    # Hover shows every label's probability.
    page.hover("#doc-view .sent >> nth=1")
    tip = page.locator("#tip")
    assert tip.is_visible()
    for label in ("claim", "premise", "populist", "pluralist", "skeptical", "no risk"):
        assert label in tip.text_content()


def test_a_keyboard_correction_is_stored_as_an_annotation_with_offsets_and_name(page, server):
    label_in_page(page, DOCUMENT, "town-halls")
    page.locator("#doc-view .sent").first.focus()
    page.keyboard.press("j")  # the second sentence: "Citizens should vote online ..." (a populist claim)
    second = page.locator("#doc-view .sent >> nth=1")
    assert second.get_attribute("data-role") == "claim"
    page.keyboard.press("2")  # premise
    page.keyboard.press("7")  # stance none
    page.keyboard.press("r")  # risk on
    page.keyboard.press("Enter")
    sign_in(page, "ada", server.token("ada"))
    page.locator('#doc-view .sent[data-i="1"][data-status="corrected"]').wait_for()
    assert page.locator('#doc-view .sent[data-i="1"] .badge.done').text_content() == "✎"

    items = server.api.get("/v1/annotations", params={"annotator": "ada"}).json()["items"]
    start = DOCUMENT.index("Citizens")
    end = DOCUMENT.index(" Turnout")
    assert [(a["doc_id"], a["start"], a["end"], a["role"], a["stance"], a["risk"]) for a in items] == [
        ("town-halls", start, end, "premise", "none", True)]
    assert items[0]["text"] == DOCUMENT[start:end]

    # Accepting the model's labels as they are is one key; the token is not asked again.
    page.keyboard.press("a")
    page.locator('#doc-view .sent[data-i="2"][data-status="accepted"]').wait_for()
    items = server.api.get("/v1/annotations", params={"annotator": "ada"}).json()["items"]
    assert [a["text"] for a in items][-1] == "Turnout rose by 12 percent in 2019."
    assert items[-1]["role"] == "premise"  # the fake model's guess for a sentence with digits


def test_a_wrong_token_is_refused_with_a_visible_message_and_nothing_is_stored(page, server):
    label_in_page(page, DOCUMENT, "town-halls")
    page.locator("#doc-view .sent").first.click()
    page.keyboard.press("Enter")
    sign_in(page, "bob", "not-the-token-at-all-0000")
    notice = page.locator("#notice")
    notice.wait_for(state="visible")
    assert "token was refused" in notice.text_content()
    assert "401" in notice.text_content()
    assert page.locator("#signin-message").is_visible()  # asked again, with the reason
    assert page.evaluate("sessionStorage.getItem('argmine.token')") is None
    assert server.api.get("/v1/annotations").json()["total"] == 0


def test_a_document_with_markup_is_shown_as_text_and_never_run(page, server):
    hostile = ('Citizens should see this. <script>window.__ran = 1</script> '
               'Also <img src=x onerror="window.__ran = 2"> here. <b>Bold?</b>')
    label_in_page(page, hostile, "hostile")
    page.wait_for_timeout(300)  # give an injected handler time to fire
    assert page.evaluate("window.__ran") is None
    assert page.locator("#doc-view script, #doc-view img, #doc-view b").count() == 0
    assert "<script>window.__ran = 1</script>" in page.locator("#doc-view").text_content()
    assert '<img src=x onerror="window.__ran = 2">' in page.locator("#doc-view").text_content()
    # The CSP would stop inline script even if some slipped in.
    csp = server.api.get("/").headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
