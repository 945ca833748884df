"""Pacing under rate limits: `ls.RateLimitPacer` holds a call back while the latest rate-limit
headers say a limit is used up, instead of sending a request that would be answered 429.

The delay itself is computed by one method, checked here against a fake clock. Then one
scenario table runs over real sockets (the fake LLM server on 127.0.0.1) under asyncio, trio and
the sync client, through `stream()` and `generate()`. Most scenarios use `max_wait=0`: a call
that would have to wait raises `RateLimitWaitError` at once without sending anything, so
"waited" and "did not wait" show without timing anything; two scenarios really wait, and
check a lower bound on the time taken.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

import anyio
import pytest

import llmstream as ls
from llmstream.testing import Entry, FakeLLM, FakeServer, Reply, status

from .support.corpus import TEST_KEY

# -- headers -------------------------------------------------------------------------------------


def requests_left(remaining: int, reset: str) -> dict[str, str]:
    """OpenAI's and Groq's request-limit headers."""
    return {
        "x-ratelimit-limit-requests": "100",
        "x-ratelimit-remaining-requests": str(remaining),
        "x-ratelimit-reset-requests": reset,
    }


def tokens_left(remaining: int, reset: str) -> dict[str, str]:
    return {
        **requests_left(50, "1s"),
        "x-ratelimit-limit-tokens": "6000",
        "x-ratelimit-remaining-tokens": str(remaining),
        "x-ratelimit-reset-tokens": reset,
    }


# -- the delay, against a fake clock ---------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


PROVIDER = ls.OpenAI(api_key=TEST_KEY)
OTHER_SERVER = ls.OpenAI(api_key=TEST_KEY, base_url="https://eu.example.test/v1")


def paced(**options: Any) -> tuple[ls.RateLimitPacer, FakeClock]:
    clock = FakeClock()
    return ls.RateLimitPacer(clock=clock, **options), clock


def test_no_requests_left_waits_exactly_until_the_reset() -> None:
    pacer, clock = paced()
    pacer.observe(PROVIDER, "gpt-4o-mini", 200, requests_left(0, "1s"))
    assert pacer._next_delay(PROVIDER, "gpt-4o-mini", clock.now) == 1.0
    clock.now += 0.25
    assert pacer._next_delay(PROVIDER, "gpt-4o-mini", clock.now - 0.25) == 0.75
    clock.now += 0.75
    assert pacer._next_delay(PROVIDER, "gpt-4o-mini", clock.now) == 0.0


def test_requests_left_do_not_wait_until_the_calls_started_use_them_up() -> None:
    pacer, clock = paced()
    pacer.observe(PROVIDER, "gpt-4o-mini", 200, requests_left(2, "6m0s"))
    assert pacer._next_delay(PROVIDER, "gpt-4o-mini", clock.now) == 0.0
    assert pacer._next_delay(PROVIDER, "gpt-4o-mini", clock.now) == 0.0
    with pytest.raises(ls.RateLimitWaitError):  # the third would wait 360 s
        pacer._next_delay(PROVIDER, "gpt-4o-mini", clock.now)
    # A newer response says how many are left now.
    pacer.observe(PROVIDER, "gpt-4o-mini", 200, requests_left(1, "6m0s"))
    assert pacer._next_delay(PROVIDER, "gpt-4o-mini", clock.now) == 0.0


def test_after_the_reset_the_new_window_is_not_held_back() -> None:
    pacer, clock = paced()
    pacer.observe(PROVIDER, "gpt-4o-mini", 200, requests_left(0, "2s"))
    clock.now += 2.0
    for _ in range(5):
        assert pacer._next_delay(PROVIDER, "gpt-4o-mini", clock.now) == 0.0


def test_no_tokens_left_waits_for_the_token_reset() -> None:
    pacer, clock = paced()
    pacer.observe(PROVIDER, "gpt-4o-mini", 200, tokens_left(0, "7.5s"))
    assert pacer._next_delay(PROVIDER, "gpt-4o-mini", clock.now) == 7.5
    pacer.observe(PROVIDER, "gpt-4o-mini", 200, tokens_left(10, "7.5s"))  # a later response
    assert pacer._next_delay(PROVIDER, "gpt-4o-mini", clock.now) == 7.5  # the reset stands


def test_a_429_holds_new_calls_for_its_retry_after() -> None:
    pacer, clock = paced()
    pacer.observe(PROVIDER, "gpt-4o-mini", 429, {"retry-after": "3"})
    assert pacer._next_delay(PROVIDER, "gpt-4o-mini", clock.now) == 3.0
    pacer.observe(PROVIDER, "gpt-4o-mini", 429, {"retry-after-ms": "500"})  # shorter: kept
    assert pacer._next_delay(PROVIDER, "gpt-4o-mini", clock.now) == 3.0
    # retry-after on a success is not a rate limit
    other, other_clock = paced()
    other.observe(PROVIDER, "gpt-4o-mini", 200, {"retry-after": "3"})
    assert other._next_delay(PROVIDER, "gpt-4o-mini", other_clock.now) == 0.0


def test_cerebras_headers_are_read_too() -> None:
    pacer, clock = paced()
    headers = {
        "x-ratelimit-remaining-requests-day": "0",
        "x-ratelimit-reset-requests-day": "33011.38",
        "x-ratelimit-remaining-tokens-minute": "60000",
        "x-ratelimit-reset-tokens-minute": "11.38",
    }
    pacer.observe(PROVIDER, "llama-3.3-70b", 200, headers)
    with pytest.raises(ls.RateLimitWaitError) as caught:
        pacer._next_delay(PROVIDER, "llama-3.3-70b", clock.now)
    assert caught.value.retry_after == pytest.approx(33011.38)


def test_each_server_and_model_has_its_own_view() -> None:
    pacer, clock = paced()
    pacer.observe(PROVIDER, "gpt-4o-mini", 200, requests_left(0, "1m"))
    assert pacer._next_delay(PROVIDER, "gpt-4o", clock.now) == 0.0
    assert pacer._next_delay(OTHER_SERVER, "gpt-4o-mini", clock.now) == 0.0
    assert pacer._next_delay(PROVIDER, "gpt-4o-mini", clock.now) == 60.0
    assert pacer.limits(PROVIDER, "gpt-4o-mini") == ls.RateLimits.from_headers(
        requests_left(0, "1m")
    )
    assert pacer.limits(PROVIDER, "gpt-4o") is None


def test_a_server_without_rate_limit_headers_is_never_waited_for() -> None:
    pacer, clock = paced(max_wait=0)
    pacer.observe(PROVIDER, "m", 200, {"content-type": "text/event-stream"})
    pacer.observe(PROVIDER, "m", 429, {})  # a 429 that says nothing: retries decide
    assert pacer._next_delay(PROVIDER, "m", clock.now) == 0.0
    assert pacer.limits(PROVIDER, "m") is None


def test_max_wait_counts_the_whole_wait() -> None:
    pacer, clock = paced(max_wait=10)
    pacer.observe(PROVIDER, "m", 200, requests_left(0, "8s"))
    started = clock.now
    assert pacer._next_delay(PROVIDER, "m", started) == 8.0
    clock.now += 8.0
    pacer.observe(PROVIDER, "m", 429, {"retry-after": "4"})  # meanwhile, someone got a 429
    with pytest.raises(ls.RateLimitWaitError) as caught:  # 8 + 4 > 10
        pacer._next_delay(PROVIDER, "m", started)
    error = caught.value
    assert isinstance(error, ls.RateLimitError)
    assert (error.status_code, error.retry_after, error.provider) == (429, 4.0, "openai")
    assert error.limits == ls.RateLimits.from_headers(requests_left(0, "8s"))
    assert "max_wait=10" in str(error)
    assert "retry-after" in str(error)


def test_the_pacer_checks_what_it_is_given() -> None:
    for bad in (-1, "60", True, None):
        with pytest.raises(ls.ConfigurationError, match="max_wait"):
            ls.RateLimitPacer(max_wait=bad)  # type: ignore[arg-type]
    with pytest.raises(ls.ConfigurationError, match=r"pacer must be an ls.RateLimitPacer"):
        ls.AsyncClient(PROVIDER, pacer=True)  # type: ignore[arg-type]
    with pytest.raises(ls.ConfigurationError, match=r"pacer must be an ls.RateLimitPacer"):
        ls.Client(PROVIDER, pacer="on")  # type: ignore[arg-type]
    assert repr(ls.RateLimitPacer(max_wait=30)) == "RateLimitPacer(max_wait=30, 0 limits seen)"


# -- one scenario table, over real sockets -------------------------------------------------------


@dataclass(frozen=True)
class Step:
    """One call, one after the other. Clients `a` and `b` share a pacer; `c` has its own."""

    client: str = "a"
    model: str = "gpt-4o-mini"
    error: type[ls.APIError] | None = None  # None: the call succeeds
    text: str | None = None  # the reply's text
    at_least: float = 0.0  # seconds the call must take: it waited


@dataclass(frozen=True)
class Scenario:
    id: str
    script: tuple[Entry, ...]
    steps: tuple[Step, ...]
    requests: int  # how many requests reached the server
    max_wait: float = 0.0  # 0: a call that must wait raises RateLimitWaitError at once
    retries: int = 0
    fallback: str | None = None  # a model to fall back to, on the same server
    total: float | None = None  # Timeouts(total=...) on the clients


SCENARIOS = [
    Scenario(
        "no-requests-left-waits-for-the-reset",
        (Reply("one", headers=requests_left(0, "0.5s")), Reply("two")),
        (Step(text="one"), Step(text="two", at_least=0.35)),
        requests=2,
        max_wait=5,
    ),
    Scenario(
        "requests-left-do-not-wait",
        (Reply("one", headers=requests_left(5, "60s")), Reply("two")),
        (Step(text="one"), Step(text="two")),
        requests=2,
    ),
    Scenario(
        "a-wait-past-max-wait-sends-nothing",
        (Reply("one", headers=requests_left(0, "60s")),),
        (Step(text="one"), Step(error=ls.RateLimitWaitError)),
        requests=1,
    ),
    Scenario(
        # The call's total limit passes before the wait would end: nothing is sent, at once.
        "a-wait-past-the-total-limit-sends-nothing",
        (Reply("one", headers=requests_left(0, "5s")),),
        (Step(text="one"), Step(error=ls.RateLimitWaitError)),
        requests=1,
        max_wait=60,
        total=1.0,
    ),
    Scenario(
        "no-tokens-left",
        (Reply("one", headers=tokens_left(0, "60s")),),
        (Step(text="one"), Step(error=ls.RateLimitWaitError)),
        requests=1,
    ),
    Scenario(
        "the-calls-started-use-up-what-was-left",
        (Reply("one", headers=requests_left(2, "60s")), Reply("two"), Reply("three")),
        (Step(text="one"), Step(text="two"), Step(text="three"), Step(error=ls.RateLimitWaitError)),
        requests=3,
    ),
    Scenario(
        "clients-sharing-a-pacer-share-the-view",
        (Reply("one", headers=requests_left(0, "60s")), Reply("mine")),
        (Step(text="one"), Step("b", error=ls.RateLimitWaitError), Step("c", text="mine")),
        requests=2,
    ),
    Scenario(
        "another-model-has-its-own-limits",
        (Reply("one", headers=requests_left(0, "60s")), Reply("four")),
        (Step(text="one"), Step(model="gpt-4o", text="four")),
        requests=2,
    ),
    Scenario(
        "a-429-holds-the-next-call-for-its-retry-after",
        (status(429, retry_after=60),),
        (Step(error=ls.RateLimitError), Step("b", error=ls.RateLimitWaitError)),
        requests=1,
    ),
    Scenario(
        "a-retried-429-waits-once",
        (status(429, retry_after=0.3), Reply("after")),
        (Step(text="after", at_least=0.25),),
        requests=2,
        max_wait=5,
        retries=1,
    ),
    Scenario(
        "retries-keep-working",
        (status(500), Reply("again", headers=requests_left(3, "1s"))),
        (Step(text="again"),),
        requests=2,
        retries=1,
    ),
    Scenario(
        "a-paced-out-call-falls-back",
        (Reply("one", headers=requests_left(0, "60s")), Reply("fallback")),
        (Step(text="one"), Step(text="fallback")),
        requests=2,
        fallback="gpt-4o",
    ),
    Scenario(
        "no-headers-no-pacing",
        (Reply("one"), Reply("two")),
        (Step(text="one"), Step(text="two")),
        requests=2,
    ),
]


ClientT = TypeVar("ClientT", ls.AsyncClient, ls.Client)


def clients_for(
    scenario: Scenario, server: FakeServer, make: Callable[..., ClientT]
) -> dict[str, ClientT]:
    """The scenario's clients: `a` and `b` share a pacer, `c` has its own."""
    shared = ls.RateLimitPacer(max_wait=scenario.max_wait)
    own = ls.RateLimitPacer(max_wait=scenario.max_wait)
    provider = server.provider()
    options: dict[str, Any] = {
        "retry_policy": ls.RetryPolicy(initial_delay=0.01, max_delay=0.05),
        "max_retries": scenario.retries,
    }
    if scenario.fallback is not None:
        options["fallbacks"] = [(provider, scenario.fallback)]
    if scenario.total is not None:
        options["timeouts"] = ls.Timeouts(total=scenario.total)
    return {
        name: make(provider, pacer=pacer, **options)
        for name, pacer in (("a", shared), ("b", shared), ("c", own))
    }


