"""Partial JSON while it streams: llmstream's incremental reader against re-parsing every delta.

Structured output streams the JSON text of one object in small deltas, and the partial value is
shown after each. Peer SDKs re-parse the whole buffer on every delta; llmstream's
`PartialJSONReader` keeps its state between deltas, and paces the snapshots that would be
costly to copy (see the module's docstring). All are timed here in the same run, on the same
text cut into 8-byte deltas (`--delta`):

* ours (paced): every `feed()`, plus taking `.value` after each feed that shows a new partial,
  as the stream does;
* unpaced: the same reader told that no snapshot is costly (`cheap_snapshot` beyond any size):
  a snapshot after every feed that changed the value, which is what the reader did before it
  paced them (once only when that takes a second or more);
* feed only: every `feed()`, no snapshot;
* re-parse: `pydantic_core.from_json(buffer, allow_partial=True)` on the growing buffer after
  every delta. Past `--full-limit` deltas (20,000: the 1 MB texts) that would take minutes, so
  only `--sample` uniformly spaced deltas are parsed and the total is extrapolated from their
  mean; the table marks those totals with `~`.

`copied/char` is what the snapshots copied, per character of the text, in the pacing's units
(a member, 32 per open container, 32 characters of open string): about 8 at most when paced,
whatever the shape; unpaced it grows with the size.

Times are CPU time of this process (`time.process_time`), so that other work on the machine
disturbs them less; ours and feed only are the best of `--repeat` runs. `--callgrind` also
counts instructions per delta (valgrind), for the 10 KB and 100 KB texts, which no other load
on the machine disturbs.

Shapes (deterministic, text with non-ASCII characters, quotes and newlines, `json.dumps` with
`ensure_ascii=False`):

* report: what structured output usually looks like: a title, a long summary, an author
  object, then sections, each with a heading, a ~400-character body, a score, keywords and a
  list of 10 records (id, name, price, quantity, in_stock, notes); totals at the end. The open
  containers stay narrow except the list of sections, which grows slowly.
* flat list: one top-level array of small records. The worst case for snapshots: every
  `.value` copies the whole array read so far, so its cost grows with the array.
* long text: one object whose "text" field is the whole size. Also quadratic by nature: each
  `.value` is a new `str` holding the whole text so far.

    python benchmarks/bench_partial_json.py [--delta 8] [--full-limit 20000] [--sample 400]
    python benchmarks/bench_partial_json.py --callgrind   # also instructions per delta
"""

from __future__ import annotations

import argparse
import functools
import gc
import json
import random
import sys
import time
from collections.abc import Callable
from typing import Any

import _callgrind as callgrind

from llmstream._core.partial_json import CountingReader, PartialJSONReader

SIZES = {"10 KB": 10_000, "100 KB": 100_000, "1 MB": 1_000_000}
WORDS = [
    *("the", "of", "model", "stream", "token", "delta", "parse", "value", "50%", "a/b", "x<y"),
    *("résumé", "naïve", "café", "über", "señor", "東京", "データ", "😀"),
    *('"quoted"', "line\nbreak", "tab\tstop"),
]


def _text(rng: random.Random, length: int) -> str:
    words: list[str] = []
    size = 0
    while size < length:
        word = rng.choice(WORDS)
        words.append(word)
        size += len(word) + 1
    return " ".join(words)


def _record(rng: random.Random, i: int) -> dict[str, Any]:
    return {
        "id": i,
        "name": _text(rng, 20),
        "price": round(rng.uniform(0, 1000), 2),
        "quantity": rng.randrange(10_000),
        "in_stock": rng.random() < 0.5,
        "notes": None if rng.random() < 0.3 else _text(rng, 40),
    }


def report(n: int) -> Any:
    rng = random.Random(n)
    sections = [
        {
            "heading": _text(rng, 30),
            "body": _text(rng, 400),
            "score": rng.random(),
            "keywords": [_text(rng, 8) for _ in range(3)],
            "records": [_record(rng, s * 10 + r) for r in range(10)],
        }
        for s in range(n)
    ]
    return {
        "title": _text(rng, 60),
        "summary": _text(rng, 2000),
        "author": {"name": "Ada Lovelace", "affiliation": _text(rng, 40), "orcid": None},
        "sections": sections,
        "totals": {"sections": n, "records": n * 10, "mean_score": 0.5},
    }


