"""The I/O layer: the only code that touches httpx, anyio and threads.

Every call, streamed or whole, sync or async, goes through it:

- `call`: one call ready to send (body, headers, limits), its retries, and its typed errors;
- `drivers`: `AsyncChatStream` and `ChatStream`, the one read loop per I/O flavour, feeding the
  core's `ResponseParser` under one event clock;
- `bodies`: how a response's bytes are read off httpx;
- `timeouts`, `watchdog`: the clock of a call's time limits (`Timeouts`), measured on events and
  enforced without cost per chunk;
- `pacing`: `RateLimitPacer`, which holds attempts back while a rate limit is used up.

When a failure is worth another attempt is the `RetryPolicy`'s to say (`_vocabulary.retry`).
"""
