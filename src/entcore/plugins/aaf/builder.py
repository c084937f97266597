"""Building records from canonical text: compiled per shape, conversions memoised.

:meth:`~.rules.CategorySpec.build` says what a record is; a :class:`Builder`
computes the same record from the canonical text of an entry's attributes (see
:mod:`~.payload`) with as little Python work per value as possible.

* The entries of a file list the same attributes in the same order (every
  export seen, real or synthetic, has one such *shape* per file).  For each
  shape met, a :class:`Plan` compiles a regular expression matching the whole
  text of such an entry, with one group per attribute the rules read (and the
  jointure): one match checks the structure and the names and cuts out the raw
  text of each value, in C.  The translator matches every entry as it reads it,
  which also tells that its attributes are the shape's (for notices) and gives
  the jointure; the match is handed to :meth:`Builder.build`.  An entry of
  another shape, or with something unusual (a repeated name, mixed content,
  nested elements), goes through the reference path.
* Most attributes repeat from one entry to the next (a class, a MEF, a regime,
  a town, a list of subjects…), so the result of each attribute's rules is
  remembered, keyed by the attribute's raw text: converters are pure functions
  of the name and the values, so the same text gives an equal result.  The
  lookups of an entry run in C (``map(dict.get, …)``); failures are never
  remembered.  Each memo is bounded, so memory stays flat, and an attribute
  whose values hardly repeat (an INE, an e-mail address) stops being
  remembered as soon as its first results bring almost no hit.
* Every attribute of a spec has one rule, and no two rules make the same path:
  each remembered result is just the field's value (or its ``extra`` pairs),
  and the fields of a record are zipped with their paths.  A spec without
  these properties gets no plan, and is built the reference way.
"""

from __future__ import annotations

import re
from itertools import chain, compress
from operator import itemgetter, methodcaller, not_
from typing import TYPE_CHECKING, Any, NamedTuple, TypeAlias

from entcore.plugins.aaf import payload as canonical
from entcore.plugins.aaf import values as converters
from entcore.plugins.aaf.rules import EXTRA

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from entcore.model import DirectoryRecord
    from entcore.plugins.aaf.rules import CategorySpec, Composite, Fields
    from entcore.plugins.aaf.values import Converter

#: How many results a memo keeps before starting afresh.
MEMO_SIZE = 1024
#: When a memo holds this many results, an attribute with less than one hit for
#: eight misses is deemed unique (an INE, an e-mail address) and no longer
#: remembered: memos cost memory, and a feed's memory must stay flat.
MEMO_PROBE = 128
#: How many shapes a builder keeps compiled before starting afresh.
MAX_SHAPES = 16

# What a memo holds for a raw text: the 1-tuple of what the attribute's rule
# makes of it, the field's value or the ``extra`` pairs of an ``extra.`` field.
# Never empty, so a hit is always true and a miss (None) false.
_Found = tuple[Any]
_Extra = tuple[tuple[str, str], ...]
# What a composite makes, split: plain (path, value) pairs, then extra pairs.
_Composed = tuple[tuple[tuple[str, Any], ...], _Extra]

_FIRST = itemgetter(0)
_NO_EXTRA: _Extra = ()

# What surrounds the text of an attribute's only value in canonical text.
_ONE_VALUE = "><value>"
_ONE_VALUE_END = len("</value></attr>")


def _extra_key(path: str) -> str | None:
    return path[len(EXTRA) :] if path.startswith(EXTRA) else None


def _split(pairs: Sequence[tuple[str, Any]]) -> _Composed:
    """``(path, value)`` pairs: plain fields apart, ``extra.`` ones as extra pairs."""
    plain: list[tuple[str, Any]] = []
    extra: list[tuple[str, str]] = []
    for path, value in pairs:
        key = _extra_key(path)
        if key is None:
            plain.append((path, value))
        else:
            extra.extend([(key, item) for item in value])
    return tuple(plain), tuple(extra)


_Grouper: TypeAlias = "Callable[[re.Match[str]], tuple[str, ...]]"


def _grouper(groups: Sequence[int]) -> _Grouper:
    """A function taking ``groups`` of a match, as a tuple, in C when it can."""
    if len(groups) >= 2:
        return methodcaller("group", *groups)
    if len(groups) == 1:
        group = groups[0]
        return lambda match: (match.group(group),)
    return lambda match: ()


def _picker(slots: Sequence[int]) -> Callable[[Sequence[Any]], tuple[Any, ...]]:
    """A function taking the items at ``slots`` of a sequence, as a tuple, in C when it can."""
    if len(slots) >= 2:
        return itemgetter(*slots)
    if len(slots) == 1:
        slot = slots[0]
        return lambda items: (items[slot],)
    return lambda items: ()


