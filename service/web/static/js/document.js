// The document page: paste or open a text, see every sentence marked in place, correct labels.

import * as api from "./api.js";
import {fill, h, notify, pct} from "./dom.js";
import {LabelEditor, probabilities} from "./editor.js";
import {createLinkTool} from "./links.js";
import {RISK_MARK, ROLE_MARK, STANCE_MARK, STANCES, UNCERTAIN_ABOVE, UNSURE_MARK, describe, labelsOf} from "./scheme.js";
import {hideTip, showTip} from "./tip.js";

/** A stable id for a pasted text, so the same text gets the same doc_id. */
function docIdFor(text) {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return `pasted-${hash.toString(16).padStart(8, "0")}`;
}

export function legend() {
  const item = (mark, cls, text) => h("li", {}, h("span", {class: `badge ${cls}`}, mark), ` ${text}`);
  return h("section", {class: "legend", "aria-label": "Legend"}, h("h2", {}, "Legend"), h("ul", {},
    item(ROLE_MARK.claim, "role-claim", "claim: the sentence asserts a position"),
    item(ROLE_MARK.premise, "role-premise", "premise: it gives a reason or evidence"),
    item(ROLE_MARK.none, "role-none", "neither"),
    STANCES.filter((s) => s !== "none").map((s) => item(STANCE_MARK[s], `stance stance-${s}`, `stance ${s}`)),
    item(RISK_MARK, "risk", "names a risk"),
    item(UNSURE_MARK, "unsure", "uncertain: the model's doubt is over the threshold you set (dashed frame)"),
    item("✎", "done", "corrected by a person"), item("✓", "done", "accepted by a person")));
}

