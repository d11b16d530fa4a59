#!/usr/bin/env python3
"""Checks exported step values against Countdown's ground truth.

Standard library only. For every labelled prefix in a `steptree export` file (formats omegaprm
or trl-prm), the oracle `countdown.solvable(prompt + prefix)` says whether the prefix is valid so
far and can still reach the target. The script reports, per file:

- AUC of the soft values (MC estimates) against that truth (Mann-Whitney, ties counted half),
  over every labelled prefix (`auc_all`) and over the Monte Carlo estimates only (`auc_mc`: the
  answer line's value is the verifier's own verdict, and a step the verifier rejected has value
  0 by rule, so both are left out; trl-prm rows cannot tell rejected steps apart and leave out
  the answer lines only);
- label agreement: the share of prefixes whose exported boolean label (trl-prm `labels`,
  omegaprm `hard_label`) equals the truth;
- what the labels cost, summed over problems (omegaprm rows only): the rollout ends the MC values
  count (`samples`, `tree_rollouts`) and the generated tokens (`tokens`).

Each distinct (problem, prefix) counts once, however many rows repeat it.

    value_auc.py EXPORT.jsonl [EXPORT.jsonl ...] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Iterable, Optional

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from countdown import solvable  # noqa: E402


def auc(scores: list[float], truth: list[bool]) -> Optional[float]:
    """Area under the ROC curve: P(score of a random positive > score of a random negative),
    ties counted half. None when either class is empty."""
    pairs = sorted(zip(scores, truth), key=lambda p: p[0])
    pos = sum(truth)
    neg = len(truth) - pos
    if pos == 0 or neg == 0:
        return None
    rank_sum = 0.0
    i = 0
    while i < len(pairs):
        j = i
        while j < len(pairs) and pairs[j][0] == pairs[i][0]:
            j += 1
        mean_rank = (i + 1 + j) / 2.0  # ranks i+1 .. j share their mean
        rank_sum += mean_rank * sum(1 for k in range(i, j) if pairs[k][1])
        i = j
    return (rank_sum - pos * (pos + 1) / 2.0) / (pos * neg)


def prefixes(rows: Iterable[dict]) -> tuple[dict, dict]:
    """(problem, full prefix text) -> (value, label, is_mc_estimate), and problem -> (samples, tokens)."""
    out: dict = {}
    cost: dict = {}
    for row in rows:
        if "prefix" in row and "question" in row:  # omegaprm
            key = (row["problem_id"], row["question"] + row["prefix"])
            out[key] = (float(row["label"]), bool(row["hard_label"]), row.get("mc_source") == "monte_carlo")
            cost[row["problem_id"]] = (int(row["tree_rollouts"]), int(row.get("tree_generated_tokens", 0)))
        elif "completions" in row:  # trl-prm
            sep = row["step_separator"]
            text = row["prompt"]
            for step, value, label in zip(row["completions"], row["values"], row["labels"]):
                text += step + sep
                out[(row["problem_id"], text)] = (float(value), bool(label), not step.startswith("answer:"))
        else:
            raise ValueError("not an omegaprm or trl-prm export row: fields " + ", ".join(sorted(row)))
    return out, cost


def report(path: str) -> dict:
    with open(path, encoding="utf-8") as f:
        rows = [json.loads(line) for line in f if line.strip()]
    table, cost = prefixes(rows)
    keys = sorted(table)
    truth = [solvable(text) for _, text in keys]
    values = [table[k][0] for k in keys]
    labels = [table[k][1] for k in keys]
    steps = [i for i, k in enumerate(keys) if table[k][2]]
    agree = sum(1 for t, l in zip(truth, labels) if t == l)
    return {
        "file": path,
        "rows": len(rows),
        "prefixes": len(keys),
        "solvable": sum(truth),
        "auc_all": auc(values, truth),
        "auc_mc": auc([values[i] for i in steps], [truth[i] for i in steps]),
        "mc_prefixes": len(steps),
        "label_agreement": agree / len(keys) if keys else None,
        "problems": len({k[0] for k in keys}),
        "samples": sum(c[0] for c in cost.values()) if cost else None,
        "tokens": sum(c[1] for c in cost.values()) if cost else None,
    }


def fmt(x) -> str:
    return "-" if x is None else (f"{x:.4f}" if isinstance(x, float) else str(x))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description="AUC and label agreement of exported values against Countdown's oracle.")
    parser.add_argument("exports", nargs="+")
    parser.add_argument("--json", action="store_true", help="one JSON object per file instead of a table")
    args = parser.parse_args(argv)
    results = [report(p) for p in args.exports]
    if args.json:
        for r in results:
            print(json.dumps(r))
        return 0
    cols = ["file", "problems", "samples", "tokens", "prefixes", "solvable", "auc_all", "mc_prefixes", "auc_mc",
            "label_agreement"]
    print("\t".join(cols))
    for r in results:
        print("\t".join(fmt(r[c]) for c in cols))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
