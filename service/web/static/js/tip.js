// The tooltip with every label's probability, on hover and on keyboard focus.

import {fill, h, pct} from "./dom.js";
import {HEADS} from "./scheme.js";

export function showTip(anchor, sentence) {
  const tip = document.getElementById("tip");
  fill(tip, ...Object.keys(HEADS).map((head) => h("div", {}, h("strong", {}, `${head}: `),
    Object.entries(sentence.probabilities[head] || {}).sort((a, b) => b[1] - a[1])
      .map(([label, p]) => `${head === "risk" ? (label === "true" ? "risk" : "no risk") : label} ${pct(p)}`).join(" · "))),
  h("div", {class: "meta"}, `uncertainty ${pct(sentence.uncertainty)}`));
  tip.hidden = false;
  const box = anchor.getBoundingClientRect();
  const top = box.bottom + window.scrollY + 6;
  const left = Math.max(8, Math.min(box.left + window.scrollX, window.scrollX + document.documentElement.clientWidth - tip.offsetWidth - 8));
  tip.style.top = `${top}px`;
  tip.style.left = `${left}px`;
}

export function hideTip() {
  document.getElementById("tip").hidden = true;
}
