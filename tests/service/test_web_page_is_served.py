"""The web page's files are served with a CSP that allows only its own scripts (no browser needed)."""

from __future__ import annotations

import re
from pathlib import Path

from argmine.models.scheme import ROLES, STANCES
from argmine.service.routes.web import WEB_DIR
from tests.service.support import running


def test_the_page_and_its_modules_are_served_with_a_strict_csp(tmp_path):
    with running(tmp_path) as client:
        page = client.get("/")
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        csp = page.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "unsafe" not in csp and "default-src 'none'" in csp
        scripts = re.findall(r'<script[^>]*src="([^"]+)"', page.text)
        assert scripts == ["/static/js/app.js"]
        assert "<script>" not in page.text and not re.search(r"\son\w+=", page.text)  # no inline script or handler
        for path in sorted((WEB_DIR / "static" / "js").glob("*.js")):
            served = client.get(f"/static/js/{path.name}")
            assert served.status_code == 200 and "javascript" in served.headers["content-type"]
            assert served.headers["x-content-type-options"] == "nosniff"
        assert client.get("/static/../app.py").status_code == 404
        assert "/" not in client.get("/openapi.json").json()["paths"]  # the page is not part of the API


def test_no_module_writes_html_from_strings():
    """Text nodes only: no innerHTML, outerHTML, insertAdjacentHTML or document.write anywhere."""
    for path in (WEB_DIR / "static" / "js").glob("*.js"):
        source = path.read_text(encoding="utf-8")
        for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"):
            assert sink not in source, f"{path.name} uses {sink}"


def test_the_pages_label_lists_are_the_models_scheme():
    source = (WEB_DIR / "static" / "js" / "scheme.js").read_text(encoding="utf-8")
    lists = {name: re.findall(r'"(\w+)"', re.search(rf"export const {name} = \[([^\]]*)\]", source).group(1))
             for name in ("ROLES", "STANCES")}
    assert lists == {"ROLES": list(ROLES), "STANCES": list(STANCES)}
    assert Path(WEB_DIR / "index.html").exists()
