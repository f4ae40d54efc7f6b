"""Java ``DateTimeFormatter.ofPattern(pattern)`` parsing, ported to Python.

The Java system duckshred replaces parsed event timestamps with
``ZonedDateTime.parse(text, DateTimeFormatter.ofPattern(pattern))``; data engineers hand
us the same patterns, and a row that does not parse must report exactly what Java's
``DateTimeParseException.getMessage()`` said. This module is a faithful port of the
*parsing* side of OpenJDK 17's ``java.time.format`` for the ISO chronology, strict
parsing, case-sensitive text in English (``Jan``/``January``, ``Mon``/``Monday``,
``AM``/``PM``), ``ResolverStyle.SMART``:

* ``DateTimeFormatterBuilder.parsePattern``/``parseField`` build the same printer-parser
  chain, including adjacent value parsing (``yyyyMMddHHmmss``) and optional sections;
* ``NumberPrinterParser``, ``ReducedPrinterParser``, ``FractionPrinterParser``,
  ``TextPrinterParser``, ``OffsetIdPrinterParser``, ``LocalizedOffsetIdPrinterParser``,
  ``ZoneIdPrinterParser``, ``PadPrinterParserDecorator`` and the literal parsers report
  the same error index;
* ``Parsed.resolve`` / ``IsoChronology.resolveDate`` resolve the fields with the same
  checks, SMART adjustments (``2011-02-30`` is 2011-02-28, ``24:00`` is midnight of the
  next day) and messages;
* ``ZonedDateTime.ofLocal`` semantics for local times: the earlier offset in an overlap,
  shifted forward by the gap length in a gap.

One deliberate difference: a pattern that yields a date but no time of day (and no
stray time field) parses as midnight, where Java's ``ZonedDateTime.from`` would fail.

Speed: each pattern compiles once (``compile_pattern`` is cached) into the element chain
and, when the pattern allows, one regular expression plus a tight resolver for the
happy path. The regex only ever accepts texts the element chain parses to the same
field values, and the fast resolver only answers when the values need no SMART
adjustment; anything else goes through the faithful path, which produces the exact
Java result or message.

Pattern letters not ported (``Y``, ``w``, ``W``, numeric ``e``/``c``, ``g``, ``B``, ``z``,
``v``) raise :class:`JavaPatternError` rather than parse differently from Java.

Known differences, none in the parsing rules themselves:

* time-zone data comes from the system's tz database (``zoneinfo``), not Java's bundled
  ``tzdb.dat``: historical offsets can differ where the databases do (Debian keeps
  Amsterdam's pre-1940 offsets, which Java's data folds into Brussels'), and Java's
  ``SystemV/*`` IDs are missing;
* when several leftover fields are invalid at once, Java reports whichever its
  ``HashMap`` yields first (identity hash order); this port reports the first parsed;
* a year so far out that the epoch milliseconds overflow a ``long`` raises
  :class:`JavaDateTimeParseError` with ``"long overflow"``, the message of the
  ``ArithmeticException`` Java's ``Instant.toEpochMilli()`` throws.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from datetime import date as _date
from datetime import datetime as _datetime
from typing import cast
from zoneinfo import ZoneInfo, available_timezones

__all__ = [
    "JavaDateTimeFormat",
    "JavaDateTimeParseError",
    "JavaPatternError",
    "compile_pattern",
    "parse_epoch_millis",
]


class JavaPatternError(ValueError):
    """The pattern is invalid (Java: ``IllegalArgumentException`` from ``ofPattern``)."""


class JavaDateTimeParseError(ValueError):
    """A text did not parse; ``str(error)`` is Java's ``DateTimeParseException.getMessage()``."""

    def __init__(self, message: str, text: str, error_index: int) -> None:
        super().__init__(message)
        self.text = text
        self.error_index = error_index


class _DateTimeError(Exception):
    """Java's ``DateTimeException`` (or another runtime exception) raised while parsing."""


# --------------------------------------------------------------------------------------
# Fields: named as Java's ChronoField.toString(), which is what the messages print.

ERA = "Era"
YEAR_OF_ERA = "YearOfEra"
YEAR = "Year"
MONTH_OF_YEAR = "MonthOfYear"
DAY_OF_MONTH = "DayOfMonth"
DAY_OF_YEAR = "DayOfYear"
DAY_OF_WEEK = "DayOfWeek"
ALIGNED_DAY_OF_WEEK_IN_MONTH = "AlignedDayOfWeekInMonth"
QUARTER_OF_YEAR = "QuarterOfYear"  # IsoFields.QUARTER_OF_YEAR, not a ChronoField
AMPM_OF_DAY = "AmPmOfDay"
HOUR_OF_DAY = "HourOfDay"
CLOCK_HOUR_OF_DAY = "ClockHourOfDay"
HOUR_OF_AMPM = "HourOfAmPm"
CLOCK_HOUR_OF_AMPM = "ClockHourOfAmPm"
MINUTE_OF_HOUR = "MinuteOfHour"
SECOND_OF_MINUTE = "SecondOfMinute"
SECOND_OF_DAY = "SecondOfDay"
MILLI_OF_SECOND = "MilliOfSecond"
MILLI_OF_DAY = "MilliOfDay"
NANO_OF_SECOND = "NanoOfSecond"
NANO_OF_DAY = "NanoOfDay"
OFFSET_SECONDS = "OffsetSeconds"
EPOCH_DAY = "EpochDay"

# ChronoField ranges: (minimum, largest minimum, smallest maximum, maximum).
_RANGES: dict[str, tuple[int, int, int, int]] = {
    ERA: (0, 0, 1, 1),
    YEAR_OF_ERA: (1, 1, 999_999_999, 1_000_000_000),
    YEAR: (-999_999_999, -999_999_999, 999_999_999, 999_999_999),
    MONTH_OF_YEAR: (1, 1, 12, 12),
    DAY_OF_MONTH: (1, 1, 28, 31),
    DAY_OF_YEAR: (1, 1, 365, 366),
    DAY_OF_WEEK: (1, 1, 7, 7),
    ALIGNED_DAY_OF_WEEK_IN_MONTH: (1, 1, 7, 7),
    AMPM_OF_DAY: (0, 0, 1, 1),
    HOUR_OF_DAY: (0, 0, 23, 23),
    CLOCK_HOUR_OF_DAY: (1, 1, 24, 24),
    HOUR_OF_AMPM: (0, 0, 11, 11),
    CLOCK_HOUR_OF_AMPM: (1, 1, 12, 12),
    MINUTE_OF_HOUR: (0, 0, 59, 59),
    SECOND_OF_MINUTE: (0, 0, 59, 59),
    SECOND_OF_DAY: (0, 0, 86_399, 86_399),
    MILLI_OF_SECOND: (0, 0, 999, 999),
    MILLI_OF_DAY: (0, 0, 86_399_999, 86_399_999),
    NANO_OF_SECOND: (0, 0, 999_999_999, 999_999_999),
    NANO_OF_DAY: (0, 0, 86_399_999_999_999, 86_399_999_999_999),
    OFFSET_SECONDS: (-64_800, -64_800, 64_800, 64_800),
    EPOCH_DAY: (-365_243_219_162, -365_243_219_162, 365_241_780_471, 365_241_780_471),
}

# ChronoField.isTimeBased(): the fields before DAY_OF_WEEK in the enum.
_TIME_BASED = frozenset(
    {
        NANO_OF_SECOND,
        NANO_OF_DAY,
        MILLI_OF_SECOND,
        MILLI_OF_DAY,
        SECOND_OF_MINUTE,
        SECOND_OF_DAY,
        MINUTE_OF_HOUR,
        HOUR_OF_AMPM,
        CLOCK_HOUR_OF_AMPM,
        HOUR_OF_DAY,
        CLOCK_HOUR_OF_DAY,
        AMPM_OF_DAY,
    }
)
_DATE_BASED = frozenset(
    {
        DAY_OF_WEEK,
        ALIGNED_DAY_OF_WEEK_IN_MONTH,
        DAY_OF_MONTH,
        DAY_OF_YEAR,
        EPOCH_DAY,
        MONTH_OF_YEAR,
        YEAR_OF_ERA,
        YEAR,
        ERA,
    }
)


def _range_text(field: str) -> str:
    """ValueRange.toString()."""
    lo, lo_max, hi_min, hi = _RANGES[field]
    text = str(lo) if lo == lo_max else f"{lo}/{lo_max}"
    return text + " - " + (str(hi_min) if hi_min == hi else f"{hi_min}/{hi}")


def _check(field: str, value: int) -> int:
    """ChronoField.checkValidValue / checkValidIntValue (all ranges used here fit an int)."""
    lo, _, _, hi = _RANGES[field]
    if value < lo or value > hi:
        raise _DateTimeError(
            f"Invalid value for {field} (valid values {_range_text(field)}): {value}"
        )
    return value


# --------------------------------------------------------------------------------------
# English text (CLDR "en", as Java 17 prints and parses it), per (field, style).