async def async_stream(client: ls.AsyncClient, model: str) -> ls.AssistantMessage:
    async with client.stream(model=model, messages=[ls.user("hi")]) as stream:
        return await stream.collect()


async def async_generate(client: ls.AsyncClient, model: str) -> ls.AssistantMessage:
    return await client.generate(model=model, messages=[ls.user("hi")])


def sync_stream(client: ls.Client, model: str) -> ls.AssistantMessage:
    with client.stream(model=model, messages=[ls.user("hi")]) as stream:
        return stream.collect()


def sync_generate(client: ls.Client, model: str) -> ls.AssistantMessage:
    return client.generate(model=model, messages=[ls.user("hi")])


ASYNC_PATHS: dict[str, Callable[[ls.AsyncClient, str], Awaitable[ls.AssistantMessage]]] = {
    "stream": async_stream,
    "generate": async_generate,
}
SYNC_PATHS: dict[str, Callable[[ls.Client, str], ls.AssistantMessage]] = {
    "stream": sync_stream,
    "generate": sync_generate,
}


@dataclass
class Outcome:
    message: ls.AssistantMessage | None
    error: ls.APIError | None
    seconds: float


def check(scenario: Scenario, outcomes: list[Outcome], fake: FakeLLM) -> None:
    assert len(fake.requests) == scenario.requests
    for step, outcome in zip(scenario.steps, outcomes, strict=True):
        assert outcome.seconds >= step.at_least
        if step.error is None:
            assert outcome.error is None, f"expected success, got {outcome.error!r}"
            assert outcome.message is not None
            assert outcome.message.text == step.text
            continue
        assert type(outcome.error) is step.error, repr(outcome.error)
        assert outcome.error.partial is not None  # like every error out of a call
        if step.error is ls.RateLimitWaitError:
            assert outcome.error.retry_after is not None
            # The wait it would have taken: past max_wait, or past the call's total limit.
            allowed = min(scenario.max_wait, scenario.total or scenario.max_wait)
            assert outcome.error.retry_after > allowed
            if scenario.total is not None:
                assert "total time limit" in str(outcome.error)
                assert outcome.seconds < scenario.total
            assert outcome.error.attempts == 0  # nothing was sent


