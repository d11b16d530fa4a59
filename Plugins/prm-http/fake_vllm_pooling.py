#!/usr/bin/env python3
"""A stand-in for vLLM's /pooling endpoint with a STEP pooler, for `steptree plugins check` and
manual runs of verifier-prm-http without a GPU. Standard library only; listens on 127.0.0.1.

    fake_vllm_pooling.py PORT [--tag TAG] [--positive-column 0|1]

It answers in vLLM's PoolingResponse shape with one [p0, p1] row per occurrence of TAG in the
input (none when TAG is absent, as the real pooler does). Its "judgment" is a toy: a step whose
text contains "146" (the self-test's wrong step) gets p_correct 0.1, every other step 0.9.
"""
import argparse
import json
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("port", type=int)
    ap.add_argument("--tag", default="<extra_0>")
    ap.add_argument("--positive-column", type=int, default=1, choices=[0, 1])
    args = ap.parse_args()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            segments = body["input"].split(args.tag)[:-1]
            rows = []
            for segment in segments:
                p = 0.1 if "146" in segment else 0.9
                rows.append([p, 1 - p] if args.positive_column == 0 else [1 - p, p])
            reply = json.dumps({"id": "pool-fake", "object": "list", "created": 0, "model": body.get("model"),
                                "data": [{"index": 0, "object": "pooling", "data": rows}],
                                "usage": {"prompt_tokens": 0, "total_tokens": 0}}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *_):
            pass

    ThreadingHTTPServer(("127.0.0.1", args.port), Handler).serve_forever()


if __name__ == "__main__":
    main()
