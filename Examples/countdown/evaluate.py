#!/usr/bin/env python3
"""Measures the Countdown policy: greedy accuracy, sampled accuracy at temperature 1, pass@k.

    python3 evaluate.py torch runs/policy.pt                  # PyTorch, batched KV-cache sampler
    python3 evaluate.py server policy.gguf --compare runs/policy.pt
        # llama-cpp-python's OpenAI-compatible server serving the GGUF (started and stopped here);
        # --compare also counts how many greedy completions equal PyTorch's

"Correct" is countdown.check_completion: every step valid, every number used, answer = target.
Sampling is pure temperature 1 (no top-k/top-p/min-p, no repeat penalty). Results are printed
and written as JSON next to the checkpoint or model (`--json` to choose the path).
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import countdown  # noqa: E402


def grade(problems, completions) -> list[bool]:
    return [countdown.check_completion(p["numbers"], p["target"], c)[0] for p, c in zip(problems, completions)]


def summarize(problems, greedy_ok, sample_ok) -> dict:
    """sample_ok[i] = list of per-sample correctness for problem i."""
    n = len(problems)
    k = len(sample_ok[0]) if sample_ok else 0
    by_size = {}
    for size in (3, 4):
        idx = [i for i, p in enumerate(problems) if len(p["numbers"]) == size]
        if idx:
            by_size[str(size)] = {
                "problems": len(idx),
                "greedy": round(100 * sum(greedy_ok[i] for i in idx) / len(idx), 1),
                f"pass@{k}": round(100 * sum(any(sample_ok[i]) for i in idx) / len(idx), 1) if k else None,
            }
    return {
        "problems": n,
        "greedy": round(100 * sum(greedy_ok) / n, 1),
        "sample_t1": round(100 * sum(sum(s) for s in sample_ok) / (n * k), 1) if k else None,
        f"pass@{k}": round(100 * sum(any(s) for s in sample_ok) / n, 1) if k else None,
        "by_size": by_size,
    }


def torch_eval(args, problems):
    import torch
    from policy_model import generate, load
    torch.set_num_threads(args.threads)
    model = load(args.checkpoint)
    prompts = [p["prompt"] for p in problems]
    t0 = time.time()
    greedy = generate(model, prompts, temperature=0.0)
    t_greedy = time.time() - t0
    gen = torch.Generator().manual_seed(args.seed)
    samples = [[] for _ in problems]
    t0 = time.time()
    for _ in range(args.samples):
        for i, text in enumerate(generate(model, prompts, temperature=1.0, generator=gen)):
            samples[i].append(text)
    t_samples = time.time() - t0
    result = summarize(problems, grade(problems, greedy), [grade([p] * len(s), s) for p, s in zip(problems, samples)])
    result["seconds"] = {"greedy": round(t_greedy, 1), "samples": round(t_samples, 1)}
    return result, greedy


class Server:
    """llama-cpp-python's OpenAI-compatible server on a free loopback port."""

    def __init__(self, model: str, threads: int):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "llama_cpp.server", "--model", model, "--host", "127.0.0.1",
             "--port", str(self.port), "--n_ctx", "256", "--n_threads", str(threads)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/v1/models", timeout=1).read()
                return
            except OSError:
                time.sleep(0.3)
        self.close()
        raise RuntimeError("llama_cpp.server did not start within 60 s")

    def complete(self, prompt: str, temperature: float, seed: int, max_tokens: int = 120) -> str:
        # Neutral sampling: the server's defaults (top_k 40, top_p 0.95, min_p 0.05,
        # repeat_penalty 1.1) would change even greedy output.
        body = {"prompt": prompt, "max_tokens": max_tokens, "temperature": temperature, "seed": seed,
                "top_k": 0, "top_p": 1.0, "min_p": 0.0, "repeat_penalty": 1.0}
        req = urllib.request.Request(f"http://127.0.0.1:{self.port}/v1/completions", json.dumps(body).encode(),
                                     {"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=60) as r:
            return json.loads(r.read())["choices"][0]["text"]

    def close(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def server_eval(args, problems):
    server = Server(args.model, args.threads)
    try:
        t0 = time.time()
        greedy = [server.complete(p["prompt"], 0.0, 0) for p in problems]
        t_greedy = time.time() - t0
        samples = [[] for _ in problems]
        t0 = time.time()
        for j in range(args.samples):
            for i, p in enumerate(problems):
                samples[i].append(server.complete(p["prompt"], 1.0, args.seed * 1000 + j))
        t_samples = time.time() - t0
    finally:
        server.close()
    result = summarize(problems, grade(problems, greedy), [grade([p] * len(s), s) for p, s in zip(problems, samples)])
    result["seconds"] = {"greedy": round(t_greedy, 1), "samples": round(t_samples, 1)}
    if args.compare:
        import torch
        from policy_model import generate, load
        torch.set_num_threads(args.threads)
        reference = generate(load(args.compare), [p["prompt"] for p in problems], temperature=0.0)
        result["greedy_equal_to_torch"] = sum(a == b for a, b in zip(greedy, reference))
    return result, greedy


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="backend", required=True)
    t = sub.add_parser("torch")
    t.add_argument("checkpoint")
    s = sub.add_parser("server")
    s.add_argument("model")
    s.add_argument("--compare", metavar="CHECKPOINT", help="count greedy completions equal to PyTorch's")
    for p in (t, s):
        p.add_argument("--problems", default=os.path.join(HERE, "problems-test.jsonl"))
        p.add_argument("--limit", type=int, default=0, help="use only the first N problems")
        p.add_argument("--samples", type=int, default=16)
        p.add_argument("--seed", type=int, default=0)
        p.add_argument("--threads", type=int, default=2)
        p.add_argument("--json", help="where to write the figures")
    args = parser.parse_args()
    problems = countdown.load_problems(args.problems)
    if args.limit:
        problems = problems[:args.limit]
    result, _ = torch_eval(args, problems) if args.backend == "torch" else server_eval(args, problems)
    result["backend"] = args.backend
    print(json.dumps(result, indent=1))
    path = args.json or os.path.splitext(args.checkpoint if args.backend == "torch" else args.model)[0] + f"-eval-{args.backend}.json"
    with open(path, "w") as f:
        json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
