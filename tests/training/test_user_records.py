"""Stored annotations as training records: read beside the stored sentences next to them."""

from argmine.training.train import user_records


def _a(text: str, start: int, doc_id: str | None = "d1", role: str = "claim") -> dict:
    return {"text": text, "role": role, "stance": "none", "risk": False, "doc_id": doc_id, "start": start,
            "end": None if start is None else start + len(text)}


def test_stored_annotations_are_read_beside_their_adjacent_stored_sentences():
    first, second, third = "Portals help.", "They save time.", "Queues vanish."
    far = "Much later, a lone sentence."
    annotations = [
        _a(second, 14), _a(first, 0), _a(third, 30),  # 0-13, 14-29, 30-44: adjacent, stored out of order
        _a(far, 400),  # annotated alone, far from the others
        _a(second, 14, role="premise"),  # a second annotation of one span: same neighbours
        _a("Elsewhere.", 15, doc_id="d2"),  # another document: never a neighbour of d1
        _a("No document.", None, doc_id=None),
    ]
    records = {(r["doc_id"], r["text"], r["role"]): r for r in user_records(annotations)}
    middle = records[("d1", second, "claim")]
    assert middle["before"] == [first] and middle["after"] == [third]
    assert records[("d1", second, "premise")]["before"] == [first]
    assert records[("d1", first, "claim")]["before"] == [] and records[("d1", first, "claim")]["after"] == [second, third]
    assert records[("d1", far, "claim")]["before"] == [] and records[("d1", far, "claim")]["after"] == []
    assert records[("d2", "Elsewhere.", "claim")]["before"] == []
    assert "before" not in records[("user", "No document.", "claim")]  # read alone, as before
