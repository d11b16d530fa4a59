#!/usr/bin/env bash
# Exported MC values against Countdown's truth, per rollout budget: OmegaPRM's binary search for
# the first error against per-step MC estimation (Math-Shepherd style: every step of the chosen
# wrong rollouts gets k rollouts). Prints value_auc.py's table; the README's "Values" section
# records the figures.
#
#   Examples/countdown/measure_values.sh [OUT_DIR]
#
# Environment: STEPTREE (default .build/release/steptree, else .build/debug/steptree),
# GENERATOR (default embedded:Examples/countdown/policy.gguf), PROBLEM_FILE (default
# Examples/countdown/problems-test.jsonl), PROBLEMS (default 100: its first N problems), BUDGETS
# (default "16 32 64 128 256"), K (rollouts per estimate, default 8),
# TEMPERATURE (default 1.0), VERIFIER (default countdown).
set -euo pipefail
cd "$(dirname "$0")/../.."
OUT=${1:-runs/values}
STEPTREE=${STEPTREE:-$( [ -x .build/release/steptree ] && echo .build/release/steptree || echo .build/debug/steptree )}
GENERATOR=${GENERATOR:-embedded:Examples/countdown/policy.gguf}
VERIFIER=${VERIFIER:-countdown}
PROBLEM_FILE=${PROBLEM_FILE:-Examples/countdown/problems-test.jsonl}
PROBLEMS=${PROBLEMS:-100}
BUDGETS=${BUDGETS:-16 32 64 128 256}
K=${K:-8}
TEMPERATURE=${TEMPERATURE:-1.0}
mkdir -p "$OUT"
head -n "$PROBLEMS" "$PROBLEM_FILE" > "$OUT/problems.jsonl"
exports=()
for budget in $BUDGETS; do
  for search in binary linear; do
    name="$OUT/$search-$budget"
    rm -f "$name.trees.jsonl"
    "$STEPTREE" search "$OUT/problems.jsonl" --generator "$GENERATOR" --verifier "$VERIFIER" \
      --strategy omegaprm --first-error-search "$search" --rollouts-per-estimate "$K" --rollout-budget "$budget" \
      --temperature "$TEMPERATURE" --seed 1 --out "$name.trees.jsonl" --no-progress >&2
    "$STEPTREE" export "$name.trees.jsonl" --to omegaprm --out "$name.omegaprm.jsonl" >&2
    "$STEPTREE" export "$name.trees.jsonl" --to trl-prm --out "$name.trl-prm.jsonl" >&2
    exports+=("$name.omegaprm.jsonl" "$name.trl-prm.jsonl")
  done
done
python3 Examples/countdown/value_auc.py "${exports[@]}"