export function createDocumentPage() {
  const state = {text: "", docId: "", sentences: [], selected: -1, threshold: UNCERTAIN_ABOVE};
  const unsure = (s) => s.uncertainty > state.threshold && !s.status;
  const threshold = h("input", {type: "range", id: "doc-threshold", min: 0, max: 1, step: 0.05, value: state.threshold,
    "aria-describedby": "doc-threshold-value"});
  const thresholdValue = h("output", {id: "doc-threshold-value", for: "doc-threshold"}, pct(state.threshold));
  threshold.addEventListener("input", () => {
    state.threshold = Number(threshold.value);
    thresholdValue.textContent = pct(state.threshold);
    if (state.sentences.length) render();
  });
  const textarea = h("textarea", {id: "doc-text", rows: 8, "aria-label": "Document text",
    placeholder: "Paste a document here, or open a .txt file."});
  const idInput = h("input", {id: "doc-id", "aria-label": "Document id", placeholder: "document id (optional)", maxlength: 200});
  const file = h("input", {type: "file", id: "doc-file", accept: ".txt,text/plain", "aria-label": "Open a .txt file"});
  const labelButton = h("button", {type: "button", class: "primary", id: "doc-label"}, "Label the document");
  const summary = h("div", {class: "summary", id: "doc-summary", "aria-live": "polite"});
  const view = h("div", {class: "docview", id: "doc-view", "aria-label": "The document, sentence by sentence"});
  const detail = h("div", {class: "detail", id: "doc-detail"}, h("p", {class: "hint"},
    "Label a document, then select a sentence (click, or j/k and the arrow keys) to see every label's probability and correct it."));
  const editor = new LabelEditor({onSave: (labels, accepted) => save(labels, accepted)});
  const probs = h("div", {id: "doc-probs"});
  const links = createLinkTool({state, redraw: () => {
    const focused = view.contains(document.activeElement);  // keep the keyboard where it was
    render();
    if (state.selected >= 0) select(state.selected, focused);
  }});
  const panel = h("aside", {class: "panel", "aria-label": "Selected sentence"}, h("h2", {}, "Selected sentence"), detail,
    editor.el, links.el, probs);
  editor.el.hidden = true;

  file.addEventListener("change", async () => {
    const f = file.files[0];
    if (!f) return;
    textarea.value = await f.text();
    idInput.value = f.name.replace(/\.txt$/i, "");
  });
  labelButton.addEventListener("click", () => run());
  const input = h("details", {class: "input", open: true}, h("summary", {}, "Document text"),
    textarea, h("div", {class: "row"}, idInput, file, labelButton));

  async function run() {
    const text = textarea.value;
    if (!text.trim()) { notify("There is no text to label: paste a document or open a .txt file."); return; }
    const docId = idInput.value.trim() || docIdFor(text);
    labelButton.disabled = true;
    labelButton.textContent = "Labelling…";
    try {
      const out = await api.post("/v1/label", {documents: [{id: docId, text}]});
      state.text = text;
      state.docId = docId;
      state.sentences = out.documents[0].sentences.map((s) => ({...s, current: labelsOf(s), status: null}));
      state.selected = -1;
      idInput.value = docId;
      input.open = false;  // the labelled document takes the room; the text stays one click away
      render();
      if (state.sentences.length) select(0, false);
      links.reset(out.documents[0].links).catch((err) => notify(`Could not read the stored links: ${err.message}`));
    } catch (err) {
      notify(`Could not label the document: ${err.message}`);
    } finally {
      labelButton.disabled = false;
      labelButton.textContent = "Label the document";
    }
  }

  function sentenceEl(s, i) {
    const c = s.current;
    const doubt = unsure(s);
    const el = h("span", {class: `sent role-${c.role}${doubt ? " uncertain" : ""}${s.status ? " done" : ""}${i === state.selected ? " selected" : ""}`,
      tabindex: i === (state.selected < 0 ? 0 : state.selected) ? 0 : -1, role: "button",
      "aria-pressed": i === state.selected ? "true" : "false",
      "aria-label": `Sentence ${i + 1}: ${describe(c)}${doubt ? ", uncertain" : ""}${s.status ? `, ${s.status}` : ""}${links.describe(i)}`,
      dataset: {i, start: s.start, end: s.end, role: c.role, stance: c.stance, risk: c.risk, status: s.status || ""},
      onclick: () => links.click(i) || select(i, true), onfocus: () => { showTip(el, s); },
      onblur: hideTip, onmouseenter: () => showTip(el, s), onmouseleave: hideTip},
    h("span", {class: `badge role-${c.role}`, "aria-hidden": "true"}, ROLE_MARK[c.role]),
    h("span", {class: "stext"}, s.text),
    c.stance !== "none" ? h("span", {class: `badge stance stance-${c.stance}`, "aria-hidden": "true"}, STANCE_MARK[c.stance]) : null,
    c.risk ? h("span", {class: "badge risk", "aria-hidden": "true"}, RISK_MARK) : null,
    doubt ? h("span", {class: "badge unsure", "aria-hidden": "true"}, UNSURE_MARK) : null,
    s.status ? h("span", {class: "badge done", "aria-hidden": "true"}, s.status === "corrected" ? "✎" : "✓") : null,
    links.mark(i));
    return el;
  }

  function render() {
    const parts = [];
    let cursor = 0;
    state.sentences.forEach((s, i) => {
      if (s.start > cursor) parts.push(state.text.slice(cursor, s.start));
      parts.push(sentenceEl(s, i));
      cursor = s.end;
    });
    parts.push(state.text.slice(cursor));
    fill(view, ...parts.map((p) => (typeof p === "string" ? document.createTextNode(p) : p)));
    links.paint(view);
    renderSummary();
  }

  function redraw(i) {
    const old = view.querySelector(`[data-i="${i}"]`);
    if (old) old.replaceWith(sentenceEl(state.sentences[i], i));
    links.paint(view);
    renderSummary();
  }

  function renderSummary() {
    const n = (pred) => state.sentences.filter(pred).length;
    const items = [["claims", n((s) => s.current.role === "claim")], ["premises", n((s) => s.current.role === "premise")],
      ...STANCES.filter((x) => x !== "none").map((x) => [x, n((s) => s.current.stance === x)]),
      ["risks", n((s) => s.current.risk)], ["uncertain", n(unsure)],
      ["checked by you", n((s) => s.status)]];
    fill(summary, h("span", {class: "count"}, h("strong", {}, String(state.sentences.length)), " sentences"),
      items.map(([name, count]) => h("span", {class: "count", dataset: {count: name}}, h("strong", {}, String(count)), ` ${name}`)));
  }

  function select(i, focus) {
    if (i < 0 || i >= state.sentences.length) return;
    const previous = state.selected;
    state.selected = i;
    if (previous >= 0) redraw(previous);
    redraw(i);
    const s = state.sentences[i];
    fill(detail, 
      h("p", {class: "stextbig"}, s.text),
      h("p", {class: "meta"}, `${state.docId} · sentence ${i + 1} of ${state.sentences.length} · characters ${s.start}–${s.end} · uncertainty ${pct(s.uncertainty)} · model ${s.model_version}`),
      h("p", {class: "meta"}, `Model: ${describe(labelsOf(s))}`, s.status ? ` · ${s.status}: ${describe(s.current)}` : ""));
    fill(probs, probabilities(s.probabilities));
    editor.el.hidden = false;
    editor.show(s, s.current);
    links.show();
    if (focus) view.querySelector(`[data-i="${i}"]`)?.focus();
  }

  async function save(labels, accepted) {
    const i = state.selected;
    const s = state.sentences[i];
    if (!s) return;
    try {
      const stored = await api.annotate(s, labels, state.docId);
      s.current = labels;
      s.status = accepted ? "accepted" : "corrected";
      s.annotation = stored.id;
      const moved = state.selected !== i;  // the person went on while the request was out
      if (!moved) select(i, false); else redraw(i);
      const message = `Stored sentence ${i + 1} as annotation #${stored.id}${stored.created ? "" : " (already stored)"}: ${describe(labels)}.`;
      if (!moved && i + 1 < state.sentences.length) select(i + 1, true);
      editor.status.textContent = message;
    } catch (err) {
      if (err.message !== "sign-in cancelled") editor.status.textContent = `Not stored: ${err.message}`;
      else editor.status.textContent = "Not stored: sign in to store labels.";
    }
  }

  function keydown(event) {
    if (!state.sentences.length) return false;
    if (links.key(event)) return true;  // l, t, Delete; while picking a target, j/k/s/x/Esc too
    if (event.key === "j" || event.key === "ArrowDown") { select(Math.min(state.selected + 1, state.sentences.length - 1), true); return true; }
    if (event.key === "k" || event.key === "ArrowUp") { select(Math.max(state.selected - 1, 0), true); return true; }
    if (state.selected < 0) return false;
    return editor.key(event);
  }

  const el = h("section", {class: "page", id: "page-document", "aria-labelledby": "document-title"},
    h("h1", {id: "document-title"}, "Read and correct a document"),
    input,
    h("div", {class: "row"}, summary, h("label", {class: "threshold"}, "Set apart as uncertain above ", threshold, " ", thresholdValue)),
    h("div", {class: "columns"}, h("div", {class: "docwrap"}, view, legend()), panel),
    h("p", {class: "keys"}, "Keys: ", h("kbd", {}, "j"), "/", h("kbd", {}, "k"), " next/previous sentence · ",
      h("kbd", {}, "1–3"), " role · ", h("kbd", {}, "4–7"), " stance · ", h("kbd", {}, "r"), " risk on/off · ",
      h("kbd", {}, "Enter"), " store · ", h("kbd", {}, "a"), " accept the model's labels · ",
      h("kbd", {}, "l"), " link to a target (", h("kbd", {}, "j"), "/", h("kbd", {}, "k"), " pick, ", h("kbd", {}, "s"),
      " supports, ", h("kbd", {}, "x"), " attacks, ", h("kbd", {}, "Esc"), " cancel) · ", h("kbd", {}, "t"),
      " support ↔ attack · ", h("kbd", {}, "Delete"), " delete your link"));
  return {el, keydown, title: "Document"};
}
