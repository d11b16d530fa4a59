#!/usr/bin/env bash
# Accuracy against generated tokens on the Countdown test problems, for greedy, majority vote,
# best-of-N by PRM, beam by PRM (also with early rejection of partial steps) and MCTS by PRM.
# The PRM (verifier-prm-local on prm.gguf) is the only guide; `--judge countdown` grades the
# chosen answer and nothing else. Prints one row per run (method, setting, accuracy, tokens per
# problem, wall seconds); the README's "PRM-guided search" section records the figures.
#
#   Examples/countdown/prm_curves.sh [OUT_DIR]
#
# Environment: STEPTREE (default .build/release/steptree), PROBLEMS (default 500: the first N
# test problems), PRM (default Examples/countdown/prm.gguf), METHODS (default
# "greedy majority bon beam early mcts"), SEED (default 1).
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${1:-Examples/countdown/runs/curves}
STEPTREE=${STEPTREE:-.build/release/steptree}
PROBLEMS=${PROBLEMS:-500}
PRM=${PRM:-Examples/countdown/prm.gguf}
METHODS=${METHODS:-greedy majority bon beam early mcts}
SEED=${SEED:-1}
mkdir -p "$OUT"
head -n "$PROBLEMS" Examples/countdown/problems-test.jsonl > "$OUT/problems.jsonl"

# run NAME SEARCH-OPTIONS...: one search, its summary kept as OUT/NAME.summary.json.
run() {
  local name=$1; shift
  "$STEPTREE" search "$OUT/problems.jsonl" --generator embedded:Examples/countdown/policy.gguf \
    --judge countdown --seed "$SEED" --out "$OUT/$name.trees.jsonl" --overwrite --no-progress \
    --summary-json "$OUT/$name.summary.json" "$@" >"$OUT/$name.log" 2>&1
  python3 - "$name" "$OUT/$name.summary.json" <<'EOF'
import json, sys
s = json.load(open(sys.argv[2]))
print(f"{sys.argv[1]:<24} {100 * s['accuracy']:6.1f}%  {s['generatedTokens'] / s['problems']:9.0f} tokens/problem  {s.get('wallSeconds', 0):7.1f} s", flush=True)
EOF
}

prm=(--verifier "prm-local:--model $PRM")
for method in $METHODS; do
  case $method in
    greedy) run greedy --strategy greedy ;;
    majority) for n in 4 16; do run "majority-n$n" --strategy best-of-n --n "$n" --temperature 1 --aggregation majority; done ;;
    bon) for n in 4 16; do run "bon-prm-n$n" --strategy best-of-n --n "$n" --temperature 1 --aggregation prm-min-max "${prm[@]}"; done ;;
    beam) for nm in 8/4 32/8; do
            run "beam-prm-n${nm%/*}-m${nm#*/}" --strategy beam --n "${nm%/*}" --beam-width "${nm#*/}" "${prm[@]}"; done ;;
    early) for k in 12; do
             run "beam-prm-n32-m8-early$k" --strategy beam --n 32 --beam-width 8 --early-reject-tokens "$k" \
               --early-reject-keep 0.5 "${prm[@]}"; done ;;
    mcts) for sims in 8 32; do
            run "mcts-prm-s$sims" --strategy mcts --simulations "$sims" --leaf-value prm "${prm[@]}"; done ;;
    *) echo "unknown method $method" >&2; exit 2 ;;
  esac
done
