"""`steptree export` end to end: trees searched by the built `steptree` (random generator,
built-in random verifiers, so no model is needed), every format exported, and every row loaded
with Python's json and checked field by field; then value_auc.py against Countdown's oracle.

Needs the package built (`swift build`, as .ci/run does first); STEPTREE_BIN overrides the path.
"""

import json
import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
import value_auc  # noqa: E402

NUM = "number"  # int or float, never bool
INT = "int"
OPT_NUM = "number or null"
STR, BOOL = str, bool

# Every field of every format, with its JSON type: rows must have exactly these fields.
SCHEMAS = {
    "trl-prm": {"prompt": STR, "completions": [STR], "labels": [BOOL], "values": [NUM], "step_separator": STR,
                "value_kind": STR, "threshold": NUM, "outcome": OPT_NUM, "problem_id": STR, "leaf_id": INT},
    "trl-dpo": {"prompt": STR, "chosen": STR, "rejected": STR, "chosen_value": NUM, "rejected_value": NUM, "margin": NUM,
                "value_kind": STR, "chosen_outcome": OPT_NUM, "rejected_outcome": OPT_NUM, "problem_id": STR,
                "parent_id": INT, "chosen_id": INT, "rejected_id": INT},
    "math-shepherd": {"input": STR, "label": STR, "task": STR, "problem_id": STR, "leaf_id": INT},
    "verl": {"data_source": STR, "prompt": [{"role": STR, "content": STR}], "ability": STR,
             "reward_model": {"style": STR, "ground_truth": STR},
             "extra_info": {"split": STR, "index": INT, "problem_id": STR, "pass_rate": OPT_NUM, "n_rollouts": INT}},
    "omegaprm": {"question": STR, "parent_prefix": STR, "step": STR, "prefix": STR, "label": NUM, "hard_label": BOOL,
                 "n_correct": INT, "n_rollouts": INT, "mc_source": STR, "problem_id": STR, "parent_id": INT,
                 "child_id": INT, "sample_id": STR, "step_tokens": INT, "strategy": STR, "tree_rollouts": INT, "tree_generated_tokens": INT,
                 "gold_answer": STR},
    "token-advantages": {"problem_id": STR, "leaf_id": INT, "count": INT, "prompt": STR, "prompt_token_ids": "null",
                         "token_ids": [INT], "advantages": [NUM], "divergent_mask": [INT], "branch_mask": [INT],
                         "step_ends": [INT], "outcome": NUM, "outcome_advantage": NUM, "value_kind": STR},
    "sft": {"prompt": STR, "completion": STR, "problem_id": STR, "leaf_id": INT, "outcome": NUM, "count": INT},
}


def check(value, schema, where):
    """Asserts that `value` has the JSON type `schema` describes (dicts: exactly these fields)."""
    if isinstance(schema, dict):
        assert isinstance(value, dict), f"{where}: {value!r} is not an object"
        assert set(value) == set(schema), f"{where}: fields {sorted(value)} != {sorted(schema)}"
        for k, s in schema.items():
            check(value[k], s, f"{where}.{k}")
    elif isinstance(schema, list):
        assert isinstance(value, list), f"{where}: {value!r} is not a list"
        for i, x in enumerate(value):
            check(x, schema[0], f"{where}[{i}]")
    elif schema == NUM:
        assert type(value) in (int, float), f"{where}: {value!r} is not a number"
    elif schema == OPT_NUM:
        assert value is None or type(value) in (int, float), f"{where}: {value!r} is not a number or null"
    elif schema == INT:
        assert type(value) is int, f"{where}: {value!r} is not an integer"
    elif schema == "null":
        assert value is None, f"{where}: {value!r} is not null"
    else:
        assert type(value) is schema, f"{where}: {value!r} is not {schema.__name__}"


def steptree():
    path = os.environ.get("STEPTREE_BIN", os.path.join(ROOT, ".build", "debug", "steptree"))
    assert os.path.exists(path), f"{path} is missing: run `swift build` first (or set STEPTREE_BIN)"
    return path


