#!/usr/bin/env python3
"""Writes a trained policy (or PRM) checkpoint as a `llama` GGUF that llama.cpp and StepTree load.

    python3 export_gguf.py runs/policy.pt policy.gguf [--f16]
    python3 export_gguf.py runs/prm.pt prm.gguf          # train_prm.py's checkpoint

A PRM checkpoint also carries a value head: it is written in verifier-prm-local's convention
(`prm_head.weight` [dim, 1], `prm_head.bias` [1], metadata `steptree.prm.step_tag`), next to the
usual tensors, so the file stays a loadable language model.

Tokenizer: `gpt2` (byte-level) with one token per byte, spelled as GPT-2's bytes_to_unicode
string for that byte, then `<s>` (BOS, 256) and `</s>` (EOS, 257). llama.cpp needs a merges list
for `gpt2` and gguf-py drops an empty one, so a single merge of two NUL bytes (which never occur
in the text) stands in. `add_bos_token` is true, so llama.cpp prepends BOS as in training.
"""

from __future__ import annotations

import argparse
import os
import sys

import gguf
import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from policy_model import BOS, EOS, load  # noqa: E402


def bytes_to_unicode() -> dict[int, str]:
    """GPT-2's reversible byte -> printable character table (the `gpt2` tokenizer's alphabet)."""
    printable = (list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1))
                 + list(range(ord("®"), ord("ÿ") + 1)))
    codes = printable[:]
    extra = 0
    for b in range(256):
        if b not in printable:
            printable.append(b)
            codes.append(256 + extra)
            extra += 1
    return {b: chr(c) for b, c in zip(printable, codes)}


def export(checkpoint: str, out: str, f16: bool) -> None:
    model = load(checkpoint)
    state = torch.load(checkpoint, map_location="cpu", weights_only=False)
    head = state.get("prm_head")
    cfg = model.cfg
    w = gguf.GGUFWriter(out, "llama")
    w.add_name("steptree-countdown-prm" if head else "steptree-countdown-policy")
    w.add_file_type(gguf.LlamaFileType.MOSTLY_F16 if f16 else gguf.LlamaFileType.ALL_F32)
    w.add_context_length(cfg.context)
    w.add_embedding_length(cfg.dim)
    w.add_block_count(cfg.layers)
    w.add_feed_forward_length(cfg.ffn)
    w.add_head_count(cfg.heads)
    w.add_head_count_kv(cfg.kv_heads)
    w.add_rope_dimension_count(cfg.head_dim)
    w.add_rope_freq_base(cfg.rope_base)
    w.add_layer_norm_rms_eps(cfg.norm_eps)
    w.add_vocab_size(cfg.vocab)

    table = bytes_to_unicode()
    w.add_tokenizer_model("gpt2")
    w.add_tokenizer_pre("default")
    w.add_token_list([table[b] for b in range(256)] + ["<s>", "</s>"])
    w.add_token_types([gguf.TokenType.NORMAL] * 256 + [gguf.TokenType.CONTROL] * 2)
    w.add_token_merges([f"{table[0]} {table[0]}"])
    w.add_bos_token_id(BOS)
    w.add_eos_token_id(EOS)
    w.add_add_bos_token(True)
    w.add_add_eos_token(False)

    def tensor(name: str, t, matrix: bool = True):
        a = t.detach().float().numpy()
        w.add_tensor(name, a.astype(np.float16) if (f16 and matrix and a.ndim == 2) else a.astype(np.float32))

    tensor("token_embd.weight", model.tok_embeddings.weight)
    for i, layer in enumerate(model.layers):
        p = f"blk.{i}."
        tensor(p + "attn_norm.weight", layer.attention_norm.weight, False)
        tensor(p + "attn_q.weight", layer.attention.wq.weight)
        tensor(p + "attn_k.weight", layer.attention.wk.weight)
        tensor(p + "attn_v.weight", layer.attention.wv.weight)
        tensor(p + "attn_output.weight", layer.attention.wo.weight)
        tensor(p + "ffn_norm.weight", layer.ffn_norm.weight, False)
        tensor(p + "ffn_gate.weight", layer.feed_forward.w1.weight)
        tensor(p + "ffn_up.weight", layer.feed_forward.w3.weight)
        tensor(p + "ffn_down.weight", layer.feed_forward.w2.weight)
    tensor("output_norm.weight", model.norm.weight, False)
    tensor("output.weight", model.output.weight)
    if head:
        w.add_string("steptree.prm.step_tag", state["step_tag"])
        tensor("prm_head.weight", head["weight"], False)
        tensor("prm_head.bias", head["bias"], False)

    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    print(f"wrote {out} ({os.path.getsize(out):,} bytes, {'f16' if f16 else 'f32'})")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("checkpoint")
    parser.add_argument("out")
    parser.add_argument("--f16", action="store_true", help="store 2-D weights as float16")
    args = parser.parse_args()
    export(args.checkpoint, args.out, args.f16)


if __name__ == "__main__":
    main()
