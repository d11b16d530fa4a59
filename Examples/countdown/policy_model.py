"""The tiny Llama-architecture policy for Countdown, and a batched KV-cache sampler.

Architecture (the `llama` GGUF architecture, so llama.cpp and StepTree's runtime can load it):
token embedding; blocks of [RMSNorm -> causal multi-head attention with RoPE -> residual,
RMSNorm -> SwiGLU (gate, up, down) -> residual]; final RMSNorm; untied output head; no biases.
RoPE rotates interleaved pairs (x[2i], x[2i+1]), llama.cpp's "norm" RoPE for `llama`, so q and
k weights export without the Hugging Face permutation.

Vocabulary: 258 tokens, bytes 0-255 (id = byte value), BOS = 256, EOS = 257.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, asdict

import torch
import torch.nn as nn
import torch.nn.functional as F

BOS, EOS, VOCAB = 256, 257, 258
NEWLINE = 10


@dataclass
class Config:
    dim: int = 128
    layers: int = 4
    heads: int = 4
    kv_heads: int = 4
    ffn: int = 352
    vocab: int = VOCAB
    context: int = 256
    rope_base: float = 10000.0
    norm_eps: float = 1e-5

    @property
    def head_dim(self) -> int:
        return self.dim // self.heads

    def to_dict(self) -> dict:
        return asdict(self)


class RMSNorm(nn.Module):
    def __init__(self, dim: int, eps: float):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rope_tables(cfg: Config, device=None):
    half = cfg.head_dim // 2
    inv_freq = cfg.rope_base ** (-torch.arange(half, dtype=torch.float64) * 2 / cfg.head_dim)
    angles = torch.arange(cfg.context, dtype=torch.float64)[:, None] * inv_freq[None, :]
    return torch.cos(angles).float().to(device), torch.sin(angles).float().to(device)


def apply_rope(x, cos, sin):
    """x: [B, H, T, D]; cos/sin: [T, D/2]. Rotates the pairs (x[2i], x[2i+1])."""
    x0, x1 = x[..., 0::2], x[..., 1::2]
    out = torch.empty_like(x)
    out[..., 0::2] = x0 * cos - x1 * sin
    out[..., 1::2] = x0 * sin + x1 * cos
    return out


class Attention(nn.Module):
    def __init__(self, cfg: Config):
        super().__init__()
        self.cfg = cfg
        hd = cfg.head_dim
        self.wq = nn.Linear(cfg.dim, cfg.heads * hd, bias=False)
        self.wk = nn.Linear(cfg.dim, cfg.kv_heads * hd, bias=False)
        self.wv = nn.Linear(cfg.dim, cfg.kv_heads * hd, bias=False)
        self.wo = nn.Linear(cfg.heads * hd, cfg.dim, bias=False)

    def forward(self, x, cos, sin, cache=None):
        B, T, _ = x.shape
        cfg, hd = self.cfg, self.cfg.head_dim
        q = self.wq(x).view(B, T, cfg.heads, hd).transpose(1, 2)
        k = self.wk(x).view(B, T, cfg.kv_heads, hd).transpose(1, 2)
        v = self.wv(x).view(B, T, cfg.kv_heads, hd).transpose(1, 2)
        q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
        past = 0
        if cache is not None:
            if cache.get("k") is not None:
                past = cache["k"].shape[2]
                k = torch.cat([cache["k"], k], dim=2)
                v = torch.cat([cache["v"], v], dim=2)
            cache["k"], cache["v"] = k, v
        if cfg.kv_heads != cfg.heads:
            rep = cfg.heads // cfg.kv_heads
            k, v = k.repeat_interleave(rep, dim=1), v.repeat_interleave(rep, dim=1)
        if T == 1:
            y = F.scaled_dot_product_attention(q, k, v)
        elif past == 0:
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        else:
            mask = torch.ones(T, past + T, dtype=torch.bool).tril(diagonal=past)
            y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
        return self.wo(y.transpose(1, 2).reshape(B, T, cfg.heads * hd))


class FeedForward(nn.Module):
    def __init__(self, cfg: Config):
        super().__init__()
        self.w1 = nn.Linear(cfg.dim, cfg.ffn, bias=False)  # gate
        self.w3 = nn.Linear(cfg.dim, cfg.ffn, bias=False)  # up
        self.w2 = nn.Linear(cfg.ffn, cfg.dim, bias=False)  # down

    def forward(self, x):
        return self.w2(F.silu(self.w1(x)) * self.w3(x))


class Block(nn.Module):
    def __init__(self, cfg: Config):
        super().__init__()
        self.attention_norm = RMSNorm(cfg.dim, cfg.norm_eps)
        self.attention = Attention(cfg)
        self.ffn_norm = RMSNorm(cfg.dim, cfg.norm_eps)
        self.feed_forward = FeedForward(cfg)

    def forward(self, x, cos, sin, cache=None):
        x = x + self.attention(self.attention_norm(x), cos, sin, cache)
        return x + self.feed_forward(self.ffn_norm(x))


class Policy(nn.Module):
    def __init__(self, cfg: Config):
        super().__init__()
        self.cfg = cfg
        self.tok_embeddings = nn.Embedding(cfg.vocab, cfg.dim)
        self.layers = nn.ModuleList(Block(cfg) for _ in range(cfg.layers))
        self.norm = RMSNorm(cfg.dim, cfg.norm_eps)
        self.output = nn.Linear(cfg.dim, cfg.vocab, bias=False)
        cos, sin = rope_tables(cfg)
        self.register_buffer("rope_cos", cos, persistent=False)
        self.register_buffer("rope_sin", sin, persistent=False)
        self.apply(self._init)

    @staticmethod
    def _init(module):
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, std=0.02)

    def forward(self, tokens, caches=None, start: int = 0):
        """tokens: [B, T] at positions start..start+T-1; caches: one dict per layer or None."""
        return self.output(self.hidden(tokens, caches, start))

    def hidden(self, tokens, caches=None, start: int = 0):
        """The hidden states after the final norm (what the output head, or a PRM's value head, reads)."""
        T = tokens.shape[1]
        cos, sin = self.rope_cos[start:start + T], self.rope_sin[start:start + T]
        x = self.tok_embeddings(tokens)
        for i, layer in enumerate(self.layers):
            x = layer(x, cos, sin, None if caches is None else caches[i])
        return self.norm(x)

    def parameter_count(self) -> int:
        return sum(p.numel() for p in self.parameters())


def encode(text: str) -> list[int]:
    """BOS, then one token per UTF-8 byte: the tokenization llama.cpp applies to the GGUF."""
    return [BOS] + list(text.encode("utf-8"))


def decode(tokens) -> str:
    return bytes(t for t in tokens if t < 256).decode("utf-8", errors="replace")


@torch.no_grad()
def generate(model: Policy, prompts: list[str], temperature: float = 0.0, max_new: int = 120,
             stop_at_newline: bool = False, generator: torch.Generator | None = None) -> list[str]:
    """Continues each prompt until EOS (or a newline when `stop_at_newline`), greedy when
    temperature is 0, else pure temperature sampling. Prompts are grouped by token length so a
    group shares positions and one KV cache. Returns the generated text without EOS."""
    model.eval()
    out: list[str] = [""] * len(prompts)
    groups: dict[int, list[int]] = {}
    for i, p in enumerate(prompts):
        groups.setdefault(len(encode(p)), []).append(i)
    for length, members in groups.items():
        tokens = torch.tensor([encode(prompts[i]) for i in members])
        caches = [dict() for _ in model.layers]
        logits = model(tokens, caches, 0)[:, -1]
        produced = [[] for _ in members]
        done = torch.zeros(len(members), dtype=torch.bool)
        for step in range(min(max_new, model.cfg.context - length)):
            if temperature == 0:
                nxt = logits.argmax(-1)
            else:
                probs = torch.softmax(logits / temperature, -1)
                nxt = torch.multinomial(probs, 1, generator=generator).squeeze(1)
            for j, t in enumerate(nxt.tolist()):
                if done[j]:
                    continue
                if t == EOS:
                    done[j] = True
                    continue
                produced[j].append(t)
                if stop_at_newline and t == NEWLINE:
                    done[j] = True
            if bool(done.all()):
                break
            logits = model(nxt[:, None], caches, length + step)[:, -1]
        for j, i in enumerate(members):
            out[i] = decode(produced[j])
    return out


def load(path: str) -> Policy:
    state = torch.load(path, map_location="cpu", weights_only=False)
    model = Policy(Config(**state["config"]))
    model.load_state_dict(state["model"])
    model.eval()
    return model
