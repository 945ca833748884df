"""A conversation as Responses API input items: messages in, `input` items and warnings out.

- system text: a `system` message, or `developer` for a model that reasons (the role OpenAI
  gives instructions on its reasoning models);
- user text and images: a `user` message of `input_text` and `input_image` parts;
- a tool result: a `function_call_output` answering its call's `call_id`;
- an assistant message that came from the Responses API: its output items as received, in their
  order (see `replay`); one from chat completions, or written by hand: an output message (text,
  refusal) and a `function_call` per tool call;
- a raw dict: sent as given (a Responses input item).

What an item cannot carry to this API is dropped with a `RequestWarning`, never an error:
reasoning text without encrypted content, chat providers' reasoning blocks and tool-call state.

## Replaying output items

With `store` true the items are stored by the provider, and go back exactly as received, ids
included. With `store` false (the default) nothing is stored, so nothing can be referenced: an
item sent with the `id` the API gave it is looked up (404 "Item with id 'rs_...' not found.
Items are not persisted when `store` is set to false"), and an id kept on one item but not on
the one linked to it fails too ("Item 'fc_...' of type 'function_call' was provided without its
required 'reasoning' item"). So every item goes back without the server-side `id` it was
returned with, as OpenAI's own stateless client (the Codex CLI) sends its history, and a
reasoning item carries its `encrypted_content` instead; one without encrypted content (the call
did not ask for it) cannot go back at all and is dropped, unless it carries its reasoning
otherwise: a `signature` (Anthropic's, relayed by OpenRouter) or the reasoning text itself in
`content` parts (open-weight servers, which have nothing to encrypt).

The items a client writes itself (messages, function calls, reasoning) also go back without
their `status`, as the Codex CLI sends them; a built-in tool's call (`web_search_call`,
`file_search_call`, `code_interpreter_call`...) keeps it: the API's input form of those items
requires their `status` (the Codex CLI keeps a web search's too). Everything else in an item
(summary, content parts, arguments, a built-in tool call's action) goes back as it came.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from ....errors import ConfigurationError
from ....events import RequestWarning
from ....messages import (
    AssistantMessage,
    ImagePart,
    SystemMessage,
    TextPart,
    ToolMessage,
    UserMessage,
)
from ...checks import type_name
from ...provider_state import OUTPUT_ITEMS
from ...request import MessageLike

__all__ = ["input_items", "replay"]

_SYSTEM = ("system", "developer")

# What the API attached to an item when it returned it, and is left out when the item goes back
# unstored: its `id` (looked up when it comes back) and, from the items a client writes itself,
# its `status` (a built-in tool's call keeps it: see the module docstring).
_ID = ("id",)
_ID_AND_STATUS = ("id", "status")
_WRITTEN_BY_CLIENTS = frozenset({"message", "function_call", "reasoning"})


def input_items(
    messages: Sequence[MessageLike],
    *,
    store: bool,
    system_role: str,
    instruction: str | None,
    warnings: list[RequestWarning],
) -> list[dict[str, Any]]:
    """The `input` of a request: `messages` as items, and the prompted-output `instruction`
    (when there is one) after the caller's own system messages."""
    items: list[dict[str, Any]] = []
    for position, message in enumerate(messages):
        try:
            items += _items_of(message, store=store, system_role=system_role, warnings=warnings)
        except ConfigurationError as error:
            raise ConfigurationError(f"messages[{position}]: {error}") from None
    if instruction is not None:
        at = next(
            (i for i, item in enumerate(items) if item.get("role") not in _SYSTEM), len(items)
        )
        items.insert(at, {"role": system_role, "content": instruction})
    return items


def _items_of(
    message: MessageLike, *, store: bool, system_role: str, warnings: list[RequestWarning]
) -> list[dict[str, Any]]:
    if isinstance(message, UserMessage):
        return [{"role": "user", "content": _user_content(message.content)}]
    if isinstance(message, SystemMessage):
        return [{"role": system_role, "content": message.content}]
    if isinstance(message, ToolMessage):
        return [
            {
                "type": "function_call_output",
                "call_id": message.tool_call_id,
                "output": message.content,
            }
        ]
    if isinstance(message, AssistantMessage):
        received = message.provider_state.get(OUTPUT_ITEMS)
        if isinstance(received, list) and _agrees(received, message):
            return replay(received, store=store, warnings=warnings)
        return _assistant_items(message, received, warnings)
    if isinstance(message, Mapping):
        return [dict(message)]
    raise ConfigurationError(
        f"cannot send a {type_name(message)} as a message: use ls.system(), ls.user(), "
        "ls.tool_result(), an AssistantMessage from an earlier call, or a Responses API input "
        "item dict"
    )


def _user_content(content: str | list[TextPart | ImagePart]) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [{"type": "input_text", "text": content}]
    parts: list[dict[str, Any]] = []
    for part in content:
        if isinstance(part, TextPart):
            parts.append({"type": "input_text", "text": part.text})
        else:
            parts.append(
                {"type": "input_image", "image_url": part.url, "detail": part.detail or "auto"}
            )
    return parts


