"""The corpus and agreement page, on two annotators whose kappa is known by hand."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

# Role: ada claim, claim, premise, none; bo claim, premise, premise, none.
#   observed 3/4; chance 0.5*0.25 + 0.25*0.5 + 0.25*0.25 = 0.3125; kappa (0.75 - 0.3125) / 0.6875 = 0.636
# Stance: both always "none": kappa 1.
# Risk: ada F F T T, bo F T T T: observed 3/4, chance 0.5*0.25 + 0.5*0.75 = 0.5, kappa 0.5.
SENTENCES = ["Voting online is good.", "It saves time.", "Turnout rose by 3 percent.", "The site is blue."]
ADA = [("claim", False), ("claim", False), ("premise", True), ("none", True)]
BO = [("claim", False), ("premise", True), ("premise", True), ("none", True)]


def test_agreement_of_two_annotators_with_known_kappa(page, server):
    for name, labels in (("ada", ADA), ("bo", BO)):
        server.write("/v1/annotations", {"annotations": [
            {"text": t, "role": role, "stance": "none", "risk": risk, "doc_id": "k", "start": 100 * i,
             "end": 100 * i + len(t)} for i, (t, (role, risk)) in enumerate(zip(SENTENCES, labels))]},
            token=server.token(name))
    page.goto(server.url + "/#/corpus")
    page.locator("#pairs").wait_for()
    row = page.locator("#pairs tbody tr").all_inner_texts()
    assert len(row) == 1
    cells = page.locator("#pairs tbody tr th, #pairs tbody tr td").all_text_contents()
    assert cells == ["ada × bo", "4", "0.636 (75%)", "1.000 (100%)", "0.500 (75%)"]
    items = page.locator("#disagreements > li").all_inner_texts()
    assert len(items) == 1 and "It saves time." in items[0] and "differ on role, risk" in items[0]
    annotators = page.locator("#counts-annotator tbody tr").all_inner_texts()
    assert [a.split("\t") for a in annotators] == [["ada", "4"], ["bo", "4"]]
    api = server.api.get("/v1/agreement").json()
    assert round(api["pairs"][0]["role"]["kappa"], 3) == 0.636
