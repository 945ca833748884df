"""Citations: the sources a (web search) answer cites, as `CitationAdded` events and
`message.citations`, from every shape the providers send them in (tests/support/citations.py),
streamed and whole, and everywhere an event goes (SSE frames, the agent, the fakes, history)."""

from __future__ import annotations

import json
from typing import Any

import pydantic
import pytest

import llmstream as ls
from llmstream._core.sse_frames import event_frame
from llmstream._core.wire.chat.encoder import message_to_wire
from llmstream.testing import FakeLLM, Reply

from .support import citations as cite
from .support.corpus import TEST_KEY
from .support.responses import openai_responses, read

SSE = "text/event-stream"
JSON = "application/json"
EVENTS: pydantic.TypeAdapter[Any] = pydantic.TypeAdapter(ls.StreamEvent)


def announced(events: list[ls.StreamEvent]) -> list[ls.Citation]:
    return [event.citation for event in events if isinstance(event, ls.CitationAdded)]


def openai() -> ls.Provider:
    return ls.OpenAI(api_key=TEST_KEY)


# -- chat completions -------------------------------------------------------------------------


def test_chat_annotations_streamed_are_citations_over_the_message_text() -> None:
    events, message = read(openai(), [cite.chat_stream()], SSE)
    assert message.text == cite.TEXT
    assert cite.cited(message.citations, message.text) == cite.EXPECTED
    assert announced(events) == message.citations  # each once, in order
    # Each after the text it cites: the second and third ride with the last piece of text.
    kinds = [type(e).__name__ for e in events]
    assert kinds == [
        "TextDelta", "CitationAdded", "TextDelta", "CitationAdded", "CitationAdded", "Finish"
    ]  # fmt: skip
    assert [c.raw for c in message.citations] == cite.CHAT_ANNOTATIONS  # nothing lost
    assert "annotations" not in message.extras


def test_a_whole_chat_reply_yields_the_same_citations() -> None:
    streamed = read(openai(), [cite.chat_stream()], SSE)[1]
    events, whole = read(openai(), [cite.chat_whole()], JSON)
    assert whole.citations == streamed.citations
    assert announced(events) == whole.citations


def test_a_repeated_citations_list_is_one_list() -> None:
    """Perplexity sends the whole list on every chunk: each URL is one citation, no span."""
    body = cite.listed_stream([cite.LISTED] * 4)
    events, message = read(openai(), [body], SSE)
    assert [c.url for c in message.citations] == cite.LISTED
    assert all(c.start is None and c.end is None for c in message.citations)
    assert [c.raw for c in message.citations] == [{"url": url} for url in cite.LISTED]
    assert announced(events) == message.citations
    assert message.extras["citations"] == cite.LISTED  # still where it was before


def test_a_list_that_grows_adds_only_what_is_new() -> None:
    """xAI sends its list at the end; a list that grows announces its new URLs alone."""
    more = [*cite.LISTED, "https://example.org/c"]
    events, message = read(openai(), [cite.listed_stream([None, cite.LISTED[:1], more])], SSE)
    assert [c.url for c in message.citations] == more
    assert announced(events) == message.citations


def test_the_list_seen_last_is_the_list() -> None:
    other = ["https://example.org/b", "https://example.org/z"]
    events, message = read(openai(), [cite.listed_stream([cite.LISTED, other, other])], SSE)
    assert [c.url for c in message.citations] == other
    # What was announced: the first list, then only the URL the second one added.
    assert [c.url for c in announced(events)] == [*cite.LISTED, "https://example.org/z"]
    assert message.extras["citations"] == other


def test_listed_citations_follow_the_annotations_they_arrived_after() -> None:
    chunks = cite.chat_chunks(
        [{"content": cite.TEXT, "annotations": cite.CHAT_ANNOTATIONS[:1]}, {}],
        {"citations": ["https://example.org/a"]},
    )
    events, message = read(openai(), [cite.chat_sse(chunks)], SSE)
    assert [c.url for c in message.citations] == ["https://example.org/a", cite.TOKYO["url"]]
    assert announced(events) == message.citations


def test_an_annotation_of_any_shape_is_kept_never_an_error() -> None:
    odd: list[Any] = [
        "just text",
        {"type": "url_citation", "url_citation": {"url": 7, "start_index": -1, "end_index": True}},
        {"no": "type"},
    ]
    chunks = cite.chat_chunks([{"content": "Hi", "annotations": odd}, {}])
    events, message = read(openai(), [cite.chat_sse(chunks)], SSE)
    assert [c.raw for c in message.citations] == [{"annotation": "just text"}, odd[1], odd[2]]
    assert all(c.url is None and c.start is None for c in message.citations)
    assert announced(events) == message.citations


