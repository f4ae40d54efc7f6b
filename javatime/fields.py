"""The date-time fields a pattern can fill, their valid ranges, and ISO calendar arithmetic."""

from __future__ import annotations

from .errors import Rejected


class Field:
    """One field, named as Java names it in messages (``MonthOfYear``)."""

    __slots__ = ("high", "low", "name", "range_text", "time_based")

    def __init__(
        self, name: str, low: int, high: int, *, shown_high: str = "", time_based: bool = False
    ) -> None:
        self.name = name
        self.low = low
        self.high = high
        self.range_text = f"{low} - {shown_high or high}"
        self.time_based = time_based

    def __repr__(self) -> str:
        return self.name

    def check(self, value: int) -> int:
        if not self.low <= value <= self.high:
            raise Rejected(
                f"Invalid value for {self.name} (valid values {self.range_text}): {value}"
            )
        return value


_MAX_YEAR = 999_999_999

ERA = Field("Era", 0, 1)
YEAR_OF_ERA = Field("YearOfEra", 1, _MAX_YEAR + 1, shown_high=f"{_MAX_YEAR}/{_MAX_YEAR + 1}")
YEAR = Field("Year", -_MAX_YEAR, _MAX_YEAR)
QUARTER_OF_YEAR = Field("QuarterOfYear", 1, 4)
MONTH_OF_YEAR = Field("MonthOfYear", 1, 12)
DAY_OF_MONTH = Field("DayOfMonth", 1, 31, shown_high="28/31")
DAY_OF_YEAR = Field("DayOfYear", 1, 366, shown_high="365/366")
DAY_OF_WEEK = Field("DayOfWeek", 1, 7)
ALIGNED_DAY_OF_WEEK_IN_MONTH = Field("AlignedDayOfWeekInMonth", 1, 7)

AMPM_OF_DAY = Field("AmPmOfDay", 0, 1, time_based=True)
HOUR_OF_DAY = Field("HourOfDay", 0, 23, time_based=True)
CLOCK_HOUR_OF_DAY = Field("ClockHourOfDay", 1, 24, time_based=True)
HOUR_OF_AMPM = Field("HourOfAmPm", 0, 11, time_based=True)
CLOCK_HOUR_OF_AMPM = Field("ClockHourOfAmPm", 1, 12, time_based=True)
MINUTE_OF_HOUR = Field("MinuteOfHour", 0, 59, time_based=True)
SECOND_OF_MINUTE = Field("SecondOfMinute", 0, 59, time_based=True)
MILLI_OF_DAY = Field("MilliOfDay", 0, 86_400_000 - 1, time_based=True)
NANO_OF_SECOND = Field("NanoOfSecond", 0, 999_999_999, time_based=True)
NANO_OF_DAY = Field("NanoOfDay", 0, 86_400 * 10**9 - 1, time_based=True)

OFFSET_SECONDS = Field("OffsetSeconds", -18 * 3600, 18 * 3600)


# --------------------------------------------------------------------------------------
# ISO (proleptic Gregorian) calendar

_MONTH_DAYS = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
# days before the first of each month, in a year counted from March (so Feb 29 is last)
_DAYS_BEFORE_MONTH_FROM_MARCH = (0, 31, 61, 92, 122, 153, 184, 214, 245, 275, 306, 337)


def is_leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def month_length(year: int, month: int) -> int:
    if month == 2:
        return 29 if is_leap(year) else 28
    return _MONTH_DAYS[month]


def epoch_day(year: int, month: int, day: int) -> int:
    """Days from 1970-01-01 to the date (any year, proleptic Gregorian)."""
    shifted = year - (month <= 2)
    era, year_of_era = divmod(shifted, 400)
    day_of_year = _DAYS_BEFORE_MONTH_FROM_MARCH[(month + 9) % 12] + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    return era * 146_097 + day_of_era - 719_468


def civil_date(days: int) -> tuple[int, int, int]:
    """The inverse of :func:`epoch_day`."""
    era, day_of_era = divmod(days + 719_468, 146_097)
    year_of_era = (
        day_of_era - day_of_era // 1460 + day_of_era // 36_524 - day_of_era // 146_096
    ) // 365
    day_of_year = day_of_era - (365 * year_of_era + year_of_era // 4 - year_of_era // 100)
    shifted_month = (5 * day_of_year + 2) // 153
    day = day_of_year - (153 * shifted_month + 2) // 5 + 1
    month = shifted_month + 3 if shifted_month < 10 else shifted_month - 9
    return era * 400 + year_of_era + (month <= 2), month, day


def day_of_week(days: int) -> int:
    """ISO day of week of an epoch day: Monday 1 .. Sunday 7."""
    return (days + 3) % 7 + 1


def date_text(year: int, month: int, day: int) -> str:
    """A date as Java's ``LocalDate.toString`` writes it (``+12010-12-01``, ``-0001-01-01``)."""
    if abs(year) < 10_000:
        body = f"{abs(year):04d}"
        sign = "-" if year < 0 else ""
    else:
        body = str(abs(year))
        sign = "-" if year < 0 else "+"
    return f"{sign}{body}-{month:02d}-{day:02d}"


def time_text(hour: int, minute: int, second: int, nano: int) -> str:
    """A time as Java's ``LocalTime.toString`` writes it (``13:00``, ``08:26:00.500``)."""
    text = f"{hour:02d}:{minute:02d}"
    if second or nano:
        text += f":{second:02d}"
        if nano % 1_000_000 == 0 and nano:
            text += f".{nano // 1_000_000:03d}"
        elif nano % 1000 == 0 and nano:
            text += f".{nano // 1000:06d}"
        elif nano:
            text += f".{nano:09d}"
    return text
