"""The sync twins do not drift from the async ones.

`ChatStream` is `AsyncChatStream` without `async` and `await`: the same methods, in the same
order, with the same code, except for the few methods whose I/O differs by flavour (listed
below, each with its reason). The check reads both classes' syntax trees, takes `async` and
`await` out of the async one and renames what has a sync name (`__anext__` -> `__next__`,
`aclose` -> `close`...), the way httpcore's unasync turns its async code into its sync code,
and compares what is left.
"""

from __future__ import annotations

import ast
import copy
import textwrap
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parents[1] / "src" / "llmstream" / "_io" / "drivers.py"

# What an async name is called in sync code.
SYNC_NAMES = {
    "AsyncChatStream": "ChatStream",
    "AsyncClient": "Client",
    "AsyncIterator": "Iterator",
    "_AsyncTexts": "_Texts",
    "StopAsyncIteration": "StopIteration",
    "__aenter__": "__enter__",
    "__aexit__": "__exit__",
    "__aiter__": "__iter__",
    "__anext__": "__next__",
    "aclose": "close",
    "async_body": "sync_body",
    "with_retries": "with_retries_sync",
}

# The members that are each flavour's own, and why.
FLAVOUR_OWN = {
    "_USAGE": "how the stream is entered: `async with` or `with`",
    "_send": "a cancel scope bounds the async wait for the response head; httpx's read "
    "timeout bounds the sync one",
    "_open_body": "the async body is read under a cancel scope per read where HTTP/2 shares "
    "the socket (no sync twin)",
    "_scoped_read": "that cancel scope per read: async only",
    "_release": "an async drain runs under a shielded cancel scope with a deadline; a sync "
    "drain is bounded by the watchdog",
}


class _Unasync(ast.NodeTransformer):
    """An async syntax tree as its sync twin is written."""

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> ast.AST:
        self.generic_visit(node)
        node.name = SYNC_NAMES.get(node.name, node.name)
        return ast.FunctionDef(**{field: getattr(node, field) for field in node._fields})

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
        self.generic_visit(node)
        node.name = SYNC_NAMES.get(node.name, node.name)
        return node

    def visit_AsyncFor(self, node: ast.AsyncFor) -> ast.AST:
        self.generic_visit(node)
        return ast.For(**{field: getattr(node, field) for field in node._fields})

    def visit_AsyncWith(self, node: ast.AsyncWith) -> ast.AST:
        self.generic_visit(node)
        return ast.With(**{field: getattr(node, field) for field in node._fields})

    def visit_Await(self, node: ast.Await) -> ast.AST:
        return self.visit(node.value)

    def visit_Subscript(self, node: ast.Subscript) -> ast.AST:
        # `Awaitable[X]` is what an async callable returns where a sync one returns `X`.
        if isinstance(node.value, ast.Name) and node.value.id == "Awaitable":
            return self.visit(node.slice)
        self.generic_visit(node)
        return node

    def visit_Name(self, node: ast.Name) -> ast.AST:
        node.id = SYNC_NAMES.get(node.id, node.id)
        return node

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        self.generic_visit(node)
        node.attr = SYNC_NAMES.get(node.attr, node.attr)
        return node


def _without_docstrings(tree: ast.AST) -> ast.AST:
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (
            isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            node.body = body[1:] or [ast.Pass()]
    return tree


def _members(cls: ast.ClassDef) -> list[tuple[str, ast.stmt]]:
    members = []
    for statement in cls.body:
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef)):
            members.append((statement.name, statement))
        elif isinstance(statement, ast.Assign) and isinstance(statement.targets[0], ast.Name):
            members.append((statement.targets[0].id, statement))
        elif isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name):
            members.append((statement.target.id, statement))
    return members


def _class(tree: ast.Module, name: str) -> ast.ClassDef:
    return next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == name)


def twin_drift(source: str, async_name: str, sync_name: str, own: set[str]) -> list[str]:
    """How the sync class differs from the async one without `async`: every difference
    outside the members in `own`, and members out of order."""
    tree = ast.parse(source)
    async_class = _without_docstrings(_Unasync().visit(copy.deepcopy(_class(tree, async_name))))
    sync_class = _without_docstrings(copy.deepcopy(_class(tree, sync_name)))
    assert isinstance(async_class, ast.ClassDef)
    assert isinstance(sync_class, ast.ClassDef)
    async_members = dict(_members(async_class))
    sync_members = dict(_members(sync_class))
    problems = []
    shared_async = [name for name in async_members if name in sync_members]
    shared_sync = [name for name in sync_members if name in async_members]
    if shared_async != shared_sync:
        problems.append(f"the members are in another order: {shared_async} / {shared_sync}")
    for name in sorted(set(async_members) ^ set(sync_members)):
        if name not in own:
            side = async_name if name in async_members else sync_name
            problems.append(f"{name} is only in {side}")
    for name in shared_async:
        if name in own:
            continue
        if ast.dump(async_members[name]) != ast.dump(sync_members[name]):
            problems.append(f"{name} differs")
    return problems


def test_the_sync_stream_is_the_async_stream_without_async() -> None:
    source = SOURCE.read_text(encoding="utf-8")
    assert twin_drift(source, "AsyncChatStream", "ChatStream", set(FLAVOUR_OWN)) == []


def test_every_member_of_a_flavour_of_its_own_exists() -> None:
    members = {
        name
        for cls in ("AsyncChatStream", "ChatStream")
        for name, _ in _members(_class(ast.parse(SOURCE.read_text(encoding="utf-8")), cls))
    }
    assert set(FLAVOUR_OWN) <= members  # a stale entry would hide nothing, but says wrong


TWINS = textwrap.dedent(
    '''
    class AsyncReader:
        async def __anext__(self) -> bytes:
            """Async."""
            chunk = await self._read()
            if chunk is None:
                raise StopAsyncIteration
            return chunk

        async def aclose(self) -> None:
            await self._release()

    class Reader:
        def __next__(self) -> bytes:
            """Sync."""
            chunk = self._read()
            if chunk is None:
                raise StopIteration
            return chunk

        def close(self) -> None:
            self._release()
    '''
)


def test_twins_that_match_pass() -> None:
    assert twin_drift(TWINS, "AsyncReader", "Reader", set()) == []


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        ("        if chunk is None:\n            raise StopIteration\n", "", "__next__ differs"),
        ("        self._release()", "        self._release(drain=True)", "close differs"),
        ("    def close(self) -> None:", "    def shut(self) -> None:", "close is only in"),
    ],
)
def test_a_twin_that_drifts_is_caught(old: str, new: str, problem: str) -> None:
    tail = TWINS.index("class Reader")
    drifted = TWINS[:tail] + TWINS[tail:].replace(old, new, 1)
    assert drifted != TWINS
    problems = twin_drift(drifted, "AsyncReader", "Reader", set())
    assert any(problem in line for line in problems), problems


def test_members_out_of_order_are_caught() -> None:
    tail = TWINS.index("class Reader")
    sync = TWINS[tail:]
    method = sync[sync.index("    def close") :]
    reordered = TWINS[:tail] + sync.replace(method, "").replace(
        "class Reader:\n", "class Reader:\n" + method
    )
    problems = twin_drift(reordered, "AsyncReader", "Reader", set())
    assert any("order" in line for line in problems), problems
