"""The documentation site (mkdocs.yml) stays whole: every page in the navigation, every public
name in the API reference, nothing fetched from the network when it is built. The build itself,
`mkdocs build --strict`, runs in `python3 tasks.py lint`."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

import llmstream as ls

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def config() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    return loaded


def nav_pages(entries: Any) -> list[str]:
    """Every page the navigation lists, however deep."""
    if isinstance(entries, str):
        return [entries]
    if isinstance(entries, list):
        return [page for entry in entries for page in nav_pages(entry)]
    if isinstance(entries, dict):
        return [page for value in entries.values() for page in nav_pages(value)]
    return []


def reference_hook() -> ModuleType:
    path = DOCS / "hooks" / "reference.py"
    spec = importlib.util.spec_from_file_location("docs_reference_hook", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_page_is_in_the_navigation_and_every_entry_is_a_page() -> None:
    pages = sorted(str(path.relative_to(DOCS)) for path in DOCS.rglob("*.md"))
    listed = nav_pages(config()["nav"])
    assert [page for page in pages if page not in listed] == [], "add these pages to mkdocs.yml"
    assert [page for page in listed if page not in pages] == []
    assert len(listed) == len(set(listed))


def test_the_reference_lists_every_public_name() -> None:
    hook = reference_hook()
    names, sources = hook.public_names()
    assert names == list(ls.__all__)  # read from the source, as the running package has it
    assert sources == ls._SOURCES
    page = hook.reference_markdown()
    entries = [line.removeprefix("::: llmstream.") for line in page.splitlines()]
    assert sorted(name for name in entries if name in ls.__all__) == sorted(ls.__all__)
    assert "<!-- the public names" not in page
    assert hook.MARKER in (DOCS / "reference.md").read_text(encoding="utf-8")


def test_a_new_name_lands_in_the_reference_without_an_edit(tmp_path: Path) -> None:
    """A name from a module no section knows yet goes under "More"."""
    hook = reference_hook()
    init = (ROOT / "src" / "llmstream" / "__init__.py").read_text(encoding="utf-8")
    timeouts = '"Timeouts": "._vocabulary.timeouts",'
    added = init.replace(timeouts, f'{timeouts}\n    "Lantern": "._lantern",')
    assert added.count("Lantern") == 1  # one line: `__all__` is made from `_SOURCES`
    (tmp_path / "__init__.py").write_text(added, encoding="utf-8")
    page = hook.reference_markdown(tmp_path / "__init__.py")
    assert page.index("## More") < page.index("::: llmstream.Lantern")


def test_the_build_fetches_nothing() -> None:
    """Material's fonts come from the system, no plugin downloads, no inventory is fetched."""
    site = config()
    assert site["theme"]["font"] is False
    plugins = [next(iter(p)) if isinstance(p, dict) else p for p in site["plugins"]]
    assert plugins == ["search", "mkdocstrings"]  # the privacy, social, blog plugins fetch
    python = site["plugins"][1]["mkdocstrings"]["handlers"]["python"]
    assert "inventories" not in python
    assert "import" not in python
    assert site["strict"] is True
    assert site["validation"]["omitted_files"] == "warn"  # with strict: a page left out fails


# -- the built site, read as a reader's browser gets it ------------------------------------------


@pytest.fixture(scope="module")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The site, built as `python3 tasks.py lint` builds it (strict, offline)."""
    site = tmp_path_factory.mktemp("site")
    built = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        check=False,
    )
    assert built.returncode == 0, built.stderr[-3000:]
    return site


class _Text(HTMLParser):
    """The prose of a page: text outside code blocks, inline code and links."""

    SKIPPED = frozenset({"pre", "code", "a", "script", "style"})

    def __init__(self) -> None:
        super().__init__()
        self.depth = 0
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIPPED:
            self.depth += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIPPED:
            self.depth -= 1

    def handle_data(self, data: str) -> None:
        if self.depth == 0:
            self.parts.append(data)


def prose(html: str) -> str:
    reader = _Text()
    reader.feed(html)
    return " ".join(" ".join(reader.parts).split())


def plain(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def reference_entry(html: str, name: str) -> str:
    """The HTML of one object's entry on the reference page, up to the next heading."""
    start = html.index(f'id="llmstream.{name}"')
    end = html.find("<h", html.index("</h", start) + 3)
    return html[start:end]


def test_a_returns_section_is_one_item_however_many_lines(built_site: Path) -> None:
    """A `Returns:` text that wraps was shown as one table row per line."""
    html = (built_site / "reference" / "index.html").read_text(encoding="utf-8")
    sections = re.findall(
        r'doc-section-title">Returns:</span></p>(.*?)(?=<p><span class="doc-section-title"|'
        r"<h\d|</div>\s*</div>\s*</div>)",
        html,
        re.DOTALL,
    )
    assert len(sections) >= 8
    for section in sections:
        assert section.count('class="doc-section-item') == 1, plain(section)
    # Compared without spaces: the HTML puts tags (now spaces) around each code span.
    generate = "".join(plain(reference_entry(html, "AsyncClient.generate")).split())
    whole = (
        'Thewholereply,anAssistantMessage(checkfinish_reason:"length"meansitwascutoffatmax_tokens)'
    )
    assert whole in generate, generate
    stream = "".join(plain(reference_entry(html, "Agent.stream")).split())
    assert "iterateitforeveryevent,thenrun.resultistheAgentResult" in stream, stream


def test_no_private_class_is_shown_as_a_base(built_site: Path) -> None:
    html = (built_site / "reference" / "index.html").read_text(encoding="utf-8")
    bases = re.findall(r'<p class="doc doc-class-bases">(.*?)</p>', html, re.DOTALL)
    assert bases
    shown = [plain(entry) for entry in bases]
    assert [entry for entry in shown if re.search(r"\b_\w", entry)] == []
    assert not re.search(r'title="[\w.]*\._\w*"', "".join(bases))  # nor a private path
    # A private base gives way to the public classes it stands for.
    assert "Bases: APIError" in plain(reference_entry(html, "APIStatusError"))
    assert "Bases:" not in plain(reference_entry(html, "AsyncClient"))


def test_every_default_is_shown_whole(built_site: Path) -> None:
    """Defaults sat in a fourth table column, clipped in a narrow window; they now follow the
    parameter's name and type."""
    html = (built_site / "reference" / "index.html").read_text(encoding="utf-8")
    assert "<th>Default</th>" not in html
    client = plain(reference_entry(html, "AsyncClient"))
    assert "max_line_bytes ( int , default: DEFAULT_MAX_LINE_BYTES )" in client, client


def test_the_reference_points_to_what_it_promises(built_site: Path) -> None:
    """No "listed below" where nothing is, and a page named in a docstring is a link to it."""
    for page in sorted(built_site.rglob("*.html")):
        text = prose(page.read_text(encoding="utf-8"))
        where = page.relative_to(built_site)
        assert "listed below" not in text, where
        assert re.findall(r"docs/[\w/-]+\.md", text) == [], where
    html = (built_site / "reference" / "index.html").read_text(encoding="utf-8")
    client = reference_entry(html, "AsyncClient")
    assert re.search(r'<a href="\.\./rate-limits/">', client), "a link to the rate-limits page"
    assert re.search(r'<a href="\.\./telemetry/">', client), "a link to the telemetry page"
