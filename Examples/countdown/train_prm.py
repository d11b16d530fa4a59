#!/usr/bin/env python3
r"""Trains Countdown's tiny process reward model (PRM) from StepTree's own `trl-prm` export.

    steptree search runs/prm/train-2000.jsonl --generator embedded:policy.gguf \
      --verifier "countdown:--outcome-only" --strategy best-of-n --n 32 --temperature 1 --seed 1 \
      --out runs/prm/train.trees.jsonl
    steptree export runs/prm/train.trees.jsonl --to trl-prm --out runs/prm/train.trl-prm.jsonl
    python3 train_prm.py runs/prm/train.trl-prm.jsonl --init runs/policy.pt --out runs/prm.pt
    python3 export_gguf.py runs/prm.pt prm.gguf
    python3 train_prm.py --fixtures-only runs/prm.pt      # rewrite Tests/Fixtures/countdown/prm-golden.json

(`prm.gguf` itself keeps the policy frozen under two new blocks: `--extra-layers 2 --freeze-layers 4`;
the README's PRM loop has the exact commands.)

The labels are the soft MC values of the export (the mean outcome of the rollouts below each step,
judged by the outcome verifier), never the oracle `countdown.solvable`. The model is the policy's
architecture (initialised from the policy checkpoint) plus a one-row value head on the hidden
state after the final norm, read at the last byte of the step tag: verifier-prm-local's
`value-head` convention (Plugins/prm-local/README.md). A path is laid out as the plugin lays it
out: BOS, the prompt, then each step followed by the tag and its newline. The loss is binary
cross-entropy against the soft values at every tag. Problems are split by id: a held-out 5%
reports loss and AUC against their hard labels (MC > 0).
"""

from __future__ import annotations

import argparse
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
from policy_model import EOS, Config, Policy, encode, load  # noqa: E402
from value_auc import auc  # noqa: E402

STEP_TAG = " ки"  # Math-Shepherd's tag; any string works for a byte-level model
FIXTURES = os.path.join(HERE, "..", "..", "Tests", "Fixtures", "countdown")
FIXTURE_PATHS = [  # (prompt, steps as the search sends them): valid, wrong arithmetic, a dead end, a solved path
    ("nums: 25 14 2 9 target: 1\n", ["step: 2 + 14 = 16 | 25 9 16\n", "step: 25 - 16 = 9 | 9 9\n",
                                      "step: 9 / 9 = 1 | 1\n", "answer: 1"]),
    ("nums: 25 14 2 9 target: 1\n", ["step: 2 + 14 = 17 | 25 9 17\n"]),
    ("nums: 3 3 12 target: 3\n", ["step: 3 * 3 = 9 | 12 9\n", "step: 12 + 9 = 21 | 21\n", "answer: 3"]),
    ("nums: 5 11 20 target: 35\n", ["step: 5 + 11 = 16 | 20 16\n", "step: 20 + 16 = 36 | 36\n"]),
    ("nums: 7 19 4 23 target: 64\n", ["step: 19 + 23 = 42 | 7 4 42\n"]),
]


class ProcessRewardModel(torch.nn.Module):
    """The policy's transformer plus a value head: score = sigmoid(w · h + b) at a tag position."""

    def __init__(self, cfg: Config):
        super().__init__()
        self.body = Policy(cfg)
        self.head = torch.nn.Linear(cfg.dim, 1)

    def logits(self, tokens, positions):
        """tokens [B, T]; positions [B, K] (-1 for padding) → head logits [B, K]."""
        h = self.body.hidden(tokens)
        index = positions.clamp(min=0)
        picked = torch.gather(h, 1, index[..., None].expand(-1, -1, h.shape[-1]))
        return self.head(picked).squeeze(-1)


def deepen(model: ProcessRewardModel, extra: int, source: str) -> ProcessRewardModel:
    """The same model with `extra` blocks appended that start as the identity (zero output
    projections): more depth to check a step's arithmetic, and training starts where `source` was."""
    if extra == 0:
        return model
    old = model.body.cfg
    deeper = ProcessRewardModel(Config(**{**old.to_dict(), "layers": old.layers + extra}))
    missing, unexpected = deeper.load_state_dict(model.state_dict(), strict=False)
    new_blocks = tuple(f"body.layers.{i}." for i in range(old.layers, old.layers + extra))
    if unexpected or any(not key.startswith(new_blocks) for key in missing):
        sys.exit(f"{source}: weights do not fit the deeper PRM: missing {missing}, unexpected {unexpected}")
    for block in deeper.body.layers[old.layers:]:
        torch.nn.init.zeros_(block.attention.wo.weight)
        torch.nn.init.zeros_(block.feed_forward.w2.weight)
    return deeper


