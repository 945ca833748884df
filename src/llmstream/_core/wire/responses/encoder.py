"""The Responses API request body: a `ChatRequest` in, the JSON body and its warnings out.

The same options as chat completions, in this API's fields:

- `messages` become `input` items (`history`); `previous_response_id` continues a conversation
  the provider stored instead, and then only the messages after that response are sent;
- `max_tokens` (or `max_completion_tokens`) is `max_output_tokens`; `reasoning_effort` and
  `reasoning_summary` are `reasoning: {effort, summary}`;
- tools are flat (`{"type": "function", "name", "description", "parameters", "strict"}`), and
  `tool_choice` names a function as `{"type": "function", "name"}`; a chat-completions tool or
  choice dict is flattened, any other dict (a built-in tool) is sent as given;
- `output=` (and a chat-completions `response_format`) is `text.format`: `json_schema` with the
  same strict schema as the chat wire's, or `json_object`;
- `store` is false unless asked for (nothing kept by the provider, the history is sent whole),
  true when continuing a stored conversation; with `store` false and a model whose reasoning
  items can come back, `include: ["reasoning.encrypted_content"]` is asked for (where the
  provider has encrypted reasoning), so that they can be sent back. A stateless provider
  (`stores_responses` false) is sent no `store`; `previous_response_id` is refused there;
- `logprobs` is `include: ["message.output_text.logprobs"]` (beside `top_logprobs`), and
  `verbosity` is `text.verbosity`; `metadata`, `service_tier`, `user`, `safety_identifier` and
  `prompt_cache_key` keep their names;
- `stop`, `seed`, the penalties, `logit_bias` and `prediction` do not exist in this API: dropped
  with a `RequestWarning`, as are the sampling parameters a reasoning model refuses (the
  provider's `rejected_parameters`); `n` is 1, which this API always makes.

The provider's own fields are added by its `adapt_responses_body`; `extra_body` is merged
last, as given.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from ....errors import ConfigurationError
from ....events import RequestWarning
from ....messages import AssistantMessage
from ...provider import ProviderSpec
from ...request import (
    ChatRequest,
    MessageLike,
    ToolChoice,
    ToolLike,
    offered_tools,
    tool_spec,
)
from .history import input_items

__all__ = ["build_body", "text_format", "tool_choice_item", "tool_item"]

ENCRYPTED_REASONING = "reasoning.encrypted_content"
OUTPUT_LOGPROBS = "message.output_text.logprobs"

# Options with no field in this API, and why.
_NOT_IN_THIS_API = {
    "stop": "the Responses API has no stop sequences",
    "seed": "the Responses API has no seed",
    "frequency_penalty": "the Responses API has no frequency_penalty",
    "presence_penalty": "the Responses API has no presence_penalty",
    "logit_bias": "the Responses API has no logit_bias",
    "prediction": "the Responses API has no predicted outputs",
}
# Options sent as given, under the same names.
_AS_GIVEN = (
    "temperature",
    "top_p",
    "parallel_tool_calls",
    "top_logprobs",
    "service_tier",
    "user",
    "safety_identifier",
    "prompt_cache_key",
)


def build_body(
    request: ChatRequest, provider: ProviderSpec, *, stream: bool
) -> tuple[dict[str, Any], list[RequestWarning]]:
    """The JSON body for `request`, and a warning for each thing that had to be dropped."""
    warnings: list[RequestWarning] = []
    model = request.model
    reasons = provider.reasoning_model(model)
    store = _store(request, provider, warnings)
    messages: Sequence[MessageLike] = request.messages
    if request.previous_response_id is not None:
        messages = _after(messages, request.previous_response_id)
    output = request.output
    body: dict[str, Any] = {
        "model": model,
        "input": input_items(
            messages,
            store=store,
            system_role="developer" if reasons else "system",
            instruction=output.instruction() if output is not None else None,
            warnings=warnings,
        ),
    }
    if request.previous_response_id is not None:
        body["previous_response_id"] = request.previous_response_id
    if provider.stores_responses:
        body["store"] = store  # a stateless API has no such field to set: it never stores
    if (
        not store
        and provider.encrypted_reasoning
        and (reasons or request.reasoning_effort or request.reasoning_summary)
    ):
        body["include"] = [ENCRYPTED_REASONING]

    limit = _output_limit(request)
    if limit is not None:
        body["max_output_tokens"] = limit
    for name in _AS_GIVEN:
        value = getattr(request, name)
        if value is not None:
            body[name] = value
    if request.metadata is not None:
        body["metadata"] = dict(request.metadata)
    if request.logprobs:  # asked for by `include`, once the model's rules have had their say
        body["logprobs"] = True
    for name, reason in _NOT_IN_THIS_API.items():
        value = getattr(request, name)
        if value is not None:
            warnings.append(_dropped(name, value, reason))
    reasoning = {
        key: value
        for key, value in (
            ("effort", request.reasoning_effort),
            ("summary", request.reasoning_summary),
        )
        if value is not None
    }
    if reasoning:
        body["reasoning"] = reasoning

    response_format = request.response_format
    if output is not None and output.response_format() is not None:
        if response_format is not None:
            raise ConfigurationError(
                "pass either output= or response_format=, not both: output= writes the "
                "text.format itself"
            )
        response_format = output.response_format()
    text: dict[str, Any] = {}
    if response_format is not None:
        text["format"] = text_format(response_format)
    if request.verbosity is not None:
        text["verbosity"] = request.verbosity
    if text:
        body["text"] = text

    tools, tool_choice = offered_tools(request)
    if tools:
        body["tools"] = [tool_item(tool) for tool in tools]
        body["tool_choice"] = tool_choice_item(tool_choice or "auto")
    elif tool_choice is not None:
        body["tool_choice"] = tool_choice_item(tool_choice)
    if stream:
        body["stream"] = True

    for name, reason in provider.rejected_parameters(model, body).items():
        warnings.append(_dropped(name, body.pop(name), reason))
    if body.pop("logprobs", None):
        body["include"] = [*body.get("include", ()), OUTPUT_LOGPROBS]
    provider.adapt_responses_body(model, body)
    if request.extra_body:
        body.update(request.extra_body)  # the escape hatch is sent as given, after every rule
    return body, warnings


def _store(request: ChatRequest, provider: ProviderSpec, warnings: list[RequestWarning]) -> bool:
    """Whether the provider keeps this response: as asked, else only when continuing a stored
    conversation. A stateless provider keeps nothing: continuing a stored conversation there
    cannot work (refused), and asking it to store is dropped with a warning (the call works
    the same without)."""
    continuing = request.previous_response_id is not None
    if not provider.stores_responses:
        if continuing:
            raise ConfigurationError(
                f"previous_response_id={request.previous_response_id!r}: {provider.name}'s "
                "Responses API is stateless and keeps no responses to continue; send the whole "
                "conversation in messages= instead (earlier replies as received)"
            )
        if request.store:
            warnings.append(
                _dropped(
                    "store",
                    True,
                    f"{provider.name}'s Responses API is stateless and keeps no responses; "
                    "the whole conversation is sent every time",
                )
            )
        return False
    return request.store if request.store is not None else continuing


def _dropped(name: str, value: Any, reason: str) -> RequestWarning:
    return RequestWarning(message=f"dropped {name}={json.dumps(value)}: {reason}", parameter=name)


def _output_limit(request: ChatRequest) -> int | None:
    """`max_output_tokens`: the one limit this API has, from either of the chat options."""
    limit, completion = request.max_tokens, request.max_completion_tokens
    if limit is not None and completion is not None and limit != completion:
        raise ConfigurationError(
            f"max_tokens={limit} and max_completion_tokens={completion} disagree; the Responses "
            "API has one limit, max_output_tokens: pass max_tokens alone"
        )
    return limit if limit is not None else completion


def _after(messages: Sequence[MessageLike], response_id: str) -> Sequence[MessageLike]:
    """The messages after the reply with this id: the provider has the rest. All of them when
    the history does not hold that reply (the caller passed only the new ones)."""
    for position in range(len(messages) - 1, -1, -1):
        message = messages[position]
        if isinstance(message, AssistantMessage) and message.id == response_id:
            return messages[position + 1 :]
    return messages


# -- tools and formats -------------------------------------------------------------------------


def tool_item(tool: ToolLike | Mapping[str, Any]) -> dict[str, Any]:
    """A tool in the flat function format; a chat-completions tool dict flattened, any other
    dict (a built-in tool such as `{"type": "web_search"}`) as given."""
    spec = tool_spec(tool)
    if isinstance(spec, Mapping):
        function = spec.get("function")
        if spec.get("type") == "function" and isinstance(function, Mapping):
            return {"type": "function", **function}
        return dict(spec)
    item: dict[str, Any] = {"type": "function", "name": spec.name}
    if spec.description is not None:
        item["description"] = spec.description
    item["parameters"] = spec.parameters
    item["strict"] = spec.strict
    return item


def tool_choice_item(choice: ToolChoice) -> Any:
    """`auto`, `none`, `required`, or the function the model must call."""
    if isinstance(choice, Mapping):
        function = choice.get("function")
        if choice.get("type") == "function" and isinstance(function, Mapping):
            return {"type": "function", "name": function.get("name")}
        return dict(choice)
    if isinstance(choice, str):
        if choice in ("auto", "none", "required"):
            return choice
        return {"type": "function", "name": choice}
    return {"type": "function", "name": tool_item(choice)["name"]}


def text_format(response_format: Mapping[str, Any]) -> dict[str, Any]:
    """A chat-completions `response_format` as the Responses API's `text.format`: the
    `json_schema` object's fields moved up beside `type`; any other format as given."""
    schema = response_format.get("json_schema")
    if response_format.get("type") == "json_schema" and isinstance(schema, Mapping):
        return {"type": "json_schema", **schema}
    return dict(response_format)