def flat_list(n: int) -> Any:
    rng = random.Random(n)
    return [{"id": i, "name": _text(rng, 12), "score": rng.random(), "ok": True} for i in range(n)]


def long_text(n: int) -> Any:
    return {"title": "A long answer", "text": _text(random.Random(n), n)}


SHAPES: dict[str, Callable[[int], Any]] = {
    "report": report,
    "flat list": flat_list,
    "long text": long_text,
}


def sized(shape: Callable[[int], Any], target: int) -> str:
    """The shape's JSON text, scaled to about `target` bytes of UTF-8."""
    n = 1
    while True:
        text = json.dumps(shape(n), ensure_ascii=False)
        size = len(text.encode())
        if size >= target * 0.97:
            return text
        n = max(n + 1, int(n * target / size))


def deltas_of(text: str, size: int) -> list[str]:
    """`size`-byte deltas, never splitting a UTF-8 character (as a decoded stream arrives)."""
    data = text.encode()
    pieces, start = [], 0
    while start < len(data):
        end = min(start + size, len(data))
        while end < len(data) and (data[end] & 0xC0) == 0x80:
            end += 1
        pieces.append(data[start:end].decode())
        start = end
    return pieces


UNPACED = sys.maxsize  # `cheap_snapshot`: every snapshot counts as cheap, none is paced


def read_all(
    deltas: list[str], snapshots: bool, cheap: int | None = None, counting: bool = False
) -> PartialJSONReader:
    """Every feed, and the snapshot after each that shows one (as the stream takes them)."""
    kind = CountingReader if counting else PartialJSONReader
    reader = kind() if cheap is None else kind(cheap_snapshot=cheap)
    for delta in deltas:
        if reader.feed(delta) and snapshots:
            reader.value  # noqa: B018 - taking the snapshot is what is measured
    reader.finish()
    return reader


def copied(deltas: list[str], cheap: int | None) -> int:
    """What the snapshots copy, in the pacing's units (counted in a run of its own: the timed
    reader keeps no tally)."""
    reader = read_all(deltas, True, cheap, counting=True)
    assert isinstance(reader, CountingReader)
    return reader.copied_members + 32 * reader.copied_containers + reader.copied_chars // 32


def timed(run: Callable[[], object]) -> float:
    gc.collect()
    start = time.process_time()
    run()
    return time.process_time() - start


def time_ours(deltas: list[str], repeat: int) -> dict[str, float]:
    """Paced and feed only, best of `repeat`; unpaced too unless one run takes seconds."""
    results = {
        "paced": min(timed(lambda: read_all(deltas, True)) for _ in range(repeat)),
        "feed only": min(timed(lambda: read_all(deltas, False)) for _ in range(repeat)),
    }
    unpaced = [timed(lambda: read_all(deltas, True, UNPACED))]
    if unpaced[0] < 1:
        unpaced += [timed(lambda: read_all(deltas, True, UNPACED)) for _ in range(repeat - 1)]
    results["unpaced"] = min(unpaced)
    return results


def time_reparse(deltas: list[str], full_limit: int, sample: int) -> tuple[float, bool]:
    """Re-parsing the buffer after every delta; past `full_limit` deltas, after `sample`
    uniformly spaced ones, the total extrapolated."""
    from pydantic_core import from_json

    ends, buffer = [], ""
    for delta in deltas:
        buffer += delta
        ends.append(len(buffer))
    sampled = len(ends) > full_limit
    if sampled:
        step = len(ends) / sample
        indices = [int((i + 0.5) * step) for i in range(sample)]
    else:
        indices = list(range(len(ends)))
    gc.collect()
    total = 0.0
    for i in indices:
        prefix = buffer[: ends[i]]  # the buffer as it stood after delta i (not timed)
        start = time.process_time()
        from_json(prefix, allow_partial=True)
        total += time.process_time() - start
    return total * len(ends) / len(indices), sampled


CALLGRIND_SIZES = ("10 KB", "100 KB")
MODES = ("feed only", "paced", "unpaced")


def _callgrind_cases(args: argparse.Namespace) -> list[tuple[str, str, list[str]]]:
    return [
        (shape, label, deltas_of(sized(SHAPES[shape], SIZES[label]), args.delta))
        for shape in args.shapes
        for label in CALLGRIND_SIZES
    ]


