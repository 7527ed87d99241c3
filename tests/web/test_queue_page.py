"""The queue: the least certain sentences in context, walked with keys (accept, change, skip, undo)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.web.conftest import sign_in

pytestmark = pytest.mark.browser

TEXT = ("Citizens should vote online. Turnout rose by 12 percent in 2019. "
        "NGOs and parties gain a voice. Hackers could manipulate the count.")


def test_three_suggestions_walked_with_accept_change_and_skip(page, server):
    server.api.post("/v1/label", json={"documents": [{"id": "walk", "text": TEXT}]})
    queue = server.api.get("/v1/suggestions", params={"n": 50}).json()["items"]
    page.goto(server.url + "/#/queue")
    text = page.locator("#queue-text")
    text.wait_for()
    assert text.text_content() == queue[0]["text"]
    # Neighbours as context: the sentences around it in its document.
    context = page.locator("#queue-card .context").all_text_contents()
    expected = [queue[0][k] for k in ("before", "after") if queue[0][k]]
    assert context == expected and context
    # The model's guess is preselected.
    pressed = page.eval_on_selector_all('#page-queue button.choice[aria-pressed="true"]',
                                        "els => els.map(e => [e.dataset.head, e.dataset.label])")
    assert pressed == [["role", queue[0]["role"]], ["stance", queue[0]["stance"]], ["risk", str(queue[0]["risk"]).lower()]]

    page.keyboard.press("a")  # accept the first as guessed
    sign_in(page, "grace", server.token("grace"))
    expect(text).to_have_text(queue[1]['text'])
    page.keyboard.press("3")  # change the second: role none, stance skeptical
    page.keyboard.press("6")
    page.keyboard.press("Enter")
    expect(text).to_have_text(queue[2]['text'])
    page.keyboard.press("s")  # skip the third
    expect(text).to_have_text(queue[3]['text'])
    assert page.locator("#queue-counter").text_content().startswith("This session: 2 stored (1 accepted, 1 changed), 1 skipped")

    stored = server.api.get("/v1/annotations", params={"annotator": "grace"}).json()["items"]
    first, second = queue[0], queue[1]
    assert [(a["text"], a["doc_id"], a["start"], a["end"], a["role"], a["stance"], a["risk"]) for a in stored] == [
        (first["text"], "walk", first["start"], first["end"], first["role"], first["stance"], first["risk"]),
        (second["text"], "walk", second["start"], second["end"], "none", "skeptical", second["risk"])]

    # Undo goes back to the skipped sentence, then to the changed one with its stored labels selected.
    page.keyboard.press("Backspace")
    expect(text).to_have_text(queue[2]['text'])
    page.keyboard.press("u")
    expect(text).to_have_text(queue[1]['text'])
    pressed = page.locator('#page-queue button.choice[aria-pressed="true"]').all_text_contents()
    assert pressed[:2] == ["3 none", "6 skeptical"]
    assert page.locator("#queue-counter").text_content().startswith("This session: 1 stored (1 accepted, 0 changed), 0 skipped")
