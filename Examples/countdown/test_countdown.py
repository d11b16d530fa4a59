"""Tests of countdown.py: the oracle against exhaustive search, and the checkers on bad input."""

import itertools
import json
import os
import random
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import countdown  # noqa: E402
from countdown import CheckError, check_answer, check_completion, check_step, solvable  # noqa: E402


def exhaustive_values(numbers):
    """Every value reachable by combining all numbers, by enumerating every sequence of moves
    (no memoisation, no pruning): an independent oracle for the oracle."""
    if len(numbers) == 1:
        return {numbers[0]}
    values = set()
    for i, j in itertools.permutations(range(len(numbers)), 2):
        rest = [numbers[k] for k in range(len(numbers)) if k not in (i, j)]
        a, b = numbers[i], numbers[j]
        results = [a + b, a * b]
        if a >= b:
            results.append(a - b)
        if b != 0 and a % b == 0:
            results.append(a // b)
        for r in results:
            values |= exhaustive_values(rest + [r])
    return values


@pytest.mark.parametrize("seed", range(6))
def test_reachable_matches_exhaustive_search(seed):
    rng = random.Random(seed)
    for _ in range(40):
        numbers = [rng.randint(1, 25) for _ in range(rng.choice((2, 3, 4)))]
        values = exhaustive_values(numbers)
        for target in range(0, 120):
            assert countdown.reachable(numbers, target) == (target in values), (numbers, target)


def test_solvable_on_random_prefixes_matches_exhaustive_search():
    rng = random.Random(7)
    checked = 0
    for _ in range(150):
        p = countdown.random_problem(rng)
        # Walk a random valid prefix and compare the oracle with exhaustive search at each point.
        numbers, lines = list(p.numbers), [countdown.header(p.numbers, p.target)]
        while True:
            assert solvable("\n".join(lines) + "\n") == (p.target in exhaustive_values(numbers))
            checked += 1
            if len(numbers) == 1:
                break
            i, j = rng.sample(range(len(numbers)), 2)
            op = rng.choice(countdown.OPS)
            value = countdown.apply_op(numbers[i], op, numbers[j])
            if value is None:
                continue
            a, b = numbers[i], numbers[j]
            numbers = countdown.remove_pair(numbers, a, b) + [value]
            lines.append(countdown.step_line(a, op, b, value, numbers))
    assert checked > 300


def test_generated_problems_are_solved_by_their_traces():
    rng = random.Random(3)
    for _ in range(200):
        p = countdown.random_problem(rng)
        assert 3 <= len(p.numbers) <= 4
        assert countdown.MIN_TARGET <= p.target <= countdown.MAX_TARGET
        text = p.trace[len(p.prompt):]
        assert check_completion(p.numbers, p.target, text) == (True, "ok")
        assert solvable(p.prompt)
        assert solvable(p.trace)


@pytest.mark.parametrize("size", [2, 5, 6])
def test_generator_size_sets_the_chain_length(size):
    rows = countdown.generate(7, 30, "long", size=size)
    for r in rows:
        assert len(r["numbers"]) == size
        lines = r["solution"].splitlines()
        assert len(lines) == size and lines[-1] == f"answer: {r['target']}"  # size - 1 steps, then the answer
        assert check_completion(r["numbers"], r["target"], r["solution"]) == (True, "ok")
    assert countdown.generate(7, 30, "long") == countdown.generate(7, 30, "long", size=None)


def test_generator_is_seeded_and_respects_exclusions():
    a = countdown.generate(11, 50, "x")
    assert a == countdown.generate(11, 50, "x")
    excluded = frozenset(countdown.problem_key(r["numbers"], r["target"]) for r in a[:10])
    b = countdown.generate(11, 50, "x", excluded)
    assert not {countdown.problem_key(r["numbers"], r["target"]) for r in b} & excluded


def test_problem_files_are_disjoint_and_well_formed():
    test = countdown.load_problems(os.path.join(HERE, "problems-test.jsonl"))
    train = countdown.load_problems(os.path.join(HERE, "problems-train.jsonl"))
    assert len(test) == 500
    keys = lambda rows: {countdown.problem_key(r["numbers"], r["target"]) for r in rows}
    assert not keys(test) & keys(train)
    for r in test[:100]:
        assert set(r) >= {"id", "numbers", "target", "prompt", "answer"}
        assert r["prompt"] == countdown.prompt(r["numbers"], r["target"])
        assert r["answer"] == str(r["target"])
        assert solvable(r["prompt"])
    long = countdown.load_problems(os.path.join(HERE, "problems-test-6.jsonl"))
    assert len(long) == 200 and all(len(r["numbers"]) == 6 for r in long)
    assert not keys(long) & (keys(test) | keys(train))


@pytest.mark.parametrize("line, reason", [
    ("step: 3 + 4 = 7", "malformed"),                       # no remaining list
    ("step 3 + 4 = 7 | 7 25", "malformed"),                 # missing colon
    ("step: 3 % 4 = 7 | 7 25", "malformed"),                # unknown operator
    ("step: 3 + 4 = 7 | 7 25 ", "malformed"),               # trailing space
    ("step: -3 + 4 = 1 | 1 25", "malformed"),               # negative literal
    ("step: 3 + 3 = 6 | 6 4 25", "not both available"),     # 3 used twice, only one 3
    ("step: 5 + 4 = 9 | 3 9 25", "not both available"),     # 5 is not there
    ("step: 3 + 4 = 8 | 8 25", "wrong arithmetic"),
    ("step: 3 - 4 = 1 | 1 25", "not allowed"),              # negative result
    ("step: 25 / 4 = 6 | 3 6", "not allowed"),              # inexact division
    ("step: 3 + 4 = 7 | 25", "wrong remaining"),            # dropped a number
    ("step: 3 + 4 = 7 | 7 25 25", "wrong remaining"),       # invented a number
    ("step: 3 + 4 = 7 | 7 3 25", "wrong remaining"),        # kept a used number
])
def test_check_step_rejects(line, reason):
    with pytest.raises(CheckError, match=reason):
        check_step([3, 4, 25], line)


def test_check_step_accepts_any_order_of_remaining_numbers():
    assert check_step([3, 4, 25], "step: 25 - 4 = 21 | 3 21") == [3, 21]
    assert sorted(check_step([3, 4, 25], "step: 25 - 4 = 21 | 21 3")) == [3, 21]
    assert check_step([6, 6], "step: 6 / 6 = 1 | 1") == [1]
    assert check_step([0, 5], "step: 0 / 5 = 0 | 0") == [0]


def test_check_answer_rules():
    assert check_answer([61], 61, "answer: 61") == 61
    for numbers, line, reason in [([61, 2], "answer: 61", "numbers left"), ([60], "answer: 61", "not the remaining"),
                                  ([60], "answer: 60", "not the target"), ([61], "answer:61", "malformed")]:
        with pytest.raises(CheckError, match=reason):
            check_answer(numbers, 61, line)


def test_check_completion_outcomes():
    nums, target = [25, 14, 2, 9], 1
    good = "step: 2 + 14 = 16 | 25 9 16\nstep: 25 - 16 = 9 | 9 9\nstep: 9 / 9 = 1 | 1\nanswer: 1\n"
    assert check_completion(nums, target, good) == (True, "ok")
    assert check_completion(nums, target, good.rstrip("\n")) == (True, "ok")
    assert check_completion(nums, target, good + "step: 1 + 1 = 2 | 2\n")[0] is False
    assert check_completion(nums, target, good.replace("answer: 1\n", ""))[1] == "no answer line"
    forced = "step: 2 + 14 = 16 | 25 9 16\nstep: 25 - 16 = 9 | 9 9\nstep: 9 + 9 = 1 | 1\nanswer: 1\n"
    assert "wrong arithmetic" in check_completion(nums, target, forced)[1]
    assert check_completion(nums, target, "")[1] == "no answer line"
    assert check_completion(nums, target, "\xff garbage \x00")[0] is False


def test_solvable_prefixes():
    head = "nums: 25 14 2 9 target: 1\n"
    assert solvable(head)
    assert solvable(head + "step: 2 + 14 = 16 | 25 9 16\n")
    assert not solvable(head + "step: 2 + 14 = 17 | 25 9 17\n")        # wrong arithmetic
    assert not solvable("nums: 2 3 target: 7\n")                       # unreachable at the root
    assert solvable("nums: 2 3 target: 6\nstep: 2 * 3 = 6 | 6\nanswer: 6\n")
    assert not solvable("nums: 2 3 target: 6\nstep: 2 + 3 = 5 | 5\n")  # dead end
    with pytest.raises(CheckError):
        solvable("not a header\n")


def test_cli_generate_rejects_a_size_out_of_range():
    out = subprocess.run([sys.executable, os.path.join(HERE, "countdown.py"), "generate", "--seed", "5", "--count", "2",
                          "--size", "7"], capture_output=True, text=True)
    assert out.returncode == 2 and "--size" in out.stderr and out.stdout == ""


def test_cli_generate_and_check(tmp_path):
    problems = tmp_path / "p.jsonl"
    with open(problems, "w") as f:
        subprocess.run([sys.executable, os.path.join(HERE, "countdown.py"), "generate", "--seed", "5", "--count", "20"],
                       stdout=f, check=True)
    rows = countdown.load_problems(str(problems))
    completions = tmp_path / "c.jsonl"
    with open(completions, "w") as f:
        for i, r in enumerate(rows):
            f.write(json.dumps({"id": r["id"], "completion": r["solution"] if i % 2 == 0 else "answer: 0\n"}) + "\n")
    out = subprocess.run([sys.executable, os.path.join(HERE, "countdown.py"), "check", str(problems), str(completions)],
                         capture_output=True, text=True, check=True).stdout
    assert out.startswith("10/20 correct")
