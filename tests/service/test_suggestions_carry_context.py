"""Each suggestion carries the sentences around it, so a person reads it in context."""

from __future__ import annotations

from tests.service.support import running


def test_suggestions_carry_their_neighbours(tmp_path):
    with running(tmp_path) as client:
        client.post("/v1/label", json={"documents": [{"id": "d", "text": "First one. Second one. Third one."},
                                                     {"id": "e", "text": "Alone here."}]})
        items = {i["text"]: i for i in client.get("/v1/suggestions", params={"n": 10}).json()["items"]}
    assert (items["First one."]["before"], items["First one."]["after"]) == (None, "Second one.")
    assert (items["Second one."]["before"], items["Second one."]["after"]) == ("First one.", "Third one.")
    assert (items["Third one."]["before"], items["Third one."]["after"]) == ("Second one.", None)
    assert (items["Alone here."]["before"], items["Alone here."]["after"]) == (None, None)
