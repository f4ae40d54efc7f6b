"""When a SQL engine's own ``strptime`` may stand in for this package, and the zone
offsets it then needs: the shortcut for big files, with this package as the judge.

A text that a ``strftime``-style format F renders from the date-time it names
(``strftime(strptime(text, F), F) == text``: the *canonical* texts of F) is read by
Java's pattern exactly as by F, when the pattern is made of zero-padded or unpadded
numbers (``yyyy MM dd HH mm ss SSS``, ``M d H m s``) between literals without digits:
each number then ends where its literal starts, Java reads every field from the same
digits, and ``strptime`` has already refused what no calendar has (a 30 February, hour
24), which Java's SMART resolver would move instead. Such texts can be parsed by the
engine; every other text (not canonical, out of range, or a pattern not covered here)
goes through :func:`~duckshred.javatime.parse_epoch_millis`, which also words Java's
error. The year must be 1970 or later: the engine's year 0 is 1 BC, where Java's
``yyyy`` refuses year-of-era 0.

Zones: a text's instant is its local date-time minus the zone's offset, which Java
takes from the zone rules (see :func:`.zones.offset_at_local`). :func:`local_day_offsets`
gives that offset for every local day from 1970 on that is a day's margin away from any
transition of the zone, so that one offset holds for the whole day; the other days are
None and their texts take the full path. The transitions are read with the standard
library's own reader of the tz database file that ``zoneinfo`` loads for the zone, and
every offset comes from ``zoneinfo`` itself.
"""

from __future__ import annotations

import functools
from datetime import datetime, timedelta

from . import fields as f
from .elements import Digits, Fraction, Literal, NumberRun, Section, Sign
from .pattern import compile_elements
from .zones import default_zone

FIRST_DAY = 0  # 1970-01-01: the first local day `local_day_offsets` covers
# `day_offset_codes`: a 4-bit code per day, 15 days per 64-bit integer (the sign bit unused)
CODE_BITS = 4
DAYS_PER_WORD = 15
_DAY = 86_400
_EPOCH = datetime(1970, 1, 1)

# Java field -> (zero-padded, unpadded) strftime directive
_DIRECTIVES = {
    f.MONTH_OF_YEAR: ("%m", "%-m"),
    f.DAY_OF_MONTH: ("%d", "%-d"),
    f.HOUR_OF_DAY: ("%H", "%-H"),
    f.MINUTE_OF_HOUR: ("%M", "%-M"),
    f.SECOND_OF_MINUTE: ("%S", "%-S"),
}
_YEARS = (f.YEAR_OF_ERA, f.YEAR)
# the time fields a pattern may have, each needing the ones before it
_TIME_CHAIN = (f.HOUR_OF_DAY, f.MINUTE_OF_HOUR, f.SECOND_OF_MINUTE, f.NANO_OF_SECOND)


def _directive(digits: Digits) -> str | None:
    if type(digits) is Fraction:
        return "%g" if digits.min_width == 3 else None  # milliseconds, three digits
    if type(digits) is not Digits:
        return None  # two-digit years and the like
    if digits.field in _YEARS:
        # ``yyyy``/``uuuu``: four digits and more, a sign beyond four; %Y writes four
        # for the years 1970..9999 that the SQL side lets through
        fits = digits.min_width == 4 and digits.sign is Sign.BEYOND_WIDTH
        return "%Y" if fits else None
    directives = _DIRECTIVES.get(digits.field)
    if directives is None:
        return None
    if (digits.min_width, digits.max_width, digits.sign) == (2, 2, Sign.NONE):
        return directives[0]
    if (digits.min_width, digits.sign) == (1, Sign.NEGATIVE_ONLY):
        return directives[1]
    return None


@functools.lru_cache(maxsize=64)
def strptime_format(pattern: str) -> str | None:
    """The ``strptime``/``strftime`` format whose canonical texts (from 1970 on) Java's
    ``pattern`` reads to the same local date-time; None where that is not shown."""
    root = compile_elements(pattern)
    if type(root) is not Section or root.optional:
        return None
    parts: list[str] = []
    seen: list[f.Field] = []
    previous_is_number = False
    for element in root.elements:
        if type(element) is Literal:
            text = element.text
            # no digit: a number before it ends where it starts; no '%': not a directive
            if not text or any(char.isdigit() or char == "%" for char in text):
                return None
            parts.append(text)
            previous_is_number = False
        elif type(element) is NumberRun and not element.followers and not previous_is_number:
            directive = _directive(element.lead)
            if directive is None or element.lead.field in seen:
                return None
            seen.append(element.lead.field)
            parts.append(directive)
            previous_is_number = True
        else:
            return None  # text, offsets, zones, optional sections, padding, adjacent numbers
    years = [field for field in seen if field in _YEARS]
    time = [field for field in seen if field in _TIME_CHAIN]
    if len(years) != 1 or len(seen) != len(time) + 3 or f.MONTH_OF_YEAR not in seen \
            or f.DAY_OF_MONTH not in seen:
        return None  # one full date (year, month, day), and a time of day or none
    if set(time) != set(_TIME_CHAIN[:len(time)]):
        return None  # hour, then minute, second, milliseconds: each needs the one before
    return "".join(parts)