def _run_mode(deltas: list[str], mode: str) -> PartialJSONReader:
    if mode == "feed only":
        return read_all(deltas, False)
    return read_all(deltas, True, UNPACED if mode == "unpaced" else None)


def callgrind_child(args: argparse.Namespace) -> None:
    """Under valgrind: each case in each mode in a region of its own; the labels, last."""
    labels = []
    for shape, label, deltas in _callgrind_cases(args):
        for mode in MODES:
            callgrind.in_region(functools.partial(_run_mode, deltas, mode))
            labels.append([shape, label, mode])
    print(json.dumps(labels), flush=True)


def run_callgrind(args: argparse.Namespace) -> None:
    if not callgrind.available():
        return
    child_args = ["--delta", str(args.delta), "--shapes", *args.shapes]
    counts = {tuple(label): total for label, total in callgrind.count_regions(__file__, child_args)}
    print("\nCallgrind: instructions per delta (valgrind --tool=callgrind)")
    header = (
        f"{'shape':<10} {'size':>7} {'feed only':>10} {'paced':>10} {'unpaced':>10} "
        f"{'paced/feed':>10} {'unpaced/paced':>13}"
    )
    print(header)
    print("-" * len(header))
    for shape, label, deltas in _callgrind_cases(args):
        feed, paced, unpaced = (counts[(shape, label, mode)] / len(deltas) for mode in MODES)
        print(
            f"{shape:<10} {label:>7} {feed:>10,.0f} {paced:>10,.0f} {unpaced:>10,.0f} "
            f"{paced / feed:>10.2f} {unpaced / paced:>13.2f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--delta", type=int, default=8, help="bytes per delta")
    parser.add_argument(
        "--full-limit", type=int, default=20_000, help="re-parse every delta up to this many"
    )
    parser.add_argument("--sample", type=int, default=400, help="else re-parse this many")
    parser.add_argument("--repeat", type=int, default=3, help="runs of ours, best taken")
    parser.add_argument("--shapes", nargs="*", default=list(SHAPES), choices=list(SHAPES))
    parser.add_argument("--callgrind", action="store_true", help="also count instructions")
    parser.add_argument("--callgrind-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.callgrind_child:
        callgrind_child(args)
        return
    print(
        f"{args.delta}-byte deltas; paced = all feeds + .value after each feed that shows one; "
        "unpaced = after each that changed the value"
    )
    header = (
        f"{'shape':<10} {'size':>7} {'deltas':>7} {'paced':>9} {'µs/KB':>6} {'unpaced':>10} "
        f"{'x paced':>7} {'feed only':>9} {'re-parse':>10} {'x paced':>7} "
        f"{'copied/char':>15}"
    )
    print(header)
    print(f"{'':<87}{'paced':>7} {'unpaced':>8}")
    print("-" * len(header))
    any_sampled = False
    for shape in args.shapes:
        for label, target in SIZES.items():
            text = sized(SHAPES[shape], target)
            deltas = deltas_of(text, args.delta)
            results = time_ours(deltas, args.repeat)
            paced, unpaced, feeds = (results[mode] for mode in ("paced", "unpaced", "feed only"))
            reparse, sampled = time_reparse(deltas, args.full_limit, args.sample)
            any_sampled |= sampled
            kb = len(text.encode()) / 1000
            mark = "~" if sampled else " "
            per_char = [copied(deltas, cheap) / len(text) for cheap in (None, UNPACED)]
            print(
                f"{shape:<10} {label:>7} {len(deltas):>7} {paced * 1e3:>7.1f}ms "
                f"{paced * 1e6 / kb:>6.0f} {unpaced * 1e3:>8.1f}ms {unpaced / paced:>6.1f}x "
                f"{feeds * 1e3:>7.1f}ms {mark}{reparse:>8.2f}s {reparse / paced:>6.0f}x "
                f"{per_char[0]:>7.1f} {per_char[1]:>8.1f}",
                flush=True,
            )
    if any_sampled:
        print(
            f"~ re-parse timed on {args.sample} uniformly spaced deltas and extrapolated "
            "to all of them"
        )
    if args.callgrind:
        run_callgrind(args)


if __name__ == "__main__":
    main()
