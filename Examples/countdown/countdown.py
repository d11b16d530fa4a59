#!/usr/bin/env python3
"""Countdown: reach the target with + - * / from the given numbers, each used exactly once.

Standard library only. The trace format has one checkable line per step:

    nums: 25 14 2 9 target: 1
    step: 2 + 14 = 16 | 25 9 16
    step: 25 - 16 = 9 | 9 9
    step: 9 / 9 = 1 | 1
    answer: 1

`step: A OP B = C | REST` consumes A and B from the current numbers and appends C; REST is the
new list (checked as a multiset; the canonical order is the old list with A and B removed, first
occurrences, and C appended). Results are non-negative integers: subtraction needs A >= B and
division must be exact with B != 0. Every number is used, so n numbers take exactly n - 1 steps,
and the answer line repeats the last remaining number, which must equal the target.

Command line:
    countdown.py generate --seed S --count N [--size K] [--exclude FILE] > problems.jsonl
    countdown.py check PROBLEMS.jsonl COMPLETIONS.jsonl   (lines of {"id", "completion"})
"""

from __future__ import annotations

import argparse
import functools
import json
import random
import re
import sys
from dataclasses import dataclass
from typing import Iterable, Optional, Sequence

OPS = "+-*/"
MIN_NUMBER, MAX_NUMBER = 1, 25
MIN_TARGET, MAX_TARGET = 1, 100
MAX_INTERMEDIATE = 10_000

_HEADER = re.compile(r"^nums: (\d+(?: \d+)*) target: (\d+)$")
_STEP = re.compile(r"^step: (\d+) ([-+*/]) (\d+) = (\d+) \| (\d+(?: \d+)*)$")
_ANSWER = re.compile(r"^answer: (\d+)$")


class CheckError(ValueError):
    """A line that is malformed or breaks a rule; the message says which and why."""


def apply_op(a: int, op: str, b: int) -> Optional[int]:
    """The result of `a op b` under Countdown's rules, or None when the operation is not allowed."""
    if op == "+":
        return a + b
    if op == "-":
        return a - b if a >= b else None
    if op == "*":
        return a * b
    if op == "/":
        return a // b if b != 0 and a % b == 0 else None
    raise ValueError(f"unknown operator {op!r}")


def remove_pair(numbers: Sequence[int], a: int, b: int) -> Optional[list[int]]:
    """`numbers` without the first occurrences of a and b, or None if either is missing."""
    rest = list(numbers)
    for x in (a, b):
        if x not in rest:
            return None
        rest.remove(x)
    return rest


# --- formatting ----------------------------------------------------------------------------------

def header(numbers: Sequence[int], target: int) -> str:
    return f"nums: {' '.join(map(str, numbers))} target: {target}"


def step_line(a: int, op: str, b: int, c: int, rest: Sequence[int]) -> str:
    return f"step: {a} {op} {b} = {c} | {' '.join(map(str, rest))}"


def prompt(numbers: Sequence[int], target: int) -> str:
    """The model's prompt: the header line and its newline; the model writes the steps."""
    return header(numbers, target) + "\n"


# --- checkers ------------------------------------------------------------------------------------

def parse_header(line: str) -> tuple[list[int], int]:
    m = _HEADER.match(line)
    if not m:
        raise CheckError(f"malformed header: {line!r}")
    return [int(x) for x in m.group(1).split()], int(m.group(2))


