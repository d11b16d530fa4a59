/// Python helpers of `steptree bench runtime`, written to a temporary folder when it runs: the
/// random Llama-shaped model (written with the `gguf` package, so llama.cpp reads it as it reads
/// any converted model) and the llama-cpp-python side of the comparison.
enum BenchRuntimeScripts {
    /// `python3 make_random_llama.py OUT.gguf f16|q8_0`: a ~135M-parameter Llama (SmolLM-135M's
    /// shape: dim 576, 30 layers, 9 heads, 3 KV heads, ffn 1536, vocab 49152) with random weights.
    static let makeRandomLlama = #"""
import sys
import numpy as np
import gguf

out, kind = sys.argv[1], sys.argv[2]
dim, layers, heads, kv_heads, ffn, vocab, ctx = 576, 30, 9, 3, 1536, 49152, 2048
rng = np.random.default_rng(0)
w = gguf.GGUFWriter(out, "llama")
w.add_name("random-llama-135m")
w.add_file_type(gguf.LlamaFileType.MOSTLY_F16 if kind == "f16" else gguf.LlamaFileType.MOSTLY_Q8_0)
w.add_context_length(ctx)
w.add_embedding_length(dim)
w.add_block_count(layers)
w.add_feed_forward_length(ffn)
w.add_head_count(heads)
w.add_head_count_kv(kv_heads)
w.add_rope_dimension_count(dim // heads)
w.add_rope_freq_base(10000.0)
w.add_layer_norm_rms_eps(1e-5)
w.add_vocab_size(vocab)

printable = list(range(33, 127)) + list(range(161, 173)) + list(range(174, 256))
table, extra = {}, 0
for b in range(256):
    if b in printable:
        table[b] = chr(b)
    else:
        table[b] = chr(256 + extra)
        extra += 1
tokens = [table[b] for b in range(256)] + ["<s>", "</s>"]
tokens += [f"<filler_{i}>" for i in range(vocab - len(tokens))]
types = [gguf.TokenType.NORMAL] * 256 + [gguf.TokenType.CONTROL] * 2 + [gguf.TokenType.USER_DEFINED] * (vocab - 258)
w.add_tokenizer_model("gpt2")
w.add_tokenizer_pre("default")
w.add_token_list(tokens)
w.add_token_types(types)
w.add_token_merges([f"{table[0]} {table[0]}"])
w.add_bos_token_id(256)
w.add_eos_token_id(257)
w.add_add_bos_token(True)

def tensor(name, shape, norm=False):
    if norm:
        w.add_tensor(name, np.ones(shape, dtype=np.float32))
        return
    a = (rng.standard_normal(shape, dtype=np.float32) * 0.02).astype(np.float32)
    if kind == "f16":
        w.add_tensor(name, a.astype(np.float16))
    else:
        q = gguf.quants.quantize(a, gguf.GGMLQuantizationType.Q8_0)
        w.add_tensor(name, q, raw_shape=q.shape, raw_dtype=gguf.GGMLQuantizationType.Q8_0)

tensor("token_embd.weight", (vocab, dim))
for i in range(layers):
    p = f"blk.{i}."
    tensor(p + "attn_norm.weight", (dim,), True)
    tensor(p + "attn_q.weight", (dim, dim))
    tensor(p + "attn_k.weight", (kv_heads * dim // heads, dim))
    tensor(p + "attn_v.weight", (kv_heads * dim // heads, dim))
    tensor(p + "attn_output.weight", (dim, dim))
    tensor(p + "ffn_norm.weight", (dim,), True)
    tensor(p + "ffn_gate.weight", (ffn, dim))
    tensor(p + "ffn_up.weight", (ffn, dim))
    tensor(p + "ffn_down.weight", (dim, ffn))
tensor("output_norm.weight", (dim,), True)
w.write_header_to_file()
w.write_kv_data_to_file()
w.write_tensors_to_file()
w.close()
"""#

    /// `python3 llama_cpp_side.py JSON`: the same workloads on llama-cpp-python; prints one JSON
    /// object. Requests of the tree workload run one by one; llama.cpp reuses the longest common
    /// prefix with the previous request (its single-slot prompt cache, as the server's
    /// `cache_prompt`).
    static let llamaCppSide = #"""
import json, resource, sys, time
from llama_cpp import Llama

cfg = json.loads(sys.argv[1])
llm = Llama(model_path=cfg["model"], n_ctx=cfg["n_ctx"], n_threads=cfg["threads"],
            n_threads_batch=cfg["threads"], n_batch=512, verbose=False)
evaluated = 0
plain_eval = llm.eval
def counting_eval(tokens):
    global evaluated
    evaluated += len(tokens)
    return plain_eval(tokens)
llm.eval = counting_eval

def toks(text):
    return llm.tokenize(text.encode(), add_bos=True, special=False)

result = {}
p = toks(cfg["prefill_text"])
llm.reset()
t = time.perf_counter()
llm.eval(p)
result["prefill_tps"] = len(p) / (time.perf_counter() - t)
result["prefill_tokens"] = len(p)

d = toks(cfg["decode_text"])
llm.reset()
llm.eval(d)
t = time.perf_counter()
for _ in range(cfg["decode_tokens"]):
    tok = llm.sample(top_k=1, top_p=1.0, min_p=0.0, temp=0.0, repeat_penalty=1.0)
    llm.eval([tok])
result["decode_tps"] = cfg["decode_tokens"] / (time.perf_counter() - t)

llm.reset()
evaluated = 0
step = cfg["step_tokens"]
def complete(prefix, seed):
    try:
        llm.set_seed(seed)
    except AttributeError:
        pass
    out = []
    for tok in llm.generate(prefix, top_k=0, top_p=1.0, min_p=0.0, temp=1.0, repeat_penalty=1.0, reset=True):
        out.append(tok)
        if len(out) == step:
            break
    return out

prompt = toks(cfg["tree_text"])
t = time.perf_counter()
unique = len(prompt)
for i in range(cfg["children"]):
    child = complete(prompt, 1000 + i)
    unique += len(child)
    for j in range(cfg["children"]):
        leaf = complete(prompt + child, 2000 + 100 * i + j)
        unique += len(leaf)
result["tree_seconds"] = time.perf_counter() - t
result["tree_forward_tokens"] = evaluated
result["tree_unique_tokens"] = unique
result["peak_rss_bytes"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps(result))
"""#
}