def test_the_chat_wire_sends_no_citations_back() -> None:
    """openai-python's ChatCompletionAssistantMessageParam has no `annotations`."""
    message = read(openai(), [cite.chat_stream()], SSE)[1]
    assert len(message.citations) == 3  # read, and still not sent
    assert message_to_wire(message, openai()) == {"role": "assistant", "content": cite.TEXT}


# -- the Responses API ------------------------------------------------------------------------

RESPONSES_EXPECTED = [*cite.EXPECTED, cite.FILE_CITED]


@pytest.mark.parametrize("parts_announced", [True, False], ids=["parts", "no-parts"])
@pytest.mark.parametrize("final", [True, False], ids=["final-annotations", "events-only"])
def test_responses_annotations_move_to_the_message_text(parts_announced: bool, final: bool) -> None:
    body = cite.responses_sse(cite.responses_events(parts_announced=parts_announced, final=final))
    events, message = read(openai_responses(), [body], SSE)
    assert message.text == cite.TEXT
    assert message.reasoning == "Look it up."
    assert cite.cited(message.citations, message.text) == RESPONSES_EXPECTED
    assert message.citations[3].start == cite.FILE_AT
    assert announced(events) == message.citations  # an event and a final part: one citation
    flat = [a for part in cite.PART_ANNOTATIONS for a in part]
    assert [c.raw for c in message.citations] == flat
    if parts_announced:  # each as soon as its event came, after the text it cites
        kinds = [type(e).__name__ for e in events if type(e).__name__ != "ReasoningDelta"]
        first = kinds.index("CitationAdded")
        around = ["TextDelta", "TextDelta", "CitationAdded", "TextDelta"]
        assert kinds[first - 2 : first + 2] == around


def test_a_whole_responses_reply_yields_the_same_citations() -> None:
    streamed = read(openai_responses(), [cite.responses_sse(cite.responses_events())], SSE)[1]
    events, whole = read(openai_responses(), [cite.responses_whole()], JSON)
    assert whole.citations == streamed.citations
    assert announced(events) == whole.citations
    assert cite.cited(whole.citations, whole.text) == RESPONSES_EXPECTED


def test_container_files_and_file_paths() -> None:
    part = {
        "type": "output_text",
        "text": "See the chart.",
        "annotations": [
            {
                "type": "container_file_citation",
                "container_id": "cntr_1",
                "file_id": "cfile_1",
                "filename": "chart.png",
                "start_index": 8,
                "end_index": 13,
            },
            {"type": "file_path", "file_id": "file-p", "index": 0},
        ],
    }
    item = {"id": "msg_1", "type": "message", "role": "assistant", "content": [part]}
    message = read(openai_responses(), [json.dumps(cite.response([item])).encode()], JSON)[1]
    chart, path = message.citations
    assert (chart.file_id, chart.filename, message.text[chart.start : chart.end]) == (
        "cfile_1",
        "chart.png",
        "chart",
    )
    assert (path.file_id, path.start, path.end) == ("file-p", None, None)  # no place in the text


def test_two_message_items_each_count_from_their_own_start() -> None:
    first = {**cite.MESSAGE, "content": [cite.MESSAGE["content"][0]]}
    second = {**cite.MESSAGE, "id": "msg_2", "content": [cite.MESSAGE["content"][1]]}
    body = json.dumps(cite.response([first, second])).encode()
    message = read(openai_responses(), [body], JSON)[1]
    assert cite.cited(message.citations, message.text) == RESPONSES_EXPECTED


def test_the_responses_wire_sends_the_annotated_items_back_as_received() -> None:
    fake = FakeLLM(Reply(chunks=cite.responses_events()), "Rome has 3 million.", api="responses")
    with fake.client() as client:
        message = client.generate(model="m", messages=[ls.user("Population?")])
        messages = [ls.user("Population?"), message, ls.user("And Rome?")]
        client.generate(model="m", messages=messages)
    [sent] = [item for item in fake.requests[1].input if item.get("type") == "message"]
    assert sent["content"] == cite.MESSAGE["content"]  # every annotation, in its own part
    assert len(message.citations) == 4


# -- the public types and everywhere events go ------------------------------------------------


def test_reprs_stay_short() -> None:
    message = read(openai_responses(), [cite.responses_whole()], JSON)[1]
    shown = repr(message)
    assert shown.endswith("citations=<4 citations>)")
    assert "example.org" not in shown
    assert repr(message.citations[0]) == (
        "Citation(url='https://example.org/tokyo', title='Tokyo in numbers', start=0, end=27)"
    )
    assert repr(ls.AssistantMessage(text="Hi")) == "AssistantMessage(text='Hi')"
    event = ls.CitationAdded(citation=ls.Citation(url="https://example.org"))
    assert repr(event) == "CitationAdded(citation=Citation(url='https://example.org'))"
    match event:
        case ls.CitationAdded(ls.Citation(url=url)):
            assert url == "https://example.org"
        case _:
            raise AssertionError(event)
    with pytest.raises(pydantic.ValidationError):
        event.citation.url = "elsewhere"  # type: ignore[misc]


