// Corpus counts and agreement between annotators (GET /v1/agreement).

import * as api from "./api.js";
import {fill, h, notify, pct} from "./dom.js";
import {HEADS} from "./scheme.js";

const table = (caption, head, rows, attrs = {}) => h("table", attrs, h("caption", {}, caption),
  h("thead", {}, h("tr", {}, head.map((c) => h("th", {scope: "col"}, c)))),
  h("tbody", {}, rows.map((r) => h("tr", {}, r.map((c, i) => (i === 0 ? h("th", {scope: "row"}, c) : h("td", {}, c)))))));

const kappa = (x) => (Number.isFinite(x) ? x.toFixed(3) : "–");

export function createCorpusPage() {
  const body = h("div", {id: "corpus-body"}, h("p", {class: "hint"}, "Loading…"));

  async function load() {
    let data;
    try {
      data = await api.get("/v1/agreement");
    } catch (err) {
      notify(`Could not load the agreement: ${err.message}`);
      return;
    }
    const c = data.counts;
    const labelRows = Object.keys(HEADS).flatMap((head) => Object.entries(c.by_label[head] || {}).map(([label, n]) =>
      [head, head === "risk" ? (label === "true" ? "risk" : "no risk") : label, String(n)]));
    fill(body, 
      h("div", {class: "grid3"},
        table(`Sentences per label (${c.total} in all)`, ["Dimension", "Label", "Sentences"], labelRows, {id: "counts-label"}),
        table("Sentences per source", ["Source", "Sentences"], Object.entries(c.by_source).map(([k, v]) => [k, String(v)]), {id: "counts-source"}),
        table("Stored annotations per annotator", ["Annotator", "Annotations"],
          Object.entries(c.by_annotator).map(([k, v]) => [k, String(v)]), {id: "counts-annotator"})),
      h("h2", {}, "Agreement"),
      h("p", {}, `${data.sentences} sentences were labelled by two or more annotators. Each annotator counts with their latest labels. `,
        "Cohen's kappa: 1 is perfect agreement, 0 is what chance alone gives."),
      data.pairs.length
        ? table("Cohen's kappa per pair of annotators (observed agreement in brackets)",
          ["Annotators", "Shared sentences", "Role κ", "Stance κ", "Risk κ"],
          data.pairs.map((p) => [`${p.first} × ${p.second}`, String(p.n),
            ...Object.keys(HEADS).map((head) => `${kappa(p[head].kappa)} (${pct(p[head].observed)})`)]), {id: "pairs"})
        : h("p", {class: "hint", id: "pairs"}, "No pair of annotators has labelled the same sentence yet."),
      h("h2", {}, `Disagreements to settle (${data.disagreements_total})`),
      data.disagreements.length
        ? h("ol", {class: "disagreements", id: "disagreements"}, data.disagreements.map((d) => h("li", {},
          h("p", {class: "focus"}, d.text),
          h("p", {class: "meta"}, `${d.doc_id ?? "no document"}${d.start !== null ? ` · characters ${d.start}–${d.end}` : ""} · differ on ${d.dimensions.join(", ")}`),
          h("ul", {}, d.labels.map((l) => h("li", {}, h("strong", {}, l.annotator), `: ${l.role}, stance ${l.stance}, ${l.risk === "true" ? "risk" : "no risk"}`))))))
        : h("p", {class: "hint", id: "disagreements"}, "No disagreements."));
  }

  const el = h("section", {class: "page", id: "page-corpus", "aria-labelledby": "corpus-title"},
    h("h1", {id: "corpus-title"}, "Corpus and agreement"),
    h("button", {type: "button", onclick: () => load()}, "Refresh"), body);
  return {el, show: load, title: "Corpus & agreement"};
}
