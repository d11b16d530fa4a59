"""Write StepTree verifier plugins in Python: one file, standard library only.

Implements the plugin side of Plugins/PROTOCOL.md (JSON-RPC 2.0, one message per line on
stdin/stdout, logs on stderr): the `initialize` handshake, `verify` batches, `$/cancel`,
`shutdown`, and error responses for malformed lines. You write one function that judges one item:

    import steptree_plugin as sp

    def verify(item: sp.Item, kind: str) -> sp.Result:
        return sp.Result(score=1.0 if item.completion.strip().endswith(item.reference or "") else 0.0)

    if __name__ == "__main__":
        raise SystemExit(sp.run("verifier-suffix", "1.0", verify, needs_reference=True))

Requests are handled one at a time, in order (so `max_concurrent_requests` is 1 and a
`$/cancel` can only arrive once its request is answered). A wrong answer is a result
(`status="ok", score=0`); raise an exception for failures and the item gets `status="error"`.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from typing import Any, BinaryIO, Callable, Optional, Sequence

PROTOCOL_VERSION = 1
SUPPORTED_VERSIONS = (1,)
MAX_LINE_BYTES = 64 << 20

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
NOT_INITIALIZED = -32002
LINE_TOO_LONG = -32003

STATUSES = ("ok", "unparseable", "timeout", "error")


@dataclass
class Item:
    """One path to judge (a `verify` item)."""
    id: str
    problem_id: str
    prompt: str
    fields: dict
    reference: Optional[str]
    steps: list
    finished: bool

    @property
    def completion(self) -> str:
        """All steps joined: the text the model wrote after the prompt."""
        return "".join(self.steps)


@dataclass
class Result:
    """The verdict on one item. `score` is in [0, 1]; `status` is one of STATUSES."""
    score: float = 0.0
    status: str = "ok"
    step_scores: Optional[Sequence[float]] = None
    answer: Optional[str] = None
    detail: Optional[str] = None

    def to_json(self, item_id: str) -> dict:
        out: dict[str, Any] = {"id": item_id, "status": self.status if self.status in STATUSES else "error",
                               "score": min(1.0, max(0.0, float(self.score)))}
        if self.step_scores is not None:
            out["stepScores"] = [float(s) for s in self.step_scores]
        if self.answer is not None:
            out["answer"] = self.answer
        if self.detail is not None:
            out["detail"] = self.detail
        return out


class ProtocolError(Exception):
    """A JSON-RPC error to send back."""

    def __init__(self, code: int, message: str, data: Any = None):
        super().__init__(message)
        self.code, self.message, self.data = code, message, data

    def to_json(self) -> dict:
        out = {"code": self.code, "message": self.message}
        if self.data is not None:
            out["data"] = self.data
        return out


def log(message: str) -> None:
    """Writes a log line to stderr (stdout is the protocol's)."""
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def _item(raw: Any, index: int) -> Item:
    at = f"params.items[{index}]"
    if not isinstance(raw, dict):
        raise ProtocolError(INVALID_PARAMS, f"{at} must be an object")
    problem = raw.get("problem")
    if not isinstance(raw.get("id"), str) or not isinstance(problem, dict) or not isinstance(problem.get("id"), str):
        raise ProtocolError(INVALID_PARAMS, f"{at} needs a string \"id\" and a \"problem\" with a string \"id\"")
    steps = raw.get("steps")
    if not isinstance(steps, list) or not all(isinstance(s, str) for s in steps):
        raise ProtocolError(INVALID_PARAMS, f"field \"{at}.steps\" must be an array of strings")
    reference = raw.get("reference")
    return Item(id=raw["id"], problem_id=problem["id"], prompt=problem.get("prompt") or "",
                fields=problem.get("fields") if isinstance(problem.get("fields"), dict) else {},
                reference=reference if isinstance(reference, str) else None, steps=steps,
                finished=raw.get("finished", True) is not False)


class _Session:
    def __init__(self, info: dict, capabilities: dict, verify: Callable[[Item, str], Result], out: BinaryIO):
        self.info, self.capabilities, self.verify, self.out = info, capabilities, verify, out
        self.initialized = self.shutting_down = False

    def send(self, message: dict) -> None:
        message["jsonrpc"] = "2.0"
        self.out.write(json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode("utf-8") + b"\n")
        self.out.flush()

    def error(self, id_: Any, error: ProtocolError) -> None:
        self.send({"id": id_, "error": error.to_json()})

    def line(self, raw: bytes) -> None:
        if not raw.strip():
            return
        try:
            message = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as e:
            self.error(None, ProtocolError(PARSE_ERROR, f"invalid JSON or UTF-8: {e}"))
            return
        if not isinstance(message, dict) or message.get("jsonrpc") != "2.0":
            self.error(message.get("id") if isinstance(message, dict) else None,
                       ProtocolError(INVALID_REQUEST, "not a JSON-RPC 2.0 message"))
            return
        method, id_ = message.get("method"), message.get("id")
        if not isinstance(method, str):
            return  # a response or junk: the host sends no responses to plugins
        params = message.get("params") if isinstance(message.get("params"), dict) else {}
        if "id" not in message:
            return  # notifications ($/cancel included: requests are answered one at a time)
        try:
            self.send({"id": id_, "result": self.request(method, params, id_)})
        except ProtocolError as e:
            self.error(id_, e)
        except Exception as e:  # a bug in the plugin, not a verdict
            self.error(id_, ProtocolError(INTERNAL_ERROR, f"{type(e).__name__}: {e}"))

    def request(self, method: str, params: dict, id_: Any) -> Any:
        if method == "initialize":
            version = params.get("protocolVersion")
            if version not in SUPPORTED_VERSIONS:
                raise ProtocolError(INVALID_PARAMS, f"unsupported protocol version {version!r}",
                                    {"supported": list(SUPPORTED_VERSIONS), "requested": version})
            self.initialized = True
            return {"protocolVersion": version, "serverInfo": self.info, "capabilities": self.capabilities}
        if not self.initialized:
            raise ProtocolError(NOT_INITIALIZED, f"request {id_} ({method}) before initialize")
        if self.shutting_down:
            raise ProtocolError(INVALID_REQUEST, f"request {id_} ({method}) after shutdown")
        if method == "shutdown":
            self.shutting_down = True
            return None
        if method != "verify":
            raise ProtocolError(METHOD_NOT_FOUND, f"unknown method {method!r} (request {id_})")
        kind = params.get("kind")
        if kind not in self.capabilities["kinds"]:
            raise ProtocolError(INVALID_PARAMS, f"kind {kind!r} is not offered by {self.info['name']}")
        items = params.get("items")
        if not isinstance(items, list):
            raise ProtocolError(INVALID_PARAMS, "field \"params.items\" must be an array")
        parsed = [_item(raw, i) for i, raw in enumerate(items)]
        results = []
        for item in parsed:
            try:
                result = self.verify(item, kind)
            except Exception as e:
                result = Result(status="error", detail=f"{type(e).__name__}: {e}")
            results.append(result.to_json(item.id))
        return {"results": results}


def run(name: str, version: str, verify: Callable[[Item, str], Result], *, kinds: Sequence[str] = ("outcome",),
        max_batch: int = 64, needs_reference: bool = False, step_tag: Optional[str] = None,
        deterministic: bool = True, stdin: Optional[BinaryIO] = None, stdout: Optional[BinaryIO] = None) -> int:
    """Serves the protocol until stdin closes; returns the exit status (0).

    `verify(item, kind)` judges one item of a request of `kind` ("outcome" or "step").
    """
    capabilities = {"kinds": list(kinds), "maxBatch": max_batch, "maxConcurrentRequests": 1,
                    "needsReference": needs_reference, "deterministic": deterministic}
    if step_tag is not None:
        capabilities["stepTag"] = step_tag
    source = stdin if stdin is not None else sys.stdin.buffer
    session = _Session({"name": name, "version": version}, capabilities, verify,
                       stdout if stdout is not None else sys.stdout.buffer)
    while True:
        raw = source.readline(MAX_LINE_BYTES + 1)
        if not raw:
            return 0
        if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
            while raw and not raw.endswith(b"\n"):  # skip the rest of the oversize line
                raw = source.readline(MAX_LINE_BYTES)
            session.error(None, ProtocolError(LINE_TOO_LONG, f"line exceeds the limit of {MAX_LINE_BYTES} bytes"))
            continue
        session.line(raw)