def layout(prompt: str, steps: list[str]) -> tuple[list[int], list[int]]:
    """verifier-prm-local's sequence: tokens and the index of each tag's last token."""
    tokens = encode(prompt)
    positions = []
    for step in steps:
        tokens += list((step.rstrip("\n") + STEP_TAG).encode("utf-8"))
        positions.append(len(tokens) - 1)
        tokens += [10]
    return tokens, positions


def load_rows(paths: list[str], context: int) -> dict[str, list]:
    """Examples grouped by problem id: (tokens, tag positions, soft values)."""
    by_problem: dict[str, list] = {}
    for path in paths:
        with open(path) as f:
            for number, line in enumerate(f, 1):
                row = json.loads(line)
                for field in ("prompt", "completions", "values"):
                    if field not in row:
                        sys.exit(f"{path}:{number}: not a trl-prm row (no '{field}'); "
                                 "write one with `steptree export TREES --to trl-prm`")
                tokens, positions = layout(row["prompt"], row["completions"])
                keep = [i for i, p in enumerate(positions) if p < context]
                if not keep:
                    continue
                by_problem.setdefault(row.get("problem_id", row["prompt"]), []).append(
                    (tokens[:context], [positions[i] for i in keep], [float(row["values"][i]) for i in keep]))
    return by_problem


def collate(examples):
    width = max(len(t) for t, _, _ in examples)
    slots = max(len(p) for _, p, _ in examples)
    x = torch.full((len(examples), width), EOS, dtype=torch.long)
    pos = torch.full((len(examples), slots), -1, dtype=torch.long)
    y = torch.zeros((len(examples), slots))
    for i, (t, p, v) in enumerate(examples):
        x[i, :len(t)] = torch.tensor(t)
        pos[i, :len(p)] = torch.tensor(p)
        y[i, :len(v)] = torch.tensor(v)
    return x, pos, y


@torch.no_grad()
def evaluate(model: ProcessRewardModel, examples, batch: int) -> dict:
    model.eval()
    losses, scores, truth, n = 0.0, [], [], 0
    for i in range(0, len(examples), batch):
        x, pos, y = collate(examples[i:i + batch])
        z = model.logits(x, pos)
        mask = pos >= 0
        losses += F.binary_cross_entropy_with_logits(z[mask], y[mask], reduction="sum").item()
        n += int(mask.sum())
        scores += torch.sigmoid(z[mask]).tolist()
        truth += (y[mask] > 0).tolist()
    return {"loss": losses / max(1, n), "auc": auc(scores, truth), "steps": n}


def train(args) -> ProcessRewardModel:
    torch.manual_seed(args.seed)
    if "prm_head" in torch.load(args.init, map_location="cpu", weights_only=False):
        model = deepen(load_prm(args.init), args.extra_layers, args.init)  # continue training a PRM checkpoint
    else:
        policy = load(args.init)
        model = ProcessRewardModel(policy.cfg)
        model.body.load_state_dict(policy.state_dict())
        model = deepen(model, args.extra_layers, args.init)
    if args.freeze_layers:
        # The policy's next-token features (what a step's result should be) stay intact; only the
        # blocks above them and the head learn to compare.
        for module in [model.body.tok_embeddings, *model.body.layers[:args.freeze_layers]]:
            module.requires_grad_(False)
    by_problem = load_rows(args.data, model.body.cfg.context)
    ids = sorted(by_problem)
    random.Random(args.seed).shuffle(ids)
    held = set(ids[:max(1, len(ids) // 20)])
    train_set = [e for pid in ids if pid not in held for e in by_problem[pid]]
    held_set = [e for pid in sorted(held) for e in by_problem[pid]]
    positives = sum(v > 0 for _, _, vs in train_set for v in vs)
    labelled = sum(len(vs) for _, _, vs in train_set)
    print(f"paths: {len(train_set):,} train / {len(held_set):,} held out ({len(held)} problems); "
          f"train steps {labelled:,}, {positives / labelled:.1%} with MC > 0", flush=True)
    steps = args.steps or math.ceil(args.epochs * len(train_set) / args.batch)
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=args.lr, betas=(0.9, 0.95), weight_decay=0.01)
    rng = random.Random(args.seed)
    order: list = []
    start, log = time.time(), []
    for step in range(1, steps + 1):
        if len(order) < args.batch:
            order += rng.sample(train_set, len(train_set))
        examples, order = order[:args.batch], order[args.batch:]
        warm = min(1.0, step / args.warmup)
        lr = args.lr * warm * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * step / steps)))
        for group in opt.param_groups:
            group["lr"] = lr
        model.train()
        x, pos, y = collate(examples)
        z = model.logits(x, pos)
        mask = pos >= 0
        loss = F.binary_cross_entropy_with_logits(z[mask], y[mask])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if step % 100 == 0 or step in (1, steps):
            elapsed = time.time() - start
            line = f"step {step}/{steps} loss {loss.item():.4f} lr {lr:.2e} {elapsed / 60:.1f} min"
            if step % 500 == 0 or step == steps:
                held_out = evaluate(model, held_set, 256)
                line += f"  held-out loss {held_out['loss']:.4f} AUC {held_out['auc']:.4f} ({held_out['steps']} steps)"
                log.append({"step": step, "minutes": round(elapsed / 60, 2), **held_out})
            print(line, flush=True)
        if args.save_every and step % args.save_every == 0 and step < steps:
            save(model, args.out.removesuffix(".pt") + f"-step{step}.pt", log, args)
    save(model, args.out, log, args)
    return model


