"""A fake Responses API that holds every request to the rules OpenAI's API enforces on the
history it is sent, and answers a broken one with the API's own 400 or 404.

Replies come from a `FakeLLM` script (reasoning items with encrypted content when the request
asks for it, messages, function calls); what it sent is read back from the response, as a client
would, and remembered: the items stored (`store` true, by id), the responses stored (for
`previous_response_id`), and, for each reasoning item, the item that followed it. A request is
refused when:

- an item carries an `id` the API never stored: 404 "Item with id '...' not found. Items are not
  persisted when `store` is set to false..." (an item replayed with its id after a `store: false`
  call);
- a reasoning item is not followed by the item that followed it in its response: 400 "Item
  '...' of type 'reasoning' was provided without its required following item." (reasoning
  dropped, reordered, or sent without its call);
- a function call sent by its id comes without the reasoning item (by id) that preceded it:
  400 "... was provided without its required 'reasoning' item: '...'";
- a reasoning item has neither an id nor `encrypted_content`, or encrypted content this API
  never issued: 400;
- `previous_response_id` names no stored response: 404; an item repeats one the continued
  conversation already holds: 400 "Duplicate item found with id ...";
- a `function_call_output` answers no function call of the conversation: 400 "No tool call
  found for function call output with call_id ...".

`rejected` lists every refusal; `carried` the reasoning items each request sent back.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from typing import Any

import llmstream as ls
from llmstream.testing import Entry, FakeLLM
from llmstream.testing._render import Plan, Send

from .corpus import TEST_KEY
from .responses import events_of

ENCRYPTED = "reasoning.encrypted_content"


class Rejection(Exception):
    def __init__(self, status: int, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code


def _follower_key(item: dict[str, Any]) -> tuple[str, str]:
    """What identifies the item that must follow a reasoning item, replayed without its id."""
    if item.get("type") == "function_call":
        return ("function_call", str(item.get("call_id")))
    if item.get("type") == "message":
        texts = [p.get("text", "") for p in item.get("content") or () if isinstance(p, dict)]
        return ("message", "".join(texts))
    return (str(item.get("type")), json.dumps(item, sort_keys=True))


class StrictResponsesAPI:
    """A `Responder` (serve it with `FakeTransport` or `FakeServer`) enforcing the rules above."""

    def __init__(self, *script: Entry) -> None:
        self.fake = FakeLLM(*script, api="responses")
        self.rejected: list[Rejection] = []
        self.carried: list[list[dict[str, Any]]] = []
        self._lock = threading.Lock()
        self._stored_items: dict[str, dict[str, Any]] = {}  # by id
        self._conversations: dict[str, list[dict[str, Any]]] = {}  # stored response: all items
        self._follower: dict[str, tuple[str, str] | None] = {}  # reasoning (id or content)
        self._reasoning_of_call: dict[str, str] = {}  # function call id: its reasoning's id
        self._issued: set[str] = set()  # encrypted contents sent

    @property
    def requests(self) -> list[Any]:
        return self.fake.requests

    def provider(self, base_url: str, **options: Any) -> Any:
        options.setdefault("api_key", TEST_KEY)
        return ls.OpenAI(base_url=base_url, api="responses", **options)

    # -- answering ------------------------------------------------------------------------
    def respond(
        self, method: str, path: str, headers: Iterable[tuple[str, str]], body: bytes
    ) -> Plan:
        request = json.loads(body) if body else {}
        with self._lock:
            try:
                self._check(request)
            except Rejection as rejection:
                self.rejected.append(rejection)
                error = {
                    "message": rejection.message,
                    "type": "invalid_request_error",
                    "param": "input",
                    "code": rejection.code,
                }
                payload = json.dumps({"error": error}).encode()
                return Plan(
                    rejection.status, [("content-type", "application/json")], [Send(payload)], False
                )
        plan = self.fake.respond(method, path, headers, body)
        with self._lock:
            self._learn(request, plan)
        return plan

    # -- the rules ------------------------------------------------------------------------
    def _check(self, request: dict[str, Any]) -> None:
        items = request.get("input")
        items = [{"role": "user", "content": items}] if isinstance(items, str) else items or []
        earlier: list[dict[str, Any]] = []
        previous = request.get("previous_response_id")
        if previous is not None:
            if previous not in self._conversations:
                raise Rejection(
                    404,
                    f"Previous response with id '{previous}' not found.",
                    "previous_response_not_found",
                )
            earlier = list(self._conversations[previous])
        known_ids = {item.get("id") for item in earlier if item.get("id")}
        calls = {item.get("call_id") for item in earlier if item.get("type") == "function_call"}
        self.carried.append([item for item in items if item.get("type") == "reasoning"])
        for position, item in enumerate(items):
            item_id = item.get("id")
            if item_id:
                if item_id in known_ids:
                    raise Rejection(
                        400,
                        f"Duplicate item found with id {item_id}. Remove "
                        "duplicate items from your input and try again.",
                    )
                if item_id not in self._stored_items:
                    raise Rejection(
                        404,
                        f"Item with id '{item_id}' not found. Items are not "
                        "persisted when `store` is set to false. Try again with "
                        "`store` set to true, or remove this item from your input.",
                    )
            kind = item.get("type")
            if kind == "reasoning":
                self._check_reasoning(item, items[position + 1 :])
            elif kind == "function_call":
                calls.add(item.get("call_id"))
                needed = self._reasoning_of_call.get(str(item_id)) if item_id else None
                if needed and needed not in {i.get("id") for i in items[:position]}:
                    raise Rejection(
                        400,
                        f"Item '{item_id}' of type 'function_call' was provided "
                        f"without its required 'reasoning' item: '{needed}'.",
                    )
            elif kind == "function_call_output" and item.get("call_id") not in calls:
                raise Rejection(
                    400,
                    "No tool call found for function call output with call_id "
                    f"{item.get('call_id')}.",
                )

    def _check_reasoning(self, item: dict[str, Any], after: list[dict[str, Any]]) -> None:
        encrypted = item.get("encrypted_content")
        key = item.get("id") or encrypted
        if not key:
            raise Rejection(
                400,
                "A reasoning item needs its id (when stored) or its "
                "encrypted_content (include 'reasoning.encrypted_content').",
            )
        if encrypted and encrypted not in self._issued:
            raise Rejection(
                400, "The encrypted content could not be verified.", "invalid_encrypted_content"
            )
        follower = self._follower.get(str(key))
        if follower is not None and (not after or _follower_key(after[0]) != follower):
            name = item.get("id") or "rs_(unstored)"
            raise Rejection(
                400,
                f"Item '{name}' of type 'reasoning' was provided without its "
                "required following item.",
            )

    # -- what was sent --------------------------------------------------------------------
    def _learn(self, request: dict[str, Any], plan: Plan) -> None:
        if plan.status != 200:
            return
        sent = b"".join(step.data for step in plan.steps if isinstance(step, Send)).decode()
        response = _final_response(sent)
        if response is None:
            return
        output = [item for item in response.get("output") or () if isinstance(item, dict)]
        for position, item in enumerate(output):
            if item.get("type") != "reasoning":
                continue
            follower = _follower_key(output[position + 1]) if position + 1 < len(output) else None
            if item.get("encrypted_content"):
                self._issued.add(item["encrypted_content"])
                self._follower[item["encrypted_content"]] = follower
            self._follower[item["id"]] = follower
            for later in output[position + 1 :]:
                if later.get("type") == "reasoning":
                    break
                if later.get("type") == "function_call":
                    self._reasoning_of_call[later["id"]] = item["id"]
        if request.get("store", True):
            earlier = self._conversations.get(request.get("previous_response_id") or "", [])
            items = request.get("input") or []
            if isinstance(items, str):
                items = [{"role": "user", "content": items}]
            self._conversations[response["id"]] = [*earlier, *items, *output]
            self._stored_items.update((item["id"], item) for item in output if item.get("id"))


def _final_response(sent: str) -> dict[str, Any] | None:
    if sent.startswith(("event:", "data:")):
        ends = ("response.completed", "response.incomplete")
        found = [e["response"] for e in events_of(sent) if e.get("type") in ends]
        return found[-1] if found else None
    try:
        value = json.loads(sent)
    except ValueError:
        return None
    return value if isinstance(value, dict) and "output" in value else None
