"""The sans-IO core: request bodies out, response bytes in, typed events and messages out.

Nothing in this package touches a socket, a thread or an event loop; it imports no httpx, anyio
or threading (tests/test_layers.py fails if it ever does). `llmstream._io` drives it.

It stands on the vocabulary (`llmstream.messages`, `events`, `errors`, `_vocabulary`) and on
nothing above it: what it needs of a provider is `provider.ProviderSpec`, which it owns and the
providers extend.

- `provider`: `ProviderSpec`, what the core asks of a provider, with the standard answers;
- `request`: what a call asks (`ChatRequest`), and its JSON body in the provider's wire;
- `wire`: the wire formats behind one seam, each a request encoder and a response reader:
  `wire.chat` (chat completions) and `wire.responses` (the Responses API);
- `content_encoding`: a body's gzip or deflate coding undone in pieces of bounded size;
- `sse`: the server-sent-events decoder (bytes in, `(event, data)` out);
- `accumulator`: the pieces of one reply, built into the `AssistantMessage`;
- `parser`: one HTTP response's body (events, a whole reply, or an error body) through the
  decoder and the wire's reader;
- `error_bodies`, `status_errors`: the errors providers send, read into typed exceptions;
- `output`: structured output, asked for on the wire and read back into the model;
- `cost`: what a call cost, from the provider's figure or genai-prices' price list;
- `partial_json`: JSON text arriving in pieces, read incrementally into growing partial values.
"""
