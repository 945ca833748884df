"""Chat messages: what you send, and the `AssistantMessage` a call gives back.

Build them with the short helpers (`system`, `user`, `assistant`, `tool_result`, `image`) or the
classes. An `AssistantMessage` returned by a stream goes back into the next request's messages
as it is: llmstream replays its tool calls, and its reasoning to the providers that accept it.
"""

from __future__ import annotations

import base64
import json
import mimetypes
from collections.abc import Iterator
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any, Literal

import pydantic_core
from pydantic import BaseModel, ConfigDict, Field, model_serializer

from ._vocabulary.cost import Cost
from ._vocabulary.deferred import deferrable, settle_fields
from ._vocabulary.logprobs import TokenLogprob
from ._vocabulary.ratelimits import RateLimits
from ._vocabulary.reprs import Count, ImageSource, ShortRepr
from ._vocabulary.root_errors import ConfigurationError, LLMStreamError
from ._vocabulary.usage import Usage

__all__ = [
    "AssistantMessage",
    "Citation",
    "ContentPart",
    "FinishReason",
    "ImagePart",
    "Message",
    "SystemMessage",
    "TextPart",
    "ToolCall",
    "ToolMessage",
    "UserMessage",
    "assistant",
    "image",
    "system",
    "tool_result",
    "user",
]

FinishReason = Literal["stop", "length", "tool_calls", "content_filter", "other"]
"""Why the model stopped, normalised. The provider's own word stays in `raw_finish_reason`."""


class ToolCall(ShortRepr):
    """One tool call the model asked for.

    `arguments` is the JSON text exactly as the model wrote it (it is replayed unchanged in the
    next request); `parsed_arguments` is that text parsed.
    """

    model_config = ConfigDict(frozen=True, ignored_types=(cached_property,))
    __match_args__ = ("name", "arguments")

    id: str
    name: str
    arguments: str = ""
    type: Literal["function"] = "function"
    provider_state: dict[str, Any] = Field(default_factory=dict, repr=False)
    """What the provider sent on this call that must go back with it (Gemini's
    `extra_content` thought signature); replayed unchanged."""

    @cached_property
    def parsed_arguments(self) -> Any:
        """The arguments as Python data; `{}` when the model sent none.

        Raises `ToolArgumentsError` (a `ValueError`) when the text is not valid JSON.
        """
        if not self.arguments.strip():
            return {}
        try:
            return json.loads(self.arguments)
        except ValueError as exc:
            raise ToolArgumentsError(
                f"tool call {self.id!r} to {self.name!r} has arguments that are not valid JSON "
                f"({exc}); the raw text is in `ToolCall.arguments`",
                tool_call=self,
            ) from None


class ToolArgumentsError(LLMStreamError, ValueError):
    """A tool call's `arguments` text is not valid JSON."""

    # Defined beside the `ToolCall` it carries, and part of `llmstream.errors` all the same.
    __module__ = "llmstream.errors"

    def __init__(self, message: str, *, tool_call: ToolCall) -> None:
        super().__init__(message)
        self.tool_call = tool_call


class Citation(ShortRepr):
    """A source the reply cites: a web page (`url`, `title`) or a file (`file_id`, `filename`).

    `start` and `end` are the cited span as offsets into `message.text` (`message.text[start:
    end]`), None when the provider gives no span (a bare URL from a `citations` list); a file
    citation that marks one place in the text has `start == end` there. `raw` is the provider's
    annotation as received (OpenAI's `url_citation`, `file_citation`,
    `container_file_citation`, `file_path`, or a type yet to come), so nothing is lost; a URL
    from a top-level `citations` list (xAI, Perplexity) is `{"url": ...}`.
    """

    model_config = ConfigDict(frozen=True)

    url: str | None = None
    title: str | None = None
    start: int | None = None
    end: int | None = None
    file_id: str | None = None
    filename: str | None = None
    raw: dict[str, Any] = Field(default_factory=dict, repr=False)