@pytest.mark.anyio
@pytest.mark.parametrize("path", list(ASYNC_PATHS))
@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.id)
async def test_async(scenario: Scenario, path: str) -> None:
    fake = FakeLLM(*scenario.script)
    with fake.serve() as server:
        opened = clients_for(scenario, server, ls.AsyncClient)
        outcomes = []
        for step in scenario.steps:
            start = time.monotonic()
            try:
                message = await ASYNC_PATHS[path](opened[step.client], step.model)
                outcomes.append(Outcome(message, None, time.monotonic() - start))
            except ls.APIError as error:
                outcomes.append(Outcome(None, error, time.monotonic() - start))
        for client in opened.values():
            await client.aclose()
    check(scenario, outcomes, fake)


@pytest.mark.parametrize("path", list(SYNC_PATHS))
@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda s: s.id)
def test_sync(scenario: Scenario, path: str) -> None:
    fake = FakeLLM(*scenario.script)
    with fake.serve() as server:
        opened = clients_for(scenario, server, ls.Client)
        outcomes = []
        for step in scenario.steps:
            start = time.monotonic()
            try:
                message = SYNC_PATHS[path](opened[step.client], step.model)
                outcomes.append(Outcome(message, None, time.monotonic() - start))
            except ls.APIError as error:
                outcomes.append(Outcome(None, error, time.monotonic() - start))
        for client in opened.values():
            client.close()
    check(scenario, outcomes, fake)


