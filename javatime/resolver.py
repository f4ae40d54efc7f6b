"""From parsed fields to an instant, with Java's SMART resolver rules (ISO calendar).

The order of the steps decides which message a text with several problems gets, so it
follows Java's: the date, then the time of day, then a cross-check of the fields that were
not needed against the date and time they produced, then the zone.
"""

from __future__ import annotations

from . import fields as f
from .errors import Rejected
from .fields import Field
from .zones import Zone, offset_at_local

UNABLE = "Unable to obtain ZonedDateTime from TemporalAccessor"
_LONG_MIN, _LONG_MAX = -(2**63), 2**63 - 1
# named in conflict messages only: no pattern letter reads it
_SECOND_OF_DAY = Field("SecondOfDay", 0, 86_399, time_based=True)


def _merge(fields: dict[Field, int], target: Field, value: int, source: str = "") -> None:
    """Set a field derived from others; it must agree with a value already there."""
    known = fields.setdefault(target, value)
    if known != value:
        reason = f" while resolving  {source}" if source else ""  # sic: two spaces
        raise Rejected(
            f"Conflict found: {target.name} {known} differs from {target.name} {value}{reason}"
        )


def _resolve_year(fields: dict[Field, int]) -> None:
    year_of_era = fields.pop(f.YEAR_OF_ERA, None)
    if year_of_era is None:
        if f.ERA in fields:
            f.ERA.check(fields[f.ERA])
        return
    f.YEAR_OF_ERA.check(year_of_era)
    era = fields.pop(f.ERA, None)
    if era is None:
        year = fields.get(f.YEAR)
        # without an era, a year-of-era counts in the era of the proleptic year, if any
        era = 1 if year is None or year > 0 else 0
    else:
        f.ERA.check(era)
    _merge(fields, f.YEAR, year_of_era if era == 1 else 1 - year_of_era)


def _resolve_date(fields: dict[Field, int]) -> tuple[int, int, int] | None:
    _resolve_year(fields)
    if f.YEAR not in fields:
        return None
    if f.MONTH_OF_YEAR in fields and f.DAY_OF_MONTH in fields:
        year = f.YEAR.check(fields.pop(f.YEAR))
        month = f.MONTH_OF_YEAR.check(fields.pop(f.MONTH_OF_YEAR))
        day = f.DAY_OF_MONTH.check(fields.pop(f.DAY_OF_MONTH))
        # SMART: a day past the end of its month is the last day of that month
        return year, month, min(day, f.month_length(year, month))
    if f.DAY_OF_YEAR in fields:
        year = f.YEAR.check(fields.pop(f.YEAR))
        day_of_year = f.DAY_OF_YEAR.check(fields.pop(f.DAY_OF_YEAR))
        if day_of_year == 366 and not f.is_leap(year):
            raise Rejected(f"Invalid date 'DayOfYear 366' as '{year}' is not a leap year")
        return f.civil_date(f.epoch_day(year, 1, 1) + day_of_year - 1)
    return None


def _clock_hour(fields: dict[Field, int], clock: Field, target: Field, top: int) -> None:
    value = fields.pop(clock, None)
    if value is None:
        return
    if value != 0:  # SMART lets 0 through, as the same hour as ``top``
        clock.check(value)
    _merge(fields, target, 0 if value == top else value, clock.name)