class _Rule(NamedTuple):
    """The one rule of an attribute, as the builder applies it."""

    name: str
    path: str
    convert: Converter
    key: str | None
    """The key in ``extra`` of an ``extra.`` path; None for a plain field."""
    single: tuple[Any, Callable[[str, str], Any]] | None
    """The converter's single-value form (see ``values.ONE_VALUE``), if it has one."""


class _Memory:
    """A memo and what decides whether it is worth keeping."""

    __slots__ = ("active", "memo", "since")

    def __init__(self) -> None:
        self.memo: dict[Any, Any] = {}
        self.active = True
        self.since = 0
        """The build count when the memo was last emptied."""

    def keep(self, key: Any, result: Any, count: int) -> None:
        """Remember ``result`` under ``key``; ``count`` is the builder's build count."""
        memo = self.memo
        size = len(memo)
        if size == MEMO_PROBE or size >= MEMO_SIZE:
            # Since the memo was emptied, each build looked it up once and each
            # miss added one result: the hits are the difference.
            hits = count - self.since - size
            if size == MEMO_PROBE:
                if hits < MEMO_PROBE // 8:
                    memo.clear()
                    self.active = False
            else:
                memo.clear()
                self.since = count
                # Less than one hit for four misses: the values hardly repeat.
                if hits < size // 4:
                    self.active = False
        if self.active:
            memo[key] = result


class Plan:
    """How the entries of one shape (one sequence of attribute names) are read and built."""

    def __init__(self, builder: Builder, names: Sequence[str]):
        spec = builder.spec
        # Names are as the canonical text holds them: one with an escaped
        # character is no name a spec knows, and is neither read nor captured.
        captured = [name for name in names if name in spec.read or name == spec.key]
        attributes = (
            "<attributes>"
            + "".join(
                f'<attr name="{re.escape(name)}"'
                + (f"({canonical.TAIL})" if name in captured else f"(?:{canonical.TAIL})")
                for name in names
            )
            + "</attributes>"
        )
        self.pattern = re.compile(attributes)
        """Matches the canonical text of the attributes of an entry of the shape."""
        self.request = re.compile(canonical.ENVELOPE + attributes + "</addRequest>")
        """Matches the canonical text of a whole entry of the shape; groups 1 and 2 are
        the category value and the identifier, the attributes' follow."""
        self.key = captured.index(spec.key) + 3 if spec.key in captured else None
        """The group of the jointure in a match of :attr:`request`, when the shape has it."""
        self.unknown = tuple(
            name for name in map(canonical.unescape, names) if name not in spec.known
        )
        """The names of the shape the spec does not know, in document order."""
        rules = builder.rules
        groups = [group for group, name in enumerate(captured, 1) if name in rules]
        self.rules = tuple(rules[captured[group - 1]] for group in groups)
        """The rules of the slots: the captured attributes with a rule."""
        self.slots = range(len(groups))
        # The raw texts of the slots from a match of :attr:`request`, or of
        # :attr:`pattern` (two groups less), fetched in one call.
        self.texts = (_grouper([group + 2 for group in groups]), _grouper(groups))
        self.memories = tuple(builder.memories[rule.name] for rule in self.rules)
        self.memos = tuple(memory.memo for memory in self.memories)
        plain = [slot for slot, rule in enumerate(self.rules) if rule.key is None]
        self.paths = tuple(self.rules[slot].path for slot in plain)
        self.values = _picker(plain)
        self.extras = _picker([slot for slot in self.slots if slot not in plain])
        # A composite's memo is the plan's own: which of its sources are absent
        # is the same for every entry of the shape, so only the present ones key it.
        # The last item tells that the composite makes no ``extra.`` field (its
        # paths say which fields it makes).
        composites = []
        for composite in spec.composites:
            present = tuple(source for source in composite.sources if source in captured)
            present_groups = [captured.index(source) + 1 for source in present]
            composites.append(
                (
                    composite,
                    present,
                    (_grouper([group + 2 for group in present_groups]), _grouper(present_groups)),
                    _Memory(),
                    all(_extra_key(path) is None for path in composite.paths),
                )
            )
        self.composites: tuple[
            tuple[Composite, tuple[str, ...], tuple[_Grouper, _Grouper], _Memory, bool], ...
        ] = tuple(composites)


