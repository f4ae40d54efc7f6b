"""What a compiled pattern is made of: elements that each read one piece of the text.

Every element has ``parse(state, units, pos) -> int``: it records what it read in the
:class:`ParseState` and returns the position after it, or raises :class:`Mismatch` with the
index Java reports. ``units`` is the text in UTF-16 code units (see ``errors.to_units``).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence

from .errors import Mismatch, Rejected
from .fields import NANO_OF_SECOND, OFFSET_SECONDS, Field
from .zones import OFFSET_PREFIXES, Zone, by_initial, region, region_ids

_LONG_MAX = 2**63 - 1


class ParseState:
    """The fields and zone read so far. A field read twice must agree with itself."""

    __slots__ = ("fields", "zone")

    def __init__(self) -> None:
        self.fields: dict[Field, int] = {}
        self.zone: Zone | None = None

    def put(self, field: Field, value: int, start: int) -> None:
        known = self.fields.setdefault(field, value)
        if known != value:
            raise Mismatch(start)

    def snapshot(self) -> tuple[dict[Field, int], Zone | None]:
        return dict(self.fields), self.zone

    def restore(self, saved: tuple[dict[Field, int], Zone | None]) -> None:
        self.fields, self.zone = dict(saved[0]), saved[1]


class Element:
    def parse(self, state: ParseState, units: str, pos: int) -> int:
        raise NotImplementedError


class Literal(Element):
    """Text that must appear as is (case-sensitive)."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def parse(self, state: ParseState, units: str, pos: int) -> int:
        if not units.startswith(self.text, pos):
            raise Mismatch(pos)
        return pos + len(self.text)


# --------------------------------------------------------------------------------------
# Numbers


class Sign(enum.Enum):
    """Which signs a number may carry when parsing strictly."""

    NEGATIVE_ONLY = "a '-' only (for a negative value)"
    BEYOND_WIDTH = "'-' always; '+' exactly when more digits than the minimum width follow"
    NONE = "no sign"


_DIGITS = re.compile("[0-9]*")


class Digits:
    """One numeric field: between ``min_width`` and ``max_width`` ASCII digits."""

    __slots__ = ("beyond_width", "field", "max_width", "min_width", "minus", "plus", "sign")

    def __init__(self, field: Field, min_width: int, max_width: int, sign: Sign) -> None:
        self.field = field
        self.min_width = min_width
        self.max_width = max_width
        self.sign = sign
        self.beyond_width = sign is Sign.BEYOND_WIDTH
        self.plus = self.beyond_width
        self.minus = sign is not Sign.NONE

    @property
    def fixed(self) -> bool:
        """Fixed-width unsigned numbers can follow another number with no separator."""
        return self.min_width == self.max_width and self.sign is Sign.NONE

    def value(self, number: int, digits: int) -> int:
        return number

    def read(self, state: ParseState, units: str, pos: int, reserve: int = 0) -> int:
        """Read the number at ``pos``, leaving ``reserve`` digits for fixed-width followers."""
        start = pos
        length = len(units)
        if pos >= length:
            raise Mismatch(pos)
        negative = positive = False
        first = units[pos]
        if first == "+":
            if not self.plus:
                raise Mismatch(pos)
            positive = True
            pos += 1
        elif first == "-":
            if not self.minus:
                raise Mismatch(pos)
            negative = True
            pos += 1
        min_width = self.min_width
        if pos + min_width > length:
            raise Mismatch(pos)
        limit = min(length, pos + self.max_width + reserve)
        found = _DIGITS.match(units, pos, limit)
        count = found.end() - pos if found is not None else 0
        if count < min_width:
            raise Mismatch(pos)
        if reserve:
            count = max(min_width, count - reserve)
        number = int(units[pos : pos + count])
        if number > _LONG_MAX:  # Java keeps the number within a long: one digit less
            count -= 1
            number //= 10
        if negative:
            if number == 0:
                raise Mismatch(pos - 1)
            number = -number
        elif self.beyond_width:
            if positive and count <= min_width:
                raise Mismatch(pos - 1)
            if not positive and count > min_width:
                raise Mismatch(pos)
        state.put(self.field, self.value(number, count), start)
        return pos + count


class TwoDigitYear(Digits):
    """``yy``: two digits for a year from 2000 to 2099."""

    __slots__ = ()

    def __init__(self, field: Field) -> None:
        super().__init__(field, 2, 2, Sign.NONE)

    def value(self, number: int, digits: int) -> int:
        return 2000 + number


class Fraction(Digits):
    """``S``..: digits of the second's fraction, stored as nanoseconds."""

    __slots__ = ()

    def __init__(self, width: int) -> None:
        super().__init__(NANO_OF_SECOND, width, width, Sign.NONE)

    def value(self, number: int, digits: int) -> int:
        return number * 10 ** (9 - digits)