def check_step(numbers: Sequence[int], line: str) -> list[int]:
    """Checks one `step:` line against the current numbers; returns the new numbers.

    Raises CheckError for a malformed line, an operand that is not available (or reused), wrong
    arithmetic, a disallowed operation, or a wrong remaining list.
    """
    m = _STEP.match(line)
    if not m:
        raise CheckError(f"malformed step: {line!r}")
    a, op, b, c = int(m.group(1)), m.group(2), int(m.group(3)), int(m.group(4))
    claimed = [int(x) for x in m.group(5).split()]
    rest = remove_pair(numbers, a, b)
    if rest is None:
        raise CheckError(f"operands {a} and {b} are not both available in {list(numbers)}")
    value = apply_op(a, op, b)
    if value is None:
        raise CheckError(f"{a} {op} {b} is not allowed (negative or inexact)")
    if value != c:
        raise CheckError(f"wrong arithmetic: {a} {op} {b} = {value}, not {c}")
    rest.append(c)
    if sorted(rest) != sorted(claimed):
        raise CheckError(f"wrong remaining numbers: expected {rest}, got {claimed}")
    return rest


def check_answer(numbers: Sequence[int], target: int, line: str) -> int:
    """Checks the `answer:` line: exactly one number left, equal to the answer and the target."""
    m = _ANSWER.match(line)
    if not m:
        raise CheckError(f"malformed answer: {line!r}")
    value = int(m.group(1))
    if len(numbers) != 1:
        raise CheckError(f"answer given with {len(numbers)} numbers left: {list(numbers)}")
    if value != numbers[0]:
        raise CheckError(f"answer {value} is not the remaining number {numbers[0]}")
    if value != target:
        raise CheckError(f"answer {value} is not the target {target}")
    return value


def split_lines(text: str) -> list[str]:
    """Lines of a completion, without the trailing empty line a final newline leaves."""
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    return lines


def check_completion(numbers: Sequence[int], target: int, text: str) -> tuple[bool, str]:
    """Outcome check of the text the model wrote after the prompt: every step valid, every number
    used, the answer line equal to the target, nothing after it. Returns (correct, reason)."""
    current = list(numbers)
    lines = split_lines(text)
    try:
        for i, line in enumerate(lines):
            if line.startswith("answer:"):
                check_answer(current, target, line)
                if i != len(lines) - 1:
                    raise CheckError("text after the answer line")
                return True, "ok"
            current = check_step(current, line)
    except CheckError as e:
        return False, str(e)
    return False, "no answer line"


# --- the oracle ----------------------------------------------------------------------------------

@functools.lru_cache(maxsize=1 << 20)
def _reachable(numbers: tuple[int, ...], target: int) -> bool:
    if len(numbers) == 1:
        return numbers[0] == target
    n = len(numbers)
    seen = set()
    for i in range(n):
        for j in range(n):
            if i == j or (numbers[i], numbers[j]) in seen:
                continue
            seen.add((numbers[i], numbers[j]))
            rest = [numbers[k] for k in range(n) if k != i and k != j]
            for op in OPS:
                value = apply_op(numbers[i], op, numbers[j])
                if value is not None and _reachable(tuple(sorted(rest + [value])), target):
                    return True
    return False


def reachable(numbers: Iterable[int], target: int) -> bool:
    """Whether combining all of `numbers` (each once) can give `target`. Memoised brute force."""
    return _reachable(tuple(sorted(numbers)), target)


def solvable(prefix: str) -> bool:
    """The oracle: whether a trace prefix (header line, then zero or more complete step lines,
    optionally the answer line) is valid so far and can still reach the target.

    Any invalid line makes the prefix unsolvable. A partial last line without its newline is
    judged as a complete line (a step node's text is a whole line).
    """
    lines = split_lines(prefix)
    if not lines:
        raise CheckError("empty prefix: the header line is required")
    numbers, target = parse_header(lines[0])
    try:
        for i, line in enumerate(lines[1:], start=1):
            if line.startswith("answer:"):
                check_answer(numbers, target, line)
                return i == len(lines) - 1
            numbers = check_step(numbers, line)
    except CheckError:
        return False
    return reachable(numbers, target)


# --- the generator -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Problem:
    numbers: list[int]
    target: int
    solution: list[str]  # step lines and the answer line of one solution

    @property
    def prompt(self) -> str:
        return prompt(self.numbers, self.target)

    @property
    def trace(self) -> str:
        """The full training text: prompt, then one line per step, then the answer line."""
        return self.prompt + "\n".join(self.solution) + "\n"