class Builder:
    """Builds the records of one spec; one per file, so that its memos and shapes fit the file."""

    def __init__(self, spec: CategorySpec):
        self.spec = spec
        self._make = spec.make
        paths = [rule.path for rules in spec.fields.values() for rule in rules]
        paths += [path for composite in spec.composites for path in composite.paths]
        # A spec where an attribute has several rules, or two rules make the
        # same path, gets no plan: it is built the reference way.
        self._plannable = len(paths) == len(set(paths)) and all(
            len(rules) == 1 for rules in spec.fields.values()
        )
        self.rules: dict[str, _Rule] = {
            name: _Rule(
                name,
                rules[0].path,
                rules[0].convert,
                _extra_key(rules[0].path),
                converters.ONE_VALUE.get(rules[0].convert),
            )
            for name, rules in spec.fields.items()
            if self._plannable
        }
        self.memories: dict[str, _Memory] = {name: _Memory() for name in self.rules}
        self.plan: Plan | None = None
        """The plan of the shape of the last entry prepared or built."""
        self._plans: dict[tuple[str, ...], Plan | None] = {}
        self._count = 0

    def prepare(self, text: str) -> None:
        """Make the plan of the shape of ``text`` the current one, compiling it if new."""
        plan = self._plan_for(text)
        if plan is not None:
            self.plan = plan

    def build(
        self,
        external_id: str,
        text: str,
        plan: Plan | None = None,
        match: re.Match[str] | None = None,
    ) -> DirectoryRecord:
        """The record of an entry from the canonical text of its attributes.

        ``match``, when given, is the match of ``text`` by ``plan``'s
        :attr:`~Plan.request` (``text`` is then that of the whole request).
        Raises :class:`~entcore.model.RecordError` when the entry is invalid.
        """
        if plan is None or match is None:
            found_plan = self._match(text)
            if found_plan is None:
                # Something unusual: the reference path, exact in every case.
                spec = self.spec
                return spec.build(external_id, canonical.grouped(text, spec.read))
            plan, match = found_plan
        self._count += 1
        # Patterns compare and hash by their compiled code: told apart by identity.
        whole = 0 if match.re is plan.request else 1
        texts = plan.texts[whole](match)
        found: list[_Found | None] = list(map(dict.get, plan.memos, texts))
        if not all(found):
            # The missing slots are found in C; only they cost a Python iteration.
            for slot in compress(plan.slots, map(not_, found)):
                tail = texts[slot]
                rule = plan.rules[slot]
                single = rule.single
                converted: Any
                if (
                    single is not None
                    and tail.startswith(_ONE_VALUE)
                    and "<" not in (value := tail[len(_ONE_VALUE) : -_ONE_VALUE_END])
                    and "&" not in value
                ):
                    # One value, nothing escaped in it: the converter's
                    # single-value form, without decoding the tail into a sequence.
                    blank, form = single
                    converted = (
                        blank
                        if not value or value.isspace()
                        else form(rule.name, value.strip() if "\n" in value else value)
                    )
                else:
                    converted = rule.convert(rule.name, canonical.values_of(tail))
                extra_name = rule.key
                result: _Found = (
                    (converted,)
                    if extra_name is None
                    else (tuple([(extra_name, item) for item in converted]),)
                )
                memory = plan.memories[slot]
                if memory.active:
                    memory.keep(tail, result, self._count)
                found[slot] = result
        values: Fields = dict(zip(plan.paths, map(_FIRST, plan.values(found)), strict=True))
        extra = tuple(chain.from_iterable(map(_FIRST, plan.extras(found))))
        # Composites come after the fields, as in the reference.
        for composite, sources, pick, memory, plain in plan.composites:
            key = pick[whole](match)
            composed = memory.memo.get(key) if memory.active else None
            if composed is None:
                made = composite.compose(
                    dict(zip(sources, map(canonical.values_of, key), strict=True))
                )
                if plain and not memory.active:
                    # Nothing to remember: straight into the fields.
                    values.update(made)
                    continue
                pairs = tuple(made.items())
                composed = (pairs, _NO_EXTRA) if plain else _split(pairs)
                if memory.active:
                    memory.keep(key, composed, self._count)
            values.update(composed[0])
            if composed[1]:
                extra += composed[1]
        return self._make(external_id, values, extra)

    def _match(self, text: str) -> tuple[Plan, re.Match[str]] | None:
        """The plan of the shape of the attributes' ``text`` and its match, if any."""
        plan = self.plan
        match = plan.pattern.fullmatch(text) if plan is not None else None
        if plan is None or match is None:
            plan = self._plan_for(text)
            match = plan.pattern.fullmatch(text) if plan is not None else None
            if plan is None or match is None:
                return None
            self.plan = plan
        return plan, match

    def _plan_for(self, text: str) -> Plan | None:
        """The plan of the shape of ``text``; None when it has none (repeated names, odd XML)."""
        matches = canonical.plain(text) if self._plannable else None
        if not matches:
            return None
        names = tuple([name for name, _ in matches])
        if names in self._plans:
            return self._plans[names]
        if len(self._plans) >= MAX_SHAPES:
            self._plans.clear()
        plan = Plan(self, names) if len(set(names)) == len(names) else None
        self._plans[names] = plan
        return plan