_SHORT, _FULL, _NARROW = "SHORT", "FULL", "NARROW"

_TEXT_NAMES: dict[tuple[str, str], list[str]] = {
    (MONTH_OF_YEAR, _SHORT): "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(),
    (MONTH_OF_YEAR, _FULL): (
        "January February March April May June July August September October November December"
    ).split(),
    (MONTH_OF_YEAR, _NARROW): list("JFMAMJJASOND"),
    (DAY_OF_WEEK, _SHORT): "Mon Tue Wed Thu Fri Sat Sun".split(),
    (DAY_OF_WEEK, _FULL): "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split(),
    (DAY_OF_WEEK, _NARROW): list("MTWTFSS"),
    (AMPM_OF_DAY, _SHORT): ["AM", "PM"],
    (AMPM_OF_DAY, _FULL): ["AM", "PM"],
    (AMPM_OF_DAY, _NARROW): ["a", "p"],
    (ERA, _SHORT): ["BC", "AD"],
    (ERA, _FULL): ["Before Christ", "Anno Domini"],
    (ERA, _NARROW): ["B", "A"],
    (QUARTER_OF_YEAR, _SHORT): ["Q1", "Q2", "Q3", "Q4"],
    (QUARTER_OF_YEAR, _FULL): ["1st quarter", "2nd quarter", "3rd quarter", "4th quarter"],
    (QUARTER_OF_YEAR, _NARROW): ["1", "2", "3", "4"],
}
_FIRST_VALUE = {MONTH_OF_YEAR: 1, DAY_OF_WEEK: 1, AMPM_OF_DAY: 0, ERA: 0, QUARTER_OF_YEAR: 1}


def _text_candidates(field: str, style: str) -> tuple[tuple[str, int], ...]:
    """DateTimeTextProvider's parse list: text -> value, longest text first.

    Java builds a reverse map in ascending value order, so a duplicated narrow name
    ("J" for January, June and July) parses as the last value that uses it (July).
    """
    reverse: dict[str, int] = {}
    for offset, name in enumerate(_TEXT_NAMES[(field, style)]):
        reverse[name] = _FIRST_VALUE[field] + offset
    return tuple(sorted(reverse.items(), key=lambda item: -len(item[0])))


# --------------------------------------------------------------------------------------
# Calendar arithmetic (proleptic Gregorian, any year).


def _is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


_DAYS_IN_MONTH = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _month_length(year: int, month: int) -> int:
    if month == 2:
        return 29 if _is_leap(year) else 28
    return _DAYS_IN_MONTH[month]


def _epoch_day(year: int, month: int, day: int) -> int:
    """LocalDate.toEpochDay() (days from civil, valid for every year)."""
    y = year - (month <= 2)
    era = y // 400
    yoe = y - era * 400
    doy = (153 * ((month + 9) % 12) + 2) // 5 + day - 1
    return era * 146_097 + yoe * 365 + yoe // 4 - yoe // 100 + doy - 719_468


