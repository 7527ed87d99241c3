// Building DOM from data. Strings always become text nodes: nothing from a document,
// a label or the server is ever parsed as HTML.

/** h("span", {class: "x", onclick: fn, dataset: {i: 1}}, "text", child) */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** A visible message at the top of the page; kind: "error" or "info". */
export function notify(message, kind = "error") {
  const box = document.getElementById("notice");
  box.className = kind;
  box.replaceChildren(document.createTextNode(message),
    h("button", {type: "button", class: "close", "aria-label": "Dismiss", onclick: () => { box.hidden = true; }}, "×"));
  box.hidden = false;
}

export function clearNotice() {
  document.getElementById("notice").hidden = true;
}

/** True when a key press belongs to a text field, not to the page's shortcuts. */
export function typing(event) {
  const t = event.target;
  return event.ctrlKey || event.metaKey || event.altKey ||
    (t instanceof HTMLElement && (t.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(t.tagName))) ||
    document.querySelector("dialog[open]") !== null;
}

export const pct = (p) => `${Math.round(p * 100)}%`;

/** Replace an element's children; like ``h``, arrays are flattened, null and false skipped, strings are text. */
export function fill(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}
