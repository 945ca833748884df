"""Each provider's documented error bodies and statuses, from cassettes in tests/cassettes/errors.

Every error must come out as the right class with the provider's message, type, code and param,
the request id from the headers, the rate-limit headers, and `retry_after` where one was given.
"""

from __future__ import annotations

from typing import Any

import pytest

import llmstream as ls
from llmstream.testing import Cassette, ReplayTransport

from .support.corpus import SEEDS, TEST_KEY

ERRORS = SEEDS / "errors"
PROVIDERS: dict[str, type[ls.Provider]] = {
    "openai": ls.OpenAI,
    "groq": ls.Groq,
    "cerebras": ls.Cerebras,
    "xai": ls.XAI,
}

# cassette: (error class, status, fields the error must carry)
EXPECTED: dict[str, tuple[type[ls.APIStatusError], int, dict[str, Any]]] = {
    "openai-401": (ls.AuthenticationError, 401, {"type": "invalid_request_error", "code": "invalid_api_key"}),
    "openai-404-model": (ls.NotFoundError, 404, {"code": "model_not_found", "message": "The model `gpt-9-preview` does not exist or you do not have access to it."}),
    "openai-400-context": (ls.ContextLengthError, 400, {"code": "context_length_exceeded", "param": "messages"}),
    "openai-429-requests": (ls.RateLimitError, 429, {"type": "requests", "code": "rate_limit_exceeded", "retry_after": 20.0}),
    "openai-429-tokens": (ls.RateLimitError, 429, {"type": "tokens", "retry_after": 50.6}),
    "openai-500": (ls.ServerError, 500, {"type": "server_error", "code": None}),
    "openai-503": (ls.OverloadedError, 503, {"message": "The engine is currently overloaded, please try again later."}),
    "groq-401": (ls.AuthenticationError, 401, {"message": "Invalid API Key", "code": "invalid_api_key", "param": None}),
    "groq-404-model": (ls.NotFoundError, 404, {"code": "model_not_found"}),
    "groq-413": (ls.BadRequestError, 413, {"type": "tokens", "code": "rate_limit_exceeded"}),
    "groq-429-requests": (ls.RateLimitError, 429, {"type": "requests", "retry_after": 87.0}),
    "groq-429-tokens": (ls.RateLimitError, 429, {"type": "tokens", "retry_after": 7.66}),
    "groq-498": (ls.OverloadedError, 498, {"code": "capacity_exceeded"}),
    "groq-500": (ls.ServerError, 500, {"message": "Internal Server Error", "type": "internal_server_error"}),
    "groq-503": (ls.OverloadedError, 503, {"message": "Service Unavailable", "retry_after": 4.0}),
    "cerebras-401": (ls.AuthenticationError, 401, {"message": "Wrong API Key", "param": "api_key", "code": "wrong_api_key"}),
    "cerebras-404-model": (ls.NotFoundError, 404, {"type": "not_found_error", "param": "model", "code": "model_not_found"}),
    "cerebras-413": (ls.BadRequestError, 413, {"code": "request_too_large"}),
    "cerebras-429-requests": (ls.RateLimitError, 429, {"code": "request_quota_exceeded", "param": "quota", "retry_after": 33011.382867097855}),
    "cerebras-429-tokens": (ls.RateLimitError, 429, {"type": "too_many_tokens_error", "code": "token_quota_exceeded", "retry_after": 11.38}),
    "cerebras-500": (ls.ServerError, 500, {"type": "server_error", "code": "internal_error"}),
    "cerebras-503": (ls.OverloadedError, 503, {"code": "queue_exceeded", "param": "queue"}),
    "xai-400-bad-key": (ls.AuthenticationError, 400, {"code": "Client specified an invalid argument", "type": None}),
    "xai-404-model": (ls.NotFoundError, 404, {"code": "Some requested entity was not found"}),
    "xai-413-html": (ls.BadRequestError, 413, {"message": "HTTP 413: 413 Request Entity Too Large"}),
    "xai-429": (ls.RateLimitError, 429, {"code": "Some resource has been exhausted", "retry_after": None}),
    "xai-500": (ls.ServerError, 500, {"message": "Service temporarily failed to respond", "code": "Internal error"}),
    "xai-502-html": (ls.ServerError, 502, {"message": "HTTP 502: api.x.ai | 502: Bad gateway"}),
    "xai-503-empty": (ls.OverloadedError, 503, {"message": "HTTP 503 with an empty body"}),
}  # fmt: skip


