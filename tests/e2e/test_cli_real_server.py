"""`llmstream chat` in a real terminal (tmux) against the real llama.cpp server: a reply with its
usage line, reasoning folded through the `<think>` template, a forced tool call through the tool
template, and Ctrl-C stopping a reply that would not end on its own. The checks themselves live
beside the CLI's other terminal tests (`chat_on_a_real_server`), which run them on a fake too."""

from __future__ import annotations

import pytest

from ..test_cli_terminal import chat_on_a_real_server
from .launcher import RunningServer

pytestmark = pytest.mark.e2e


def test_chat(llama_server: RunningServer) -> None:
    screens = chat_on_a_real_server(llama_server.base_url)
    assert "you> Say hi in Portuguese" in screens


def test_chat_with_reasoning(thinking_llama_server: RunningServer) -> None:
    screens = chat_on_a_real_server(thinking_llama_server.base_url, reasoning=True)
    assert "[thought for" in screens


def test_chat_with_a_tool_call(tool_llama_server: RunningServer) -> None:
    screens = chat_on_a_real_server(tool_llama_server.base_url, tools=True)
    assert "→ weather(" in screens


def test_chat_on_the_responses_api(llama_server: RunningServer) -> None:
    screens = chat_on_a_real_server(llama_server.base_url, api="responses")
    assert "you> Say hi in Portuguese" in screens


def test_chat_on_the_responses_api_with_reasoning_and_a_tool_call(
    thinking_llama_server: RunningServer, tool_llama_server: RunningServer
) -> None:
    screens = chat_on_a_real_server(thinking_llama_server.base_url, reasoning=True,
                                    api="responses")  # fmt: skip
    assert "[thought for" in screens
    screens = chat_on_a_real_server(tool_llama_server.base_url, tools=True, api="responses")
    assert "→ weather(" in screens
