"""verifier-countdown as a real process: outcome and step verdicts on Countdown traces."""
import json
import os
import subprocess

PLUGIN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "verifier-countdown")
INIT = {"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {"protocolVersion": 1, "clientInfo": {"name": "t", "version": "0"}}}


def item(i, steps, numbers=(3, 3, 12), target=3, fields=True, finished=True):
    problem = {"id": "p", "prompt": f"nums: {' '.join(map(str, numbers))} target: {target}\n",
               "fields": {"numbers": list(numbers), "target": target} if fields else {}}
    return {"id": i, "problem": problem, "steps": steps, "finished": finished}


def run(kind, items, *args):
    messages = [INIT, {"jsonrpc": "2.0", "id": 1, "method": "verify", "params": {"kind": kind, "items": items}},
                {"jsonrpc": "2.0", "id": 2, "method": "shutdown"}]
    done = subprocess.run([PLUGIN, *args], input="".join(json.dumps(m) + "\n" for m in messages),
                          capture_output=True, text=True, timeout=30, check=True)
    replies = [json.loads(l) for l in done.stdout.splitlines()]
    assert replies[0]["result"]["serverInfo"]["name"] == "verifier-countdown"
    assert replies[2]["result"] is None
    return {r["id"]: r for r in replies[1]["result"]["results"]}


def test_outcome():
    r = run("outcome", [
        item("right", ["step: 3 * 3 = 9 | 12 9\n", "step: 12 - 9 = 3 | 3\n", "answer: 3\n"]),
        item("from-prompt", ["step: 3 * 3 = 9 | 12 9\n", "step: 12 - 9 = 3 | 3\n", "answer: 3\n"], fields=False),
        item("bad-arith", ["step: 3 * 3 = 10 | 12 10\n", "step: 12 - 10 = 2 | 2\n", "answer: 2\n"]),
        item("not-target", ["step: 3 + 3 = 6 | 12 6\n", "step: 12 - 6 = 6 | 6\n", "answer: 6\n"]),
        item("no-answer", ["step: 3 * 3 = 9 | 12 9\n"]),
        item("garbled", ["step: three times three\n", "answer: 3\n"]),
        item("no-problem", ["answer: 3\n"], fields=False, numbers=()),
    ])
    assert (r["right"]["status"], r["right"]["score"], r["right"]["answer"]) == ("ok", 1.0, "3")
    assert r["from-prompt"]["score"] == 1.0
    assert (r["bad-arith"]["status"], r["bad-arith"]["score"]) == ("ok", 0.0)
    assert "wrong arithmetic" in r["bad-arith"]["detail"]
    assert (r["not-target"]["status"], r["not-target"]["score"]) == ("ok", 0.0)
    assert r["no-answer"]["status"] == "unparseable"
    assert r["garbled"]["status"] == "unparseable"
    assert r["no-problem"]["status"] == "unparseable"


def test_steps():
    r = run("step", [
        item("valid", ["step: 3 * 3 = 9 | 12 9\n", "step: 12 - 9 = 3 | 3\n"], finished=False),
        item("reuses", ["step: 3 * 3 = 9 | 12 9\n", "step: 3 + 9 = 12 | 12 12\n", "step: 12 - 12 = 0 | 0\n"], finished=False),
        item("dead-end", ["step: 3 + 3 = 6 | 12 6\n"], finished=False),
    ])
    assert r["valid"]["stepScores"] == [1.0, 1.0] and r["valid"]["score"] == 1.0
    assert r["reuses"]["stepScores"] == [1.0, 0.0, 0.0] and r["reuses"]["score"] == 0.0
    assert "not both available" in r["reuses"]["detail"]
    assert r["dead-end"]["stepScores"] == [1.0]  # legal, though the target is now unreachable
    oracle = run("step", [item("dead-end", ["step: 3 + 3 = 6 | 12 6\n"], finished=False),
                          item("alive", ["step: 3 * 3 = 9 | 12 9\n"], finished=False)], "--reachable")
    assert oracle["dead-end"]["stepScores"] == [0.0] and "unreachable" in oracle["dead-end"]["detail"]
    assert oracle["alive"]["stepScores"] == [1.0]


def capabilities(*args):
    done = subprocess.run([PLUGIN, *args], input=json.dumps(INIT) + "\n", capture_output=True, text=True,
                          timeout=30, check=True)
    return json.loads(done.stdout.splitlines()[0])["result"]["capabilities"]


def test_outcome_only_declares_no_step_kind():
    assert sorted(capabilities()["kinds"]) == ["outcome", "step"]
    assert capabilities("--outcome-only")["kinds"] == ["outcome"]
    assert run("outcome", [item("right", ["step: 3 * 3 = 9 | 12 9\n", "step: 12 - 9 = 3 | 3\n", "answer: 3\n"])],
               "--outcome-only")["right"]["score"] == 1.0
