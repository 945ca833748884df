"""The sans-IO core: request bodies out, response bytes in, typed events and messages out.

Nothing in this package touches a socket, a thread or an event loop; it imports no httpx, anyio
or threading (tests/test_layers.py fails if it ever does). `llmstream._io` drives it.

- `request`: what a call asks (`ChatRequest`), and its JSON body in the provider's wire;
- `wire`: the wire formats behind one seam, each a request encoder and a response reader:
  `wire.chat` (chat completions) and `wire.responses` (the Responses API);
- `sse`: the server-sent-events decoder (bytes in, `(event, data)` out);
- `accumulator`: the pieces of one reply, built into the `AssistantMessage`;
- `parser`: one HTTP response's body (events, a whole reply, or an error body) through the
  decoder and the wire's reader;
- `error_bodies`, `status_errors`: the errors providers send, read into typed exceptions;
- `usage`, `ratelimits`: token counts and rate-limit headers, normalised;
- `partial_json`: JSON text arriving in pieces, read incrementally into growing partial values.
"""
