// Retraining and model versions: start a job, follow it, compare, activate or roll back.

import * as api from "./api.js";
import {fill, h, notify} from "./dom.js";

const HEADS = ["role", "stance", "risk", "mean_macro_f1"];
const f1 = (m, head) => (m && typeof m[head] === "number" ? m[head].toFixed(3) : "–");

// A model trained on every labelled sentence has no held-out scores of its own: show its held-out
// twin's (the same recipe trained with the evaluation split held out), marked as the twin's.
function refitCells(m) {
  if (!m.twin || !m.twin.metrics) {
    return h("td", {colspan: HEADS.length, class: "note"}, "trained on every labelled sentence: no held-out scores");
  }
  const title = `trained on every labelled sentence; these are the scores of its held-out twin ${m.twin.version}`;
  return HEADS.map((head) => h("td", {class: "twin", title}, f1(m.twin.metrics, head), head === "mean_macro_f1" ? " (twin)" : ""));
}

export function createModelsPage() {
  const models = h("div", {id: "models-list"});
  const jobBox = h("div", {id: "job", "aria-live": "polite"});
  const jobs = h("div", {id: "jobs-list"});
  const force = h("input", {type: "checkbox", id: "train-force"});
  const start = h("button", {type: "button", class: "primary", id: "train-start", onclick: () => train()}, "Retrain on the corpus and every stored annotation");
  let timer = null;

  async function loadModels() {
    try {
      const data = await api.get("/v1/models");
      fill(models, h("table", {}, h("caption", {}, `Model versions (active: ${data.active}); macro-F1 on each model's evaluation split`),
        h("thead", {}, h("tr", {}, ["Version", "Created", "Role", "Stance", "Risk", "Mean", ""].map((c) => h("th", {scope: "col"}, c)))),
        h("tbody", {}, data.models.map((m) => h("tr", {class: m.active ? "active" : "", dataset: {version: m.version}},
          h("th", {scope: "row"}, m.version, m.shipped ? " (shipped)" : "", m.active ? " ✓ active" : ""),
          h("td", {}, m.created ? m.created.slice(0, 19).replace("T", " ") : "–"),
          m.held_out === false ? refitCells(m) : HEADS.map((head) => h("td", {}, f1(m.metrics, head))),
          h("td", {}, m.active ? "" : h("button", {type: "button", onclick: () => activate(m.version)}, `Activate ${m.version}`)))))));
    } catch (err) {
      notify(`Could not list the models: ${err.message}`);
    }
  }

  async function loadJobs() {
    try {
      const data = await api.get("/v1/jobs?limit=10");
      fill(jobs, data.jobs.length ? h("table", {}, h("caption", {}, "Recent training jobs"),
        h("thead", {}, h("tr", {}, ["Job", "Started", "Status", "New version", "Decision"].map((c) => h("th", {scope: "col"}, c)))),
        h("tbody", {}, data.jobs.map((j) => h("tr", {}, h("th", {scope: "row"}, j.id), h("td", {}, j.created_at.slice(0, 19).replace("T", " ")),
          h("td", {}, j.status), h("td", {}, j.version || "–"), h("td", {}, j.decision || j.error || "")))))
        : h("p", {class: "hint"}, "No training job yet."));
      const running = data.jobs.find((j) => j.status === "running");
      if (running && !timer) follow(running.id);
    } catch (err) {
      notify(`Could not list the jobs: ${err.message}`);
    }
  }

  function showJob(job) {
    const done = job.status !== "running";
    fill(jobBox, 
      h("p", {}, h("strong", {}, `Job ${job.id}: ${job.status}`), job.stage ? ` · ${job.stage}` : "", ` · trained on the corpus and ${job.annotations} stored annotations`),
      h("progress", {max: 1, value: job.progress, "aria-label": "Training progress"}), ` ${Math.round(job.progress * 100)}%`,
      done && (job.metrics || job.baseline_metrics) ? h("table", {id: "job-compare"},
        h("caption", {}, "The new model against the one active when the job started, on the same evaluation records"),
        h("thead", {}, h("tr", {}, ["Model", "Role", "Stance", "Risk", "Mean"].map((c) => h("th", {scope: "col"}, c)))),
        h("tbody", {},
          h("tr", {}, h("th", {scope: "row"}, `new: ${job.version || "–"}`), HEADS.map((head) => h("td", {}, f1(job.metrics, head)))),
          h("tr", {}, h("th", {scope: "row"}, `before: ${job.baseline_version || "–"}`), HEADS.map((head) => h("td", {}, f1(job.baseline_metrics, head)))))) : null,
      job.decision ? h("p", {}, job.decision) : null,
      job.error ? h("p", {class: "error"}, job.error) : null,
      !done ? h("button", {type: "button", onclick: () => cancel(job.id)}, "Cancel the job") : null);
  }

  function follow(id) {
    clearInterval(timer);
    const tick = async () => {
      try {
        const job = await api.get(`/v1/jobs/${encodeURIComponent(id)}`);
        showJob(job);
        if (job.status !== "running") {
          clearInterval(timer);
          timer = null;
          loadModels();
          loadJobs();
        }
      } catch (err) {
        clearInterval(timer);
        timer = null;
        notify(`Lost track of the job: ${err.message}`);
      }
    };
    timer = setInterval(tick, 1000);
    tick();
  }

  async function train() {
    try {
      const job = await api.write("/v1/train", {force: force.checked, config: {}});
      showJob(job);
      follow(job.id);
    } catch (err) {
      if (err.message !== "sign-in cancelled") notify(`Could not start training: ${err.message}`);
    }
  }

  async function cancel(id) {
    try { showJob(await api.write(`/v1/jobs/${encodeURIComponent(id)}/cancel`)); } catch (err) {
      if (err.message !== "sign-in cancelled") notify(`Could not cancel: ${err.message}`);
    }
  }

  async function activate(version) {
    try {
      const out = await api.write(`/v1/models/${encodeURIComponent(version)}/activate`);
      notify(`Now serving ${out.active} (was ${out.previous}). To roll back, activate ${out.previous}.`, "info");
      loadModels();
    } catch (err) {
      if (err.message !== "sign-in cancelled") notify(`Could not activate ${version}: ${err.message}`);
    }
  }

  const el = h("section", {class: "page", id: "page-models", "aria-labelledby": "models-title"},
    h("h1", {id: "models-title"}, "Retrain and switch models"),
    h("p", {}, "A new model is activated only if it is not worse than the active one on the fixed evaluation split, unless you force it. ",
      "The service keeps answering while it trains."),
    h("div", {class: "row"}, start, h("label", {}, force, " activate even if it scores worse")),
    jobBox, models, jobs);
  return {el, show: () => { loadModels(); loadJobs(); }, title: "Retrain & models"};
}
