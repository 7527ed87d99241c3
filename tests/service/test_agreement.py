"""GET /v1/agreement: counts per label, source and annotator; kappa per pair; disagreements."""

from __future__ import annotations

from tests.service.support import AUTH, running, token_for, write_corpus


def _store(client, annotator, rows):
    """As ``annotator``, through a token of theirs (the annotator is the token's name); None: the bootstrap admin."""
    tokens = client.__dict__.setdefault("_tokens", {})
    if annotator is not None and annotator not in tokens:
        tokens[annotator] = token_for(client, annotator)
    headers = tokens[annotator] if annotator is not None else AUTH
    response = client.post("/v1/annotations", headers=headers, json={"annotations": [
        {"text": text, "role": role, "stance": stance, "risk": risk}
        for text, role, stance, risk in rows]})
    assert response.status_code == 201, response.text


def test_counts_kappa_and_disagreements_between_three_annotators(tmp_path):
    corpus = write_corpus(tmp_path / "corpus", documents=1, paragraphs=2)  # 4 "authored" sentences
    with running(tmp_path, annotations_dir=corpus) as client:
        _store(client, "ana", [("A vote.", "claim", "populist", False), ("B fact.", "premise", "none", False),
                               ("C other.", "none", "none", True)])
        # Ana corrects herself: her latest labels count.
        _store(client, "ana", [("C other.", "none", "none", False)])
        _store(client, "ben", [("A vote.", "claim", "populist", False), ("B fact.", "claim", "none", False),
                               ("C other.", "none", "none", False)])
        _store(client, "cy", [("A vote.", "claim", "pluralist", False)])
        _store(client, None, [("D alone.", "none", "none", False)])
        out = client.get("/v1/agreement").json()

    counts = out["counts"]
    assert counts["by_source"] == {"user": 9, "authored": 4}
    assert counts["by_annotator"] == {"ana": 4, "ben": 3, "cy": 1, "admin": 1}
    assert counts["total"] == 13
    assert sum(counts["by_label"]["role"].values()) == 13 and counts["by_label"]["stance"]["pluralist"] == 1 + 1

    assert out["sentences"] == 3 and out["annotators"] == ["ana", "ben", "cy"]
    pairs = {(p["first"], p["second"]): p for p in out["pairs"]}
    assert set(pairs) == {("ana", "ben"), ("ana", "cy"), ("ben", "cy")}
    ana_ben = pairs[("ana", "ben")]
    assert ana_ben["n"] == 3
    # role: ana claim/premise/none, ben claim/claim/none: observed 2/3, chance (1*2 + 1*0 + 1*1)/9 = 1/3 -> 0.5
    assert round(ana_ben["role"]["kappa"], 6) == 0.5 and round(ana_ben["role"]["observed"], 6) == round(2 / 3, 6)
    assert ana_ben["risk"]["kappa"] == 1.0  # ana's correction agrees with ben
    assert ana_ben["role"]["confusions"] == [{"first": "premise", "second": "claim", "count": 1}]
    assert pairs[("ana", "cy")]["n"] == 1

    assert out["disagreements_total"] == 2
    by_text = {d["text"]: d for d in out["disagreements"]}
    assert by_text["A vote."]["dimensions"] == ["stance"]
    assert by_text["B fact."]["labels"] == [
        {"annotator": "ana", "role": "premise", "stance": "none", "risk": "false"},
        {"annotator": "ben", "role": "claim", "stance": "none", "risk": "false"}]


def test_two_annotators_who_agree_are_both_stored(tmp_path):
    with running(tmp_path) as client:
        _store(client, "ana", [("Same view.", "claim", "none", False)])
        _store(client, "ben", [("Same view.", "claim", "none", False)])
        _store(client, "ben", [("Same view.", "claim", "none", False)])  # ben again: a duplicate
        assert client.get("/v1/annotations").json()["total"] == 2
        pair = client.get("/v1/agreement").json()["pairs"][0]
    assert (pair["first"], pair["second"], pair["n"], pair["role"]["kappa"]) == ("ana", "ben", 1, 1.0)
