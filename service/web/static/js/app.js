// The page's entry: one section per page, chosen by the URL's #/fragment; key presses go to the shown page.

import {typing} from "./dom.js";
import {createCorpusPage} from "./corpus.js";
import {createDocumentPage} from "./document.js";
import {createModelsPage} from "./models.js";
import {createQueuePage} from "./queue.js";
import {installSignIn} from "./session.js";

const pages = {document: createDocumentPage(), queue: createQueuePage(), corpus: createCorpusPage(), models: createModelsPage()};
let shown = null;

function route() {
  const name = location.hash.replace(/^#\/?/, "") || "document";
  shown = pages[name] || pages.document;
  for (const [key, page] of Object.entries(pages)) page.el.hidden = page !== shown;
  document.querySelectorAll("nav a").forEach((a) => {
    if (a.dataset.page === name) a.setAttribute("aria-current", "page"); else a.removeAttribute("aria-current");
  });
  document.title = `${shown.title} · argmine`;
  if (shown.show) shown.show();
}

installSignIn();
document.getElementById("main").append(...Object.values(pages).map((p) => p.el));
window.addEventListener("hashchange", route);
document.addEventListener("keydown", (event) => {
  if (typing(event) || !shown || !shown.keydown) return;
  // Enter or Space on a focused button or link is that control's own click.
  const t = event.target;
  if ((event.key === "Enter" || event.key === " ") && t instanceof HTMLElement && ["BUTTON", "A"].includes(t.tagName)) return;
  if (shown.keydown(event)) event.preventDefault();
});
route();
