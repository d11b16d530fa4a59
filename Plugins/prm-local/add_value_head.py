#!/usr/bin/env python3
"""Copies a GGUF language model and adds a value head in verifier-prm-local's convention.

    add_value_head.py SRC DST [--rows 1|2] [--seed N] [--from-tokens PLUS MINUS] [--step-tag TAG]

The head is `prm_head.weight` (GGUF dims [dim, rows], F32) plus `prm_head.bias` ([rows]).
--from-tokens builds a one-row head equal to output[PLUS] - output[MINUS] (token ids), bias 0, so
its sigmoid equals the Math-Shepherd score of the same model: a cross-check for tests.
Otherwise the head is random (seeded): a tiny PRM for tests and benchmarks.
"""
import argparse

import gguf
import numpy as np


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("--rows", type=int, default=1, choices=[1, 2])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--from-tokens", type=int, nargs=2, metavar=("PLUS", "MINUS"))
    ap.add_argument("--step-tag")
    args = ap.parse_args()

    reader = gguf.GGUFReader(args.src)
    arch = bytes(reader.fields["general.architecture"].parts[-1]).decode()
    writer = gguf.GGUFWriter(args.dst, arch)
    for name, field in reader.fields.items():
        if name.startswith("GGUF.") or name == "general.architecture":
            continue
        vtype = field.types[0]
        if vtype == gguf.GGUFValueType.ARRAY:
            sub = field.types[1]
            if sub == gguf.GGUFValueType.STRING:
                value = [bytes(field.parts[i]).decode() for i in field.data]
            else:
                value = [field.parts[i][0].item() for i in field.data]
            writer.add_array(name, value) if sub == gguf.GGUFValueType.STRING else writer.add_key_value(
                name, value, vtype, sub_type=sub)
        elif vtype == gguf.GGUFValueType.STRING:
            writer.add_key_value(name, bytes(field.parts[-1]).decode(), vtype)
        else:
            writer.add_key_value(name, field.parts[-1][0].item(), vtype)
    if args.step_tag is not None:
        writer.add_string("steptree.prm.step_tag", args.step_tag)

    output = None
    for t in reader.tensors:
        data = np.array(t.data)
        writer.add_tensor(t.name, data, raw_shape=data.shape, raw_dtype=t.tensor_type)
        if t.name == "output.weight" or (t.name == "token_embd.weight" and output is None):
            output = data
    dim = output.shape[1]
    if args.from_tokens:
        plus, minus = args.from_tokens
        head = (output[plus].astype(np.float32) - output[minus].astype(np.float32)).reshape(1, dim)
        bias = np.zeros(1, dtype=np.float32)
    else:
        rng = np.random.default_rng(args.seed)
        head = (rng.standard_normal((args.rows, dim)) / np.sqrt(dim)).astype(np.float32)
        bias = (rng.standard_normal(args.rows) * 0.1).astype(np.float32)
    writer.add_tensor("prm_head.weight", head)
    writer.add_tensor("prm_head.bias", bias)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


if __name__ == "__main__":
    main()