def save(model: ProcessRewardModel, path: str, log, args):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    torch.save({"config": model.body.cfg.to_dict(), "model": model.body.state_dict(),
                "prm_head": {"weight": model.head.weight.detach(), "bias": model.head.bias.detach()},
                "step_tag": STEP_TAG, "log": log, "data": args.data}, path)
    print(f"wrote {path}")


def load_prm(path: str) -> ProcessRewardModel:
    state = torch.load(path, map_location="cpu", weights_only=False)
    model = ProcessRewardModel(Config(**state["config"]))
    model.body.load_state_dict(state["model"])
    model.head.weight.data.copy_(state["prm_head"]["weight"])
    model.head.bias.data.copy_(state["prm_head"]["bias"])
    return model.eval()


@torch.no_grad()
def write_fixtures(model: ProcessRewardModel, directory: str):
    """PyTorch's step scores for fixed paths; verifier-prm-local's golden test compares against them."""
    cases = []
    for prompt, steps in FIXTURE_PATHS:
        tokens, positions = layout(prompt, steps)
        z = model.logits(torch.tensor([tokens]), torch.tensor([positions]))[0]
        cases.append({"prompt": prompt, "steps": steps, "tokens": tokens, "tag_positions": positions,
                      "scores": [round(v, 7) for v in torch.sigmoid(z.double()).tolist()]})
    meta = {"model": "Examples/countdown/prm.gguf", "writer": "Examples/countdown/train_prm.py",
            "torch": torch.__version__, "step_tag": STEP_TAG, "convention": "value-head"}
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "prm-golden.json"), "w") as f:
        json.dump({"meta": meta, "cases": cases}, f, indent=1)
        f.write("\n")
    print(f"wrote {len(cases)} PRM fixture cases to {os.path.normpath(directory)}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("data", nargs="*", help="trl-prm JSONL files written by `steptree export --to trl-prm`")
    parser.add_argument("--init", default=os.path.join(HERE, "runs", "policy.pt"), help="policy checkpoint to start from (or a PRM checkpoint to train further)")
    parser.add_argument("--out", default=os.path.join(HERE, "runs", "prm.pt"))
    parser.add_argument("--extra-layers", type=int, default=0,
                        help="blocks added after the policy's, starting as the identity (more depth to check a step)")
    parser.add_argument("--freeze-layers", type=int, default=0,
                        help="keep the token embedding and the first N blocks fixed (with --extra-layers: the policy's)")
    parser.add_argument("--epochs", type=float, default=1.0)
    parser.add_argument("--steps", type=int, default=0, help="optimizer steps (default: from --epochs)")
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--save-every", type=int, default=0, help="also write OUT-stepN.pt every N steps")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--no-fixtures", action="store_true", help="do not rewrite the golden fixtures (experiments)")
    parser.add_argument("--fixtures-only", metavar="CHECKPOINT")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.fixtures_only:
        model = load_prm(args.fixtures_only)
    else:
        if not args.data:
            parser.error("give the trl-prm export(s) to train on")
        model = train(args)
    if not args.no_fixtures:
        write_fixtures(model, FIXTURES)


if __name__ == "__main__":
    main()
