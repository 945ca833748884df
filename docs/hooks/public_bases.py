"""A Griffe extension (mkdocs.yml loads it for mkdocstrings): the reference names only public
bases.

A class's `Bases:` line shows what it is to a reader. A base that is not part of the API (a
private helper class such as `_ClientBase` or `_Event`, or a mixin from a private module that
the package does not export) says nothing they can look up, so it gives way to its own bases,
until a public class (`APIError`) or one from outside llmstream (`Exception`) is reached; a
class whose only bases are private shows none.
"""

from __future__ import annotations

import importlib
from typing import Any

import griffe

# The packages whose `__all__` is the public API.
PUBLIC_PACKAGES = ("llmstream", "llmstream.testing")


class PublicBases(griffe.Extension):
    def on_package(self, *, pkg: griffe.Module, loader: griffe.GriffeLoader, **kwargs: Any) -> None:
        if pkg.path != "llmstream":
            return
        public = _public_paths(pkg)
        for cls in _classes(pkg):
            inherited = {name: alias.target for name, alias in cls.inherited_members.items()}
            cls.bases = _public_bases(cls.bases, public, loader)
            # What the class inherited from a base no longer shown stays a member of it: the
            # hooks `Provider` takes from the core's `ProviderSpec` are documented on it.
            for name, member in inherited.items():
                if name not in cls.all_members:
                    cls.set_member(name, griffe.Alias(name, member, parent=cls))


def _public_paths(pkg: griffe.Module) -> set[str]:
    """The defining path of every exported name (`llmstream.errors.APIError`...).

    The packages build `__all__` from their table of lazily loaded names, which static analysis
    cannot evaluate: the names are read from the imported packages instead."""
    paths: set[str] = set()
    for package_path in PUBLIC_PACKAGES:
        package = pkg if package_path == pkg.path else pkg[package_path.removeprefix("llmstream.")]
        for name in importlib.import_module(package_path).__all__:
            member = package.get_member(str(name))
            paths.add(member.final_target.path if member.is_alias else member.path)
    return paths


def _classes(module: griffe.Module) -> list[griffe.Class]:
    found: list[griffe.Class] = []
    for member in module.members.values():
        if member.is_alias:
            continue
        if isinstance(member, griffe.Module):
            found += _classes(member)
        elif isinstance(member, griffe.Class):
            found.append(member)
    return found


def _public_bases(
    bases: list[str | griffe.Expr], public: set[str], loader: griffe.GriffeLoader
) -> list[str | griffe.Expr]:
    shown: list[str | griffe.Expr] = []
    for base in bases:
        path = base if isinstance(base, str) else base.canonical_path
        if not path.startswith("llmstream.") or path in public:
            shown.append(base)
            continue
        try:
            hidden = loader.modules_collection[path]
        except KeyError:  # not found: shown as written rather than lost
            shown.append(base)
            continue
        target = hidden.final_target if hidden.is_alias else hidden
        if isinstance(target, griffe.Class):
            shown += [b for b in _public_bases(target.bases, public, loader) if b not in shown]
    return shown