class NumberRun(Element):
    """Numbers written back to back (``yyyyMMdd``): the first takes what the fixed-width
    ones after it leave, so ``2010120`` under ``yyyyMMd`` is read as 2010, 12, 0.

    Java drops that reservation when yet another variable-width number follows the run
    (``Hmmd``): the first number then reads every digit it can, and the fixed-width ones
    after it find none left."""

    __slots__ = ("followers", "lead", "reserve")

    def __init__(self, lead: Digits, followers: Sequence[Digits] = (), reserve: bool = True):
        self.lead = lead
        self.followers = tuple(followers)
        self.reserve = sum(follower.max_width for follower in self.followers) if reserve else 0

    def parse(self, state: ParseState, units: str, pos: int) -> int:
        pos = self.lead.read(state, units, pos, self.reserve)
        for follower in self.followers:
            pos = follower.read(state, units, pos)
        return pos


# --------------------------------------------------------------------------------------
# Text


class Text(Element):
    """A field written as a word (``Dec``, ``Wednesday``, ``PM``): longest words first.
    Where a style repeats a word (narrow months: J, F, M, A, M, J, J, ...), Java reads it
    as the last value that has it (J is July)."""

    __slots__ = ("candidates", "field")

    def __init__(self, field: Field, words: Sequence[str], first_value: int) -> None:
        self.field = field
        by_word = {word: first_value + index for index, word in enumerate(words)}
        self.candidates = tuple(sorted(by_word.items(), key=lambda pair: -len(pair[0])))

    def parse(self, state: ParseState, units: str, pos: int) -> int:
        for word, value in self.candidates:
            if units.startswith(word, pos):
                state.put(self.field, value, pos)
                return pos + len(word)
        raise Mismatch(pos)


# --------------------------------------------------------------------------------------
# Offsets and zones


class Part(enum.Enum):
    REQUIRED = "required"
    OPTIONAL = "optional"
    ABSENT = "absent"


def _two_digits(units: str, pos: int) -> int | None:
    pair = units[pos : pos + 2]
    if len(pair) == 2 and pair.isdigit() and pair.isascii():
        return int(pair)
    return None


class Offset(Element):
    """``X``, ``x``, ``Z``: a sign, two-digit hours, then minutes and seconds as the letter
    count asks. The text for a zero offset (``Z``, ``+0000``) is tried first."""

    __slots__ = ("colon", "minutes", "seconds", "zero")

    def __init__(self, zero: str, *, colon: bool, minutes: Part, seconds: Part) -> None:
        self.zero = zero
        self.colon = colon
        self.minutes = minutes
        self.seconds = seconds

    def read_seconds(self, units: str, pos: int) -> tuple[int, int]:
        """(offset seconds, end); raises Mismatch(pos) if the text has no offset here."""
        if units.startswith(self.zero, pos):
            return 0, pos + len(self.zero)
        sign = units[pos : pos + 1]
        if sign not in ("+", "-"):
            raise Mismatch(pos)
        hours = _two_digits(units, pos + 1)
        if hours is None or hours > 59:
            raise Mismatch(pos)
        end = pos + 3
        total = hours * 3600
        for part, scale in ((self.minutes, 60), (self.seconds, 1)):
            if part is Part.ABSENT:
                break
            at = end + 1 if self.colon else end
            value = None
            if not self.colon or units[end : end + 1] == ":":
                value = _two_digits(units, at)
            if value is None or value > 59:
                if part is Part.REQUIRED:
                    raise Mismatch(pos)
                break
            total += value * scale
            end = at + 2
        if hours > 23:
            raise Rejected("Value out of range: Hour[0-23], Minute[0-59], Second[0-59]")
        return (-total if sign == "-" else total), end

    def parse(self, state: ParseState, units: str, pos: int) -> int:
        seconds, end = self.read_seconds(units, pos)
        state.put(OFFSET_SECONDS, seconds, pos)
        return end


def _char(units: str, index: int) -> str:
    """A character Java reads without checking the length first (its error, copied)."""
    if index >= len(units):
        raise Rejected(f"String index out of range: {index}")
    return units[index]


class GmtOffset(Element):
    """``O``, ``OOOO``, ``ZZZZ``: ``GMT`` alone, or ``GMT`` with a signed offset; the full
    style has ``HH:mm`` and optional ``:ss``, the short one ``H`` or ``HH`` and optional
    ``:mm`` and ``:ss``. Minutes and seconds are not range-checked here."""

    __slots__ = ("full",)

    def __init__(self, full: bool) -> None:
        self.full = full

    def parse(self, state: ParseState, units: str, pos: int) -> int:
        if not units.startswith("GMT", pos):
            raise Mismatch(pos)
        at = pos + 3
        sign = units[at : at + 1]
        if sign not in ("+", "-"):
            state.put(OFFSET_SECONDS, 0, pos)
            return at
        at += 1
        if self.full:
            hour_digits = _char(units, at) + _char(units, at + 1)
            if not _is_digits(hour_digits) or _char(units, at + 2) != ":":
                raise Mismatch(pos)
            minute_digits = _char(units, at + 3) + _char(units, at + 4)
            if not _is_digits(minute_digits):
                raise Mismatch(pos)
            total = int(hour_digits) * 3600 + int(minute_digits) * 60
            at += 5
            seconds = _colon_pair(units, at)
            if seconds is not None:
                total += seconds
                at += 3
        else:
            if not _is_digits(_char(units, at)):
                raise Mismatch(pos)
            hour_end = at + 2 if _is_digits(units[at + 1 : at + 2]) else at + 1
            total = int(units[at:hour_end]) * 3600
            at = hour_end
            for scale in (60, 1):
                value = _colon_pair(units, at)
                if value is None:
                    break
                total += value * scale
                at += 3
        state.put(OFFSET_SECONDS, -total if sign == "-" else total, pos)
        return at