def run(*args):
    done = subprocess.run([steptree(), *args], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, f"steptree {' '.join(args)} failed: {done.stderr}"
    return done


@pytest.fixture(scope="module")
def trees(tmp_path_factory):
    d = tmp_path_factory.mktemp("trees")
    problems = d / "problems.jsonl"
    # Countdown lines whose answers the random generator (answers 0 and 1) can reach.
    with open(os.path.join(HERE, "problems-test.jsonl")) as f:
        lines = [json.loads(line) for line in f.readlines()[:6]]
    for i, p in enumerate(lines):
        p["target"] = i % 2
        p["answer"] = str(i % 2)
    problems.write_text("".join(json.dumps(p) + "\n" for p in lines))
    out = {}
    for strategy, extra in [("omegaprm", ["--rollouts-per-estimate", "4", "--rollout-budget", "48"]),
                            ("mcts", ["--simulations", "16"])]:
        path = d / f"{strategy}.jsonl"
        run("search", str(problems), "--generator", "random:branching=3,depth=3,answers=2", "--verifier", "random-step",
            "--strategy", strategy, *extra, "--out", str(path), "--no-progress")
        out[strategy] = path
    return d, out


@pytest.mark.parametrize("fmt", sorted(SCHEMAS))
def test_every_export_row_loads_with_json_and_has_its_fields(trees, fmt):
    d, files = trees
    total = 0
    for strategy, path in files.items():
        values = ["mc", "q"] if strategy == "mcts" and fmt in ("trl-prm", "trl-dpo", "token-advantages") else ["mc"]
        for value in values:
            out = d / f"{strategy}-{value}-{fmt}.{'json' if fmt == 'verl' else 'jsonl'}"
            extra = ["--margin", "0.2"] if fmt == "trl-dpo" else []
            run("export", str(path), "--to", fmt, "--value", value, "--out", str(out), *extra)
            lines = out.read_text(encoding="utf-8").splitlines()
            total += len(lines)
            for n, line in enumerate(lines, 1):
                row = json.loads(line)
                check(row, SCHEMAS[fmt], f"{out.name}:{n}")
                if fmt == "omegaprm":
                    assert row["parent_prefix"] + row["step"] == row["prefix"]
                    assert row["label"] == row["n_correct"] / row["n_rollouts"]
                if fmt == "trl-prm":
                    assert len(row["completions"]) == len(row["labels"]) == len(row["values"])
                    assert row["labels"] == [v > row["threshold"] for v in row["values"]]
                if fmt == "token-advantages":
                    n_tok = len(row["token_ids"])
                    assert len(row["advantages"]) == len(row["divergent_mask"]) == len(row["branch_mask"]) == n_tok
                    assert row["step_ends"][-1] == n_tok
                if fmt == "math-shepherd":
                    assert row["input"].count(" ки") == row["label"].count(" +") + row["label"].count(" -")
    assert total > 0, f"no {fmt} rows from any tree file"


def test_export_of_another_schema_names_the_line(tmp_path):
    bad = tmp_path / "old.jsonl"
    bad.write_text('{"schema": "steptree.tree/0", "nodes": []}\n')
    done = subprocess.run([steptree(), "export", str(bad), "--to", "trl-prm", "--out", str(tmp_path / "o.jsonl")],
                          capture_output=True, text=True)
    assert done.returncode == 3
    assert f"{bad}:1" in done.stderr and "steptree.tree/0" in done.stderr


def test_auc_counts_ties_half_and_needs_both_classes():
    assert value_auc.auc([0.1, 0.9], [False, True]) == 1.0
    assert value_auc.auc([0.9, 0.1], [False, True]) == 0.0
    assert value_auc.auc([0.5, 0.5], [False, True]) == 0.5
    assert value_auc.auc([0.2, 0.4, 0.4, 0.8], [False, False, True, True]) == 0.875
    assert value_auc.auc([0.1, 0.2], [True, True]) is None


def test_value_auc_judges_exported_prefixes_with_the_oracle(tmp_path):
    # nums 3 3 12 target 3: "3 * 3 = 9 | 12 9" can still reach 3; "3 + 3 = 6 | 12 6" cannot; "3 + 3 = 7" is wrong.
    q = "nums: 3 3 12 target: 3\n"
    rows = [
        {"question": q, "parent_prefix": "", "step": "step: 3 * 3 = 9 | 12 9\n", "prefix": "step: 3 * 3 = 9 | 12 9\n",
         "label": 0.75, "hard_label": True, "problem_id": "p", "mc_source": "monte_carlo", "tree_rollouts": 8},
        {"question": q, "parent_prefix": "", "step": "step: 3 + 3 = 6 | 12 6\n", "prefix": "step: 3 + 3 = 6 | 12 6\n",
         "label": 0.0, "hard_label": False, "problem_id": "p", "mc_source": "monte_carlo", "tree_rollouts": 8},
        {"question": q, "parent_prefix": "", "step": "step: 3 + 3 = 7 | 12 7\n", "prefix": "step: 3 + 3 = 7 | 12 7\n",
         "label": 0.25, "hard_label": True, "problem_id": "p", "mc_source": "monte_carlo", "tree_rollouts": 8},
    ]
    path = tmp_path / "omegaprm.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    r = value_auc.report(str(path))
    assert r["prefixes"] == 3 and r["solvable"] == 1 and r["samples"] == 8
    assert r["auc_mc"] == 1.0
    assert abs(r["label_agreement"] - 2 / 3) < 1e-12
