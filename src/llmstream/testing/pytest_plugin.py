"""The pytest plugin of `llmstream[testing]`, registered through the `pytest11` entry point.

It adds the fixtures `llmstream_cassette` (a `Recorder` for the current test),
`llmstream_record_mode`, `llmstream_cassette_path` and `fake_llm` (a `FakeLLM`), the
`--llmstream-record-mode` option and the `llmstream_cassette_dir` ini setting. Without PyYAML
(llmstream installed without the `testing` extra) it registers nothing at all, so it can
neither break nor slow down anyone else's test suite; `-p no:llmstream` turns it off.
"""

from __future__ import annotations

from importlib.util import find_spec

__all__: list[str] = []

# find_spec looks for PyYAML without importing it.
if find_spec("yaml") is not None:
    from ._plugin_fixtures import (
        fake_llm,
        llmstream_cassette,
        llmstream_cassette_path,
        llmstream_record_mode,
        pytest_addoption,
    )

    __all__ += [
        "fake_llm",
        "llmstream_cassette",
        "llmstream_cassette_path",
        "llmstream_record_mode",
        "pytest_addoption",
    ]