def _is_digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def _colon_pair(units: str, pos: int) -> int | None:
    if units[pos : pos + 1] != ":":
        return None
    return _two_digits(units, pos + 1)


# after UTC/GMT/UT; a bare offset: both +HH:MM with optional :ss
_PREFIXED_OFFSET = Offset("Z", colon=True, minutes=Part.REQUIRED, seconds=Part.OPTIONAL)
_BARE_OFFSET = _PREFIXED_OFFSET


class ZoneText(Element):
    """``VV`` (a zone ID) and ``z`` (a zone ID or an English zone name, short or long).

    An offset (``+01:30``), or a ``UTC``/``GMT``/``UT`` prefix with an optional offset,
    gives a fixed offset; otherwise the longest known region ID (or name) wins, and a bare
    ``Z`` is UTC.
    """

    __slots__ = ("names", "names_by_initial")

    def __init__(self, names: dict[str, str] | None) -> None:
        self.names = names or {}
        self.names_by_initial = by_initial(frozenset(self.names))

    def parse(self, state: ParseState, units: str, pos: int) -> int:
        first = units[pos : pos + 1]
        if not first:
            raise Mismatch(pos)
        if first in ("+", "-"):
            seconds, end = _BARE_OFFSET.read_seconds(units, pos)
            state.zone = seconds
            return end
        if units.startswith("GMT0", pos):  # a region ID of its own
            state.zone = 0
            return pos + 4
        for prefix in OFFSET_PREFIXES:
            if units.startswith(prefix, pos):
                after = pos + len(prefix)
                seconds, end = 0, after
                if units[after : after + 1] in ("+", "-"):
                    try:
                        seconds, end = _PREFIXED_OFFSET.read_seconds(units, after)
                    except Mismatch:
                        seconds, end = 0, after
                state.zone = seconds
                return end
        found = self._longest_known(units, pos)
        if found is None:
            if first == "Z":
                state.zone = 0
                return pos + 1
            raise Mismatch(pos)
        zone_id, end = found
        state.zone = region(zone_id)
        return end

    def _longest_known(self, units: str, pos: int) -> tuple[str, int] | None:
        initial = units[pos]
        best: tuple[str, int] | None = None
        for zone_id in by_initial(region_ids()).get(initial, ()):
            if units.startswith(zone_id, pos):
                best = (zone_id, pos + len(zone_id))
                break
        if self.names:
            for name in self.names_by_initial.get(initial, ()):
                if units.startswith(name, pos):
                    if best is None or len(name) > best[1] - pos:
                        best = (self.names[name], pos + len(name))
                    break
        return best


# --------------------------------------------------------------------------------------
# Structure


class Section(Element):
    """A sequence of elements; an optional one (``[...]``) that does not fit reads nothing."""

    __slots__ = ("elements", "optional", "steps")

    def __init__(self, elements: Sequence[Element], optional: bool) -> None:
        self.elements = tuple(elements)
        self.optional = optional
        # a lone number reads itself: one call less per field on the full path
        self.steps = tuple(
            element.lead.read
            if isinstance(element, NumberRun) and not element.followers
            else element.parse
            for element in self.elements
        )

    def parse(self, state: ParseState, units: str, pos: int) -> int:
        if not self.optional:
            for step in self.steps:
                pos = step(state, units, pos)
            return pos
        saved = state.snapshot()
        start = pos
        try:
            for step in self.steps:
                pos = step(state, units, pos)
        except Mismatch:
            state.restore(saved)
            return start
        return pos


class Padded(Element):
    """``p``: the next element is right-aligned in ``width`` characters, padded with spaces."""

    __slots__ = ("element", "width")

    def __init__(self, element: Element, width: int) -> None:
        self.element = element
        self.width = width

    def parse(self, state: ParseState, units: str, pos: int) -> int:
        end = pos + self.width
        if end > len(units):
            raise Mismatch(pos)
        start = pos
        while start < end and units[start] == " ":
            start += 1
        try:
            result = self.element.parse(state, units[:end], start)
        except Mismatch:
            result = -1
        if result != end:
            # Java reports this failure at the sum of the two positions, not at either
            raise Mismatch(start + pos)
        return result
