// Links on the document page: which sentence supports or attacks which.
// Marks ("→ S3 supports") on every sentence with a link, the other end highlighted when a
// sentence is selected, and a person's own links drawn, changed and deleted through /v1/links.
// A stored link names its sentences by offsets, as stored annotations do.

import * as api from "./api.js";
import {fill, h} from "./dom.js";

const VERB = {support: "supports", attack: "attacks"};
const OTHER = {support: "attack", attack: "support"};

/**
 * state: the document page's {docId, sentences, selected}; redraw(): re-render the document view and
 * the selection after the links changed.
 */
export function createLinkTool({state, redraw}) {
  let stored = [];      // GET /v1/links?doc_id= of this document, each with its sentence indices
  let predicted = [];   // the label answer's links, by sentence index
  let me = null;        // GET /v1/me: whose links this person may change
  let picking = null;   // {source, target} while a target is being picked

  const status = h("p", {class: "linkstatus", id: "link-status", "aria-live": "polite"});
  const body = h("div", {id: "link-body"});
  const el = h("section", {class: "links", id: "link-panel", "aria-label": "Link of the selected sentence"},
    h("h3", {}, "Link"), body, status);
  el.hidden = true;

  const indexOf = (start, end) => state.sentences.findIndex((s) => s.start === start && s.end === end);
  const label = (i) => `S${i + 1}`;

  /** The link shown for sentence i: the person's own, else the newest stored one, else the model's. */
  function outgoing(i) {
    const mine = stored.find((l) => l.source === i && me && l.annotator === me.name);
    if (mine) return {...mine, kind: "mine"};
    const others = stored.filter((l) => l.source === i);
    if (others.length) return {...others[others.length - 1], kind: "stored"};
    const p = predicted.find((l) => l.source === i);
    return p ? {...p, kind: "predicted"} : null;
  }

  const incoming = (i) => state.sentences.map((_, j) => j).filter((j) => j !== i && outgoing(j)?.target === i);

  /** The "→ S3 supports" mark of sentence i, or null. */
  function mark(i) {
    const link = outgoing(i);
    if (!link) return null;
    const who = link.kind === "predicted" ? `predicted by the model, ${Math.round(link.probability * 100)}%`
      : `stored by ${link.annotator}`;
    return h("span", {class: `badge link link-${link.kind}`, dataset: {target: link.target, type: link.type},
      title: `${VERB[link.type]} sentence ${link.target + 1} (${who})`, "aria-hidden": "true"},
      `→ ${label(link.target)} ${VERB[link.type]}${link.kind === "predicted" ? "?" : ""}`);
  }

  /** Words for a screen reader, added to the sentence's label. */
  function describe(i) {
    const link = outgoing(i);
    return link ? `, ${VERB[link.type]} sentence ${link.target + 1}${link.kind === "predicted" ? " (predicted)" : ""}` : "";
  }

  /** Highlight the selected sentence's other ends (and the picking cursor) on the rendered view. */
  function paint(view) {
    const i = state.selected;
    const out = i >= 0 ? outgoing(i) : null;
    const from = i >= 0 ? new Set(incoming(i)) : new Set();
    view.querySelectorAll(".sent").forEach((node) => {
      const j = Number(node.dataset.i);
      node.classList.toggle("link-to", !picking && out !== null && out.target === j);
      node.classList.toggle("link-from", !picking && from.has(j));
      node.classList.toggle("link-pick", picking !== null && picking.target === j);
    });
  }

  function button(key, text, onclick, id) {
    return h("button", {type: "button", id, "aria-keyshortcuts": key === "Del" ? "Delete" : key, onclick},
      h("kbd", {}, key), ` ${text}`);
  }

  /** The panel for the selected sentence. */
  function show() {
    const i = state.selected;
    el.hidden = i < 0;
    if (i < 0) return;
    if (picking) {
      const t = picking.target;
      fill(body,
        h("p", {}, `Link ${label(i)} to ${label(t)}: `, h("q", {}, state.sentences[t].text)),
        h("p", {class: "hint"}, "Pick the target with j/k or a click, then say how it relates."),
        h("div", {class: "buttons"},
          button("s", "supports", () => save(i, picking.target, "support"), "link-support"),
          button("x", "attacks", () => save(i, picking.target, "attack"), "link-attack"),
          button("Esc", "cancel", cancel, "link-cancel")));
      return;
    }
    const link = outgoing(i);
    const from = incoming(i);
    const others = stored.filter((l) => l.source === i && !(me && l.annotator === me.name));
    fill(body,
      h("p", {id: "link-current"}, link
        ? [`${label(i)} ${VERB[link.type]} ${label(link.target)}: `, h("q", {}, state.sentences[link.target].text),
          link.kind === "predicted" ? ` (the model's guess, ${Math.round(link.probability * 100)}%)`
            : ` (stored by ${link.annotator})`]
        : "No link from this sentence."),
      from.length ? h("p", {class: "meta"}, "Pointed at by ", from.map((j) => `${label(j)} (${VERB[outgoing(j).type]})`).join(", ")) : null,
      others.length && link?.kind === "mine" ? h("p", {class: "meta"}, "Others: ",
        others.map((l) => `${l.annotator}: ${VERB[l.type]} ${label(l.target)}`).join("; ")) : null,
      h("div", {class: "buttons"},
        button("l", link?.kind === "mine" ? "change target" : "link to…", start, "link-start"),
        link ? button("t", `make it ${VERB[OTHER[link.type]]}`, toggle, "link-toggle") : null,
        link?.kind === "mine" ? button("Del", "delete", remove, "link-delete") : null));
  }

  function start() {
    const i = state.selected;
    if (i < 0 || state.sentences.length < 2) return;
    const link = outgoing(i);
    picking = {source: i, target: link ? link.target : (i > 0 ? i - 1 : i + 1)};
    status.textContent = "";
    redraw();
  }

  function cancel() {
    picking = null;
    redraw();
  }

  function move(step) {
    let t = picking.target + step;
    if (t === picking.source) t += step;
    if (t < 0 || t >= state.sentences.length) return;
    picking.target = t;
    redraw();
  }

  async function whoAmI() {
    if (!me || me.token !== api.currentToken()) me = {...await api.send("GET", "/v1/me"), token: api.currentToken()};
    return me;
  }

  /** Store "i → t (type)": the person's own link from i changes in place, else a new one is added. */
  async function save(i, t, type) {
    try {
      await whoAmI();
      const mine = stored.find((l) => l.source === i && l.annotator === me.name);
      const [s, g] = [state.sentences[i], state.sentences[t]];
      let out;
      if (mine) {
        out = await api.send("PATCH", `/v1/links/${mine.id}`,
          {type, target_start: g.start, target_end: g.end, target_text: g.text});
      } else {
        const added = await api.send("POST", "/v1/links", {links: [{doc_id: state.docId, source_start: s.start,
          source_end: s.end, target_start: g.start, target_end: g.end, source_text: s.text, target_text: g.text, type}]});
        out = added.items[0];
      }
      picking = null;
      await load();
      status.textContent = `Stored link #${out.id}: ${label(i)} ${VERB[type]} ${label(t)}.`;
    } catch (err) {
      status.textContent = err.message === "sign-in cancelled" ? "Not stored: sign in to store links."
        : `Not stored: ${err.message}`;
    }
  }

  async function toggle() {
    const i = state.selected;
    const link = outgoing(i);
    if (link) await save(i, link.target, OTHER[link.type]);
  }

  async function remove() {
    const i = state.selected;
    const link = outgoing(i);
    if (!link || link.kind !== "mine") {
      status.textContent = "There is no link of yours from this sentence to delete.";
      return;
    }
    try {
      await api.send("DELETE", `/v1/links/${link.id}`);
      await load();
      status.textContent = `Deleted link #${link.id}.`;
    } catch (err) {
      status.textContent = `Not deleted: ${err.message}`;
    }
  }

  /** Read the stored links of the document again and redraw. */
  async function load() {
    if (api.signedIn()) await whoAmI().catch(() => {});  // to tell this person's links from others'
    const items = [];
    let after = null;
    do {
      const params = new URLSearchParams({doc_id: state.docId, limit: "1000"});
      if (after !== null) params.set("after", String(after));
      const page = await api.get(`/v1/links?${params}`);
      items.push(...page.items);
      after = page.next_after;
    } while (after !== null);
    // A link whose offsets match no sentence of this segmentation is not shown.
    stored = items.map((l) => ({...l, source: indexOf(l.source_start, l.source_end), target: indexOf(l.target_start, l.target_end)}))
      .filter((l) => l.source >= 0 && l.target >= 0);
    redraw();
  }

  /** A newly labelled document: the model's links (by sent_id) and the stored ones. */
  async function reset(modelLinks) {
    picking = null;
    const index = new Map(state.sentences.map((s, i) => [s.sent_id, i]));
    predicted = (modelLinks || []).map((l) => ({...l, source: index.get(l.source), target: index.get(l.target)}))
      .filter((l) => l.source !== undefined && l.target !== undefined);
    stored = [];
    status.textContent = "";
    await load();
  }

  /** A click on sentence i: while picking, it is the target (true: the click is used). */
  function click(i) {
    if (!picking) return false;
    if (i !== picking.source) { picking.target = i; redraw(); }
    return true;
  }

  /** Key presses; true when used. */
  function key(event) {
    if (picking) {
      if (event.key === "j" || event.key === "ArrowDown") { move(1); return true; }
      if (event.key === "k" || event.key === "ArrowUp") { move(-1); return true; }
      if (event.key === "s") { save(picking.source, picking.target, "support"); return true; }
      if (event.key === "x") { save(picking.source, picking.target, "attack"); return true; }
      if (event.key === "Escape") { cancel(); return true; }
      // Label keys wait until the link is stored or cancelled; Tab and the rest work as always.
      return /^[1-7ra]$/.test(event.key) || event.key === "Enter";
    }
    if (state.selected < 0) return false;
    if (event.key === "l") { start(); return true; }
    if (event.key === "t") { toggle(); return true; }
    if (event.key === "Delete") { remove(); return true; }
    return false;
  }

  return {el, mark, describe, paint, show, reset, click, key, get picking() { return picking !== null; }};
}