def _utc_transitions(zone_id: str) -> tuple[int, ...] | None:
    """The zone's transitions (UTC epoch seconds) from the file ``zoneinfo`` reads for it,
    with the standard library's own reader; None if that reader is not there."""
    try:
        from zoneinfo import _common, _tzpath  # the reader ZoneInfo itself uses
    except ImportError:
        return None
    try:
        path = _tzpath.find_tzfile(zone_id)
        source = open(path, "rb") if path else _common.load_tzdata(zone_id)  # noqa: SIM115
        with source:
            transitions = _common.load_data(source)[1]
    except Exception:  # noqa: BLE001 - a private reader: any surprise means "no shortcut"
        return None
    return tuple(int(at) for at in transitions)


@functools.lru_cache(maxsize=16)
def local_day_offsets(zone_id: str) -> tuple[int | None, ...] | None:
    """For each local day from 1970-01-01 (index 0) to the zone's last listed transition,
    the zone's offset in seconds where it holds all day, else None; None for a zone with a
    fixed offset or without listed transitions (nothing to look up, or nothing known)."""
    zone = default_zone(zone_id)
    if isinstance(zone, int):
        return None
    transitions = _utc_transitions(zone_id)
    if not transitions:
        return None
    days = max(0, transitions[-1] // _DAY - 1 - FIRST_DAY)
    offsets: list[int | None] = [None] * days
    # a day less than a day away from a transition, on either side, stays None
    bounds = sorted({at // _DAY for at in transitions})
    for before, after in zip(bounds, bounds[1:], strict=False):
        first, last = max(before + 2, FIRST_DAY), min(after - 2, FIRST_DAY + days - 1)
        if first > last:
            continue
        offset = _offset(zone, first)
        if _offset(zone, last) != offset:  # the file and zoneinfo disagree: no shortcut
            return None
        offsets[first - FIRST_DAY:last - FIRST_DAY + 1] = [offset] * (last - first + 1)
    return tuple(offsets)


def _offset(zone: object, day: int) -> int:
    noon = _EPOCH + timedelta(days=day, hours=12)
    delta = zone.utcoffset(noon)  # type: ignore[attr-defined]
    return int(delta.total_seconds())




@functools.lru_cache(maxsize=16)
def day_offset_codes(zone_id: str) -> tuple[tuple[int | None, ...], tuple[int, ...]] | None:
    """`local_day_offsets` packed small, as an engine can look it up on every row without
    copying a list of every day: (offsets, words), where day ``d``'s offset is
    ``offsets[code]`` with ``code = words[d // DAYS_PER_WORD] >> CODE_BITS * (d %
    DAYS_PER_WORD) & 15`` and ``offsets[0]`` is None (a day near a transition)."""
    offsets = local_day_offsets(zone_id)
    if not offsets:
        return None
    values: tuple[int | None, ...] = (None, *sorted({o for o in offsets if o is not None}))
    if len(values) > 1 << CODE_BITS:
        return None  # more offsets than codes (none of today's zones since 1970)
    code = {value: index for index, value in enumerate(values)}
    words = []
    for start in range(0, len(offsets), DAYS_PER_WORD):
        word = 0
        for shift, offset in enumerate(offsets[start:start + DAYS_PER_WORD]):
            word |= code[offset] << (CODE_BITS * shift)
        words.append(word)
    return values, tuple(words)


def engine_shortcut(pattern: str, zone_id: str) -> tuple[str, int | None] | None:
    """(strptime format, the zone's fixed offset in seconds or None for a region whose
    offsets `local_day_offsets` gives) when an engine may parse this job's canonical
    texts itself; None when every text must take the full path."""
    format_ = strptime_format(pattern)
    if format_ is None:
        return None
    try:
        zone = default_zone(zone_id)
    except ValueError:
        return None
    if isinstance(zone, int):
        return format_, zone
    return (format_, None) if day_offset_codes(zone_id) else None


__all__ = ["CODE_BITS", "DAYS_PER_WORD", "FIRST_DAY", "day_offset_codes", "engine_shortcut",
           "local_day_offsets", "strptime_format"]