class TextPart(ShortRepr):
    """Text inside a multi-part user message."""

    model_config = ConfigDict(frozen=True)
    type: Literal["text"] = "text"
    text: str


class ImagePart(ShortRepr):
    """An image inside a user message: an https URL or a `data:` URL. Build one with `image()`."""

    model_config = ConfigDict(frozen=True)
    type: Literal["image_url"] = "image_url"
    url: str = Field(repr=False)
    detail: Literal["auto", "low", "high"] | None = None

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        yield None, ImageSource(self.url)  # the kind and size, never the base64
        yield from super().__repr_args__()


ContentPart = Annotated[TextPart | ImagePart, Field(discriminator="type")]


class SystemMessage(ShortRepr):
    model_config = ConfigDict(frozen=True)
    role: Literal["system"] = "system"
    content: str


class UserMessage(ShortRepr):
    model_config = ConfigDict(frozen=True)
    role: Literal["user"] = "user"
    content: str | list[ContentPart]


class ToolMessage(ShortRepr):
    """A tool's result, answering the tool call with the same id."""

    model_config = ConfigDict(frozen=True)
    role: Literal["tool"] = "tool"
    tool_call_id: str
    content: str


class AssistantMessage(ShortRepr):
    """The model's whole reply: what a stream assembles, and what `generate()` returns.

    `finish_reason` is normalised (`stop`, `length`, `tool_calls`, `content_filter`, `other`);
    `raw_finish_reason` is the provider's own word. `cost` is what the reply cost (see `Cost`).
    `extras` keeps the provider's extra fields (timings, cost ticks, `x_groq`,
    `system_fingerprint`...); `request_id` and `limits` come from the response headers.
    `citations` are the sources the answer cites (web search), in the order they arrived.
    Append it to the next request's messages as it is.
    """

    model_config = ConfigDict(frozen=True)

    role: Literal["assistant"] = "assistant"
    text: str = ""
    reasoning: str = ""
    refusal: str | None = None
    tool_calls: list[ToolCall] = Field(default_factory=list)
    citations: list[Citation] = Field(default_factory=list, repr=False)
    """The sources the answer cites, in order (`Citation`: a web page or a file, with the span
    of `text` it supports when the provider gives one). The repr shows how many."""
    finish_reason: FinishReason | None = None
    raw_finish_reason: str | None = None
    usage: Usage | None = None
    cost: Cost | None = None
    """What the reply cost: the provider's own figure (xAI, OpenRouter), else genai-prices'
    price for `usage` on `model` at the prices in force when the reply finished (with the
    `cost` extra installed); None for a model or server that is not priced. A streamed or
    generated reply works it out the first time it is read (by you, `model_dump()`, `==` or
    `repr()`), then keeps it: a caller who never reads it never pays for pricing."""
    model: str | None = None
    id: str | None = None
    request_id: str | None = None
    limits: RateLimits | None = Field(default=None, repr=False)
    provider: str | None = None
    extras: dict[str, Any] = Field(default_factory=dict, repr=False)
    output: Any = None
    """The structured output validated into its model, when the call asked for one (`output=`)."""
    logprobs: list[TokenLogprob] | None = Field(default=None, repr=False)
    """The answer's tokens with their log probabilities, in order, when the call asked for them
    (`logprobs=True`) and the provider sent them; None otherwise."""
    refusal_logprobs: list[TokenLogprob] | None = Field(default=None, repr=False)
    """The same for the tokens of a refusal (OpenAI)."""
    provider_state: dict[str, Any] = Field(default_factory=dict, repr=False)
    """What the provider sent that the next request must carry back unchanged (OpenRouter's and
    the Vercel gateway's `reasoning_details`, with Anthropic signatures and Gemini's encrypted
    reasoning); replayed in the same fields, in place of the plain reasoning field."""

    _settle_cost = model_serializer(mode="wrap")(settle_fields)

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        yield from super().__repr_args__()
        if self.citations:  # a reply may cite dozens of pages: their number, not each one
            yield "citations", Count(len(self.citations), "citation")


