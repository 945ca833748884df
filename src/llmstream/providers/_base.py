"""What llmstream needs to know about one chat-completions provider.

A provider is mostly data: where it lives, which environment variable holds its key, where its
stream carries reasoning and usage, how it wants reasoning replayed in history. The few rules
that are code (which output-limit field a model takes, which parameters it rejects) are small
methods a subclass overrides. The streaming core never asks which provider it is talking to:
what it reads of one is `llmstream._core.provider.ProviderSpec`, which `Provider` extends with
where the API lives and the credentials it takes.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping
from urllib.parse import SplitResult, urlsplit

from pydantic import SecretStr

from .._core.checks import check_api_key, check_base_url, check_headers
from .._core.provider import ProviderSpec
from .._core.wire import check_api, wire_for
from .._public import publish
from ..errors import ConfigurationError

__all__ = ["Provider"]


def _is_loopback(host: str) -> bool:
    if host in ("localhost", "localhost.localdomain") or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class Provider(ProviderSpec):
    """A chat-completions API: base URL, credentials, and its quirks.

    Use the ready ones (`OpenAI`, `Groq`, `Cerebras`, `XAI`, `OpenAICompatible`, `OpenRouter`,
    `AzureOpenAI`); subclass this to describe another, setting the class attributes below that
    differ and overriding a hook method only where the API breaks the usual rules.

    Args:
        api_key: The API key. None: read from the variable `api_key_env` names when the
            provider is made; a provider that needs a key and finds none raises
            `ConfigurationError` naming the variable. Whitespace at its ends is removed. Kept
            as a `SecretStr`: it never appears in a repr, an error or a log line.
        base_url: The API's address, up to `/v1` (`default_base_url` when None): a proxy, a
            regional endpoint, a replay server.
        headers: HTTP headers added to every request.
        allow_insecure_http: Send the key over plain `http://` to a host other than loopback
            (refused by default: anyone on the path could read it).
        api: The API to speak: `"chat"` (chat completions, `{base_url}/chat/completions`, the
            default) or `"responses"` (the Responses API, `{base_url}/responses`; see
            docs/responses.md). None: the class's `api`.

    Attributes:
        name: The provider's name in errors, logs and `message.provider`.
        api: The wire format it speaks: `"chat"` (chat completions, the default) or
            `"responses"` (the Responses API).
        served_apis: The APIs the provider serves; `api=` names one of them.
        stores_responses: Whether its Responses API keeps responses (`store=True`,
            `previous_response_id`); False for a stateless one.
        encrypted_reasoning: Whether its Responses API returns encrypted reasoning when asked
            (`include: ["reasoning.encrypted_content"]`).
        default_base_url: Where the API lives when `base_url` is not given.
        api_key_env: The environment variable the key is read from.
        requires_api_key: Whether a missing key is an error (False for local servers).
        reasoning_fields: Where a delta carries reasoning text, in order of preference.
        reasoning_history_field: The assistant-message field reasoning is sent back in, in
            history; None: never sent.
        completion_excludes_reasoning: True when `completion_tokens` leaves reasoning tokens
            out (they are added back to `output_tokens`); None infers it from the totals.
        usage_extras: Usage fields also copied into `AssistantMessage.extras` (e.g. cost).
        ignored_chunk_fields: Top-level chunk fields that change on every chunk and mean
            nothing afterwards (OpenAI's `obfuscation`).
        unsupported_parameters: Chat-completions request fields the API does not take
            (`{"logit_bias": "why"}`): dropped with a `RequestWarning` that gives the reason,
            for every model (`rejected_parameters()` decides per model).
        request_id_headers: The response headers that carry the request id.
        output_mode: How a bare `output=Model` is asked for: `"native"`, `"tool"` or
            `"prompted"`.
        think_tags: Tags around reasoning written inside the answer, split out into
            reasoning; None: the content is all answer.
    """

    # `gen_ai.provider.name` in OpenTelemetry traces, when the conventions know the provider by
    # another name (xAI is `x_ai`); None: `name`.
    telemetry_name: str | None = None
    default_base_url: str = ""
    api_key_env: str | None = None
    requires_api_key: bool = True
    served_apis: tuple[str, ...] = ("chat", "responses")
    # `name` and the rest the core reads (reasoning and usage fields, ignored chunk fields,
    # request id headers, output mode, think tags, cost), with the standard answers and the
    # hooks, are `ProviderSpec`'s.

    def __init__(
        self,
        api_key: str | None = None,
        *,
        base_url: str | None = None,
        headers: Mapping[str, str] | None = None,
        allow_insecure_http: bool = False,
        api: str | None = None,
    ) -> None:
        owner = type(self).__name__
        self.api = check_api(self.api if api is None else api, owner, self.served_apis)
        if api_key is None and self.api_key_env:
            api_key = os.environ.get(self.api_key_env) or None
        if api_key is None and self.requires_api_key:
            where = f" or set {self.api_key_env}" if self.api_key_env else ""
            raise ConfigurationError(f"{owner} needs an API key: pass {owner}(api_key=...){where}")
        self.api_key: SecretStr | None = (
            SecretStr(check_api_key(api_key, owner)) if api_key is not None else None
        )
        if base_url is None and not self.default_base_url:
            raise ConfigurationError(f"{owner} needs a base_url")
        url = self.default_base_url if base_url is None else base_url
        parts = check_base_url(url, owner)
        self.base_url = url.rstrip("/")
        self.headers = check_headers(headers or {}, "headers")
        self._check_transport_security(parts, allow_insecure_http)

    def _check_transport_security(self, parts: SplitResult, allow_insecure_http: bool) -> None:
        if (
            self.api_key is not None
            and parts.scheme == "http"
            and not _is_loopback(parts.hostname or "")
            and not allow_insecure_http
        ):
            raise ConfigurationError(
                f"refusing to send an API key over plain http to {parts.hostname}: anyone on the "
                "path could read it. Use https, or pass allow_insecure_http=True if this network "
                "is trusted."
            )

    def __repr__(self) -> str:
        key = "None" if self.api_key is None else "'**********'"
        api = "" if self.api == "chat" else f", api={self.api!r}"
        return f"{type(self).__name__}(base_url={self.base_url!r}, api_key={key}{api})"

    # -- the request -----------------------------------------------------------------------
    @property
    def url(self) -> str:
        """Where requests go: `base_url` and the path of the API the provider speaks
        (`/chat/completions`, or `/responses`)."""
        return f"{self.base_url}{wire_for(self).path}"

    @property
    def display_url(self) -> str:
        """`url` as it is safe to show in an error or a log: no credentials, no query."""
        parts = urlsplit(self.url)
        host = parts.hostname or ""
        if parts.port is not None:
            host = f"{host}:{parts.port}"
        return f"{parts.scheme}://{host}{parts.path}"

    def request_headers(self) -> dict[str, str]:
        headers = {"Accept": "application/json", **self.headers}
        if self.api_key is not None:
            headers["Authorization"] = f"Bearer {self.api_key.get_secret_value()}"
        return headers


publish(globals(), "llmstream")