def test_every_error_cassette_has_an_expectation() -> None:
    assert {path.stem for path in ERRORS.glob("*.yaml")} == set(EXPECTED)


@pytest.mark.anyio
@pytest.mark.parametrize("name", sorted(EXPECTED))
async def test_error_body(name: str) -> None:
    cassette = Cassette.load(ERRORS / f"{name}.yaml")
    recorded = cassette.interactions[0]
    provider = PROVIDERS[name.split("-")[0]](api_key=TEST_KEY)
    error_class, status, fields = EXPECTED[name]
    async with ls.AsyncClient(
        provider, transport=ReplayTransport(cassette), max_retries=0
    ) as client:
        with pytest.raises(ls.APIStatusError) as caught:
            async with client.stream(
                model=recorded.request.json["model"], messages=[ls.user("Say hi")]
            ):
                raise AssertionError("an error status never starts a stream")
    error = caught.value
    assert type(error) is error_class
    assert error.status_code == status
    assert {key: getattr(error, key) for key in fields} == fields
    assert error.message
    assert error.provider == provider.name
    assert error.request_id == f"req_{name.replace('-', '_')}"
    assert error.limits is not None
    assert error.headers["x-request-id"] == error.request_id
    assert str(error).startswith(f"{provider.name}: {error.message}")
    assert f"status={status}" in str(error)


@pytest.mark.anyio
async def test_rate_limit_headers_on_an_error() -> None:
    cassette = Cassette.load(ERRORS / "openai-429-requests.yaml")
    async with ls.AsyncClient(
        ls.OpenAI(api_key=TEST_KEY), transport=ReplayTransport(cassette), max_retries=0
    ) as client:
        with pytest.raises(ls.RateLimitError) as caught:
            async with client.stream(model="gpt-4o-mini", messages=[ls.user("Say hi")]):
                pass
    limits = caught.value.limits
    assert limits == ls.RateLimits(
        limit_requests=3,
        remaining_requests=0,
        reset_requests=20.0,
        limit_tokens=40000,
        remaining_tokens=39980,
        reset_tokens=0.03,
    )


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("1s", 1.0), ("6m0s", 360.0), ("2m59.56s", 179.56), ("120ms", 0.12), ("1h2m3s", 3723.0),
     ("7.66s", 7.66), ("33011.38", 33011.38), ("", None), ("soon", None), ("1x", None)],
)  # fmt: skip
def test_reset_durations(text: str, seconds: float | None) -> None:
    from llmstream._vocabulary.ratelimits import parse_duration

    result = parse_duration(text)
    assert result == pytest.approx(seconds) if seconds is not None else result is None


@pytest.mark.parametrize("value", ["nan", "NaN", "inf", "-inf", "Infinity", "1e999"])
def test_a_number_that_is_not_finite_is_read_as_absent(value: str) -> None:
    """JSON has no NaN or Infinity (an SSE frame holding one is refused by `JSON.parse`), and
    `int(float("inf"))` would raise OverflowError from deep inside the parser."""
    from llmstream._vocabulary.ratelimits import RateLimits, parse_duration, retry_after_seconds

    assert parse_duration(value) is None
    assert retry_after_seconds({"retry-after": value}) is None
    assert retry_after_seconds({"retry-after-ms": value, "retry-after": "2"}) == 2.0
    limits = RateLimits.from_headers(
        {f"x-ratelimit-{kind}-requests": value for kind in ("limit", "remaining", "reset")}
    )
    assert limits == RateLimits()
