#!/usr/bin/env python3
"""Trains the tiny Countdown policy on CPU, then writes the runtime's golden fixtures.

    python3 train_policy.py --out runs/policy.pt            # train (about 20-30 min on 2 cores)
    python3 train_policy.py --fixtures-only runs/policy.pt  # rewrite the fixtures from a checkpoint

Training data is generated on the fly from a fixed seed: random forward-play solutions
(countdown.random_problem), never a problem of problems-test.jsonl. A sequence is BOS + trace +
EOS and the loss covers only the tokens after the header line, which is the prompt. Everything is
seeded, so a run on the same torch version and thread count reproduces the checkpoint.
"""

from __future__ import annotations

import argparse
import glob
import json
import math
import os
import random
import sys
import time

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import countdown  # noqa: E402
from policy_model import BOS, EOS, Config, Policy, encode, generate, load  # noqa: E402

FIXTURES = os.path.join(HERE, "..", "..", "Tests", "Fixtures", "countdown")
FIXTURE_PROMPTS = [  # fixed prompts: four test problems and two edge cases of the format
    "nums: 3 3 12 target: 3\n",
    "nums: 25 14 2 9 target: 1\n",
    "nums: 7 19 4 23 target: 64\n",
    "nums: 5 11 20 target: 35\n",
    "nums: 6 6 target: 36\n",
    "nums: 25 14 2 9 target: 1\nstep: 2 + 14 = 16 | 25 9 16\n",
]
LOGIT_POSITIONS = 8  # positions whose full logit rows are stored per prompt


def batches(seed: int, batch: int, exclude: frozenset, sizes=None):
    rng = random.Random(seed)
    while True:
        rows, masks = [], []
        while len(rows) < batch:
            p = countdown.random_problem(rng, rng.choice(sizes) if sizes else None)
            if countdown.problem_key(p.numbers, p.target) in exclude:
                continue
            tokens = encode(p.trace) + [EOS]
            prompt_len = len(encode(p.prompt))
            rows.append(tokens)
            # Targets are tokens[1:]; learn only what follows the prompt.
            masks.append([0] * (prompt_len - 1) + [1] * (len(tokens) - prompt_len))
        width = max(map(len, rows))
        x = torch.full((batch, width - 1), EOS, dtype=torch.long)
        y = torch.full((batch, width - 1), -100, dtype=torch.long)
        for i, (row, mask) in enumerate(zip(rows, masks)):
            x[i, :len(row) - 1] = torch.tensor(row[:-1])
            y[i, :len(row) - 1] = torch.tensor([t if m else -100 for t, m in zip(row[1:], mask)])
        yield x, y


def train(args) -> Policy:
    torch.manual_seed(args.seed)
    model = load(args.init) if args.init else Policy(Config())
    cfg = model.cfg
    print(f"parameters: {model.parameter_count():,}  config: {cfg.to_dict()}", flush=True)
    test = [r for path in sorted(glob.glob(os.path.join(HERE, "problems-test*.jsonl")))
            for r in countdown.load_problems(path)]
    exclude = frozenset(countdown.problem_key(r["numbers"], r["target"]) for r in test)
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1},
                             {"params": no_decay, "weight_decay": 0.0}],
                            lr=args.lr, betas=(0.9, 0.95))
    start, tokens_seen = time.time(), 0
    log = []
    for step, (x, y) in enumerate(batches(args.seed, args.batch, exclude, args.sizes), start=1):
        if step > args.steps:
            break
        if step <= args.warmup:
            lr = args.lr * step / args.warmup
        else:
            progress = (step - args.warmup) / max(1, args.steps - args.warmup)
            lr = args.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))
        for group in opt.param_groups:
            group["lr"] = lr
        model.train()
        logits = model(x)
        loss = F.cross_entropy(logits.reshape(-1, cfg.vocab), y.reshape(-1), ignore_index=-100)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        tokens_seen += x.numel()
        if step % 50 == 0 or step == 1:
            elapsed = time.time() - start
            print(f"step {step}/{args.steps} loss {loss.item():.4f} lr {lr:.2e} "
                  f"{tokens_seen / elapsed:,.0f} tok/s {elapsed / 60:.1f} min", flush=True)
            log.append({"step": step, "loss": round(loss.item(), 4), "minutes": round(elapsed / 60, 2)})
        if step % args.save_every == 0 or step == args.steps:
            save(model, args.out, log, tokens_seen, time.time() - start)
    return model


def save(model: Policy, path: str, log, tokens_seen: int, seconds: float):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    torch.save({"config": model.cfg.to_dict(), "model": model.state_dict(), "log": log,
                "tokens_seen": tokens_seen, "seconds": seconds}, path)


@torch.no_grad()
def write_fixtures(model: Policy, directory: str):
    """For each fixed prompt: token ids, the logits at the first positions, the greedy
    continuation (text and ids). The runtime's golden test compares against these."""
    os.makedirs(directory, exist_ok=True)
    cases = []
    for prompt in FIXTURE_PROMPTS:
        ids = encode(prompt)
        logits = model(torch.tensor([ids]))[0]
        continuation = generate(model, [prompt], temperature=0.0)[0]
        # EOS closes greedy_tokens only when the model chose it (not when the length cap hit).
        full = encode(prompt + continuation)
        stopped = len(full) < model.cfg.context and int(model(torch.tensor([full]))[0, -1].argmax()) == EOS
        cases.append({
            "prompt": prompt,
            "prompt_tokens": ids,
            "logits": [[round(v, 5) for v in row.tolist()] for row in logits[:LOGIT_POSITIONS]],
            "greedy_text": continuation,
            "greedy_tokens": list(continuation.encode("utf-8")) + ([EOS] if stopped else []),
        })
    meta = {"model": "Examples/countdown/policy.gguf", "writer": "Examples/countdown/train_policy.py",
            "torch": torch.__version__, "logit_positions": LOGIT_POSITIONS,
            "note": "greedy_tokens end with EOS (257) only when the model chose it; greedy runs at most 120 tokens"}
    with open(os.path.join(directory, "policy-golden.json"), "w") as f:
        json.dump({"meta": meta, "cases": cases}, f, indent=1)
        f.write("\n")
    print(f"wrote {len(cases)} fixture cases to {os.path.normpath(directory)}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=os.path.join(HERE, "runs", "policy.pt"))
    parser.add_argument("--steps", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--lr", type=float, default=3e-3)
    parser.add_argument("--warmup", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--save-every", type=int, default=250)
    parser.add_argument("--init", metavar="CHECKPOINT", help="continue from a policy checkpoint instead of random weights")
    parser.add_argument("--sizes", type=lambda v: [int(x) for x in v.split(",")], default=None, metavar="3,4,5,6",
                        help="numbers per problem, drawn uniformly (default: 3 or 4, the committed policy's recipe)")
    parser.add_argument("--no-fixtures", action="store_true", help="do not rewrite the policy's golden fixtures")
    parser.add_argument("--fixtures-only", metavar="CHECKPOINT")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.fixtures_only:
        model = load(args.fixtures_only)
    else:
        model = train(args)
    if not args.no_fixtures:
        write_fixtures(model, FIXTURES)


if __name__ == "__main__":
    main()
