"""What "a partial JSON value is consistent with the final one" means, as code.

A partial value is what a reader could show after reading a prefix of the final value's text:

* `strict_equal(a, b)`: the same JSON value, with types compared exactly (`1`, `1.0` and `True`
  differ), objects compared with their key order, and NaN equal to NaN (so the comparison is
  NaN-free: a value always equals itself).
* `is_consistent(partial, final)`:
  - a string partial is a prefix of the final string;
  - an object partial holds the final object's first keys, in order; every member's value is
    `strict_equal` to the final one except the last member's, which need only be consistent;
  - an array partial holds at most as many elements as the final array; every element is
    `strict_equal` to the final one except the last, which need only be consistent;
  - any other partial (number, bool, null) is `strict_equal` to the final value.
  So only the last member along the rightmost path may be incomplete, and a partial never shows
  a scalar that later changes.
"""

from __future__ import annotations

from typing import Any


def strict_equal(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(strict_equal(a[key], b[key]) for key in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(map(strict_equal, a, b))
    if isinstance(a, float) and a != a:
        return b != b  # NaN
    return bool(a == b)


def is_consistent(partial: Any, final: Any) -> bool:
    if isinstance(final, str):
        return type(partial) is str and final.startswith(partial)
    if isinstance(final, dict):
        if type(partial) is not dict:
            return False
        keys = list(partial)
        if keys != list(final)[: len(keys)]:
            return False
        return _members_consistent([partial[k] for k in keys], [final[k] for k in keys])
    if isinstance(final, list):
        if type(partial) is not list or len(partial) > len(final):
            return False
        return _members_consistent(partial, final[: len(partial)])
    return strict_equal(partial, final)


def _members_consistent(partial: list[Any], final: list[Any]) -> bool:
    """Equal members, except that the last may be a consistent partial."""
    if not partial:
        return True
    done = all(map(strict_equal, partial[:-1], final[:-1]))
    return done and is_consistent(partial[-1], final[-1])
