"""The happy path: one regular expression per pattern and a resolver for in-range values.

Most texts in a batch are well-formed. For a pattern made only of literals, numbers, words
and ``X``/``x``/``Z`` offsets, a regex reads all fields at once. It only ever accepts a text
the element-by-element parser would read to the same field values (atomic groups: no
element gives back what it took, as in Java), and the values are only turned into an
instant here when no SMART adjustment or error is involved. Anything else returns None, and
the caller takes the full path, which has Java's messages.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from . import fields as f
from .elements import (
    Digits,
    Fraction,
    Literal,
    NumberRun,
    Offset,
    Part,
    Section,
    Text,
    TwoDigitYear,
)
from .errors import Mismatch, Rejected
from .fields import Field
from .zones import Zone, offset_at_local

FastPath = Callable[[str, Zone], "int | None"]

_LONG_DIGITS = 18  # more may not fit Java's long: leave those to the full path

# field -> slot in the values the resolver reads
_SLOTS = {
    f.YEAR_OF_ERA: 0,
    f.YEAR: 0,
    f.MONTH_OF_YEAR: 1,
    f.DAY_OF_MONTH: 2,
    f.DAY_OF_WEEK: 3,
    f.HOUR_OF_DAY: 4,
    f.CLOCK_HOUR_OF_AMPM: 5,
    f.HOUR_OF_AMPM: 6,
    f.CLOCK_HOUR_OF_DAY: 7,
    f.AMPM_OF_DAY: 8,
    f.MINUTE_OF_HOUR: 9,
    f.SECOND_OF_MINUTE: 10,
    f.NANO_OF_SECOND: 11,
    f.OFFSET_SECONDS: 12,
}
_HOUR_SLOTS = (4, 5, 6, 7)


def _number_regex(run: NumberRun) -> str | None:
    parts = []
    for index, digits in enumerate((run.lead, *run.followers)):
        if type(digits) not in (Digits, TwoDigitYear, Fraction):
            return None
        low = digits.min_width
        # a year-like number with more digits than its width needs a '+': not happy path
        high = low if digits.sign.name == "BEYOND_WIDTH" else min(digits.max_width, _LONG_DIGITS)
        if index == 0 and low > high:
            return None
        parts.append(f"([0-9]{{{low}}})" if low == high else f"([0-9]{{{low},{high}}})")
    # the run reads every digit there is: the next element never starts with one
    return "(?>" + "".join(parts) + "(?![0-9]))"


def _offset_regex(offset: Offset) -> str:
    body = "[+-][0-9]{2}"
    separator = ":" if offset.colon else ""
    tail = ""
    for part in (offset.seconds, offset.minutes):  # built inside out
        if part is Part.ABSENT:
            continue
        piece = f"{separator}[0-9]{{2}}{tail}"
        tail = piece if part is Part.REQUIRED else f"(?:{piece})?"
    return f"(?>({re.escape(offset.zero)}|{body}{tail}))"


def _offset_converter(offset: Offset) -> Callable[[str], int]:
    def convert(text: str) -> int:
        seconds, end = offset.read_seconds(text, 0)
        if end != len(text):
            raise Mismatch(end)  # Java would stop earlier: leave it to the full path
        return seconds

    return convert


def _value_converter(digits: Digits) -> Callable[[str], int]:
    if isinstance(digits, TwoDigitYear):
        return lambda text: 2000 + int(text)
    if isinstance(digits, Fraction):
        scale = 10 ** (9 - digits.min_width)
        return lambda text: int(text) * scale
    return int


def fast_path(root: Section) -> FastPath | None:
    pieces: list[str] = []
    readers: list[tuple[int, Callable[[str], int]]] = []  # (slot, converter) per group
    seen: set[Field] = set()

    def claim(field: Field, convert: Callable[[str], int]) -> bool:
        if field in seen or field not in _SLOTS:
            return False
        seen.add(field)
        readers.append((_SLOTS[field], convert))
        return True

    for element in root.elements:
        if isinstance(element, Literal):
            pieces.append(re.escape(element.text))
        elif isinstance(element, NumberRun):
            regex = _number_regex(element)
            if regex is None:
                return None
            pieces.append(regex)
            for digits in (element.lead, *element.followers):
                if not claim(digits.field, _value_converter(digits)):
                    return None
        elif isinstance(element, Text) and element.number is None:
            words = dict(element.candidates)
            pieces.append("(?>(" + "|".join(map(re.escape, words)) + "))")
            if not claim(element.field, words.__getitem__):
                return None
        elif isinstance(element, Offset):
            pieces.append(_offset_regex(element))
            if not claim(f.OFFSET_SECONDS, _offset_converter(element)):
                return None
        else:
            return None
    slots = {slot for slot, _ in readers}
    if not _resolvable(slots, f.YEAR_OF_ERA in seen):
        return None
    regex = re.compile("".join(pieces))
    return _make_resolver(regex, tuple(readers))


def _resolvable(slots: set[int], year_of_era: bool) -> bool:
    """Field sets the quick resolver knows: a full date, and a plain time of day or none."""
    if not {0, 1, 2} <= slots:
        return False
    hours = [slot for slot in _HOUR_SLOTS if slot in slots]
    if len(hours) > 1 or ((8 in slots) != (hours in ([5], [6]))):
        return False
    time = [slot in slots for slot in (9, 10, 11)]  # minute, second, fraction
    if not hours:
        return not any(time)
    # hour, then minute, second, fraction in order: a later one needs the earlier ones
    return time in ([False] * 3, [True, False, False], [True, True, False], [True] * 3)


def _make_resolver(
    regex: re.Pattern[str], readers: tuple[tuple[int, Callable[[str], int]], ...]
) -> FastPath:
    match = regex.fullmatch
    month_length = f.month_length
    epoch_day = f.epoch_day

    def parse(text: str, zone: Zone) -> int | None:
        found = match(text)
        if found is None:
            return None
        values: list[int | None] = [None] * 13
        try:
            for (slot, convert), group in zip(readers, found.groups(), strict=True):
                values[slot] = convert(group)
        except (Mismatch, Rejected):
            return None
        year, month, day = values[0], values[1], values[2]
        assert year is not None and month is not None and day is not None  # noqa: S101
        if not (1 <= year <= 9999 and 1 <= month <= 12 and 1 <= day <= month_length(year, month)):
            return None  # eras, far years, SMART day clamping: the full path
        days = epoch_day(year, month, day)
        weekday = values[3]
        if weekday is not None and weekday != (days + 3) % 7 + 1:
            return None
        hour = values[4]
        if hour is None:
            clock = values[5]
            if clock is not None:
                hour = None if not 1 <= clock <= 12 else clock % 12 + 12 * values[8]  # type: ignore[operator]
            elif values[6] is not None:
                hour = values[6] + 12 * values[8]  # type: ignore[operator]
                if values[6] > 11:  # type: ignore[operator]
                    return None
            elif values[7] is not None:
                hour = None if not 1 <= values[7] <= 24 else values[7] % 24
            else:
                hour = 0
            if hour is None:
                return None
        minute = values[9] or 0
        second = values[10] or 0
        nano = values[11] or 0
        if hour > 23 or minute > 59 or second > 59:
            return None
        second_of_day = hour * 3600 + minute * 60 + second
        offset = values[12]
        if offset is None:
            offset = offset_at_local(zone, year, month, day, second_of_day)
        elif not -64_800 <= offset <= 64_800:
            return None
        return (days * 86_400 + second_of_day - offset) * 1000 + nano // 1_000_000

    return parse
