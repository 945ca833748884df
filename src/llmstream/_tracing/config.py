"""How a client traces: the `Tracing` option, and the tracer one call gets (or None).

opentelemetry is never imported here: a program that has not imported it has no tracer
provider to trace with, so an untraced call looks at `sys.modules` and stops.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .._public import publish
from ..errors import ConfigurationError

if TYPE_CHECKING:
    from opentelemetry.context import Context
    from opentelemetry.trace import Tracer, TracerProvider

__all__ = ["CONTENT_ENV", "SCHEMA_URL", "Tracing", "checked_tracing", "current_context"]

SCHEMA_URL = "https://opentelemetry.io/schemas/1.41.0"
CONTENT_ENV = "OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT"
# The values of CONTENT_ENV that record content on spans: `true` (the conventions' own), and
# the span modes of the newer instrumentations (`SPAN_ONLY`, `SPAN_AND_EVENT`).
_CONTENT_ON = frozenset({"true", "1", "span_only", "span_and_event"})


@dataclass(frozen=True)
class Tracing:
    """How a client traces its calls with OpenTelemetry: `ls.AsyncClient(..., tracing=...)`.

    - `enabled` (True): False traces nothing, whatever is configured (`tracing=False` says
      the same).
    - `tracer_provider`: the `TracerProvider` to trace with. None (the default): the global one,
      looked up at every call, so a provider set after the client was made is used; while it is
      the API's no-op default (or opentelemetry was never imported), nothing is traced.
    - `record_content`: put the messages (prompts, replies, reasoning, tool arguments and
      results) on the spans. None (the default): as the environment variable
      `OTEL_INSTRUMENTATION_GENAI_CAPTURE_MESSAGE_CONTENT` says, read at each call: on for
      `true` (or `SPAN_ONLY`, `SPAN_AND_EVENT`), off otherwise. They may hold personal data.

    See docs/telemetry.md for the spans and their attributes.
    """

    enabled: bool = True
    tracer_provider: TracerProvider | None = None
    record_content: bool | None = None

    def tracer(self) -> Tracer | None:
        """The tracer for one call, or None when this call records nothing."""
        if not self.enabled:
            return None
        provider = self.tracer_provider
        if provider is None:
            # Only code that imported opentelemetry.trace can have set a tracer provider.
            api = sys.modules.get("opentelemetry.trace")
            if api is None:
                return None
            provider = api.get_tracer_provider()
            if isinstance(provider, (api.ProxyTracerProvider, api.NoOpTracerProvider)):
                return None
        return _tracer_of(provider)

    def content(self) -> bool:
        """Whether messages go on the spans (the option, else the environment variable)."""
        if self.record_content is not None:
            return self.record_content
        return os.environ.get(CONTENT_ENV, "").strip().lower() in _CONTENT_ON


def checked_tracing(tracing: object) -> Tracing:
    """A client's `tracing=` argument: a `Tracing`, or True / None (the default) / False."""
    if tracing is None or tracing is True:
        return Tracing()
    if tracing is False:
        return Tracing(enabled=False)
    if isinstance(tracing, Tracing):
        return tracing
    raise ConfigurationError(
        f"tracing must be ls.Tracing(...), True or False, got {type(tracing).__name__}; for "
        "example tracing=ls.Tracing(record_content=True)"
    )


_last_tracer: tuple[object, Tracer | None] | None = None


def _tracer_of(provider: TracerProvider) -> Tracer | None:
    """The provider's tracer for llmstream, kept for the next call with the same provider."""
    global _last_tracer
    last = _last_tracer
    if last is not None and last[0] is provider:
        return last[1]
    from opentelemetry import trace

    from .._version import __version__

    tracer: Tracer | None = provider.get_tracer("llmstream", __version__, schema_url=SCHEMA_URL)
    if isinstance(tracer, trace.NoOpTracer):  # e.g. the SDK with OTEL_SDK_DISABLED=true
        tracer = None
    _last_tracer = (provider, tracer)
    return tracer


def current_context() -> Context | None:
    """The caller's OpenTelemetry context, to parent spans made in another thread (a sync
    agent run's event loop); None when opentelemetry was never imported."""
    if "opentelemetry.context" not in sys.modules:
        return None
    from opentelemetry import context

    return context.get_current()


publish(globals(), "llmstream")