def _civil(epoch_day: int) -> tuple[int, int, int]:
    """LocalDate.ofEpochDay() as (year, month, day)."""
    z = epoch_day + 719_468
    era = z // 146_097
    doe = z - era * 146_097
    yoe = (doe - doe // 1460 + doe // 36_524 - doe // 146_096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    day = doy - (153 * mp + 2) // 5 + 1
    month = mp + 3 if mp < 10 else mp - 9
    return yoe + era * 400 + (month <= 2), month, day


class _LocalDate:
    """The parts of java.time.LocalDate the resolver needs."""

    __slots__ = ("day", "month", "year")

    def __init__(self, year: int, month: int, day: int) -> None:
        self.year, self.month, self.day = year, month, day

    def supports(self, field: str) -> bool:
        return field in _DATE_BASED or field == QUARTER_OF_YEAR

    def get(self, field: str) -> int:
        year, month, day = self.year, self.month, self.day
        if field == DAY_OF_WEEK:
            return (_epoch_day(year, month, day) + 3) % 7 + 1
        if field == ALIGNED_DAY_OF_WEEK_IN_MONTH:
            return (day - 1) % 7 + 1
        if field == DAY_OF_MONTH:
            return day
        if field == DAY_OF_YEAR:
            return _epoch_day(year, month, day) - _epoch_day(year, 1, 1) + 1
        if field == EPOCH_DAY:
            return _epoch_day(year, month, day)
        if field == MONTH_OF_YEAR:
            return month
        if field == QUARTER_OF_YEAR:
            return (month + 2) // 3
        if field == YEAR_OF_ERA:
            return year if year >= 1 else 1 - year
        if field == YEAR:
            return year
        return 1 if year >= 1 else 0  # ERA

    def __str__(self) -> str:
        year = self.year
        if abs(year) < 1000:
            text = f"-{-year:04d}" if year < 0 else f"{year:04d}"
        else:
            text = f"+{year}" if year > 9999 else str(year)
        return f"{text}-{self.month:02d}-{self.day:02d}"


class _LocalTime:
    """The parts of java.time.LocalTime the resolver needs."""

    __slots__ = ("hour", "minute", "nano", "second")

    def __init__(self, hour: int, minute: int, second: int, nano: int) -> None:
        self.hour, self.minute, self.second, self.nano = hour, minute, second, nano

    def key(self) -> tuple[int, int, int, int]:
        return (self.hour, self.minute, self.second, self.nano)

    def supports(self, field: str) -> bool:
        return field in _TIME_BASED

    def get(self, field: str) -> int:
        hour, nano = self.hour, self.nano
        second_of_day = hour * 3600 + self.minute * 60 + self.second
        values = {
            NANO_OF_SECOND: nano,
            NANO_OF_DAY: second_of_day * 1_000_000_000 + nano,
            MILLI_OF_SECOND: nano // 1_000_000,
            MILLI_OF_DAY: second_of_day * 1000 + nano // 1_000_000,
            SECOND_OF_MINUTE: self.second,
            SECOND_OF_DAY: second_of_day,
            MINUTE_OF_HOUR: self.minute,
            HOUR_OF_AMPM: hour % 12,
            CLOCK_HOUR_OF_AMPM: hour % 12 or 12,
            HOUR_OF_DAY: hour,
            CLOCK_HOUR_OF_DAY: hour or 24,
            AMPM_OF_DAY: hour // 12,
        }
        return values[field]

    def __str__(self) -> str:
        text = f"{self.hour:02d}:{self.minute:02d}"
        if self.second > 0 or self.nano > 0:
            text += f":{self.second:02d}"
            nano = self.nano
            if nano > 0:
                if nano % 1_000_000 == 0:
                    text += f".{nano // 1_000_000:03d}"
                elif nano % 1000 == 0:
                    text += f".{nano // 1000:06d}"
                else:
                    text += f".{nano:09d}"
        return text


class _LocalDateTime:
    __slots__ = ("date", "time")

    def __init__(self, date: _LocalDate, time: _LocalTime) -> None:
        self.date, self.time = date, time

    def supports(self, field: str) -> bool:
        return self.date.supports(field) or self.time.supports(field)

    def get(self, field: str) -> int:
        return self.date.get(field) if self.date.supports(field) else self.time.get(field)

    def __str__(self) -> str:
        return f"{self.date}T{self.time}"


# --------------------------------------------------------------------------------------
# Zones. A zone is an int (a fixed offset in seconds) or a ZoneInfo.

_Zone = int | ZoneInfo

_REGION_ID = re.compile(r"[A-Za-z][A-Za-z0-9~/._+-]+", re.ASCII)
_OFFSET_ID = re.compile(r"([+-])([0-9])([0-9])?(?:(:?)([0-9]{2})(?:\4([0-9]{2}))?)?", re.ASCII)


# In the tz database but not among Java's region IDs (Java's tzdb compiler drops them).
_NOT_JAVA_ZONE_IDS = frozenset(
    {"EST", "HST", "MST", "ROC", "GMT+0", "GMT-0", "Factory", "localtime", "posixrules"}
)


@functools.lru_cache(maxsize=1)
def _available_zone_ids() -> frozenset[str]:
    """ZoneRulesProvider.getAvailableZoneIds(), approximated by the system's tz database."""
    return frozenset(available_timezones() - _NOT_JAVA_ZONE_IDS)


@functools.lru_cache(maxsize=1)
def _longest_zone_id() -> int:
    return max(map(len, _available_zone_ids()))


def _zone_offset_of(text: str) -> int | None:
    """ZoneOffset.of(text) as seconds, or None where Java would throw."""
    if text == "Z":
        return 0
    match = _OFFSET_ID.fullmatch(text)
    if match is None:
        return None
    sign, h1, h2, _, minutes, seconds = match.groups()
    if h2 is None and minutes is not None:
        return None  # "+h" only stands alone
    hours = int(h1 + (h2 or ""))
    mins = int(minutes or 0)
    secs = int(seconds or 0)
    if hours > 18 or mins > 59 or secs > 59 or (hours == 18 and (mins or secs)):
        return None
    total = hours * 3600 + mins * 60 + secs
    return -total if sign == "-" else total


def _region(zone_id: str) -> ZoneInfo | None:
    if _REGION_ID.fullmatch(zone_id) is None or zone_id not in _available_zone_ids():
        return None
    return ZoneInfo(zone_id)


def _zone_of(zone_id: str) -> _Zone | None:
    """ZoneId.of(zone_id), or None where Java would throw."""
    if len(zone_id) <= 1 or zone_id[0] in "+-":
        return _zone_offset_of(zone_id)
    for prefix in ("UTC", "GMT", "UT"):
        if zone_id.startswith(prefix):
            rest = zone_id[len(prefix) :]
            if rest == "":
                return 0
            if rest[0] in "+-":
                return _zone_offset_of(rest)
            return _region(zone_id)
    return _region(zone_id)


@functools.lru_cache(maxsize=256)
def _default_zone(zone_id: str) -> _Zone:
    zone = _zone_of(zone_id) if isinstance(zone_id, str) else None
    if zone is None:
        raise ValueError(f"Unknown time-zone ID: {zone_id}")
    return zone


def _offset_seconds(zone: _Zone, year: int, month: int, day: int, sod: int) -> int:
    """The offset ZonedDateTime.ofLocal picks for a local date-time (earlier offset in an
    overlap; in a gap the offset before it, which shifts the time forward by the gap)."""
    if isinstance(zone, int):
        return zone
    if year > 9999:  # the Gregorian calendar and the zone's final rules repeat every 400y
        year = 9600 + (year - 9600) % 400
    elif year < 1:  # before the first transition: the zone's initial (LMT) offset
        year, month, day = 1, 1, 2
    off = zone.utcoffset(_datetime(year, month, day, sod // 3600, sod // 60 % 60, sod % 60))
    return off.days * 86_400 + off.seconds  # type: ignore[union-attr]


# --------------------------------------------------------------------------------------
# Parse context (DateTimeParseContext): a stack of parsed states for optional sections.


class _Parsed:
    __slots__ = ("fields", "zone")

    def __init__(self, fields: dict[str, int], zone: _Zone | None) -> None:
        self.fields = fields
        self.zone = zone


class _Context:
    __slots__ = ("stack",)

    def __init__(self) -> None:
        self.stack = [_Parsed({}, None)]

    def set_field(self, field: str, value: int, error_pos: int, success_pos: int) -> int:
        fields = self.stack[-1].fields
        old = fields.get(field)
        fields[field] = value
        return ~error_pos if old is not None and old != value else success_pos

    def set_zone(self, zone: _Zone) -> None:
        self.stack[-1].zone = zone

    def start_optional(self) -> None:
        top = self.stack[-1]
        self.stack.append(_Parsed(dict(top.fields), top.zone))

    def end_optional(self, successful: bool) -> None:
        if successful:
            del self.stack[-2]
        else:
            self.stack.pop()

    def copy(self) -> _Context:
        context = _Context()
        top = self.stack[-1]
        context.stack = [_Parsed(dict(top.fields), top.zone)]
        return context


# --------------------------------------------------------------------------------------
# Printer-parsers. parse() returns the new position, or ~error_index on failure.


class _Element:
    def parse(self, context: _Context, text: str, position: int) -> int:
        raise NotImplementedError


class _CharLiteral(_Element):
    def __init__(self, literal: str) -> None:
        self.literal = literal

    def parse(self, context: _Context, text: str, position: int) -> int:
        if position == len(text) or text[position] != self.literal:
            return ~position
        return position + 1


class _StringLiteral(_Element):
    def __init__(self, literal: str) -> None:
        self.literal = literal

    def parse(self, context: _Context, text: str, position: int) -> int:
        if not text.startswith(self.literal, position):
            return ~position
        return position + len(self.literal)


_NORMAL, _ALWAYS, _NEVER, _NOT_NEGATIVE, _EXCEEDS_PAD = range(5)
_LONG_MIN, _LONG_MAX = -(2**63), 2**63 - 1


def _is_digit(char: str) -> bool:
    return "0" <= char <= "9"


class _Number(_Element):
    """NumberPrinterParser (strict): subsequent_width -1 marks a fixed-width follower."""

    def __init__(
        self, field: str, min_width: int, max_width: int, sign_style: int, subsequent: int = 0
    ) -> None:
        self.field = field
        self.min_width = min_width
        self.max_width = max_width
        self.sign_style = sign_style
        self.subsequent = subsequent

    def with_fixed_width(self) -> _Number:
        if self.subsequent != -1:
            self.subsequent = -1
        return self

    def with_subsequent_width(self, width: int) -> _Number:
        self.subsequent += width
        return self

    def _sign_allowed(self) -> bool:
        # SignStyle.parse(positive/negative, strict=True, fixedWidth): NORMAL accepts only
        # '-', ALWAYS and EXCEEDS_PAD accept both, NEVER and NOT_NEGATIVE neither.
        return self.sign_style in (_ALWAYS, _EXCEEDS_PAD)

    def parse(self, context: _Context, text: str, position: int) -> int:
        length = len(text)
        if position == length:
            return ~position
        sign = text[position]
        negative = positive = False
        if sign == "+":
            if not self._sign_allowed():
                return ~position
            positive = True
            position += 1
        elif sign == "-":
            if not (self._sign_allowed() or self.sign_style == _NORMAL):
                return ~position
            negative = True
            position += 1
        elif self.sign_style == _ALWAYS:
            return ~position
        eff_min = self.min_width
        min_end = position + eff_min
        if min_end > length:
            return ~position
        eff_max = self.max_width + max(self.subsequent, 0)
        total = 0
        pos = position
        for pass_number in (0, 1):
            max_end = min(pos + eff_max, length)
            while pos < max_end:
                char = text[pos]
                pos += 1
                if not _is_digit(char):
                    pos -= 1
                    if pos < min_end:
                        return ~position  # need at least min width digits
                    break
                total = total * 10 + ord(char) - 48
            if self.subsequent > 0 and pass_number == 0:
                # re-parse now we know the correct width
                eff_max = max(eff_min, pos - position - self.subsequent)
                pos = position
                total = 0
            else:
                break
        if negative:
            if total == 0:
                return ~(position - 1)  # minus zero not allowed
            total = -total
        elif self.sign_style == _EXCEEDS_PAD:
            parse_len = pos - position
            if positive:
                if parse_len <= self.min_width:
                    return ~(position - 1)  # '+' only parsed if minWidth exceeded
            elif parse_len > self.min_width:
                return ~position  # '+' must be parsed if minWidth exceeded
        if pos - position > 18 and not _LONG_MIN <= total <= _LONG_MAX:
            total = abs(total) // 10 * (1 if total > 0 else -1)  # overflow: one digit less
            pos -= 1
        return self.set_value(context, total, position, pos)

    def set_value(self, context: _Context, value: int, error_pos: int, success_pos: int) -> int:
        return context.set_field(self.field, value, error_pos, success_pos)


class _Reduced(_Number):
    """ReducedPrinterParser with a base value (``yy``: 2000)."""

    def __init__(self, field: str, width: int, max_width: int, base_value: int) -> None:
        super().__init__(field, width, max_width, _NOT_NEGATIVE)
        self.base_value = base_value

    def set_value(self, context: _Context, value: int, error_pos: int, success_pos: int) -> int:
        if success_pos - error_pos == self.min_width and value >= 0:
            size = 10**self.min_width
            base = self.base_value
            base_part = base - base % size
            value = base_part + value if base > 0 else base_part - value
            if value < base:
                value += size
        return context.set_field(self.field, value, error_pos, success_pos)


class _Fraction(_Number):
    """FractionPrinterParser for NANO_OF_SECOND, no decimal point (``S..S``)."""

    def __init__(self, min_width: int, max_width: int) -> None:
        super().__init__(NANO_OF_SECOND, min_width, max_width, _NOT_NEGATIVE)

    def parse(self, context: _Context, text: str, position: int) -> int:
        length = len(text)
        if position == length:
            return ~position if self.min_width > 0 else position
        min_end = position + self.min_width
        if min_end > length:
            return ~position
        max_end = min(position + self.max_width, length)
        total = 0
        pos = position
        while pos < max_end:
            char = text[pos]
            pos += 1
            if not _is_digit(char):
                if pos <= min_end:
                    return ~position
                pos -= 1
                break
            total = total * 10 + ord(char) - 48
        value = total * 10 ** (9 - (pos - position))
        return context.set_field(self.field, value, position, pos)


class _Text(_Element):
    """TextPrinterParser in strict mode: only the pattern's text style is accepted."""

    def __init__(self, field: str, style: str) -> None:
        self.field = field
        self.style = style
        self.candidates = _text_candidates(field, style)

    def parse(self, context: _Context, text: str, position: int) -> int:
        for name, value in self.candidates:
            if text.startswith(name, position):
                return context.set_field(self.field, value, position, position + len(name))
        return ~position


_OFFSET_PATTERNS = (
    "+HH", "+HHmm", "+HH:mm", "+HHMM", "+HH:MM", "+HHMMss", "+HH:MM:ss", "+HHMMSS",
    "+HH:MM:SS", "+HHmmss", "+HH:mm:ss",
)  # fmt: skip


class _OffsetId(_Element):
    """OffsetIdPrinterParser (strict; the patterns reachable from letters have padded hours)."""

    def __init__(self, pattern: str, no_offset_text: str) -> None:
        self.type = _OFFSET_PATTERNS.index(pattern)
        self.style = self.type % 11
        self.no_offset_text = no_offset_text

    def parse(self, context: _Context, text: str, position: int) -> int:
        length = len(text)
        no_offset = self.no_offset_text
        if no_offset == "":
            if position == length:
                return context.set_field(OFFSET_SECONDS, 0, position, position)
        else:
            if position == length:
                return ~position
            if text.startswith(no_offset, position):
                return context.set_field(OFFSET_SECONDS, 0, position, position + len(no_offset))
        sign = text[position]
        if sign in "+-":
            colon = self.style > 0 and self.style % 2 == 0
            array = [position + 1, 0, 0, 0]
            kind = self.type
            if not _parse_offset_digits(text, False, 1, array):  # the hour, always padded
                array[0] = ~array[0]
            if kind in (1, 2):  # +HHmm, +HH:mm
                _parse_offset_digits(text, colon, 2, array)
            elif kind in (3, 4):  # +HHMM, +HH:MM
                _mandatory(_parse_offset_digits(text, colon, 2, array), array)
            elif kind in (5, 6):  # +HHMMss, +HH:MM:ss
                _mandatory(_parse_offset_digits(text, colon, 2, array), array)
                _parse_offset_digits(text, colon, 3, array)
            elif kind in (7, 8):  # +HHMMSS, +HH:MM:SS
                _mandatory(_parse_offset_digits(text, colon, 2, array), array)
                _mandatory(_parse_offset_digits(text, colon, 3, array), array)
            elif kind in (9, 10) and _parse_offset_digits(text, colon, 2, array):
                _parse_offset_digits(text, colon, 3, array)
            if array[0] > 0:
                if array[1] > 23 or array[2] > 59 or array[3] > 59:
                    raise _DateTimeError(
                        "Value out of range: Hour[0-23], Minute[0-59], Second[0-59]"
                    )
                seconds = array[1] * 3600 + array[2] * 60 + array[3]
                seconds = -seconds if sign == "-" else seconds
                return context.set_field(OFFSET_SECONDS, seconds, position, array[0])
        if no_offset == "":
            return context.set_field(OFFSET_SECONDS, 0, position, position)
        return ~position


def _mandatory(parsed: bool, array: list[int]) -> None:
    if not parsed:
        array[0] = ~array[0]


def _parse_offset_digits(text: str, colon: bool, index: int, array: list[int]) -> bool:
    pos = array[0]
    if pos < 0:
        return True
    if colon and index != 1:
        if pos + 1 > len(text) or text[pos] != ":":
            return False
        pos += 1
    if pos + 2 > len(text):
        return False
    first, second = text[pos], text[pos + 1]
    if not (_is_digit(first) and _is_digit(second)):
        return False
    value = (ord(first) - 48) * 10 + ord(second) - 48
    if value > 59:
        return False
    array[index] = value
    array[0] = pos + 2
    return True


def _char_at(text: str, index: int) -> str:
    """String.charAt, with JDK 17's StringIndexOutOfBoundsException messages."""
    if 0 <= index < len(text):
        return text[index]
    if all(char <= "\xff" for char in text):
        raise _DateTimeError(f"String index out of range: {index}")
    raise _DateTimeError(f"index {index}, length {len(text)}")


def _digit_at(text: str, index: int) -> int:
    char = _char_at(text, index)
    return ord(char) - 48 if _is_digit(char) else -1


class _LocalizedOffset(_Element):
    """LocalizedOffsetIdPrinterParser (``O``, ``OOOO``, ``ZZZZ``) with English "GMT"."""

    def __init__(self, style: str) -> None:
        self.style = style

    def parse(self, context: _Context, text: str, position: int) -> int:
        end = len(text)
        if not text.startswith("GMT", position):
            return ~position
        pos = position + 3
        if pos == end:
            return context.set_field(OFFSET_SECONDS, 0, position, pos)
        sign = text[pos]
        if sign not in "+-":
            return context.set_field(OFFSET_SECONDS, 0, position, pos)
        negative = -1 if sign == "-" else 1
        pos += 1
        hours = minutes = seconds = 0
        if self.style == _FULL:
            h1 = _digit_at(text, pos)
            h2 = _digit_at(text, pos + 1)
            if h1 < 0 or h2 < 0 or _char_at(text, pos + 2) != ":":
                return ~position
            hours = h1 * 10 + h2
            m1 = _digit_at(text, pos + 3)
            m2 = _digit_at(text, pos + 4)
            pos += 5
            if m1 < 0 or m2 < 0:
                return ~position
            minutes = m1 * 10 + m2
            if pos + 2 < end and text[pos] == ":":
                s1, s2 = _digit_at(text, pos + 1), _digit_at(text, pos + 2)
                if s1 >= 0 and s2 >= 0:
                    seconds = s1 * 10 + s2
                    pos += 3
        else:
            hours = _digit_at(text, pos)
            pos += 1
            if hours < 0:
                return ~position
            if pos < end:
                h2 = _digit_at(text, pos)
                if h2 >= 0:
                    hours = hours * 10 + h2
                    pos += 1
                if pos + 2 < end and text[pos] == ":":
                    m1, m2 = _digit_at(text, pos + 1), _digit_at(text, pos + 2)
                    if m1 >= 0 and m2 >= 0:
                        minutes = m1 * 10 + m2
                        pos += 3
                        if pos + 2 < end and text[pos] == ":":
                            s1, s2 = _digit_at(text, pos + 1), _digit_at(text, pos + 2)
                            if s1 >= 0 and s2 >= 0:
                                seconds = s1 * 10 + s2
                                pos += 3
        offset = negative * (hours * 3600 + minutes * 60 + seconds)
        return context.set_field(OFFSET_SECONDS, offset, position, pos)


_OFFSET_ID_Z = _OffsetId("+HH:MM:ss", "Z")
_OFFSET_ID_ZERO = _OffsetId("+HH:MM:ss", "0")


class _ZoneIdParser(_Element):
    """ZoneIdPrinterParser for ``VV`` (case-sensitive, strict)."""

    def parse(self, context: _Context, text: str, position: int) -> int:
        length = len(text)
        if position == length:
            return ~position
        next_char = text[position]
        if next_char in "+-":
            return self._offset_based(context, text, position, position, _OFFSET_ID_Z)
        if length >= position + 2:
            next_next = text[position + 1]
            if next_char == "U" and next_next == "T":
                if length >= position + 3 and text[position + 2] == "C":
                    if length == position + 3 or text[position + 3] in "+-":
                        return self._offset_based(
                            context, text, position, position + 3, _OFFSET_ID_ZERO
                        )
                else:
                    return self._offset_based(
                        context, text, position, position + 2, _OFFSET_ID_ZERO
                    )
            elif next_char == "G" and text.startswith("GMT", position):
                if length >= position + 4 and text[position + 3] == "0":
                    context.set_zone(_zone_of("GMT0") or 0)
                    return position + 4
                return self._offset_based(context, text, position, position + 3, _OFFSET_ID_ZERO)
        # the prefix tree answers the longest available zone ID that prefixes the text
        ids = _available_zone_ids()
        longest = _longest_zone_id()
        for end in range(min(length, position + longest), position, -1):
            zone_id = text[position:end]
            if zone_id in ids:
                context.set_zone(ZoneInfo(zone_id))
                return end
        if next_char == "Z":
            context.set_zone(0)
            return position + 1
        return ~position

    @staticmethod
    def _offset_based(
        context: _Context, text: str, prefix_pos: int, position: int, parser: _OffsetId
    ) -> int:
        # ZoneId.of(prefix) and ZoneId.ofOffset(prefix, offset) are fixed-offset zones
        if position >= len(text) or text[position] in "0Z":
            # ZoneId.of("UTC"/"GMT"/"UT"): a fixed zero offset
            context.set_zone(0)
            return position
        scratch = context.copy()
        end_pos = parser.parse(scratch, text, position)
        if end_pos < 0:
            if parser is _OFFSET_ID_Z:
                return ~prefix_pos
            context.set_zone(0)
            return position
        offset = scratch.stack[-1].fields[OFFSET_SECONDS]
        if offset < -64_800 or offset > 64_800:  # ZoneOffset.ofTotalSeconds throws
            return ~prefix_pos
        context.set_zone(offset)
        return end_pos


class _Composite(_Element):
    def __init__(self, elements: list[_Element], optional: bool) -> None:
        self.elements = elements
        self.optional = optional

    def parse(self, context: _Context, text: str, position: int) -> int:
        if self.optional:
            context.start_optional()
            pos = position
            for element in self.elements:
                pos = element.parse(context, text, pos)
                if pos < 0:
                    context.end_optional(False)
                    return position  # return original position
            context.end_optional(True)
            return pos
        for element in self.elements:
            position = element.parse(context, text, position)
            if position < 0:
                break
        return position


class _Pad(_Element):
    """PadPrinterParserDecorator (strict), including Java's ~(position + pos) error index."""

    def __init__(self, element: _Element, width: int, char: str) -> None:
        self.element = element
        self.width = width
        self.char = char

    def parse(self, context: _Context, text: str, position: int) -> int:
        if position == len(text):
            return ~position
        end_pos = position + self.width
        if end_pos > len(text):
            return ~position
        pos = position
        while pos < end_pos and text[pos] == self.char:
            pos += 1
        result = self.element.parse(context, text[:end_pos], pos)
        if result != end_pos:
            return ~(position + pos)
        return result


# --------------------------------------------------------------------------------------
# Pattern -> printer-parsers (DateTimeFormatterBuilder.parsePattern / parseField).

_FIELD_MAP = {
    "G": ERA,
    "y": YEAR_OF_ERA,
    "u": YEAR,
    "Q": QUARTER_OF_YEAR,
    "q": QUARTER_OF_YEAR,
    "M": MONTH_OF_YEAR,
    "L": MONTH_OF_YEAR,
    "D": DAY_OF_YEAR,
    "d": DAY_OF_MONTH,
    "F": ALIGNED_DAY_OF_WEEK_IN_MONTH,
    "E": DAY_OF_WEEK,
    "c": DAY_OF_WEEK,
    "e": DAY_OF_WEEK,
    "a": AMPM_OF_DAY,
    "H": HOUR_OF_DAY,
    "k": CLOCK_HOUR_OF_DAY,
    "K": HOUR_OF_AMPM,
    "h": CLOCK_HOUR_OF_AMPM,
    "m": MINUTE_OF_HOUR,
    "s": SECOND_OF_MINUTE,
    "S": NANO_OF_SECOND,
    "A": MILLI_OF_DAY,
    "n": NANO_OF_SECOND,
    "N": NANO_OF_DAY,
    "g": "ModifiedJulianDay",
}


def _unsupported(letter: str) -> JavaPatternError:
    return JavaPatternError(f"Pattern letter not supported by this port: {letter}")


class _Builder:
    """The state of one DateTimeFormatterBuilder level (one per open optional section)."""

    def __init__(self, parent: _Builder | None, optional: bool) -> None:
        self.parent = parent
        self.optional = optional
        self.elements: list[_Element] = []
        self.value_index = -1
        self.pad_width = 0
        self.pad_char = " "


class _PatternParser:
    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        self.root = _Builder(None, False)
        self.active = self.root

    # --- builder methods
    def append_internal(self, element: _Element) -> int:
        active = self.active
        if active.pad_width > 0:
            element = _Pad(element, active.pad_width, active.pad_char)
            active.pad_width = 0
        active.elements.append(element)
        active.value_index = -1
        return len(active.elements) - 1

    def append_value(self, element: _Number) -> None:
        active = self.active
        if active.value_index >= 0:
            index = active.value_index
            base = active.elements[index]
            if not isinstance(base, _Number):
                # what Java's ClassCastException says for "pdMM": a padded value parser
                # cannot take adjacent fixed-width values
                pad = "java.time.format.DateTimeFormatterBuilder$PadPrinterParserDecorator"
                number = "java.time.format.DateTimeFormatterBuilder$NumberPrinterParser"
                raise JavaPatternError(
                    f"class {pad} cannot be cast to class {number} ({pad} and {number} are in "
                    "module java.base of loader 'bootstrap')"
                )
            if element.min_width == element.max_width and element.sign_style == _NOT_NEGATIVE:
                base = base.with_subsequent_width(element.max_width)
                self.append_internal(element.with_fixed_width())
                active.value_index = index
            else:
                base = base.with_fixed_width()
                active.value_index = self.append_internal(element)
            active.elements[index] = base
        else:
            active.value_index = self.append_internal(element)

    def value(self, field: str, min_width: int, max_width: int, sign_style: int) -> None:
        """appendValue(field, minWidth, maxWidth, signStyle) with its argument checks."""
        if min_width == max_width and sign_style == _NOT_NEGATIVE:
            self.value_width(field, max_width)
            return
        if min_width < 1 or min_width > 19:
            raise JavaPatternError(
                f"The minimum width must be from 1 to 19 inclusive but was {min_width}"
            )
        if max_width < 1 or max_width > 19:
            raise JavaPatternError(
                f"The maximum width must be from 1 to 19 inclusive but was {max_width}"
            )
        if max_width < min_width:
            raise JavaPatternError(
                "The maximum width must exceed or equal the minimum width but "
                f"{max_width} < {min_width}"
            )
        self.append_value(_Number(field, min_width, max_width, sign_style))

    def value_width(self, field: str, width: int) -> None:
        """appendValue(field, width)."""
        if width < 1 or width > 19:
            raise JavaPatternError(f"The width must be from 1 to 19 inclusive but was {width}")
        self.append_value(_Number(field, width, width, _NOT_NEGATIVE))

    def literal(self, text: str) -> None:
        if len(text) == 1:
            self.append_internal(_CharLiteral(text))
        elif text:
            self.append_internal(_StringLiteral(text))

    def optional_start(self) -> None:
        self.active.value_index = -1
        self.active = _Builder(self.active, True)

    def optional_end(self) -> None:
        child = self.active
        if child.parent is None:  # parsePattern checks this before calling
            raise JavaPatternError("Pattern invalid as it contains ] without previous [")
        self.active = child.parent
        if child.elements:
            self.append_internal(_Composite(child.elements, child.optional))

    def build(self) -> _Composite:
        while self.active.parent is not None:
            self.optional_end()
        return _Composite(self.root.elements, False)

    # --- parsePattern
    def parse(self) -> _Composite:
        pattern = self.pattern
        length = len(pattern)
        pos = 0
        while pos < length:
            cur = pattern[pos]
            if "A" <= cur <= "Z" or "a" <= cur <= "z":
                start = pos
                pos += 1
                while pos < length and pattern[pos] == cur:
                    pos += 1
                count = pos - start
                if cur == "p":
                    pad = 0
                    if pos < length:
                        cur = pattern[pos]
                        if "A" <= cur <= "Z" or "a" <= cur <= "z":
                            pad = count
                            start = pos
                            pos += 1
                            while pos < length and pattern[pos] == cur:
                                pos += 1
                            count = pos - start
                    if pad == 0:
                        raise JavaPatternError(
                            f"Pad letter 'p' must be followed by valid pad pattern: {pattern}"
                        )
                    self.active.pad_width = pad
                    self.active.pad_char = " "
                    self.active.value_index = -1
                self.letter(cur, count)
            elif cur == "'":
                start = pos
                pos += 1
                while pos < length:
                    if pattern[pos] == "'":
                        if pos + 1 < length and pattern[pos + 1] == "'":
                            pos += 1
                        else:
                            break
                    pos += 1
                if pos >= length:
                    raise JavaPatternError(
                        f"Pattern ends with an incomplete string literal: {pattern}"
                    )
                text = pattern[start + 1 : pos]
                self.literal("'" if text == "" else text.replace("''", "'"))
                pos += 1
            elif cur == "[":
                self.optional_start()
                pos += 1
            elif cur == "]":
                if self.active.parent is None:
                    raise JavaPatternError("Pattern invalid as it contains ] without previous [")
                self.optional_end()
                pos += 1
            elif cur in "{}#":
                raise JavaPatternError(f"Pattern includes reserved character: '{cur}'")
            else:
                self.literal(cur)
                pos += 1
        return self.build()

    def letter(self, cur: str, count: int) -> None:
        field = _FIELD_MAP.get(cur)
        if field is not None:
            self.field(cur, count, field)
        elif cur == "z":
            if count > 4:
                raise JavaPatternError(f"Too many pattern letters: {cur}")
            raise _unsupported(cur)
        elif cur == "V":
            if count != 2:
                raise JavaPatternError(f"Pattern letter count must be 2: {cur}")
            self.append_internal(_ZoneIdParser())
        elif cur == "v":
            if count not in (1, 4):
                raise JavaPatternError(f"Wrong number of pattern letters: {cur}")
            raise _unsupported(cur)
        elif cur == "Z":
            if count < 4:
                self.append_internal(_OffsetId("+HHMM", "+0000"))
            elif count == 4:
                self.append_internal(_LocalizedOffset(_FULL))
            elif count == 5:
                self.append_internal(_OffsetId("+HH:MM:ss", "Z"))
            else:
                raise JavaPatternError(f"Too many pattern letters: {cur}")
        elif cur == "O":
            if count == 1:
                self.append_internal(_LocalizedOffset(_SHORT))
            elif count == 4:
                self.append_internal(_LocalizedOffset(_FULL))
            else:
                raise JavaPatternError(f"Pattern letter count must be 1 or 4: {cur}")
        elif cur in "Xx":
            if count > 5:
                raise JavaPatternError(f"Too many pattern letters: {cur}")
            offset_pattern = _OFFSET_PATTERNS[count + (0 if count == 1 else 1)]
            if cur == "X":
                zero = "Z"
            else:
                zero = "+00" if count == 1 else ("+0000" if count % 2 == 0 else "+00:00")
            self.append_internal(_OffsetId(offset_pattern, zero))
        elif cur == "W":
            if count > 1:
                raise JavaPatternError(f"Too many pattern letters: {cur}")
            raise _unsupported(cur)
        elif cur == "w":
            if count > 2:
                raise JavaPatternError(f"Too many pattern letters: {cur}")
            raise _unsupported(cur)
        elif cur == "Y":
            raise _unsupported(cur)
        elif cur == "B":
            if count not in (1, 4, 5):
                raise JavaPatternError(f"Wrong number of pattern letters: {cur}")
            raise _unsupported(cur)
        else:
            raise JavaPatternError(f"Unknown pattern letter: {cur}")

    def text(self, field: str, style: str) -> None:
        self.append_internal(_Text(field, style))

    def field(self, cur: str, count: int, field: str) -> None:
        too_many = JavaPatternError(f"Too many pattern letters: {cur}")
        if cur in "uy":
            if count == 2:
                self.append_value(_Reduced(field, 2, 2, 2000))
            elif count < 4:
                self.value(field, count, 19, _NORMAL)
            else:
                self.value(field, count, 19, _EXCEEDS_PAD)
        elif cur in "cLqMQEe":
            if cur == "c" and count == 2:
                raise JavaPatternError('Invalid pattern "cc"')
            if count in (1, 2):
                if cur in "ce":
                    raise _unsupported(cur)  # localized week-based day-of-week number
                if cur == "E":
                    self.text(field, _SHORT)
                elif count == 1:
                    self.value(field, 1, 19, _NORMAL)
                else:
                    self.value_width(field, 2)
            elif count == 3:
                self.text(field, _SHORT)
            elif count == 4:
                self.text(field, _FULL)
            elif count == 5:
                self.text(field, _NARROW)
            else:
                raise too_many
        elif cur == "a":
            if count != 1:
                raise too_many
            self.text(field, _SHORT)
        elif cur == "G":
            if count > 5:
                raise too_many
            self.text(field, _SHORT if count <= 3 else (_FULL if count == 4 else _NARROW))
        elif cur == "S":
            if count > 9:
                raise JavaPatternError(
                    f"Minimum width must be from 0 to 9 inclusive but was {count}"
                )
            self.append_value(_Fraction(count, count))
        elif cur == "F":
            if count != 1:
                raise too_many
            self.value(field, 1, 19, _NORMAL)
        elif cur in "dhHkKms":
            if count == 1:
                self.value(field, 1, 19, _NORMAL)
            elif count == 2:
                self.value_width(field, 2)
            else:
                raise too_many
        elif cur == "D":
            if count == 1:
                self.value(field, 1, 19, _NORMAL)
            elif count in (2, 3):
                self.value(field, count, 3, _NOT_NEGATIVE)
            else:
                raise too_many
        elif cur == "g":
            if count > 19:
                raise JavaPatternError(
                    f"The minimum width must be from 1 to 19 inclusive but was {count}"
                )
            raise _unsupported(cur)
        else:  # A, n, N
            self.value(field, count, 19, _NOT_NEGATIVE)


def _utf16(text: str) -> str:
    """The text as Java sees it: one character per UTF-16 code unit (for error indexes)."""
    if text.isascii() or max(text) <= "\uffff":
        return text
    units = []
    for char in text:
        code = ord(char)
        if code > 0xFFFF:
            code -= 0x10000
            units.append(chr(0xD800 + (code >> 10)) + chr(0xDC00 + (code & 0x3FF)))
        else:
            units.append(char)
    return "".join(units)


def _from_utf16(units: str) -> str:
    return units.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")


# --------------------------------------------------------------------------------------
# Resolving (Parsed.resolve, SMART, ISO) and conversion to epoch milliseconds.

_UNABLE = "Unable to obtain ZonedDateTime from TemporalAccessor"


def _add_field_value(fields: dict[str, int], field: str, value: int) -> None:
    """AbstractChronology.addFieldValue."""
    old = fields.get(field)
    if old is not None and old != value:
        raise _DateTimeError(f"Conflict found: {field} {old} differs from {field} {value}")
    fields[field] = value


def _resolve_date(fields: dict[str, int]) -> _LocalDate | None:
    """IsoChronology.resolveDate for the fields a pattern can produce."""
    year_of_era = fields.pop(YEAR_OF_ERA, None)
    if year_of_era is not None:
        _check(YEAR_OF_ERA, year_of_era)
        era = fields.pop(ERA, None)
        if era is None:
            year = fields.get(YEAR)
            value = year_of_era if year is None or year > 0 else 1 - year_of_era
            _add_field_value(fields, YEAR, value)
        elif era == 1:
            _add_field_value(fields, YEAR, year_of_era)
        elif era == 0:
            _add_field_value(fields, YEAR, 1 - year_of_era)
        else:
            raise _DateTimeError(f"Invalid value for era: {era}")
    elif ERA in fields:
        _check(ERA, fields[ERA])
    if YEAR in fields:
        if MONTH_OF_YEAR in fields and DAY_OF_MONTH in fields:
            year = _check(YEAR, fields.pop(YEAR))
            month = _check(MONTH_OF_YEAR, fields.pop(MONTH_OF_YEAR))
            day = _check(DAY_OF_MONTH, fields.pop(DAY_OF_MONTH))
            # SMART: "previous valid" day-of-month
            return _LocalDate(year, month, min(day, _month_length(year, month)))
        if DAY_OF_YEAR in fields:
            year = _check(YEAR, fields.pop(YEAR))
            day_of_year = _check(DAY_OF_YEAR, fields.pop(DAY_OF_YEAR))
            if day_of_year == 366 and not _is_leap(year):
                raise _DateTimeError(f"Invalid date 'DayOfYear 366' as '{year}' is not a leap year")
            return _LocalDate(*_civil(_epoch_day(year, 1, 1) + day_of_year - 1))
    return None


class _Resolver:
    """Parsed.resolve(): the ChronoField rules of OpenJDK 17 for SMART mode."""

    def __init__(self, fields: dict[str, int]) -> None:
        self.fields = dict(fields)
        self.date: _LocalDate | None = None
        self.time: _LocalTime | None = None
        self.excess_days = 0

    def update(self, target: str, change: str, value: int) -> None:
        old = self.fields.get(change)
        self.fields[change] = value
        if old is not None and old != value:
            raise _DateTimeError(
                f"Conflict found: {change} {old} differs from {change} {value} "
                f"while resolving  {target}"
            )

    def set_time(self, time: _LocalTime, days: int) -> None:
        if self.time is not None:
            if self.time.key() != time.key():
                raise _DateTimeError(
                    f"Conflict found: Fields resolved to different times: {self.time} {time}"
                )
            if self.excess_days != 0 and days != 0 and self.excess_days != days:
                raise _DateTimeError(
                    "Conflict found: Fields resolved to different excess periods: "
                    f"P{self.excess_days}D P{days}D"
                )
            self.excess_days = days
        else:
            self.time = time
            self.excess_days = days

    def resolve_time(self, hour: int, minute: int, second: int, nano: int) -> None:
        minute = _check(MINUTE_OF_HOUR, minute)
        nano = _check(NANO_OF_SECOND, nano)
        if hour == 24 and minute == 0 and second == 0 and nano == 0:  # SMART end of day
            self.set_time(_LocalTime(0, 0, 0, 0), 1)
        else:
            hour = _check(HOUR_OF_DAY, hour)
            second = _check(SECOND_OF_MINUTE, second)
            self.set_time(_LocalTime(hour, minute, second, nano), 0)

    def resolve_time_fields(self) -> None:
        fields = self.fields
        if CLOCK_HOUR_OF_DAY in fields:
            clock = fields.pop(CLOCK_HOUR_OF_DAY)
            if clock != 0:
                _check(CLOCK_HOUR_OF_DAY, clock)
            self.update(CLOCK_HOUR_OF_DAY, HOUR_OF_DAY, 0 if clock == 24 else clock)
        if CLOCK_HOUR_OF_AMPM in fields:
            clock = fields.pop(CLOCK_HOUR_OF_AMPM)
            if clock != 0:
                _check(CLOCK_HOUR_OF_AMPM, clock)
            self.update(CLOCK_HOUR_OF_AMPM, HOUR_OF_AMPM, 0 if clock == 12 else clock)
        if AMPM_OF_DAY in fields and HOUR_OF_AMPM in fields:
            ampm = _check(AMPM_OF_DAY, fields.pop(AMPM_OF_DAY))
            hour = _check(HOUR_OF_AMPM, fields.pop(HOUR_OF_AMPM))
            self.update(AMPM_OF_DAY, HOUR_OF_DAY, ampm * 12 + hour)
        if NANO_OF_DAY in fields:
            nod = _check(NANO_OF_DAY, fields.pop(NANO_OF_DAY))
            self.update(NANO_OF_DAY, HOUR_OF_DAY, nod // 3_600_000_000_000)
            self.update(NANO_OF_DAY, MINUTE_OF_HOUR, nod // 60_000_000_000 % 60)
            self.update(NANO_OF_DAY, SECOND_OF_MINUTE, nod // 1_000_000_000 % 60)
            self.update(NANO_OF_DAY, NANO_OF_SECOND, nod % 1_000_000_000)
        if MILLI_OF_DAY in fields:
            lod = _check(MILLI_OF_DAY, fields.pop(MILLI_OF_DAY))
            self.update(MILLI_OF_DAY, SECOND_OF_DAY, lod // 1000)
            self.update(MILLI_OF_DAY, MILLI_OF_SECOND, lod % 1000)
        if SECOND_OF_DAY in fields:
            sod = _check(SECOND_OF_DAY, fields.pop(SECOND_OF_DAY))
            self.update(SECOND_OF_DAY, HOUR_OF_DAY, sod // 3600)
            self.update(SECOND_OF_DAY, MINUTE_OF_HOUR, sod // 60 % 60)
            self.update(SECOND_OF_DAY, SECOND_OF_MINUTE, sod % 60)
        if NANO_OF_SECOND in fields:
            nos = _check(NANO_OF_SECOND, fields[NANO_OF_SECOND])
            if MILLI_OF_SECOND in fields:
                los = _check(MILLI_OF_SECOND, fields.pop(MILLI_OF_SECOND))
                self.update(MILLI_OF_SECOND, NANO_OF_SECOND, los * 1_000_000 + nos % 1_000_000)
        if all(f in fields for f in (HOUR_OF_DAY, MINUTE_OF_HOUR, SECOND_OF_MINUTE)) and (
            NANO_OF_SECOND in fields
        ):
            self.resolve_time(
                fields.pop(HOUR_OF_DAY),
                fields.pop(MINUTE_OF_HOUR),
                fields.pop(SECOND_OF_MINUTE),
                fields.pop(NANO_OF_SECOND),
            )

    def resolve_time_lenient(self) -> None:
        fields = self.fields
        if self.time is None:
            if MILLI_OF_SECOND in fields:
                fields[NANO_OF_SECOND] = fields.pop(MILLI_OF_SECOND) * 1_000_000
            if (
                AMPM_OF_DAY in fields
                and HOUR_OF_DAY not in fields
                and MINUTE_OF_HOUR not in fields
                and SECOND_OF_MINUTE not in fields
                and NANO_OF_SECOND not in fields
            ):  # SMART: the middle of the morning or afternoon
                ampm = _check(AMPM_OF_DAY, fields.pop(AMPM_OF_DAY))
                self.resolve_time(ampm * 12 + 6, 0, 0, 0)
            hour = fields.get(HOUR_OF_DAY)
            if hour is not None:
                minute = fields.get(MINUTE_OF_HOUR)
                second = fields.get(SECOND_OF_MINUTE)
                nano = fields.get(NANO_OF_SECOND)
                if (minute is None and (second is not None or nano is not None)) or (
                    minute is not None and second is None and nano is not None
                ):
                    return
                self.resolve_time(hour, minute or 0, second or 0, nano or 0)
                for field in (HOUR_OF_DAY, MINUTE_OF_HOUR, SECOND_OF_MINUTE, NANO_OF_SECOND):
                    fields.pop(field, None)
        for field, value in fields.items():  # validate remaining
            if field in _TIME_BASED:
                _check(field, value)

    def cross_check(self, target: _LocalDate | _LocalTime | _LocalDateTime) -> None:
        fields = self.fields
        for field, value in list(fields.items()):
            if target.supports(field):
                actual = target.get(field)
                if actual != value:
                    raise _DateTimeError(
                        f"Conflict found: Field {field} {actual} differs from {field} {value} "
                        f"derived from {target}"
                    )
                del fields[field]

    def resolve(self) -> None:
        self.date = _resolve_date(self.fields)
        self.resolve_time_fields()
        self.resolve_time_lenient()
        date, time = self.date, self.time
        if date is not None:
            self.cross_check(date)
        if time is not None:
            self.cross_check(time)
            if date is not None and self.fields:
                self.cross_check(_LocalDateTime(date, time))
        if date is not None and time is not None and self.excess_days:
            epoch_day = _check(EPOCH_DAY, _epoch_day(date.year, date.month, date.day) + 1)
            self.date = _LocalDate(*_civil(epoch_day))


def _offset_of(seconds: int) -> int:
    if seconds < -64_800 or seconds > 64_800:
        raise _DateTimeError("Zone offset not in valid range: -18:00 to +18:00")
    return seconds


def _to_epoch_millis(fields: dict[str, int], parsed_zone: _Zone | None, zone: _Zone) -> int:
    resolver = _Resolver(fields)
    resolver.resolve()
    date, time, left = resolver.date, resolver.time, resolver.fields
    offset = left.get(OFFSET_SECONDS)
    if offset is not None and date is not None and time is not None:
        _offset_of(offset)  # Parsed.resolveInstant
    if date is None:
        raise _DateTimeError(_UNABLE)
    if time is None:
        if any(field in _TIME_BASED for field in left):
            raise _DateTimeError(_UNABLE)
        time = _LocalTime(0, 0, 0, 0)  # duckshred: a date-only pattern means midnight
    year, month, day = date.year, date.month, date.day
    sod = time.hour * 3600 + time.minute * 60 + time.second
    local = _epoch_day(year, month, day) * 86_400 + sod
    if offset is not None:
        seconds = local - _offset_of(offset)
    else:
        if parsed_zone is not None:
            zone = parsed_zone
        seconds = local - _offset_seconds(zone, year, month, day, sod)
    millis = seconds * 1000 + time.nano // 1_000_000
    if not _LONG_MIN <= millis <= _LONG_MAX:
        raise _DateTimeError("long overflow")  # Instant.toEpochMilli
    return millis


# --------------------------------------------------------------------------------------
# The happy path: one regex and a resolver for values that need no SMART adjustment.

_HOUR_NONE, _HOUR_H, _HOUR_CLOCK_AMPM, _HOUR_AMPM, _HOUR_CLOCK = range(5)
_ORDINAL_1970 = 719_163


def _offset_converter(no_offset: str) -> Callable[[str], int | None]:
    def convert(text: str) -> int | None:
        if text == no_offset:
            return 0
        digits = text[1:].replace(":", "")
        hours = int(digits[:2])
        if hours > 23:
            return None  # the faithful parser raises "Value out of range"
        seconds = hours * 3600 + int(digits[2:4] or 0) * 60 + int(digits[4:6] or 0)
        return -seconds if text[0] == "-" else seconds

    return convert


_OFFSET_REGEX = {
    1: "[0-9]{2}(?:[0-5][0-9])?+",
    3: "[0-9]{2}[0-5][0-9]",
    4: "[0-9]{2}:[0-5][0-9]",
    5: "[0-9]{2}[0-5][0-9](?:[0-5][0-9])?+",
    6: "[0-9]{2}:[0-5][0-9](?::[0-5][0-9])?+",
}


def _numeric_regex(element: _Number, leading: bool) -> str | None:
    """The digits one element of a run of adjacent numbers takes, when a regex can say it.

    Only the first element of a run may have a variable width: a later one makes Java's
    first element fixed width but still greedy in strict mode, which a regex cannot
    mirror. Signs are left to the faithful parser.
    """
    lo, hi = element.min_width, element.max_width
    if not leading and not (lo == hi and element.sign_style == _NOT_NEGATIVE):
        return None
    if element.sign_style == _EXCEEDS_PAD:
        hi = lo  # more digits than the minimum need a '+'
    hi = min(hi, 18)  # 19 digits may overflow a long
    if lo > hi:
        return None
    return f"([0-9]{{{lo}}})" if lo == hi else f"([0-9]{{{lo},{hi}}})"


def _build_fast_path(elements: list[_Element]) -> Callable[[str, _Zone], int | None] | None:
    pieces: list[str] = []
    converters: list[Callable[[str], int | None]] = []
    slots: dict[str, int] = {}  # field -> group index
    year_add = 0
    nano_mul = 1
    previous_numeric = False
    for element in elements:
        numeric = isinstance(element, _Number)
        if previous_numeric and not numeric:
            pieces.append("(?![0-9])")
        if isinstance(element, _Number):
            piece = _numeric_regex(element, leading=not previous_numeric)
            if piece is None:
                return None
            field = element.field
            if isinstance(element, _Reduced):
                year_add = element.base_value - element.base_value % 100
                if element.base_value % 100 or element.min_width != 2:
                    return None
            if isinstance(element, _Fraction):
                nano_mul = 10 ** (9 - element.min_width)
            converter: Callable[[str], int | None] = int
        elif isinstance(element, _CharLiteral | _StringLiteral):
            pieces.append(re.escape(element.literal))
            previous_numeric = False
            continue
        elif isinstance(element, _Text) and element.field in (
            MONTH_OF_YEAR,
            DAY_OF_WEEK,
            AMPM_OF_DAY,
        ):
            alternatives = "|".join(re.escape(name) for name, _ in element.candidates)
            piece = f"((?>{alternatives}))"
            field = element.field
            converter = dict(element.candidates).__getitem__
        elif isinstance(element, _OffsetId) and element.type in _OFFSET_REGEX:
            body = _OFFSET_REGEX[element.type]
            piece = f"((?>{re.escape(element.no_offset_text)}|[+-]{body}))"
            field = OFFSET_SECONDS
            converter = _offset_converter(element.no_offset_text)
        else:
            return None
        if field in slots:
            return None
        slots[field] = len(converters)
        converters.append(converter)
        pieces.append(piece)
        previous_numeric = numeric
    if previous_numeric:
        pieces.append("(?![0-9])")

    # Which field combinations the fast resolver handles; anything else is left to Parsed.
    names = set(slots)
    year_fields = names & {YEAR_OF_ERA, YEAR}
    if len(year_fields) != 1 or MONTH_OF_YEAR not in names or DAY_OF_MONTH not in names:
        return None
    hour_kinds = {
        frozenset(): _HOUR_NONE,
        frozenset({HOUR_OF_DAY}): _HOUR_H,
        frozenset({CLOCK_HOUR_OF_AMPM, AMPM_OF_DAY}): _HOUR_CLOCK_AMPM,
        frozenset({HOUR_OF_AMPM, AMPM_OF_DAY}): _HOUR_AMPM,
        frozenset({CLOCK_HOUR_OF_DAY}): _HOUR_CLOCK,
    }
    hour_fields = frozenset(
        names & {HOUR_OF_DAY, CLOCK_HOUR_OF_AMPM, HOUR_OF_AMPM, CLOCK_HOUR_OF_DAY, AMPM_OF_DAY}
    )
    if hour_fields not in hour_kinds:
        return None
    hour_kind = hour_kinds[hour_fields]
    sub_fields = tuple(f in names for f in (MINUTE_OF_HOUR, SECOND_OF_MINUTE, NANO_OF_SECOND))
    allowed = [(False, False, False)]
    if hour_kind != _HOUR_NONE:
        allowed += [(True, False, False), (True, True, False), (True, True, True)]
    if sub_fields not in allowed:
        return None
    known = year_fields | hour_fields | {MONTH_OF_YEAR, DAY_OF_MONTH, DAY_OF_WEEK}
    if names - known - {MINUTE_OF_HOUR, SECOND_OF_MINUTE, NANO_OF_SECOND, OFFSET_SECONDS}:
        return None

    match = re.compile("".join(pieces), re.ASCII).fullmatch
    all_int = all(converter is int for converter in converters)
    convs = tuple(converters)
    missing = len(converters)  # index of the 0 appended for absent fields
    i_year = slots[next(iter(year_fields))]
    i_month = slots[MONTH_OF_YEAR]
    i_day = slots[DAY_OF_MONTH]
    i_hour = next((slots[f] for f in hour_fields if f != AMPM_OF_DAY), missing)
    i_ampm = slots.get(AMPM_OF_DAY, missing)
    i_minute = slots.get(MINUTE_OF_HOUR, missing)
    i_second = slots.get(SECOND_OF_MINUTE, missing)
    i_nano = slots.get(NANO_OF_SECOND, missing)
    i_dow = slots.get(DAY_OF_WEEK)
    i_offset = slots.get(OFFSET_SECONDS)
    date_type = _date
    datetime_type = _datetime

    def fast(text: str, zone: _Zone) -> int | None:
        found = match(text)
        if found is None:
            return None
        if all_int:
            values = list(map(int, found.groups()))
        else:
            converted = [convert(g) for convert, g in zip(convs, found.groups(), strict=False)]
            if None in converted:
                return None
            values = cast(list[int], converted)
        values.append(0)
        year = values[i_year] + year_add
        month = values[i_month]
        day = values[i_day]
        if year < 1 or year > 9999 or month < 1 or month > 12 or day < 1:
            return None
        if day > 28 and day > _month_length(year, month):
            return None  # SMART clamps or Java rejects: the faithful path decides
        hour = values[i_hour]
        if hour_kind == _HOUR_H:
            if hour > 23:
                return None
        elif hour_kind == _HOUR_CLOCK_AMPM:
            if hour > 12:
                return None
            hour = hour % 12 + 12 * values[i_ampm]
        elif hour_kind == _HOUR_AMPM:
            if hour > 11:
                return None
            hour += 12 * values[i_ampm]
        elif hour_kind == _HOUR_CLOCK:
            if hour > 24:
                return None
            hour %= 24
        minute = values[i_minute]
        second = values[i_second]
        nano = values[i_nano] * nano_mul
        if minute > 59 or second > 59 or nano > 999_999_999:
            return None
        local_date = date_type(year, month, day)
        if i_dow is not None and local_date.isoweekday() != values[i_dow]:
            return None
        seconds = (local_date.toordinal() - _ORDINAL_1970) * 86_400
        seconds += hour * 3600 + minute * 60 + second
        if i_offset is not None:
            offset = values[i_offset]
            if offset < -64_800 or offset > 64_800:
                return None
            seconds -= offset
        elif isinstance(zone, int):
            seconds -= zone
        else:
            off = zone.utcoffset(datetime_type(year, month, day, hour, minute, second))
            seconds -= off.days * 86_400 + off.seconds  # type: ignore[union-attr]
        return seconds * 1000 + nano // 1_000_000

    return fast


# --------------------------------------------------------------------------------------
# Public API


class JavaDateTimeFormat:
    """A compiled pattern: ``DateTimeFormatter.ofPattern(pattern)`` for parsing."""

    __slots__ = ("_fast", "_root", "pattern")

    def __init__(self, pattern: str) -> None:
        if not isinstance(pattern, str):
            raise TypeError("pattern must be a str")
        self.pattern = pattern
        self._root = _PatternParser(_utf16(pattern)).parse()
        fast = None
        if _utf16(pattern) == pattern:
            fast = _build_fast_path(self._root.elements)
        self._fast = fast

    def __repr__(self) -> str:
        return f"JavaDateTimeFormat({self.pattern!r})"

    def parse_epoch_millis(self, text: str, default_zone: str) -> int:
        """Parse ``text`` to epoch milliseconds, as ``ZonedDateTime.parse(text, formatter)``
        then ``toInstant().toEpochMilli()`` would; ``default_zone`` (an IANA ID) applies
        only when the text carries no offset or zone.

        Raises :class:`JavaDateTimeParseError` (a row error) or ``ValueError`` for an
        unknown ``default_zone`` (a configuration error).
        """
        zone = _default_zone(default_zone)
        fast = self._fast
        if fast is not None:
            result = fast(text, zone)
            if result is not None:
                return result
        return self._parse_slow(text, zone)

    def _parse_slow(self, text: str, zone: _Zone) -> int:
        """The faithful element-by-element parse and resolve."""
        units = _utf16(text)
        if len(units) > 64:
            # Java may cut a surrogate pair in two; printed, the lone half becomes '?'
            abbreviation = _from_utf16(units[:64]).encode("utf-8", "replace").decode() + "..."
        else:
            abbreviation = text
        context = _Context()
        try:
            position = self._root.parse(context, units, 0)
            if position < 0:
                raise JavaDateTimeParseError(
                    f"Text '{abbreviation}' could not be parsed at index {~position}",
                    text,
                    ~position,
                )
            if position < len(units):
                raise JavaDateTimeParseError(
                    f"Text '{abbreviation}' could not be parsed, unparsed text found at index "
                    f"{position}",
                    text,
                    position,
                )
            parsed = context.stack[-1]
            return _to_epoch_millis(parsed.fields, parsed.zone, zone)
        except _DateTimeError as error:
            message = str(error)
            if message != "long overflow":
                message = f"Text '{abbreviation}' could not be parsed: {message}"
            raise JavaDateTimeParseError(message, text, 0) from None


@functools.lru_cache(maxsize=512)
def compile_pattern(pattern: str) -> JavaDateTimeFormat:
    """``DateTimeFormatter.ofPattern(pattern)``, cached; raises :class:`JavaPatternError`."""
    return JavaDateTimeFormat(pattern)


def parse_epoch_millis(text: str, pattern: str, default_zone: str) -> int:
    """Parse one text with a Java pattern; see :meth:`JavaDateTimeFormat.parse_epoch_millis`."""
    return compile_pattern(pattern).parse_epoch_millis(text, default_zone)
