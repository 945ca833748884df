"""`message.cost`: every seed and corpus replay costs what genai-prices itself computes for the
same recorded usage, or exactly what the provider said when it sent its own figure.

The expected cost is worked out here from the recorded bytes alone: a plain reading of the
response (its model, its last usage object) handed to genai-prices' own usage extractor
(`extract_usage`, which knows each provider's usage shape) and `calc_price`, or the provider's
figure converted by hand. llmstream's own numbers come from a real replay through the client.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any

import genai_prices
import pytest

import llmstream as ls
from llmstream._cli._render import summary_line
from llmstream._core.cost import genai_prices_module
from llmstream._core.parser import parse_completion
from llmstream.testing import Cassette, FakeLLM, RecordedResponse, ReplayTransport, Reply, tool_call

from .support.corpus import (
    SEEDS,
    TEST_KEY,
    Call,
    Recording,
    call_for,
    converse,
    corpus,
    gateways,
    run_tool,
)
from .support.deviations import declared
from .test_agent_cassettes import TWO_STEP, add, agent_for, multiply, weather
from .test_gateways import _prompt, options_for, provider_for
from .test_gateways import _transport as gateway_transport

DEVIATIONS = declared()

# genai-prices' provider id and the usage shape its extractor should read, per adapter. The
# test's own table: the adapters declare theirs in `genai_prices_id`.
GENAI_PRICES: dict[type[ls.Provider], tuple[str, str]] = {
    ls.OpenAI: ("openai", "chat"),
    ls.Groq: ("groq", "default"),
    ls.Cerebras: ("cerebras", "chat"),
    ls.XAI: ("x-ai", "chat"),
    ls.OpenRouter: ("openrouter", "chat"),
}
TICK = Decimal("0.0000000001")  # xAI: 1 tick = 1e-10 USD


def seed_recordings() -> list[Recording]:
    """The seeds, described like the corpus (provider from the file name, model from the
    recorded request)."""
    found = []
    for path in sorted(SEEDS.glob("*.yaml")):
        cassette = Cassette.load(path)
        provider, _, scenario = path.stem.partition("-")
        found.append(
            Recording(
                path=path,
                provider=provider,
                model=cassette.interactions[0].request.json["model"],
                scenario=scenario,
                streamed=True,
                interactions=len(cassette.interactions),
            )
        )
    return found


RECORDINGS = [*seed_recordings(), *corpus()]


# -- the expected cost, from the recorded bytes alone ---------------------------------------------


def recorded_reply(response: RecordedResponse) -> dict[str, Any]:
    """A plain reading of a recorded response as one reply: the model named by its first chunk,
    and the last usage object it carried (top-level, or Groq's `x_groq.usage`)."""
    if not response.is_stream:
        reply: dict[str, Any] = json.loads(response.body)
        return reply
    model: str | None = None
    usage: dict[str, Any] | None = None
    for line in response.body.splitlines():
        if not line.startswith("data:") or line.strip() == "data: [DONE]":
            continue
        chunk = json.loads(line[5:])
        if model is None and chunk.get("id"):
            model = chunk.get("model") or None
        found = chunk.get("usage") or (chunk.get("x_groq") or {}).get("usage")
        if found:
            usage = found
    return {"model": model, "usage": usage}


def genai_prices_total(
    provider: ls.Provider, reply: dict[str, Any]
) -> genai_prices.types.PriceCalculation | None:
    """genai-prices' own calculation for a recorded reply, or None where it has none."""
    known = GENAI_PRICES.get(type(provider))
    if known is None or not reply.get("model"):
        return None
    provider_id, flavor = known
    try:
        extracted = genai_prices.extract_usage(reply, provider_id=provider_id, api_flavor=flavor)
        calculation = extracted.calc_price()
    except LookupError:  # a model genai-prices does not know
        return None
    if not any(price is not None for price in vars(calculation.model_price).values()):
        return None  # listed without prices: llmstream says "unknown", not "free"
    return calculation


def provider_figure(provider: ls.Provider, usage: dict[str, Any]) -> Decimal | None:
    """The provider's own figure, converted by hand."""
    if isinstance(provider, ls.XAI) and "cost_in_usd_ticks" in usage:
        return Decimal(usage["cost_in_usd_ticks"]) * TICK
    if isinstance(provider, ls.OpenRouter) and "cost" in usage:
        cost = Decimal(str(usage["cost"]))
        if usage.get("is_byok") is True:
            cost += Decimal(str(usage["cost_details"]["upstream_inference_cost"]))
        return cost
    return None


def check_cost(
    reply: ls.AssistantMessage, provider: ls.Provider, recorded: RecordedResponse
) -> str:
    """The reply's cost is the expected one; returns which kind of cost it was."""
    raw = recorded_reply(recorded)
    assert raw["usage"], "every replayed recording reports usage"
    assert reply.model == raw["model"]
    figure = provider_figure(provider, raw["usage"])
    if figure is not None:
        assert reply.cost == ls.Cost(total=figure, source="provider")
        return "provider"
    calculation = genai_prices_total(provider, raw)
    if calculation is None:
        assert reply.cost is None
        return "none"
    assert reply.cost is not None
    assert reply.cost.source == "genai-prices"
    assert reply.cost.total == calculation.total_price
    assert reply.cost.input == calculation.input_price
    assert reply.cost.output == calculation.output_price
    assert reply.cost.currency == "USD"
    # The parts are parts: cache reads inside input, reasoning inside output.
    if reply.cost.cached is not None:
        assert 0 <= reply.cost.cached <= reply.cost.input
    if reply.cost.reasoning is not None:
        assert 0 <= reply.cost.reasoning <= reply.cost.output
    return "genai-prices"


# -- every seed and corpus recording, replayed --------------------------------------------------


async def _ask(client: ls.AsyncClient, call: Call, streamed: bool) -> ls.AssistantMessage:
    if not streamed:
        return await client.generate(model=call.model, messages=call.messages, **call.options)
    async with client.stream(model=call.model, messages=call.messages, **call.options) as stream:
        return await stream.collect()


@pytest.mark.anyio
@pytest.mark.parametrize("recording", RECORDINGS, ids=lambda r: r.id)
async def test_a_replay_costs_what_genai_prices_or_the_provider_says(
    recording: Recording,
) -> None:
    cassette = recording.cassette()
    transport = ReplayTransport(cassette, tolerate=DEVIATIONS.get(recording.id))
    call = call_for(recording)
    async with ls.AsyncClient(call.provider, transport=transport) as client:
        await converse(
            call,
            cassette.interactions,
            lambda call: _ask(client, call, recording.streamed),
            lambda _, recorded, reply: check_cost(reply, call.provider, recorded),
        )
    assert transport.matcher.unused == []


def test_the_replays_cover_every_kind_of_cost() -> None:
    """The table above is not vacuous: it holds xAI's own figures, genai-prices prices (xAI
    sent its figure on every recording that genai-prices could price), models genai-prices
    lists without prices (Cerebras's), and servers that are never priced."""
    seen: dict[str, set[str]] = {}
    for recording in RECORDINGS:
        call = call_for(recording)
        for interaction in recording.cassette().interactions:
            raw = recorded_reply(interaction.response)
            if provider_figure(call.provider, raw["usage"]) is not None:
                kind = "provider"
            elif genai_prices_total(call.provider, raw) is not None:
                kind = "genai-prices"
            else:
                kind = "none"
            seen.setdefault(kind, set()).add(recording.provider)
    assert seen["provider"] == {"xai"}
    assert seen["genai-prices"] == {"openai", "groq"}
    assert {"cerebras", "openai-compatible (z.ai)"} <= seen["none"]


@pytest.mark.parametrize("recording", gateways(), ids=lambda r: r.id)
def test_gateway_replays_cost_what_the_gateway_says(recording: Recording) -> None:
    """OpenRouter's own `cost` on each step; the Vercel gateway and Azure's v1 API, configured
    as plain compatible servers, are not priced."""
    transport = gateway_transport(recording)
    system, prompt = _prompt(recording)
    provider = provider_for(recording)
    tools = [add, multiply] if recording.kind == "multi_tool" else [weather]
    messages: list[Any] = [*([ls.system(system)] if system else []), ls.user(prompt)]
    kinds = []
    with ls.Client(provider, transport=transport) as client:
        for interaction in recording.cassette().interactions:
            with client.stream(
                model=recording.model, messages=messages, tools=tools, **options_for(recording)
            ) as stream:
                reply = stream.collect()
            kinds.append(check_cost(reply, provider, interaction.response))
            messages.append(reply)
            messages += [ls.tool_result(call, run_tool(call)) for call in reply.tool_calls]
    assert transport.matcher.unused == []
    assert kinds == (["provider"] * 2 if "openrouter" in recording.provider else ["none"] * 2)


# -- agent runs -----------------------------------------------------------------------------------


def _expected_steps(recording: Recording) -> list[Decimal]:
    call = call_for(recording)
    totals = []
    for interaction in recording.cassette().interactions:
        raw = recorded_reply(interaction.response)
        figure = provider_figure(call.provider, raw["usage"])
        calculation = genai_prices_total(call.provider, raw)
        assert figure is not None or calculation is not None
        totals.append(figure if figure is not None else calculation.total_price)  # type: ignore[union-attr]
    return totals


PRICED_TWO_STEP = [
    r
    for r in TWO_STEP
    if r.provider in ("openai", "xai", "groq") and r.id.split("/")[-1].startswith(("tool", "multi"))
]


@pytest.mark.anyio
@pytest.mark.parametrize("recording", PRICED_TWO_STEP, ids=lambda r: r.id)
async def test_an_agent_run_costs_the_sum_of_its_steps(recording: Recording) -> None:
    transport = ReplayTransport(
        Cassette.load(recording.path), tolerate=DEVIATIONS.get(recording.id)
    )
    agent, prompt = agent_for(recording, transport)
    async with agent.stream(prompt) as run:
        finishes = [event async for event in run if isinstance(event, ls.StepFinish)]
    result = run.result
    expected = _expected_steps(recording)
    assert [step.cost.total for step in result.steps if step.cost] == expected
    assert [event.cost for event in finishes] == [step.cost for step in result.steps]
    assert result.cost is not None
    assert result.cost.total == sum(expected, Decimal(0))
    assert result.cost.complete


def test_the_agent_table_is_not_empty() -> None:
    assert {r.provider for r in PRICED_TWO_STEP} >= {"openai", "xai", "groq"}


# -- the rules, one at a time ---------------------------------------------------------------------


def _reply(
    provider: ls.Provider, model: str, usage: dict[str, Any], **extra: Any
) -> ls.AssistantMessage:
    body = {
        "id": "chatcmpl-1",
        "model": model,
        "choices": [{"index": 0, "message": {"content": "hi"}, "finish_reason": "stop"}],
        "usage": usage,
        **extra,
    }
    return parse_completion(json.dumps(body).encode(), provider)


USAGE = {
    "prompt_tokens": 1000,
    "completion_tokens": 300,
    "total_tokens": 1300,
    "prompt_tokens_details": {"cached_tokens": 400},
    "completion_tokens_details": {"reasoning_tokens": 200},
}


def test_the_parts_are_priced_at_their_own_rates() -> None:
    """By hand, from the price list: cache reads at the cache rate inside input, reasoning at
    the output rate inside output, no token counted twice."""
    reply = _reply(ls.OpenAI(api_key=TEST_KEY), "gpt-4o-mini-2024-07-18", USAGE)
    price = genai_prices.calc_price(
        genai_prices.Usage(input_tokens=1, output_tokens=1), "gpt-4o-mini", provider_id="openai"
    ).model_price
    per_token = {
        name: getattr(price, name) / 1_000_000
        for name in ("input_mtok", "cache_read_mtok", "output_mtok")
    }
    assert all(isinstance(rate, Decimal) for rate in per_token.values())  # not tiered
    cached = 400 * per_token["cache_read_mtok"]
    reasoning = 200 * per_token["output_mtok"]
    assert reply.cost == ls.Cost(
        total=600 * per_token["input_mtok"] + cached + 300 * per_token["output_mtok"],
        input=600 * per_token["input_mtok"] + cached,
        output=300 * per_token["output_mtok"],
        cached=cached,
        reasoning=reasoning,
    )


def test_parts_the_provider_did_not_report_are_unknown() -> None:
    usage = {"prompt_tokens": 20, "completion_tokens": 3, "total_tokens": 23}
    reply = _reply(ls.Groq(api_key=TEST_KEY), "llama-3.3-70b-versatile", usage)
    assert reply.cost is not None
    assert (reply.cost.cached, reply.cost.reasoning) == (None, None)
    assert reply.cost.total == reply.cost.input + reply.cost.output  # type: ignore[operator]


@pytest.mark.parametrize(
    ("provider", "model"),
    [
        (ls.OpenAI(api_key=TEST_KEY), "gpt-9-preview"),  # a model genai-prices does not know
        (ls.Cerebras(api_key=TEST_KEY), "qwen-3-coder-480b"),  # known, but listed without prices
        (ls.OpenAICompatible("http://127.0.0.1:8080/v1"), "gpt-4o-mini"),  # any server: unpriced
    ],
    ids=["unknown-model", "no-prices", "compatible-server"],
)
def test_no_price_no_cost(provider: ls.Provider, model: str) -> None:
    reply = _reply(provider, model, USAGE)
    assert reply.usage is not None
    assert reply.cost is None


def test_a_compatible_server_s_own_cost_field_is_not_read() -> None:
    """Avian and the Vercel gateway send `usage.cost` too; a plain compatible server names no
    field to read it from, so nothing is guessed."""
    reply = _reply(ls.OpenAICompatible("http://127.0.0.1/v1"), "m", {**USAGE, "cost": 0.5})
    assert reply.cost is None


def test_xai_ticks_are_exact() -> None:
    reply = _reply(
        ls.XAI(api_key=TEST_KEY), "grok-4-fast-reasoning", {**USAGE, "cost_in_usd_ticks": 3}
    )
    assert reply.cost == ls.Cost(total=Decimal("3E-10"), source="provider")
    assert (reply.cost.input, reply.cost.output, reply.cost.cached) == (None, None, None)


def test_openrouter_on_your_own_key_adds_the_upstream_charge() -> None:
    details = {"upstream_inference_cost": 0.02}
    usage = {**USAGE, "cost": 0.001, "is_byok": True, "cost_details": details}
    reply = _reply(ls.OpenRouter(api_key=TEST_KEY), "openai/gpt-4o", usage)
    assert reply.cost is not None
    assert reply.cost.total == Decimal("0.021")
    not_byok = _reply(ls.OpenRouter(api_key=TEST_KEY), "openai/gpt-4o", {**usage, "is_byok": False})
    assert not_byok.cost is not None
    assert not_byok.cost.total == Decimal("0.001")


def test_openrouter_without_its_figure_uses_the_price_list() -> None:
    reply = _reply(ls.OpenRouter(api_key=TEST_KEY), "openai/gpt-4o", USAGE)
    assert reply.cost is not None
    assert reply.cost.source == "genai-prices"


@pytest.mark.parametrize("bad", [True, "lots", -1, float("nan"), None, [1]])
def test_a_provider_figure_that_is_no_amount_is_ignored(bad: Any) -> None:
    usage = {"prompt_tokens": 20, "completion_tokens": 3, "total_tokens": 23}
    reply = _reply(ls.XAI(api_key=TEST_KEY), "grok-3-mini", {**usage, "cost_in_usd_ticks": bad})
    assert reply.cost is not None
    assert reply.cost.source == "genai-prices"  # the price list, not a guess at the figure


@pytest.fixture
def without_genai_prices(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """genai-prices as if it were not installed: its import fails."""
    monkeypatch.setitem(sys.modules, "genai_prices", None)
    genai_prices_module.cache_clear()
    yield
    genai_prices_module.cache_clear()


@pytest.mark.usefixtures("without_genai_prices")
def test_without_genai_prices_only_the_provider_s_figure_is_known() -> None:
    assert _reply(ls.OpenAI(api_key=TEST_KEY), "gpt-4o-mini", USAGE).cost is None
    ticks = _reply(ls.XAI(api_key=TEST_KEY), "grok-3-mini", {**USAGE, "cost_in_usd_ticks": 10})
    assert ticks.cost == ls.Cost(total=10 * TICK, source="provider")


def test_a_message_keeps_its_cost_through_json() -> None:
    reply = _reply(ls.OpenAI(api_key=TEST_KEY), "gpt-4o-mini", USAGE)
    loaded = ls.AssistantMessage.model_validate_json(reply.model_dump_json())
    assert loaded.cost == reply.cost
    assert loaded == reply


def test_the_cli_shows_the_total() -> None:
    reply = _reply(ls.XAI(api_key=TEST_KEY), "grok-3-mini", {**USAGE, "cost_in_usd_ticks": 731000})
    assert summary_line(reply) == (
        "[in 1000, cached 400, out 500, reasoning 200, cost 0.0000731 USD]"
    )


# -- priced when read ----------------------------------------------------------------------------


class CountingOpenAI(ls.OpenAI):
    """OpenAI, counting how often a reply is priced (its `cost` hook)."""

    priced = 0

    def cost(self, usage: ls.Usage, model: str | None) -> ls.Cost | None:
        self.priced += 1
        return super().cost(usage, model)


def test_a_reply_is_priced_when_its_cost_is_first_read_and_only_then() -> None:
    provider = CountingOpenAI(api_key=TEST_KEY)
    reply = _reply(provider, "gpt-4o-mini", USAGE)
    assert (reply.text, reply.usage is not None, reply.finish_reason) == ("hi", True, "stop")
    assert provider.priced == 0  # everything else is read without pricing
    cost = reply.cost
    assert cost == _reply(ls.OpenAI(api_key=TEST_KEY), "gpt-4o-mini", USAGE).cost
    assert cost is not None
    assert cost.total > 0
    assert reply.cost is cost
    assert provider.priced == 1


@pytest.mark.parametrize(
    "read",
    [
        lambda m: m.cost,
        lambda m: ls.Cost.model_validate(m.model_dump()["cost"]),
        lambda m: ls.Cost.model_validate(json.loads(m.model_dump_json())["cost"]),
        lambda m: ls.AssistantMessage.model_validate_json(m.model_dump_json()).cost,
        lambda m: m.model_copy().cost,
        lambda m: __import__("copy").deepcopy(m).cost,
        lambda m: __import__("pickle").loads(__import__("pickle").dumps(m)).cost,
        lambda m: ls.Step(number=1, message=m).cost,
    ],
    ids=["attribute", "dump", "json", "json-loaded", "copy", "deepcopy", "pickle", "step"],
)
def test_a_cost_not_yet_read_reads_the_same_every_way(read: Any) -> None:
    expected = _reply(ls.OpenAI(api_key=TEST_KEY), "gpt-4o-mini", USAGE).cost
    provider = CountingOpenAI(api_key=TEST_KEY)
    assert read(_reply(provider, "gpt-4o-mini", USAGE)) == expected
    assert provider.priced == 1


def test_a_cost_not_yet_read_counts_in_equality_repr_and_match() -> None:
    provider = CountingOpenAI(api_key=TEST_KEY)
    unread, read = _reply(provider, "gpt-4o-mini", USAGE), _reply(provider, "gpt-4o-mini", USAGE)
    assert read.cost is not None
    assert unread == read
    assert unread != read.model_copy(update={"cost": None})
    assert repr(read.cost) in repr(_reply(provider, "gpt-4o-mini", USAGE))
    match _reply(provider, "gpt-4o-mini", USAGE):
        case ls.AssistantMessage(cost=ls.Cost(total=total)):
            assert total == read.cost.total
        case _:
            pytest.fail("the cost did not match")
    assert ls.AssistantMessage(text="hi").model_dump(exclude_defaults=True) == {"text": "hi"}


@pytest.mark.anyio
async def test_a_streamed_reply_is_priced_once_at_the_prices_of_its_end(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`stream.message` builds a message each time it is read: they share one pricing, done
    when a cost is first read, with the prices in force when the reply finished."""
    asked: list[Any] = []
    calc_price = genai_prices.calc_price

    def recording(*args: Any, **kwargs: Any) -> Any:
        asked.append(kwargs.get("genai_request_timestamp"))
        return calc_price(*args, **kwargs)

    monkeypatch.setattr(genai_prices, "calc_price", recording)
    provider = CountingOpenAI(api_key=TEST_KEY, base_url="https://fake-llm.invalid/v1")
    fake = FakeLLM(Reply("Olá!", usage=(1200, 80)))
    async with ls.AsyncClient(provider, transport=fake.transport) as client:
        async with client.stream(model="gpt-4o-mini", messages=[ls.user("hi")]) as stream:
            events = [event async for event in stream]
        ended = datetime.now(timezone.utc)
        first, second = stream.message, stream.message
    assert events[-1] == ls.Finish(reason="stop", raw_reason="stop")
    assert provider.priced == 0
    assert asked == []
    assert first.cost is not None
    assert second.cost is first.cost
    assert first.cost == _reply(ls.OpenAI(api_key=TEST_KEY), "gpt-4o-mini", {
        "prompt_tokens": 1200, "completion_tokens": 80, "total_tokens": 1280
    }).cost  # fmt: skip
    assert provider.priced == 1
    assert asked[0] is not None
    assert asked[0] <= ended


@pytest.mark.anyio
async def test_an_agent_run_prices_its_steps_when_a_cost_is_read() -> None:
    fake = FakeLLM(
        Reply(tool_calls=[tool_call("weather", {"location": "Florence"})], usage=(300, 20)),
        Reply("It is 40 C in Florence.", usage=(340, 12)),
    )
    provider = CountingOpenAI(api_key=TEST_KEY, base_url="https://fake-llm.invalid/v1")
    async with ls.AsyncClient(provider, transport=fake.transport) as client:
        agent = ls.Agent(client, model="gpt-4o-mini", tools=[weather])
        async with agent.stream("What's the weather in Florence?") as run:
            finishes = [event async for event in run if isinstance(event, ls.StepFinish)]
        result = run.result
    assert [finish.usage for finish in finishes] == [step.usage for step in result.steps]
    assert provider.priced == 0
    assert [finish.cost for finish in finishes] == [step.cost for step in result.steps]
    assert all(finish.cost is not None for finish in finishes)
    assert provider.priced == 2  # a step's event and its message share one pricing
    assert result.cost == ls.Cost.sum(finish.cost for finish in finishes)
    assert finishes[0].model_dump()["cost"] == result.steps[0].message.model_dump()["cost"]


# -- adding costs ---------------------------------------------------------------------------------

A = ls.Cost(
    total=Decimal("0.3"),
    input=Decimal("0.1"),
    output=Decimal("0.2"),
    cached=Decimal("0.05"),
    reasoning=Decimal(0),
)
B = ls.Cost(
    total=Decimal("0.7"), input=Decimal("0.3"), output=Decimal("0.4"), cached=Decimal("0.1")
)
FIGURE = ls.Cost(total=Decimal("1.1"), source="provider")


def test_costs_add_exactly() -> None:
    total = A + B
    assert total == ls.Cost(
        total=Decimal("1.0"), input=Decimal("0.4"), output=Decimal("0.6"), cached=Decimal("0.15")
    )
    assert total.reasoning is None  # known on one side only
    assert sum([A, B] * 5) == ls.Cost.sum([A, B] * 5)
    assert sum([A] * 10).total == Decimal("3.0")  # type: ignore[union-attr]  # 10 x 0.3, exactly


def test_a_sum_with_an_unknown_cost_says_it_is_incomplete() -> None:
    assert (A + None).complete is False
    assert (None + A).complete is False
    assert ls.Cost.sum([A, None, B]) == (A + B).model_copy(update={"complete": False})
    assert ls.Cost.sum([None, None]) is None
    assert ls.Cost.sum([]) is None
    assert ls.Cost.sum([A, B]).complete  # type: ignore[union-attr]


def test_a_sum_of_figures_and_price_lists_is_mixed() -> None:
    assert (A + FIGURE).source == "mixed"
    assert (A + FIGURE).input is None
    assert (FIGURE + FIGURE).source == "provider"


def test_costs_in_two_currencies_do_not_add() -> None:
    with pytest.raises(ValueError, match="EUR"):
        A + ls.Cost(total=Decimal(1), currency="EUR")


def test_an_agent_result_with_an_unpriced_step_is_incomplete() -> None:
    priced = _reply(ls.OpenAI(api_key=TEST_KEY), "gpt-4o-mini", USAGE)
    unpriced = _reply(ls.OpenAI(api_key=TEST_KEY), "gpt-9-preview", USAGE)
    steps = [ls.Step(number=1, message=priced), ls.Step(number=2, message=unpriced)]
    result = ls.AgentResult(steps=steps, messages=[], stop_reason="done", usage=ls.Usage())
    assert result.cost is not None
    assert priced.cost is not None
    assert result.cost.total == priced.cost.total
    assert not result.cost.complete
    none = ls.AgentResult(steps=steps[1:], messages=[], stop_reason="done", usage=ls.Usage())
    assert none.cost is None