def random_problem(rng: random.Random, size: Optional[int] = None) -> Problem:
    """A reachable problem by random forward play: draw 3 or 4 numbers, combine random pairs with
    random operations until one number is left, and keep it if it lies in the target range. The
    trace is that random solution, so training sees many different solutions per problem kind."""
    while True:
        n = size if size is not None else rng.choice((3, 4))
        numbers = [rng.randint(MIN_NUMBER, MAX_NUMBER) for _ in range(n)]
        current = list(numbers)
        lines = []
        while len(current) > 1:
            i, j = rng.sample(range(len(current)), 2)
            a, b = current[i], current[j]
            op = rng.choice(OPS)
            value = apply_op(a, op, b)
            if value is None or value > MAX_INTERMEDIATE:
                continue
            current = remove_pair(current, a, b) + [value]
            lines.append(step_line(a, op, b, value, current))
        target = current[0]
        if MIN_TARGET <= target <= MAX_TARGET:
            return Problem(numbers, target, lines + [f"answer: {target}"])


def problem_key(numbers: Sequence[int], target: int) -> tuple:
    """Identity of a problem for held-out checks: the multiset of numbers and the target."""
    return (tuple(sorted(numbers)), target)


def problem_record(problem: Problem, ident: str) -> dict:
    """One line of the `countdown` preset's JSONL."""
    return {
        "id": ident,
        "numbers": problem.numbers,
        "target": problem.target,
        "prompt": problem.prompt,
        "answer": str(problem.target),
        "solution": "\n".join(problem.solution) + "\n",
    }


def generate(seed: int, count: int, prefix: str, exclude: frozenset = frozenset(),
             size: Optional[int] = None) -> list[dict]:
    """`count` distinct problems from `seed`, none of whose keys is in `exclude`; `size` numbers
    each (default: 3 or 4, as the policy was trained)."""
    rng = random.Random(seed)
    seen = set(exclude)
    records = []
    while len(records) < count:
        p = random_problem(rng, size)
        key = problem_key(p.numbers, p.target)
        if key in seen:
            continue
        seen.add(key)
        records.append(problem_record(p, f"{prefix}-{len(records):05d}"))
    return records


def load_problems(path: str) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def _main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description="Countdown problems, checker and oracle.")
    sub = parser.add_subparsers(dest="command", required=True)
    gen = sub.add_parser("generate", help="write COUNT problems as JSONL to stdout")
    gen.add_argument("--seed", type=int, required=True)
    gen.add_argument("--count", type=int, required=True)
    gen.add_argument("--id-prefix", default="countdown")
    gen.add_argument("--size", type=int, choices=range(2, 7), metavar="{2..6}",
                     help="numbers per problem (default: 3 or 4 at random)")
    gen.add_argument("--exclude", action="append", default=[],
                     help="a problem file whose problems must not be repeated")
    chk = sub.add_parser("check", help="grade completions ({id, completion} lines) against problems")
    chk.add_argument("problems")
    chk.add_argument("completions")
    args = parser.parse_args(argv)

    if args.command == "generate":
        exclude = frozenset(problem_key(r["numbers"], r["target"])
                            for path in args.exclude for r in load_problems(path))
        for record in generate(args.seed, args.count, args.id_prefix, exclude, args.size):
            sys.stdout.write(json.dumps(record) + "\n")
        return 0

    problems = {r["id"]: r for r in load_problems(args.problems)}
    solved = total = 0
    for record in load_problems(args.completions):
        p = problems[record["id"]]
        ok, _ = check_completion(p["numbers"], p["target"], record["completion"])
        solved += ok
        total += 1
    print(f"{solved}/{total} correct ({100.0 * solved / max(total, 1):.1f}%)")
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
