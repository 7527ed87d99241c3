// The label editor shared by the document and the queue: the model's labels preselected,
// changed by mouse or keys, stored with Enter; "a" stores the model's labels as they are.

import {h, pct} from "./dom.js";
import {HEADS, KEYS, KEY_OF, ROLES, STANCES, labelsOf, sameLabels} from "./scheme.js";

/** Every label's probability, as text and a meter. */
export function probabilities(probs) {
  return h("div", {class: "probs"}, Object.keys(HEADS).map((head) =>
    h("div", {class: "probhead"}, h("strong", {}, head),
      Object.entries(probs[head] || {}).sort((a, b) => b[1] - a[1]).map(([label, p]) =>
        h("div", {class: "prob"}, h("span", {class: "plabel"}, head === "risk" ? (label === "true" ? "risk" : "no risk") : label),
          h("meter", {min: 0, max: 1, value: p, "aria-hidden": "true"}), h("span", {class: "pvalue"}, pct(p)))))));
}

export class LabelEditor {
  /** onSave(labels, accepted): accepted is true when the labels are the model's, unchanged. */
  constructor({onSave, saveText = "Save", acceptText = "Accept as is"}) {
    this.onSave = onSave;
    this.model = null;
    this.draft = null;
    this.buttons = {};
    const group = (head, labels, title) => h("fieldset", {class: "group"}, h("legend", {}, title),
      labels.map((label) => {
        const key = head === "risk" ? "r" : KEY_OF[`${head}:${label}`];
        const value = head === "risk" ? label === "risk" : label;
        const b = h("button", {type: "button", class: "choice", "aria-pressed": "false", dataset: {head, label: String(value)},
          "aria-keyshortcuts": key, onclick: () => this.set(head, value)}, h("kbd", {}, key), ` ${label}`);
        this.buttons[`${head}:${value}`] = b;
        return b;
      }));
    this.status = h("p", {class: "editstatus", "aria-live": "polite"});
    this.el = h("div", {class: "editor"},
      group("role", ROLES, "Role"), group("stance", STANCES, "Stance"), group("risk", ["no risk", "risk"], "Risk"),
      h("div", {class: "buttons"},
        h("button", {type: "button", class: "primary", "aria-keyshortcuts": "Enter", onclick: () => this.save()},
          h("kbd", {}, "Enter"), ` ${saveText}`),
        h("button", {type: "button", "aria-keyshortcuts": "a", onclick: () => this.accept()}, h("kbd", {}, "a"), ` ${acceptText}`)),
      this.status);
  }

  /** Show a sentence: ``model`` labels are the guess; ``current`` what is shown (a stored correction). */
  show(model, current) {
    this.model = labelsOf(model);
    this.draft = labelsOf(current || model);
    this.status.textContent = "";
    this.paint();
  }

  set(head, value) {
    if (!this.draft) return;
    this.draft = {...this.draft, [head]: value};
    this.paint();
  }

  paint() {
    for (const [key, b] of Object.entries(this.buttons)) {
      const [head, value] = key.split(":");
      const on = this.draft && String(this.draft[head]) === value;
      b.setAttribute("aria-pressed", on ? "true" : "false");
      b.classList.toggle("guess", Boolean(this.model) && String(this.model[head]) === value);
    }
  }

  save() { if (this.draft) this.onSave({...this.draft}, sameLabels(this.draft, this.model)); }
  accept() { if (this.model) { this.draft = {...this.model}; this.paint(); this.onSave({...this.model}, true); } }

  /** Handle a key press; true when it was one of the editor's keys. */
  key(event) {
    if (!this.draft) return false;
    if (KEYS[event.key]) { this.set(...KEYS[event.key]); return true; }
    if (event.key === "r") { this.set("risk", !this.draft.risk); return true; }
    if (event.key === "Enter") { this.save(); return true; }
    if (event.key === "a") { this.accept(); return true; }
    return false;
  }
}