# -- many calls at once ----------------------------------------------------------------------------

CONCURRENT = 6
LEFT = 2  # what the first response says is left of the request budget


def _script() -> FakeLLM:
    return FakeLLM(Reply("first", headers=requests_left(LEFT, "60s")), *(["more"] * CONCURRENT))


@pytest.mark.anyio
async def test_tasks_at_once_start_no_more_calls_than_are_left() -> None:
    fake = _script()
    with fake.serve() as server:
        async with server.async_client(pacer=ls.RateLimitPacer(max_wait=0)) as client:
            await client.generate(model="m", messages=[ls.user("hi")])
            sent: list[str] = []
            refused: list[ls.RateLimitWaitError] = []

            async def one() -> None:
                try:
                    reply = await client.generate(model="m", messages=[ls.user("hi")])
                    sent.append(reply.text)
                except ls.RateLimitWaitError as error:
                    refused.append(error)

            async with anyio.create_task_group() as group:
                for _ in range(CONCURRENT):
                    group.start_soon(one)
    assert sent == ["more"] * LEFT
    assert len(refused) == CONCURRENT - LEFT
    assert len(fake.requests) == 1 + LEFT


def test_threads_at_once_start_no_more_calls_than_are_left() -> None:
    fake = _script()
    lock = threading.Lock()
    outcomes: list[str] = []
    with fake.serve() as server, server.client(pacer=ls.RateLimitPacer(max_wait=0)) as client:
        client.generate(model="m", messages=[ls.user("hi")])

        def one() -> None:
            try:
                text = client.generate(model="m", messages=[ls.user("hi")]).text
            except ls.RateLimitWaitError:
                text = "refused"
            with lock:
                outcomes.append(text)

        with ThreadPoolExecutor(CONCURRENT) as pool:
            for _ in range(CONCURRENT):
                pool.submit(one)
    assert sorted(outcomes) == ["more"] * LEFT + ["refused"] * (CONCURRENT - LEFT)
    assert len(fake.requests) == 1 + LEFT