def _split_of_day(fields: dict[Field, int], source: Field, nanos: int) -> None:
    seconds = nanos // 10**9
    _merge(fields, f.HOUR_OF_DAY, seconds // 3600, source.name)
    _merge(fields, f.MINUTE_OF_HOUR, seconds // 60 % 60, source.name)
    _merge(fields, f.SECOND_OF_MINUTE, seconds % 60, source.name)


def _resolve_time(fields: dict[Field, int]) -> tuple[tuple[int, int, int, int], int] | None:
    """((hour, minute, second, nano), extra days) or None if the fields give no time."""
    _clock_hour(fields, f.CLOCK_HOUR_OF_DAY, f.HOUR_OF_DAY, 24)
    _clock_hour(fields, f.CLOCK_HOUR_OF_AMPM, f.HOUR_OF_AMPM, 12)
    for half_day_field in (f.AMPM_OF_DAY, f.HOUR_OF_AMPM):  # checked even when alone
        if half_day_field in fields:
            half_day_field.check(fields[half_day_field])
    if f.AMPM_OF_DAY in fields and f.HOUR_OF_AMPM in fields:
        am_pm = fields.pop(f.AMPM_OF_DAY)
        hour_of_half = fields.pop(f.HOUR_OF_AMPM)
        _merge(fields, f.HOUR_OF_DAY, am_pm * 12 + hour_of_half, f.AMPM_OF_DAY.name)
    if f.NANO_OF_DAY in fields:
        nanos = f.NANO_OF_DAY.check(fields.pop(f.NANO_OF_DAY))
        _split_of_day(fields, f.NANO_OF_DAY, nanos)
        _merge(fields, f.NANO_OF_SECOND, nanos % 10**9, f.NANO_OF_DAY.name)
    if f.MILLI_OF_DAY in fields:
        millis = f.MILLI_OF_DAY.check(fields.pop(f.MILLI_OF_DAY))
        _split_of_day(fields, _SECOND_OF_DAY, millis // 1000 * 10**9)
        milli = millis % 1000
        nano = fields.get(f.NANO_OF_SECOND)
        # Java combines the milli-of-second with the sub-millisecond part already read
        combined = milli * 1_000_000 + (0 if nano is None else nano % 1_000_000)
        _merge(fields, f.NANO_OF_SECOND, combined, "MilliOfSecond")
    hour = fields.get(f.HOUR_OF_DAY)
    if hour is None:
        return None
    minute = fields.get(f.MINUTE_OF_HOUR)
    second = fields.get(f.SECOND_OF_MINUTE)
    nano = fields.get(f.NANO_OF_SECOND)
    if (minute is None and (second is not None or nano is not None)) or (
        minute is not None and second is None and nano is not None
    ):
        return None  # a gap in hour, minute, second, fraction: no time of day
    for used in (f.HOUR_OF_DAY, f.MINUTE_OF_HOUR, f.SECOND_OF_MINUTE, f.NANO_OF_SECOND):
        fields.pop(used, None)
    minute = f.MINUTE_OF_HOUR.check(minute or 0)
    nano = f.NANO_OF_SECOND.check(nano or 0)
    second = second or 0
    if hour == 24 and minute == 0 and second == 0 and nano == 0:
        return (0, 0, 0, 0), 1  # SMART: 24:00 is midnight at the end of the day
    return (f.HOUR_OF_DAY.check(hour), minute, f.SECOND_OF_MINUTE.check(second), nano), 0


def _date_value(field: Field, date: tuple[int, int, int]) -> int | None:
    year, month, day = date
    if field is f.DAY_OF_WEEK:
        return f.day_of_week(f.epoch_day(year, month, day))
    if field is f.ERA:
        return 1 if year > 0 else 0
    if field is f.QUARTER_OF_YEAR:
        return (month - 1) // 3 + 1
    if field is f.DAY_OF_YEAR:
        return f.epoch_day(year, month, day) - f.epoch_day(year, 1, 1) + 1
    if field is f.ALIGNED_DAY_OF_WEEK_IN_MONTH:
        return (day - 1) % 7 + 1
    if field is f.YEAR:
        return year
    if field is f.MONTH_OF_YEAR:
        return month
    if field is f.DAY_OF_MONTH:
        return day
    return None


def _time_value(field: Field, time: tuple[int, int, int, int]) -> int | None:
    hour, minute, second, nano = time
    if field is f.AMPM_OF_DAY:
        return hour // 12
    if field is f.HOUR_OF_AMPM:
        return hour % 12
    if field is f.CLOCK_HOUR_OF_AMPM:
        return hour % 12 or 12
    if field is f.CLOCK_HOUR_OF_DAY:
        return hour or 24
    if field is f.MINUTE_OF_HOUR:
        return minute
    if field is f.SECOND_OF_MINUTE:
        return second
    if field is f.NANO_OF_SECOND:
        return nano
    return None


def _cross_check(
    fields: dict[Field, int],
    date: tuple[int, int, int] | None,
    time: tuple[int, int, int, int] | None,
) -> None:
    for field, value in list(fields.items()):
        derived, source = None, ""
        if date is not None:
            derived, source = _date_value(field, date), f.date_text(*date)
        if derived is None and time is not None:
            derived, source = _time_value(field, time), f.time_text(*time)
        if derived is None:
            continue
        if derived != value:
            raise Rejected(
                f"Conflict found: Field {field.name} {derived} differs from "
                f"{field.name} {value} derived from {source}"
            )
        del fields[field]


def epoch_millis(fields: dict[Field, int], parsed_zone: Zone | None, default_zone: Zone) -> int:
    """The instant the fields stand for, in milliseconds (Java's floor of the nanos)."""
    fields = dict(fields)
    offset = fields.pop(f.OFFSET_SECONDS, None)
    date = _resolve_date(fields)
    resolved_time = _resolve_time(fields)
    time, extra_days = resolved_time if resolved_time is not None else (None, 0)
    _cross_check(fields, date, time)
    if date is None:
        raise Rejected(UNABLE)
    if time is None:
        # duckshred's one extension: a date alone is the start of that day, unless a time
        # field was read that could not make a time of day
        if any(field.time_based for field in fields):
            raise Rejected(UNABLE)
        time = (0, 0, 0, 0)
    year, month, day = date
    hour, minute, second, nano = time
    days = f.epoch_day(year, month, day) + extra_days
    second_of_day = hour * 3600 + minute * 60 + second
    if offset is None:
        if extra_days:
            year, month, day = f.civil_date(days)
        offset = offset_at_local(
            default_zone if parsed_zone is None else parsed_zone, year, month, day, second_of_day
        )
    elif not f.OFFSET_SECONDS.low <= offset <= f.OFFSET_SECONDS.high:
        raise Rejected("Zone offset not in valid range: -18:00 to +18:00")
    millis = (days * 86_400 + second_of_day - offset) * 1000 + nano // 1_000_000
    if not _LONG_MIN <= millis <= _LONG_MAX:
        raise OverflowError("long overflow")
    return millis
