"""Home Assistant's value and command templates, evaluated safely.

Discovery payloads carry Jinja templates (``{{ value_json.state }}``) and anyone who
can publish to the broker can write one, so a template is untrusted code. Jinja's
sandbox stops it reaching Python internals, but not from running for ever
(``{% for %}`` inside ``{% for %}``) or building a gigabyte string (``'x' * 10**9``).
So only a small expression language is accepted: names, lookups, constants,
comparisons, ``if``, arithmetic on numbers and a few filters. Its cost is linear
in the template's size. Anything else is refused when the device is discovered,
with a message that names the construct, instead of misbehaving later.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, TemplateError, nodes
from jinja2.sandbox import SandboxedEnvironment

MAX_TEMPLATE_CHARS = 2000
MAX_OUTPUT_CHARS = 65_536

_ALLOWED_NODES: tuple[type[nodes.Node], ...] = (
    nodes.Template,
    nodes.Output,
    nodes.TemplateData,
    nodes.If,
    nodes.Name,
    nodes.Const,
    nodes.List,
    nodes.Tuple,
    nodes.Dict,
    nodes.Pair,
    nodes.Getattr,
    nodes.Getitem,
    nodes.Slice,
    nodes.CondExpr,
    nodes.Compare,
    nodes.Operand,
    nodes.Concat,
    nodes.And,
    nodes.Or,
    nodes.Not,
    nodes.Neg,
    nodes.Pos,
    nodes.Add,
    nodes.Sub,
    nodes.Mul,
    nodes.Div,
    nodes.FloorDiv,
    nodes.Mod,
    nodes.Filter,
    nodes.Test,
    nodes.Keyword,
)
_FILTERS = frozenset(
    {"int", "float", "round", "abs", "lower", "upper", "trim", "string", "default", "d", "is_defined", "bool"}
)
_TESTS = frozenset({"defined", "undefined", "none", "number", "string", "boolean", "mapping"})


class TemplateRefused(ValueError):
    """A template homemind will not run; the message says which part and why."""


def _is_defined(value: Any) -> Any:
    """Home Assistant's ``is_defined``: fail the render when the key is missing."""
    if isinstance(value, StrictUndefined):
        raise TemplateRefused("value is not defined")
    return value


def _to_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on", "enable")
    return bool(value)


class _Environment(SandboxedEnvironment):
    # Arithmetic that could repeat a string or a list (``'x' * 10**9``, ``'%9999999d' % 1``)
    # is checked at render time: numbers only.
    intercepted_binops = frozenset({"*", "/", "//", "%"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        for operand in (left, right):
            if isinstance(operand, bool) or not isinstance(operand, int | float):
                raise TemplateRefused(f"'{operator}' is for numbers only")
        return super().call_binop(context, operator, left, right)

    def getattr(self, obj: Any, attribute: str) -> Any:
        # value_json.update must be the payload's "update" key, not dict.update.
        if isinstance(obj, Mapping) and attribute in obj:
            return obj[attribute]
        if isinstance(obj, Mapping | list | str):
            return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)


_ENV = _Environment(undefined=StrictUndefined, autoescape=False)
_ENV.filters = {name: f for name, f in _ENV.filters.items() if name in _FILTERS}
_ENV.filters["is_defined"] = _is_defined
_ENV.filters["bool"] = _to_bool
_ENV.tests = {name: t for name, t in _ENV.tests.items() if name in _TESTS}
_ENV.globals.clear()


class Template:
    """One checked template; :meth:`render` returns text or raises :class:`TemplateRefused`."""

    def __init__(self, source: str) -> None:
        self.source = source
        self._compiled = _compile(source)

    def render(self, **variables: Any) -> str:
        try:
            out = self._compiled.render(**variables)
        except TemplateRefused:
            raise
        except (TemplateError, ArithmeticError, ValueError, TypeError, LookupError) as exc:
            raise TemplateRefused(f"{type(exc).__name__}: {exc}") from None
        if len(out) > MAX_OUTPUT_CHARS:
            raise TemplateRefused(f"the result is {len(out)} characters long")
        return out

    def __repr__(self) -> str:
        return f"Template({self.source!r})"


@lru_cache(maxsize=512)
def _compile(source: str) -> Any:
    if len(source) > MAX_TEMPLATE_CHARS:
        raise TemplateRefused(
            f"a template of {len(source)} characters is too long (at most {MAX_TEMPLATE_CHARS})"
        )
    try:
        tree = _ENV.parse(source)
    except TemplateError as exc:
        raise TemplateRefused(f"not a template: {exc}") from None
    for node in tree.find_all(nodes.Node):
        if not isinstance(node, _ALLOWED_NODES):
            raise TemplateRefused(f"'{type(node).__name__}' is not allowed in a device template")
        if isinstance(node, nodes.Filter) and node.name not in _ENV.filters:
            raise TemplateRefused(f"unknown filter '{node.name}'")
        if isinstance(node, nodes.Test) and node.name not in _ENV.tests:
            raise TemplateRefused(f"unknown test '{node.name}'")
        if isinstance(node, nodes.Filter | nodes.Test) and (node.dyn_args or node.dyn_kwargs):
            raise TemplateRefused("*args and **kwargs are not allowed in a device template")
        if isinstance(node, nodes.Const) and isinstance(node.value, float) and not math.isfinite(node.value):
            raise TemplateRefused("infinite constant")
    try:
        return _ENV.from_string(tree)
    except TemplateError as exc:
        raise TemplateRefused(f"not a template: {exc}") from None
