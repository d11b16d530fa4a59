#!/usr/bin/env python3
"""Judge Examples/code/samples.jsonl with verifier-code and print one line per sample.

Usage: python3 Examples/code/judge_samples.py [PATH/TO/verifier-code] [extra plugin args...]

Standard library only. It speaks Plugins/PROTOCOL.md directly: initialize, one verify request per
sample (the plugin's maxBatch is 1; its workers judge them in parallel), shutdown.
"""
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    exe = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "..", "..", ".build", "debug", "verifier-code")
    problems = {}
    for name in ("humaneval.jsonl", "mbpp.jsonl"):
        with open(os.path.join(HERE, name)) as f:
            for line in f:
                p = json.loads(line)
                problems[(name, str(p["task_id"]))] = p
    with open(os.path.join(HERE, "samples.jsonl")) as f:
        samples = [json.loads(line) for line in f if line.strip()]

    plugin = subprocess.Popen([exe] + sys.argv[2:], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

    def send(message):
        plugin.stdin.write(json.dumps(message) + "\n")
        plugin.stdin.flush()

    send({"jsonrpc": "2.0", "id": 0, "method": "initialize",
          "params": {"protocolVersion": 1, "clientInfo": {"name": "judge_samples", "version": "1"}}})
    hello = json.loads(plugin.stdout.readline())["result"]
    print("%s %s" % (hello["serverInfo"]["name"], hello["serverInfo"]["version"]))
    for i, s in enumerate(samples, start=1):
        p = problems[(s["file"], str(s["task_id"]))]
        send({"jsonrpc": "2.0", "id": i, "method": "verify", "params": {"kind": "outcome", "items": [{
            "id": str(i), "problem": {"id": str(p["task_id"]), "prompt": p.get("prompt", p.get("text", "")), "fields": p},
            "steps": [s["completion"]], "finished": True}]}})
    results = {}
    for _ in samples:
        response = json.loads(plugin.stdout.readline())
        results[response["id"]] = response["result"]["results"][0]
    send({"jsonrpc": "2.0", "id": len(samples) + 1, "method": "shutdown"})
    plugin.stdout.readline()
    plugin.stdin.close()
    plugin.wait()
    for i, s in enumerate(samples, start=1):
        r = results[i]
        print("%-15s %-7s %-6s score %.2f  %s" % (s["task_id"], "correct" if s["correct"] else "wrong",
                                                  r["status"], r["score"], r.get("detail", "")))


if __name__ == "__main__":
    main()
