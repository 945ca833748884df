"""The documentation site (mkdocs.yml) stays whole: every page in the navigation, every public
name in the API reference, nothing fetched from the network when it is built. The build itself,
`mkdocs build --strict`, runs in `python3 tasks.py lint`."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

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
