"""policy.gguf in llama.cpp (through llama-cpp-python) against PyTorch's fixtures.

The fixtures (Tests/Fixtures/countdown/policy-golden.json) are written by train_policy.py from
the PyTorch checkpoint that export_gguf.py turned into policy.gguf. Skipped, with the reason,
where llama-cpp-python is not installed; .ci/run installs it.
"""

import json
import os

import pytest

llama_cpp = pytest.importorskip("llama_cpp", reason="llama-cpp-python is not installed")

HERE = os.path.dirname(os.path.abspath(__file__))
MODEL = os.path.join(HERE, "policy.gguf")
FIXTURES = os.path.join(HERE, "..", "..", "Tests", "Fixtures", "countdown", "policy-golden.json")
CASES = json.load(open(FIXTURES))["cases"]


@pytest.fixture(scope="module")
def llm():
    return llama_cpp.Llama(model_path=MODEL, n_ctx=256, n_threads=1, logits_all=True, verbose=False)


def test_tokenizer_is_bytes_after_bos(llm):
    for case in CASES:
        assert llm.tokenize(case["prompt"].encode()) == case["prompt_tokens"]


@pytest.mark.parametrize("index", range(len(CASES)))
def test_greedy_continuation_equals_pytorch(llm, index):
    case = CASES[index]
    out = llm.create_completion(case["prompt"], max_tokens=120, temperature=0.0, top_k=0, top_p=1.0,
                                min_p=0.0, repeat_penalty=1.0)
    assert out["choices"][0]["text"] == case["greedy_text"]


@pytest.mark.parametrize("index", range(len(CASES)))
def test_logits_match_pytorch(llm, index):
    case = CASES[index]
    llm.reset()
    llm.eval(case["prompt_tokens"])
    for pos, expected in enumerate(case["logits"]):
        got = llm.scores[pos]
        worst = max(abs(float(a) - b) for a, b in zip(got, expected))
        assert worst < 2e-2, f"position {pos}: max |logit difference| {worst}"
        assert int(got.argmax()) == max(range(len(expected)), key=expected.__getitem__)
