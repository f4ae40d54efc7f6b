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
from datetime import date, datetime
from typing import Any

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
from .zones import Zone

FastPath = Callable[[str, Zone], "int | None"]

_ORDINAL_1970 = date(1970, 1, 1).toordinal()
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
    if run.followers and not run.reserve:
        return None  # a greedy first number: rare, left to the full path
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
    zero = offset.zero

    def convert(text: str) -> int:
        if text == zero:
            return 0
        digits = text[1:].replace(":", "")
        hours, minutes, seconds = int(digits[:2]), int(digits[2:4] or 0), int(digits[4:] or 0)
        if hours > 23 or minutes > 59 or seconds > 59:
            # Java stops before an optional part out of range, or refuses the text
            raise Mismatch(0)
        total = hours * 3600 + minutes * 60 + seconds
        return -total if text[0] == "-" else total

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
    taken: set[int] = set()

    def claim(field: Field, convert: Callable[[str], int]) -> bool:
        # one reader per slot: ``y`` and ``u`` together must be cross-checked, by Java's rules
        slot = _SLOTS.get(field)
        if slot is None or slot in taken:
            return False
        taken.add(slot)
        readers.append((slot, convert))
        return True

    for element in root.elements:
        if isinstance(element, Literal):
            pieces.append(re.escape(element.text))
        elif isinstance(element, NumberRun):
            piece = _number_regex(element)
            if piece is None:
                return None
            pieces.append(piece)
            for digits in (element.lead, *element.followers):
                if not claim(digits.field, _value_converter(digits)):
                    return None
        elif isinstance(element, Text):
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
    if not _resolvable(slots):
        return None
    return _make_resolver(re.compile("".join(pieces)), tuple(readers))


def _resolvable(slots: set[int]) -> bool:
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
    converters = tuple(convert for _, convert in readers)
    all_numbers = all(convert is int for convert in converters)
    where = {slot: index for index, (slot, _) in enumerate(readers)}
    # after the values read come a 0 and a None: where fields the pattern lacks are found
    zero, absent = len(readers), len(readers) + 1
    i_year, i_month, i_day = where[0], where[1], where[2]
    i_weekday = where.get(3, absent)
    i_minute, i_second, i_nano = where.get(9, zero), where.get(10, zero), where.get(11, zero)
    i_offset, i_ampm = where.get(12, absent), where.get(8, absent)
    hour_slot = next((slot for slot in _HOUR_SLOTS if slot in where), None)
    i_hour = absent if hour_slot is None else where[hour_slot]
    month_length = f.month_length
    to_date = date
    to_datetime = datetime

    def parse(text: str, zone: Zone) -> int | None:
        found = match(text)
        if found is None:
            return None
        values: list[Any]  # ints, and None for the fields the pattern lacks
        if all_numbers:
            values = [*map(int, found.groups()), 0, None]
        else:
            try:
                values = [convert(g) for convert, g in zip(converters, found.groups(), strict=True)]
            except (Mismatch, Rejected):
                return None
            values += (0, None)
        year, month, day = values[i_year], values[i_month], values[i_day]
        if not (0 < year < 10_000 and 0 < month < 13 and 0 < day):
            return None  # eras, far years: the full path
        if day > 28 and day > month_length(year, month):
            return None  # SMART moves it to the month's end, or Java refuses it
        days = to_date(year, month, day).toordinal() - _ORDINAL_1970
        weekday = values[i_weekday]
        if weekday is not None and weekday != (days + 3) % 7 + 1:
            return None
        hour = values[i_hour]
        if hour is None:
            hour = 0
        elif hour_slot == 5:  # clock-hour-of-am-pm 1-12 with AM/PM
            if not 0 < hour < 13:
                return None
            hour = hour % 12 + 12 * values[i_ampm]
        elif hour_slot == 6:  # hour-of-am-pm 0-11 with AM/PM
            if hour > 11:
                return None
            hour += 12 * values[i_ampm]
        elif hour_slot == 7:  # clock-hour-of-day 1-24
            if not 0 < hour < 25:
                return None
            hour %= 24
        elif hour > 23:
            return None  # 24:00 is the next day (SMART), or Java refuses it
        minute, second, nano = values[i_minute], values[i_second], values[i_nano]
        if minute > 59 or second > 59 or nano > 999_999_999:
            return None
        second_of_day = hour * 3600 + minute * 60 + second
        offset = values[i_offset]
        if offset is None:
            if isinstance(zone, int):
                offset = zone
            else:  # fold=0: Java's choice in overlaps and gaps (see zones.offset_at_local)
                delta = zone.utcoffset(to_datetime(year, month, day, hour, minute, second))
                offset = delta.days * 86_400 + delta.seconds  # type: ignore[union-attr]
        elif not -64_800 <= offset <= 64_800:
            return None
        return (days * 86_400 + second_of_day - offset) * 1000 + nano // 1_000_000

    return parse