@pytest.mark.anyio
async def test_one_pacer_serves_a_sync_and_an_async_client() -> None:
    fake = FakeLLM(Reply("sync", headers=requests_left(0, "60s")))
    pacer = ls.RateLimitPacer(max_wait=0)
    with fake.serve() as server:
        with server.client(pacer=pacer) as sync_client:
            sync_client.generate(model="m", messages=[ls.user("hi")])
        async with server.async_client(pacer=pacer) as async_client:
            with pytest.raises(ls.RateLimitWaitError):
                await async_client.generate(model="m", messages=[ls.user("hi")])
    assert len(fake.requests) == 1


def test_a_sync_agent_run_is_paced_by_its_clients_pacer() -> None:
    """A sync run streams through an async copy of its client, in a loop of its own: the copy
    keeps the pacer, so the run's second call waits for the window the first one used up."""
    fake = FakeLLM(
        Reply(tool_calls=[("ping", {})], headers=requests_left(0, "60s")),
        Reply("done"),
    )

    @ls.tool
    def ping() -> str:
        """Answer pong."""
        return "pong"

    pacer = ls.RateLimitPacer(max_wait=0)
    with fake.serve() as server, server.client(pacer=pacer) as client:
        agent = ls.Agent(client, model="m", tools=[ping])
        with pytest.raises(ls.RateLimitWaitError):
            agent.run_sync("hi")
    assert len(fake.requests) == 1
