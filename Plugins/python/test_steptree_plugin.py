"""Tests of the Python plugin helper, in process (byte streams in and out)."""
import io
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import steptree_plugin as sp  # noqa: E402

INIT = {"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {"protocolVersion": 1, "clientInfo": {"name": "t", "version": "0"}}}


def item(i, steps, reference="4"):
    return {"id": i, "problem": {"id": "p", "prompt": "2+2?\n", "fields": {}}, "reference": reference, "steps": steps, "finished": True}


def exchange(lines, verify=None, **kwargs):
    def default(it, kind):
        if it.steps == ["boom"]:
            raise RuntimeError("boom")
        return sp.Result(score=1.0 if it.completion.strip() == it.reference else 0.0, answer=it.completion.strip())
    data = b"".join((l if isinstance(l, bytes) else json.dumps(l).encode()) + b"\n" for l in lines)
    out = io.BytesIO()
    assert sp.run("verifier-test", "1", verify or default, stdin=io.BytesIO(data), stdout=out, **kwargs) == 0
    return [json.loads(l) for l in out.getvalue().splitlines()]


def test_handshake_verify_shutdown():
    replies = exchange([INIT, {"jsonrpc": "2.0", "id": 1, "method": "verify", "params": {"kind": "outcome", "items": [
        item("a", ["4"]), item("b", ["5"]), item("c", ["boom"])]}}, {"jsonrpc": "2.0", "id": 2, "method": "shutdown"}],
        max_batch=8)
    assert replies[0]["result"]["capabilities"]["maxBatch"] == 8
    assert replies[0]["result"]["serverInfo"] == {"name": "verifier-test", "version": "1"}
    results = replies[1]["result"]["results"]
    assert [(r["id"], r["status"], r["score"]) for r in results] == [("a", "ok", 1.0), ("b", "ok", 0.0), ("c", "error", 0.0)]
    assert results[2]["detail"] == "RuntimeError: boom"
    assert replies[2] == {"jsonrpc": "2.0", "id": 2, "result": None}


def test_errors_for_bad_lines_and_calls():
    replies = exchange([
        {"jsonrpc": "2.0", "id": 1, "method": "verify", "params": {}},
        b'{"jsonrpc": "2.0", "id": 2, "method": ',
        b'{"jsonrpc": "2.0", "id": 3, "method": "x", "params": "\xff"}',
        {**INIT, "params": {"protocolVersion": 7, "clientInfo": {"name": "t", "version": "0"}}},
        INIT,
        {"jsonrpc": "2.0", "id": 4, "method": "frobnicate"},
        {"jsonrpc": "2.0", "id": 5, "method": "verify", "params": {"kind": "step", "items": []}},
        {"jsonrpc": "2.0", "id": 6, "method": "verify", "params": {"kind": "outcome", "items": [{"id": "a"}]}},
        {"jsonrpc": "2.0", "method": "$/cancel", "params": {"id": 1}},
    ])
    codes = [(r["id"], r.get("error", {}).get("code")) for r in replies]
    assert codes == [(1, -32002), (None, -32700), (None, -32700), (0, -32602), (0, None), (4, -32601), (5, -32602), (6, -32602)]
    assert replies[3]["error"]["data"] == {"supported": [1], "requested": 7}


def test_scores_are_clamped_and_step_scores_sent():
    replies = exchange([INIT, {"jsonrpc": "2.0", "id": 1, "method": "verify", "params": {"kind": "step", "items": [item("a", ["x", "y"])]}}],
                       verify=lambda it, kind: sp.Result(score=3.0, step_scores=[1, 0.5]), kinds=("step",))
    assert replies[1]["result"]["results"] == [{"id": "a", "status": "ok", "score": 1.0, "stepScores": [1.0, 0.5]}]