# -- assistant messages -------------------------------------------------------------------------


def replay(
    items: list[Any], *, store: bool, warnings: list[RequestWarning]
) -> list[dict[str, Any]]:
    """A Responses API reply's output items as they go back (see the module docstring)."""
    replayed = []
    dropped = []
    not_items = 0
    for item in items:
        if not isinstance(item, dict):
            not_items += 1  # no server sends one: the message was changed after it came
            continue
        if store:
            replayed.append(dict(item))
            continue
        if item.get("type") == "reasoning" and not _carries_reasoning(item):
            dropped.append(str(item.get("id") or "?"))
            continue
        replayed.append(_unstored(item))
    if dropped:
        warnings.append(
            RequestWarning(
                message=f"dropped reasoning item(s) {', '.join(dropped)}: without "
                "encrypted_content they cannot go back when nothing is stored (store=False); "
                "llmstream asks for it (include=['reasoning.encrypted_content']) when the model "
                "reasons, so this history came from a call that did not",
                parameter="messages",
            )
        )
    if not_items:
        warnings.append(
            RequestWarning(
                message=f"dropped {not_items} output item(s) that are not objects from an "
                "assistant message's provider_state['output_items']: an item is a JSON object",
                parameter="messages",
            )
        )
    return replayed


def _unstored(item: dict[str, Any]) -> dict[str, Any]:
    """An output item as it goes back when nothing is stored: without its server-side `id`, and
    without its `status` unless its input form requires one."""
    kind = item.get("type")
    dropped = _ID_AND_STATUS if isinstance(kind, str) and kind in _WRITTEN_BY_CLIENTS else _ID
    return {key: value for key, value in item.items() if key not in dropped}


def _carries_reasoning(item: dict[str, Any]) -> bool:
    """Whether a reasoning item can go back when nothing is stored: it carries the reasoning
    itself, encrypted (`encrypted_content`), signed (a `signature`, as OpenRouter relays
    Anthropic's), or as the text open-weight servers return (`content` parts)."""
    return bool(item.get("encrypted_content") or item.get("signature") or item.get("content"))


def _agrees(items: list[Any], message: AssistantMessage) -> bool:
    """Whether the items still say what the message says: its text and its tool calls. A
    message changed after it was received is sent as it now is, not as it came."""
    text: list[str] = []
    calls: list[tuple[Any, Any, Any]] = []
    for item in items:
        if not isinstance(item, dict):
            continue
        kind = item.get("type")
        if kind == "message":
            content = item.get("content")  # a list, unless the message was tampered with
            for part in content if isinstance(content, list) else ():
                if isinstance(part, dict) and part.get("type") == "output_text":
                    text.append(str(part.get("text") or ""))
        elif kind == "function_call":
            calls.append((item.get("call_id"), item.get("name"), item.get("arguments")))
    return "".join(text) == message.text and calls == [
        (call.id, call.name, call.arguments) for call in message.tool_calls
    ]


def _assistant_items(
    message: AssistantMessage, received: Any, warnings: list[RequestWarning]
) -> list[dict[str, Any]]:
    """An assistant message that did not come from the Responses API as it is now: an output
    message and its function calls. Reasoning cannot go with them (see the module docstring)."""
    _warn_uncarried(message, received, warnings)
    items: list[dict[str, Any]] = []
    content: list[dict[str, Any]] = []
    if message.text:
        content.append({"type": "output_text", "text": message.text})
    if message.refusal:
        content.append({"type": "refusal", "refusal": message.refusal})
    if content:
        items.append({"type": "message", "role": "assistant", "content": content})
    for call in message.tool_calls:
        items.append(
            {
                "type": "function_call",
                "call_id": call.id,
                "name": call.name,
                "arguments": call.arguments,
            }
        )
    return items


def _warn_uncarried(
    message: AssistantMessage, received: Any, warnings: list[RequestWarning]
) -> None:
    """A warning for each kind of thing on `message` that cannot go to the Responses API."""
    if received is not None:
        warnings.append(
            RequestWarning(
                message="an assistant message was changed after it came from the Responses API: "
                "it goes back as it now is (text and tool calls), without the reasoning and "
                "other items it was received with",
                parameter="messages",
            )
        )
    elif message.reasoning:
        warnings.append(
            RequestWarning(
                message="dropped the reasoning text of an assistant message: the Responses API "
                "takes back only the reasoning items it produced (with their encrypted content)",
                parameter="messages",
            )
        )
    other = sorted(key for key in message.provider_state if key != OUTPUT_ITEMS)
    if other:
        warnings.append(
            RequestWarning(
                message=f"dropped {', '.join(other)} of an assistant message: chat completions "
                "state has no place in the Responses API",
                parameter="messages",
            )
        )
    stated = [call.id for call in message.tool_calls if call.provider_state]
    if stated:
        warnings.append(
            RequestWarning(
                message=f"dropped the provider state of tool call(s) {', '.join(stated)} "
                f"({json.dumps(sorted({k for c in message.tool_calls for k in c.provider_state}))}"
                "): chat completions state has no place in the Responses API",
                parameter="messages",
            )
        )
