"""Azure OpenAI: OpenAI's models deployed in an Azure resource."""

from __future__ import annotations

import os
from collections.abc import Mapping

from ..errors import ConfigurationError
from .openai import OpenAI

__all__ = ["AzureOpenAI"]


class AzureOpenAI(OpenAI):
    """Azure OpenAI. Reads `AZURE_OPENAI_API_KEY` and `AZURE_OPENAI_ENDPOINT`.

    - `endpoint` is the resource, `https://<resource>.openai.azure.com`. By default calls go to
      the v1 API, `{endpoint}/openai/v1/chat/completions`, and `model` names the deployment.
      With `deployment` (and `api_version`, default `2024-10-21`) they go to the older
      `{endpoint}/openai/deployments/<deployment>/chat/completions?api-version=...` instead.
    - The key travels in the `api-key` header; `azure_ad_token` (an Entra ID token) is sent as
      `Authorization: Bearer` in its place.
    - As on OpenAI, reasoning deployments named after their model (`gpt-5-mini`, `o4-mini`) take
      `max_completion_tokens` and lose the sampling parameters they refuse, with a warning; for
      a deployment named otherwise, pass `max_completion_tokens=` yourself.
    - Streams begin with a chunk of `prompt_filter_results` and carry `content_filter_results`:
      both are kept in `AssistantMessage.extras`; a filtered reply finishes with
      `content_filter`.
    - `message.cost` comes from genai-prices' Azure price list, by the model the reply names
      (`gpt-4o-mini-2024-07-18`), whatever the deployment is called.
    - `api="responses"` speaks the Responses API of the v1 API,
      `{endpoint}/openai/v1/responses` (same key, `model` names the deployment); the older
      per-deployment URL has none, so `deployment=` with it is refused. Responses carry
      Azure's `content_filters`, kept in `AssistantMessage.extras`.

    Args:
        api_key: The resource's key; read from `AZURE_OPENAI_API_KEY` when None.
        endpoint: `https://<resource>.openai.azure.com`; read from `AZURE_OPENAI_ENDPOINT`
            when None.
        deployment: A deployment name, for the older per-deployment URL (then `model` is
            ignored by Azure); None: the v1 API, where `model` names the deployment.
        api_version: The `api-version` of the per-deployment URL (`2024-10-21`).
        azure_ad_token: An Entra ID token, sent as a Bearer in place of the key.
        headers: HTTP headers added to every request.
        api: `"chat"` (chat completions, the default) or `"responses"` (the Responses API, on
            the v1 API only).
    """

    name = "azure"
    telemetry_name = "azure.ai.openai"
    default_base_url = ""
    api_key_env = "AZURE_OPENAI_API_KEY"
    genai_prices_id = "azure"

    def __init__(
        self,
        api_key: str | None = None,
        *,
        endpoint: str | None = None,
        deployment: str | None = None,
        api_version: str = "2024-10-21",
        azure_ad_token: str | None = None,
        headers: Mapping[str, str] | None = None,
        api: str = "chat",
    ) -> None:
        if deployment and api == "responses":
            raise ConfigurationError(
                "AzureOpenAI(deployment=...) sends to the older per-deployment URL, which has "
                "no Responses API: leave deployment out to use the v1 API "
                "({endpoint}/openai/v1/responses), where model= names the deployment"
            )
        endpoint = endpoint or os.environ.get("AZURE_OPENAI_ENDPOINT")
        if not endpoint:
            raise ConfigurationError(
                "AzureOpenAI needs the resource's endpoint: pass AzureOpenAI(endpoint="
                "'https://<resource>.openai.azure.com') or set AZURE_OPENAI_ENDPOINT"
            )
        endpoint = endpoint.rstrip("/")
        self.deployment = deployment
        self.api_version = api_version
        base_url = (
            f"{endpoint}/openai/deployments/{deployment}" if deployment else f"{endpoint}/openai/v1"
        )
        # An Entra ID token replaces the key; the base class checks whichever is used.
        self.requires_api_key = azure_ad_token is None
        self._bearer = azure_ad_token is not None
        super().__init__(
            azure_ad_token if azure_ad_token is not None else api_key,
            base_url=base_url,
            headers=headers,
            api=api,
        )

    @property
    def url(self) -> str:
        if self.deployment:
            return f"{super().url}?api-version={self.api_version}"
        return super().url

    def request_headers(self) -> dict[str, str]:
        headers = super().request_headers()
        if not self._bearer and self.api_key is not None:
            del headers["Authorization"]
            headers["api-key"] = self.api_key.get_secret_value()
        return headers
