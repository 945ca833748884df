"""Chat streams with token log probabilities, as OpenAI (and llama.cpp) send them."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import strategies as st


def token(text: str, logprob: float, *alternatives: tuple[str, float]) -> dict[str, Any]:
    """A token as OpenAI (and llama.cpp, with an `id`) sends it."""
    return {
        "token": text,
        "logprob": logprob,
        "bytes": list(text.encode()),
        "top_logprobs": [
            {"token": t, "logprob": p, "bytes": list(t.encode())} for t, p in alternatives
        ],
    }


def chunk(delta: dict[str, Any], logprobs: Any = None, finish: str | None = None) -> bytes:
    choice = {"index": 0, "delta": delta, "logprobs": logprobs, "finish_reason": finish}
    data = {"id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": "m",
            "choices": [choice]}  # fmt: skip
    return b"data: " + json.dumps(data, separators=(",", ":")).encode() + b"\n\n"


HELLO = [token("Hel", -0.5, ("Hel", -0.5), ("Hi", -1.5)), token("lo", -0.1, ("lo", -0.1))]
BANG = [token("!", -0.25)]
# OpenAI's shape: a first chunk with the role and an empty logprobs object, a token or more per
# chunk, a finish chunk without tokens, then usage.
CHAT_STREAM = b"".join(
    [
        chunk({"role": "assistant", "content": ""}, {"content": [], "refusal": None}),
        chunk({"content": "Hello"}, {"content": HELLO, "refusal": None}),
        chunk({"content": "!"}, {"content": BANG, "refusal": None}),
        chunk({}, None, "stop"),
        b"data: [DONE]\n\n",
    ]
)


@st.composite
def logprob_streams(draw: st.DrawFn) -> bytes:
    """Chat streams with a piece of text and its tokens in each chunk, some chunks alike."""
    words = draw(st.lists(st.sampled_from(["a", " b", "é", "ha", "\n"]), min_size=1, max_size=12))
    lps = st.floats(-20, 0, allow_nan=False).map(lambda x: round(x, 3))
    parts = [chunk({"role": "assistant", "content": ""}, {"content": [], "refusal": None})]
    for word in words:
        alternatives = draw(st.lists(st.tuples(st.sampled_from(["x", "y"]), lps), max_size=2))
        parts.append(chunk({"content": word}, {"content": [token(word, draw(lps), *alternatives)],
                                               "refusal": None}))  # fmt: skip
    parts += [chunk({}, None, "stop"), b"data: [DONE]\n\n"]
    return b"".join(parts)