deferrable(AssistantMessage, "cost")  # a reply's cost is priced when first read

Message = Annotated[
    SystemMessage | UserMessage | AssistantMessage | ToolMessage,
    Field(discriminator="role"),
]


def system(content: str) -> SystemMessage:
    """A system message."""
    return SystemMessage(content=content)


def user(*content: str | TextPart | ImagePart) -> UserMessage:
    """A user message: `user("hi")`, or text and images: `user("What is this?", image(path))`."""
    if len(content) == 1 and isinstance(content[0], str):
        return UserMessage(content=content[0])
    if not content:
        raise ConfigurationError("user() needs some content: a string, or text and image parts")
    parts: list[TextPart | ImagePart] = []
    for item in content:
        if isinstance(item, str):
            parts.append(TextPart(text=item))
        elif isinstance(item, (TextPart, ImagePart)):
            parts.append(item)
        else:
            raise ConfigurationError(
                f"user() takes text and image parts, got {type(item).__name__}; for example "
                "ls.user('What is in this picture?', ls.image('photo.png'))"
            )
    return UserMessage(content=parts)


def assistant(text: str = "", *, tool_calls: list[ToolCall] | None = None) -> AssistantMessage:
    """An assistant message written by hand (e.g. for few-shot history)."""
    return AssistantMessage(text=text, tool_calls=tool_calls or [])


def tool_result(call: ToolCall | str, content: Any) -> ToolMessage:
    """The result of a tool call, given the call (or its id).

    `content` is what the model is told: text as it is, anything else (a dict, a list, a
    pydantic model...) as JSON, as the agent does with a tool's return value.
    """
    if isinstance(call, ToolCall):
        call_id = call.id
    elif isinstance(call, str):
        call_id = call
    else:
        raise ConfigurationError(
            f"tool_result() answers a ToolCall (or its id), got {type(call).__name__}; for "
            "example ls.tool_result(reply.tool_calls[0], '40 C')"
        )
    return ToolMessage(tool_call_id=call_id, content=output_text(content))


def output_text(value: Any) -> str:
    """A tool's result as the text the model receives: `str` as is, anything else JSON."""
    if isinstance(value, str):
        return value
    if isinstance(value, BaseModel):
        return value.model_dump_json()
    try:
        return pydantic_core.to_json(value).decode()
    except pydantic_core.PydanticSerializationError:
        return json.dumps(str(value))


_IMAGE_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)


def _sniff_media_type(data: bytes) -> str | None:
    for signature, media_type in _IMAGE_SIGNATURES:
        if data.startswith(signature):
            return media_type
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


def image(
    source: str | bytes | Path,
    *,
    media_type: str | None = None,
    detail: Literal["auto", "low", "high"] | None = None,
) -> ImagePart:
    """An image part from a URL, raw bytes or a file path.

    Bytes and files are sent inline as a base64 `data:` URL; the media type is taken from
    `media_type`, else recognised from the bytes (PNG, JPEG, GIF, WebP), else from the file name.
    """
    if not isinstance(source, (str, bytes, Path)):
        raise ConfigurationError(
            f"image() takes a URL, a file path or the image's bytes, got {type(source).__name__}"
        )
    if isinstance(source, str) and source.startswith(("http://", "https://", "data:")):
        return ImagePart(url=source, detail=detail)
    if isinstance(source, (str, Path)):
        path = Path(source)
        data = path.read_bytes()
        media_type = media_type or _sniff_media_type(data) or mimetypes.guess_type(path.name)[0]
    else:
        data = source
        media_type = media_type or _sniff_media_type(data)
    if not media_type:
        raise ConfigurationError(
            "could not tell the image's media type from its bytes; pass media_type='image/png' "
            "(or the right type)"
        )
    encoded = base64.b64encode(data).decode("ascii")
    return ImagePart(url=f"data:{media_type};base64,{encoded}", detail=detail)