def test_an_sse_frame_carries_the_citation_as_strict_json() -> None:
    events = read(openai_responses(), [cite.responses_whole()], JSON)[0]
    [frame, *_] = [event_frame(e) for e in events if isinstance(e, ls.CitationAdded)]
    name, data = frame.strip("\n").split("\n")
    assert name == "event: citation_added"
    payload = json.loads(data.removeprefix("data: "))
    assert payload["citation"]["url"] == cite.TOKYO["url"]
    assert payload["citation"]["raw"]["type"] == "url_citation"
    assert EVENTS.validate_json(data.removeprefix("data: ")).citation == announced(events)[0]
    message = read(openai_responses(), [cite.responses_whole()], JSON)[1]
    assert ls.AssistantMessage.model_validate_json(message.model_dump_json()) == message


@pytest.mark.parametrize("api", ["chat", "responses"])
@pytest.mark.parametrize("streamed", [True, False], ids=["stream", "generate"])
def test_the_fake_llm_cites_in_either_api(api: str, streamed: bool) -> None:
    sources: list[ls.Citation | str] = [
        ls.Citation(url="https://example.org/tokyo", title="Tokyo", start=0, end=27),
        "https://example.org/bare",
        ls.Citation(file_id="file-1", filename="notes.txt", start=29, end=29),
        ls.Citation(raw={"type": "page_citation", "page": 2}),
    ]
    fake = FakeLLM(Reply(cite.TEXT, citations=sources), api=api)
    with fake.client() as client:
        if streamed:
            with client.stream(model="m", messages=[ls.user("hi")]) as stream:
                events = list(stream)
            message = stream.message
            assert announced(events) == message.citations
        else:
            message = client.generate(model="m", messages=[ls.user("hi")])
    assert [(c.url, c.title, c.start, c.end, c.file_id) for c in message.citations] == [
        ("https://example.org/tokyo", "Tokyo", 0, 27, None),
        ("https://example.org/bare", None, None, None, None),
        (None, None, 29, 29, "file-1"),
        (None, None, None, None, None),
    ]
    assert message.citations[3].raw == {"type": "page_citation", "page": 2}


def test_the_agent_passes_citations_through() -> None:
    reply = Reply(cite.TEXT, citations=["https://example.org/a"])
    fake = FakeLLM(reply)
    with fake.client() as client:
        agent = ls.Agent(client, "m")
        with agent.stream_sync("Population?") as run:
            events = list(run)
    [event] = [e for e in events if isinstance(e, ls.CitationAdded)]
    assert event.citation.url == "https://example.org/a"
    assert run.result.steps[-1].message.citations == [event.citation]


# -- against openai-python ----------------------------------------------------------------------


def test_chat_citations_are_openai_python_s_annotations() -> None:
    from .test_differential import _openai_python

    body = cite.chat_stream(one_chunk=True)
    theirs = _openai_python(body).choices[0].message
    ours = read(openai(), [body], SSE)[1]
    assert ours.text == theirs.content
    assert len(ours.citations) == len(theirs.annotations) == 3
    # The two it knows, as it reads them (the third it reads with a `url_citation: None`).
    assert [c.raw for c in ours.citations[:2]] == [a.to_dict() for a in theirs.annotations[:2]]
    assert [(c.url, c.title, c.start, c.end) for c in ours.citations[:2]] == [
        (
            a.url_citation.url,
            a.url_citation.title,
            a.url_citation.start_index,
            a.url_citation.end_index,
        )
        for a in theirs.annotations[:2]
    ]


@pytest.mark.filterwarnings("ignore::UserWarning")  # openai-python on an unknown annotation
def test_responses_citations_are_openai_python_s_annotations_moved() -> None:
    """openai-python's final response keeps each part's annotations with offsets in the part;
    moved by where each part's text starts, they are llmstream's citations."""
    from .test_responses_differential import _openai_python

    body = cite.responses_sse(cite.responses_events())
    final, _ = _openai_python(body)
    expected, start = [], 0
    for item in final.output:
        for part in getattr(item, "content", None) or ():
            if part.type != "output_text":
                continue
            for annotation in part.annotations:
                fields = annotation.to_dict()
                span = [fields.get("start_index"), fields.get("end_index")]
                if fields["type"] == "file_citation":
                    span = [fields["index"]] * 2
                moved = [None if at is None else at + start for at in span]
                expected.append((fields.get("url"), fields.get("file_id"), *moved, fields))
            start += len(part.text)
    ours = read(openai_responses(), [body], SSE)[1]
    assert ours.text == final.output_text
    assert [(c.url, c.file_id, c.start, c.end, c.raw) for c in ours.citations] == expected
