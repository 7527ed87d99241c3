"""The models page: versions with their metrics, activation and rollback through the API."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.service.support import TOKEN, write_fake_model, write_refit_model
from tests.web.conftest import sign_in

pytestmark = pytest.mark.browser


@pytest.fixture
def server(tmp_path, server):  # noqa: F811 - the shared server, with a second version in its registry
    write_fake_model(tmp_path / "data" / "models" / "v2", "v2", mean_f1=0.6, created="2024-02-01T00:00:00+00:00")
    write_refit_model(tmp_path / "data" / "models" / "v3-refit", "v3-refit", twin="v2", twin_f1=0.65,
                      created="2024-03-01T00:00:00+00:00")
    return server


def test_activate_a_version_then_roll_back(page, server):
    page.goto(server.url + "/#/models")
    rows = page.locator("#models-list tbody tr")
    expect(rows).to_have_count(len(server.api.get("/v1/models").json()["models"]))  # the real shipped ones too
    expect(page.locator('#models-list tr[data-version="fake-1"]')).to_have_count(1)
    expect(page.locator('#models-list tr[data-version="v2"] td').nth(4)).to_have_text("0.600")  # mean macro-F1
    page.get_by_role("button", name="Activate v2").click()
    sign_in(page, "ada", TOKEN)
    expect(page.locator("#notice")).to_contain_text("Now serving v2 (was fake-1)")
    expect(page.locator('#models-list tr[data-version="v2"] th')).to_contain_text("active")
    assert server.api.get("/v1/models").json()["active"] == "v2"
    page.get_by_role("button", name="Activate fake-1").click()  # the rollback
    expect(page.locator("#notice")).to_contain_text("Now serving fake-1 (was v2)")
    assert server.api.get("/v1/models").json()["active"] == "fake-1"


def test_a_refit_shows_its_twins_scores_marked_as_the_twins(page, server):
    page.goto(server.url + "/#/models")
    cells = page.locator('#models-list tr[data-version="v3-refit"] td')
    expect(cells.nth(4)).to_have_text("0.650 (twin)")  # mean macro-F1 of its held-out twin, v2's recipe
    expect(cells.nth(1)).to_have_attribute("title", "trained on every labelled sentence; these are the scores of "
                                           "its held-out twin v2")
