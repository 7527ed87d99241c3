// The queue: GET /v1/suggestions one sentence at a time, in context, the model's guess preselected.
// Keys for labels, Enter to store, a to accept, s to skip, Backspace/u to undo.

import * as api from "./api.js";
import {fill, h, notify, pct} from "./dom.js";
import {LabelEditor, probabilities} from "./editor.js";
import {describe} from "./scheme.js";

export function createQueuePage() {
  const state = {items: [], index: 0, history: [], skipped: new Set(), done: {accepted: 0, changed: 0, skipped: 0}};
  const counter = h("p", {class: "counter", id: "queue-counter", "aria-live": "polite"});
  const card = h("div", {class: "card", id: "queue-card"});
  const status = h("p", {class: "editstatus", id: "queue-status", "aria-live": "polite"});
  const editor = new LabelEditor({onSave: (labels, accepted) => store(labels, accepted), saveText: "Store and next",
    acceptText: "Accept the guess and next"});

  const current = () => state.items[state.index];

  async function load() {
    try {
      const out = await api.get("/v1/suggestions?n=50");
      const seen = new Set(state.history.map((step) => step.item.text));
      state.items = out.items.filter((s) => !state.skipped.has(s.text) && !seen.has(s.text));
      state.index = 0;
    } catch (err) {
      notify(`Could not load suggestions: ${err.message}`);
      state.items = [];
    }
    paint();
  }

  function paint() {
    const d = state.done;
    fill(counter, `This session: `, h("strong", {}, String(d.accepted + d.changed)), ` stored (${d.accepted} accepted, ${d.changed} changed), `,
      h("strong", {}, String(d.skipped)), " skipped", state.items.length ? ` · ${state.items.length - state.index} in the queue` : "");
    const s = current();
    if (!s) {
      fill(card, h("p", {class: "hint"}, "Nothing to annotate. The queue holds the least certain sentences of the documents labelled recently: label a document on the ",
        h("a", {href: "#/document"}, "Document"), " page, then come back."));
      editor.el.hidden = true;
      return;
    }
    editor.el.hidden = false;
    fill(card, 
      h("p", {class: "meta"}, `${s.doc_id} · sentence ${s.sent_id + 1} · characters ${s.start}–${s.end} · uncertainty ${pct(s.uncertainty)} · model ${s.model_version}`),
      s.before ? h("p", {class: "context"}, s.before) : null,
      h("p", {class: "focus", id: "queue-text"}, s.text),
      s.after ? h("p", {class: "context"}, s.after) : null,
      h("p", {class: "meta"}, `The model's guess: ${describe(s)}`),
      probabilities(s.probabilities));
    editor.show(s, s.chosen);
  }

  let busy = false;  // one store at a time: a second Enter while the first is out does nothing

  async function store(labels, accepted) {
    const s = current();
    if (!s || busy) return;
    busy = true;
    try {
      const stored = await api.annotate(s, labels);
      s.chosen = labels;
      const kind = accepted ? "accepted" : "changed";
      state.done[kind] += 1;
      state.history.push({item: s, kind});
      status.textContent = `Stored as annotation #${stored.id}: ${describe(labels)}.`;
      next();
    } catch (err) {
      status.textContent = err.message === "sign-in cancelled" ? "Not stored: sign in to store labels." : `Not stored: ${err.message}`;
    } finally {
      busy = false;
    }
  }

  function skip() {
    const s = current();
    if (!s || busy) return;
    state.skipped.add(s.text);
    state.done.skipped += 1;
    state.history.push({item: s, kind: "skipped"});
    status.textContent = "Skipped.";
    next();
  }

  function undo() {
    if (busy) return;
    const step = state.history.pop();
    if (!step) { status.textContent = "Nothing to undo."; return; }
    state.done[step.kind] -= 1;
    state.skipped.delete(step.item.text);
    if (state.index > 0 && state.items[state.index - 1] === step.item) state.index -= 1;
    else state.items.splice(state.index, 0, step.item);  // the queue was reloaded since
    status.textContent = step.kind === "skipped" ? "Back to the skipped sentence."
      : "Back to the previous sentence: store it again to replace your label (your latest label is the one that counts).";
    paint();
  }

  function next() {
    state.index += 1;
    if (state.index >= state.items.length) load(); else paint();
  }

  function keydown(event) {
    if (event.key === "s") { skip(); return true; }
    if (event.key === "Backspace" || event.key === "u") { undo(); return true; }
    return editor.key(event);
  }

  const el = h("section", {class: "page", id: "page-queue", "aria-labelledby": "queue-title"},
    h("h1", {id: "queue-title"}, "Annotate from the queue"), counter,
    h("div", {class: "columns"}, card, h("aside", {class: "panel"}, editor.el, status)),
    h("p", {class: "keys"}, "Keys: ", h("kbd", {}, "1–3"), " role · ", h("kbd", {}, "4–7"), " stance · ", h("kbd", {}, "r"), " risk on/off · ",
      h("kbd", {}, "Enter"), " store and next · ", h("kbd", {}, "a"), " accept the guess · ", h("kbd", {}, "s"), " skip · ",
      h("kbd", {}, "Backspace"), " or ", h("kbd", {}, "u"), " undo"));
  return {el, keydown, show: load, title: "Queue"};
}
