"""Tests for duckshred.javatime: Java DateTimeFormatter.ofPattern parsing to epoch milliseconds.

Expected messages are Java 17's ``DateTimeParseException.getMessage()`` for
``ZonedDateTime.parse(text, DateTimeFormatter.ofPattern(pattern))``; they were checked
against OpenJDK 17.0.15.
"""

from __future__ import annotations

import calendar
import random
import re
from datetime import UTC, date, datetime, timedelta, timezone
from typing import NamedTuple
from zoneinfo import ZoneInfo

import pytest

import duckshred.javatime as jt
from duckshred.javatime.fields import epoch_day
from duckshred.javatime.zones import default_zone

AMS = "Europe/Amsterdam"


def millis(*args: int, tz: str = "UTC") -> int:
    """Epoch milliseconds of an aware datetime (fold=0), computed independently."""
    moment = datetime(*args, tzinfo=ZoneInfo(tz))  # type: ignore[misc]
    return int((moment - datetime(1970, 1, 1, tzinfo=UTC)) / timedelta(milliseconds=1))


def parse_error(text: str, pattern: str, zone: str = AMS) -> jt.JavaDateTimeParseError:
    with pytest.raises(jt.JavaDateTimeParseError) as caught:
        jt.parse_epoch_millis(text, pattern, zone)
    return caught.value


def outcome(call, text: str) -> tuple:
    try:
        return ("ok", call(text))
    except jt.JavaDateTimeParseError as error:
        return ("error", str(error), error.error_index, error.text)


# --------------------------------------------------------------------------------------
# Happy paths


def test_reference_case() -> None:
    assert jt.parse_epoch_millis("2010-12-01 08:26:00", "yyyy-MM-dd HH:mm:ss", AMS) == (
        1291188360000
    )


def test_compiled_format_api_and_cache() -> None:
    fmt = jt.compile_pattern("yyyy-MM-dd HH:mm:ss")
    assert isinstance(fmt, jt.JavaDateTimeFormat)
    assert fmt.pattern == "yyyy-MM-dd HH:mm:ss"
    assert jt.compile_pattern("yyyy-MM-dd HH:mm:ss") is fmt
    assert fmt.parse_epoch_millis("2010-12-01 08:26:00", AMS) == 1291188360000
    assert fmt.parse_epoch_millis("2010-12-01 08:26:00", "UTC") == 1291191960000


def test_single_letter_fields_take_one_or_more_digits() -> None:
    assert jt.parse_epoch_millis("12/1/2010 8:26", "M/d/yyyy H:m", AMS) == 1291188360000
    assert jt.parse_epoch_millis("012/01/2010 08:026", "M/d/yyyy H:m", AMS) == 1291188360000


def test_other_common_patterns() -> None:
    assert jt.parse_epoch_millis("01/12/2010 08:26", "dd/MM/yyyy HH:mm", AMS) == 1291188360000
    assert jt.parse_epoch_millis("2010-12-01", "yyyy-MM-dd", AMS) == millis(2010, 12, 1, tz=AMS)
    assert jt.parse_epoch_millis("10-12-01 08:26", "yy-MM-dd HH:mm", AMS) == 1291188360000
    assert jt.parse_epoch_millis("2010-12-01 08", "uuuu-MM-dd HH", "UTC") == millis(2010, 12, 1, 8)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2010-12-01T08:26:00.123Z", millis(2010, 12, 1, 8, 26, 0) + 123),
        ("2010-12-01T08:26:00.123+02:00", millis(2010, 12, 1, 6, 26, 0) + 123),
        ("2010-12-01T08:26:00.123-05:30", millis(2010, 12, 1, 13, 56, 0) + 123),
        ("2010-12-01T08:26:00.007-00:00", millis(2010, 12, 1, 8, 26, 0) + 7),
    ],
)
def test_iso_offset_with_fraction(text: str, expected: int) -> None:
    pattern = "yyyy-MM-dd'T'HH:mm:ss.SSSXXX"
    # the offset in the text wins over the default zone
    assert jt.parse_epoch_millis(text, pattern, AMS) == expected
    assert jt.parse_epoch_millis(text, pattern, "Asia/Tokyo") == expected


def test_rfc_1123_style_with_day_name_month_name_and_z_offset() -> None:
    pattern = "EEE, d MMM yyyy HH:mm:ss Z"
    assert jt.parse_epoch_millis("Wed, 1 Dec 2010 08:26:00 +0100", pattern, "UTC") == (
        1291188360000
    )
    assert jt.parse_epoch_millis("Wed, 1 Dec 2010 08:26:00 +0000", pattern, AMS) == millis(
        2010, 12, 1, 8, 26
    )


@pytest.mark.parametrize(
    ("pattern", "text", "expected"),
    [
        ("X", "Z", 0),
        ("X", "+01", 3600),
        ("X", "+0130", 5400),
        ("XX", "-0130", -5400),
        ("XXXXX", "+01:30:15", 5415),
        ("xxx", "+00:00", 0),
        ("ZZZZZ", "Z", 0),
        ("ZZZZ", "GMT+01:00", 3600),
        ("ZZZZ", "GMT", 0),
        ("O", "GMT-5", -18000),
    ],
)
def test_offset_letters(pattern: str, text: str, expected: int) -> None:
    value = jt.parse_epoch_millis("2010-12-01 08:26 " + text, "yyyy-MM-dd HH:mm " + pattern, AMS)
    assert value == millis(2010, 12, 1, 8, 26) - expected * 1000


def test_zone_id_letters() -> None:
    pattern = "yyyy-MM-dd HH:mm VV"
    assert jt.parse_epoch_millis("2010-07-01 08:26 Europe/London", pattern, AMS) == millis(
        2010, 7, 1, 7, 26
    )
    assert jt.parse_epoch_millis("2010-07-01 08:26 UTC+01:00", pattern, AMS) == millis(
        2010, 7, 1, 7, 26
    )
    assert jt.parse_epoch_millis("2010-07-01 08:26 Z", pattern, AMS) == millis(2010, 7, 1, 8, 26)


@pytest.mark.parametrize(
    ("pattern", "text", "expected"),
    [
        # a name stands for its zone, whose rules pick the offset: PST in July is -07:00
        ("yyyy-MM-dd HH:mm z", "2010-07-01 10:00 PST", millis(2010, 7, 1, 17)),
        ("yyyy-MM-dd HH:mm z", "2010-12-01 10:00 PDT", millis(2010, 12, 1, 18)),
        ("yyyy-MM-dd HH:mm z", "2010-07-01 10:00 CEST", millis(2010, 7, 1, 8)),
        ("yyyy-MM-dd HH:mm zzzz", "2010-07-01 10:00 Eastern Standard Time", millis(2010, 7, 1, 14)),
        (
            "yyyy-MM-dd HH:mm zzzz",
            "2010-07-01 10:00 Coordinated Universal Time",
            millis(2010, 7, 1, 10),
        ),
        # region IDs and offsets as for VV
        ("yyyy-MM-dd HH:mm z", "2010-07-01 10:00 Europe/London", millis(2010, 7, 1, 9)),
        ("yyyy-MM-dd HH:mm z", "2010-07-01 10:00 UTC+02:00", millis(2010, 7, 1, 8)),
        ("yyyy-MM-dd HH:mm z", "2010-07-01 10:00 Z", millis(2010, 7, 1, 10)),
    ],
)
def test_zone_names(pattern: str, text: str, expected: int) -> None:
    assert jt.parse_epoch_millis(text, pattern, "Asia/Tokyo") == expected


@pytest.mark.parametrize(
    ("pattern", "text"),
    [
        ("yyyy-MM-dd HH:mm z", "2010-07-01 10:00 Pacific Standard Time"),  # z: short names
        ("yyyy-MM-dd HH:mm zzzz", "2010-07-01 10:00 PST"),  # zzzz: long names
        ("yyyy-MM-dd HH:mm z", "2010-07-01 10:00 pst"),  # case-sensitive
    ],
)
def test_zone_name_styles_are_strict(pattern: str, text: str) -> None:
    error = parse_error(text, pattern)
    assert str(error) == f"Text '{text}' could not be parsed at index 17"


@pytest.mark.parametrize(
    ("pattern", "text", "extra_ms"),
    [
        ("SSS", "123", 123),
        ("S", "5", 500),
        ("SSSSSS", "123999", 123),  # truncated, not rounded
        ("SSSSSSSSS", "000999999", 0),
        ("nnnnnnnnn", "123456789", 123),
    ],
)
def test_fractions(pattern: str, text: str, extra_ms: int) -> None:
    value = jt.parse_epoch_millis(
        "2010-12-01 08:26:00." + text, "yyyy-MM-dd HH:mm:ss." + pattern, "UTC"
    )
    assert value == millis(2010, 12, 1, 8, 26) + extra_ms


def test_fraction_below_a_millisecond_truncates_toward_the_past() -> None:
    pattern = "yyyy-MM-dd'T'HH:mm:ss.SSSSSSXXX"
    assert jt.parse_epoch_millis("1969-12-31T23:59:59.999999Z", pattern, AMS) == -1
    assert jt.parse_epoch_millis("1969-12-31T23:59:59.000001Z", pattern, AMS) == -1000


@pytest.mark.parametrize(
    ("text", "hour"),
    [
        ("12:26:00 AM", 0),
        ("00:26:00 AM", 0),  # SMART accepts clock-hour 0
        ("08:26:00 AM", 8),
        ("12:26:00 PM", 12),
        ("08:26:00 PM", 20),
    ],
)
def test_clock_hour_with_am_pm(text: str, hour: int) -> None:
    value = jt.parse_epoch_millis("2010-12-01 " + text, "yyyy-MM-dd hh:mm:ss a", "UTC")
    assert value == millis(2010, 12, 1, hour, 26)


def test_other_hour_letters() -> None:
    assert jt.parse_epoch_millis("2010-12-01 24:05", "yyyy-MM-dd kk:mm", "UTC") == millis(
        2010, 12, 1, 0, 5
    )  # clock-hour-of-day 24 is hour 0 of the same day
    assert jt.parse_epoch_millis("2010-12-01 11:05 PM", "yyyy-MM-dd KK:mm a", "UTC") == millis(
        2010, 12, 1, 23, 5
    )


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ("1 Dec 2010", "d MMM yyyy"),
        ("1 December 2010", "d MMMM yyyy"),
        ("1 December 2010", "d LLLL yyyy"),
        ("Wednesday 1 December 2010", "EEEE d MMMM yyyy"),
        ("Wed 2010-12-01", "EEE yyyy-MM-dd"),
        ("Wed 2010-12-01", "E yyyy-MM-dd"),
        ("AD 2010-12-01", "G yyyy-MM-dd"),
        ("Q4 2010-12-01", "QQQ yyyy-MM-dd"),
        ("2010-335", "yyyy-DDD"),
    ],
)
def test_text_fields(text: str, pattern: str) -> None:
    assert jt.parse_epoch_millis(text, pattern, "UTC") == millis(2010, 12, 1)


def test_adjacent_value_parsing() -> None:
    assert jt.parse_epoch_millis("20101201082600", "yyyyMMddHHmmss", AMS) == 1291188360000
    assert jt.parse_epoch_millis("20101201082600123", "yyyyMMddHHmmssSSS", AMS) == (1291188360123)
    assert jt.parse_epoch_millis("101201", "yyMMdd", "UTC") == millis(2010, 12, 1)
    assert jt.parse_epoch_millis("12012010", "MMddyyyy", "UTC") == millis(2010, 12, 1)
    # a single-letter field before fixed-width ones leaves them their digits
    assert jt.parse_epoch_millis("2010-12-1 826", "yyyy-MM-d Hmm", "UTC") == millis(
        2010, 12, 1, 8, 26
    )


def test_year_beyond_four_digits_needs_a_sign() -> None:
    assert jt.parse_epoch_millis("+12010-12-01", "yyyy-MM-dd", "UTC") == (
        (epoch_day(12010, 12, 1)) * 86_400_000
    )
    assert parse_error("12010-12-01", "yyyy-MM-dd").error_index == 0


def test_optional_section() -> None:
    pattern = "yyyy-MM-dd HH:mm:ss[.SSS]"
    assert jt.parse_epoch_millis("2010-12-01 08:26:00", pattern, AMS) == 1291188360000
    assert jt.parse_epoch_millis("2010-12-01 08:26:00.500", pattern, AMS) == 1291188360500
    # a half-matching optional section is skipped, leaving its text unparsed
    error = parse_error("2010-12-01 08:26:00.5", pattern)
    assert str(error) == (
        "Text '2010-12-01 08:26:00.5' could not be parsed, unparsed text found at index 19"
    )


def test_quotes_and_literals() -> None:
    assert jt.parse_epoch_millis("2010-12-01T08:26:00", "yyyy-MM-dd'T'HH:mm:ss", "UTC") == (
        millis(2010, 12, 1, 8, 26)
    )
    assert jt.parse_epoch_millis("2010-12-01 at 08h26", "yyyy-MM-dd 'at' HH'h'mm", "UTC") == (
        millis(2010, 12, 1, 8, 26)
    )
    assert jt.parse_epoch_millis("'2010-12-01'", "''yyyy-MM-dd''", "UTC") == millis(2010, 12, 1)
    assert jt.parse_epoch_millis("o'clock 2010-12-01", "'o''clock' yyyy-MM-dd", "UTC") == (
        millis(2010, 12, 1)
    )


# --------------------------------------------------------------------------------------
# SMART resolver rules


def test_smart_mode_clamps_day_of_month_to_the_end_of_the_month() -> None:
    pattern = "yyyy-MM-dd HH:mm:ss"
    assert jt.parse_epoch_millis("2011-02-30 10:00:00", pattern, AMS) == millis(
        2011, 2, 28, 10, tz=AMS
    )
    assert jt.parse_epoch_millis("2011-02-29 10:00:00", pattern, AMS) == millis(
        2011, 2, 28, 10, tz=AMS
    )
    assert jt.parse_epoch_millis("2012-02-30 10:00:00", pattern, AMS) == millis(
        2012, 2, 29, 10, tz=AMS
    )
    assert jt.parse_epoch_millis("2011-04-31 10:00:00", pattern, AMS) == millis(
        2011, 4, 30, 10, tz=AMS
    )


def test_smart_mode_reads_24_00_as_midnight_of_the_next_day() -> None:
    pattern = "yyyy-MM-dd HH:mm:ss"
    assert jt.parse_epoch_millis("2010-12-31 24:00:00", pattern, AMS) == millis(2011, 1, 1, tz=AMS)
    error = parse_error("2010-12-31 24:00:01", pattern)
    assert str(error) == (
        "Text '2010-12-31 24:00:01' could not be parsed: "
        "Invalid value for HourOfDay (valid values 0 - 23): 24"
    )


def test_date_only_pattern_is_midnight_in_the_default_zone() -> None:
    assert jt.parse_epoch_millis("2010-12-01", "yyyy-MM-dd", AMS) == millis(2010, 12, 1, tz=AMS)
    assert jt.parse_epoch_millis("20100701", "yyyyMMdd", "America/New_York") == millis(
        2010, 7, 1, tz="America/New_York"
    )


# --------------------------------------------------------------------------------------
# Zones: default zone and daylight saving time


def test_dst_gap_shifts_forward_by_the_gap_length() -> None:
    # 2011-03-27 02:00 CET jumps to 03:00 CEST: 02:30 does not exist, Java reads 03:30 CEST
    value = jt.parse_epoch_millis("2011-03-27 02:30", "yyyy-MM-dd HH:mm", AMS)
    assert value == millis(2011, 3, 27, 1, 30)
    assert value == jt.parse_epoch_millis("2011-03-27 03:30", "yyyy-MM-dd HH:mm", AMS)


def test_dst_overlap_takes_the_earlier_offset() -> None:
    # 2011-10-30 03:00 CEST falls back to 02:00 CET: 02:30 happens twice, Java takes CEST
    value = jt.parse_epoch_millis("2011-10-30 02:30", "yyyy-MM-dd HH:mm", AMS)
    assert value == millis(2011, 10, 30, 0, 30)
    assert value == jt.parse_epoch_millis("2011-10-30T02:30+02:00", "yyyy-MM-dd'T'HH:mmXXX", AMS)


def test_dst_rules_hold_on_the_faithful_path_too() -> None:
    fmt = jt.compile_pattern("yyyy-MM-dd HH:mm")
    zone = default_zone(AMS)
    assert fmt._parse_slow("2011-03-27 02:30", zone) == millis(2011, 3, 27, 1, 30)
    assert fmt._parse_slow("2011-10-30 02:30", zone) == millis(2011, 10, 30, 0, 30)


def test_default_zone_accepts_java_zone_ids() -> None:
    pattern = "yyyy-MM-dd HH:mm"
    expected = millis(2010, 12, 1, 8, 26)
    assert jt.parse_epoch_millis("2010-12-01 09:26", pattern, "+01:00") == expected
    assert jt.parse_epoch_millis("2010-12-01 09:26", pattern, "UTC+01:00") == expected
    assert jt.parse_epoch_millis("2010-12-01 08:26", pattern, "Z") == expected
    assert jt.parse_epoch_millis("2010-12-01 08:26", pattern, "GMT") == expected


@pytest.mark.parametrize(
    "zone", ["Europe/Nowhere", "europe/amsterdam", "", "+25:00", "../etc", "EST"]
)
def test_unknown_default_zone_is_a_configuration_error(zone: str) -> None:
    with pytest.raises(ValueError, match="^Unknown time-zone ID: ") as caught:
        jt.parse_epoch_millis("2010-12-01 08:26", "yyyy-MM-dd HH:mm", zone)
    assert not isinstance(caught.value, jt.JavaDateTimeParseError)
    assert str(caught.value) == f"Unknown time-zone ID: {zone}"


def test_unknown_default_zone_is_reported_even_when_the_text_has_an_offset() -> None:
    with pytest.raises(ValueError, match="Unknown time-zone ID: Mars/Olympus"):
        jt.parse_epoch_millis("2010-12-01T08:26Z", "yyyy-MM-dd'T'HH:mmX", "Mars/Olympus")


# --------------------------------------------------------------------------------------
# Parse errors: exact messages and indexes


@pytest.mark.parametrize(
    ("text", "pattern", "index"),
    [
        # a literal that does not match fails at its position
        ("2010/12/01 08:26:00", "yyyy-MM-dd HH:mm:ss", 4),
        ("2010-12-01T08:26:00", "yyyy-MM-dd HH:mm:ss", 10),
        # a numeric field with too few digits fails at its start
        ("2010-12-1 08:26:00", "yyyy-MM-dd HH:mm:ss", 8),
        ("2010-12-01 08:26:0", "yyyy-MM-dd HH:mm:ss", 17),
        ("210-12-01 08:26:00", "yyyy-MM-dd HH:mm:ss", 0),
        ("", "yyyy-MM-dd HH:mm:ss", 0),
        # adjacent value parsing: the fixed-width month finds '-'
        ("2010-12-01 08:26:00", "yyyyMMddHHmmss", 4),
        ("2010120108260", "yyyyMMddHHmmss", 12),
        # one digit too many goes to the year, which then needs a '+'
        ("201012010826001", "yyyyMMddHHmmss", 0),
        # signs: NOT_NEGATIVE rejects them, '+' before a 4-digit year, minus zero
        ("2010--2-01 08:26:00", "yyyy-MM-dd HH:mm:ss", 5),
        ("+2010-12-01 08:26:00", "yyyy-MM-dd HH:mm:ss", 0),
        ("-0/1/2010 8:26", "M/d/yyyy H:m", 0),
        # text is case-sensitive
        ("1 dec 2010", "d MMM yyyy", 2),
        ("wed 2010-12-01", "EEE yyyy-MM-dd", 0),
        ("2010-12-01 08:26:00 am", "yyyy-MM-dd hh:mm:ss a", 20),
        # offsets
        ("2010-12-01T08:26:00+0200", "yyyy-MM-dd'T'HH:mm:ssXXX", 19),
        ("2010-12-01T08:26:00z", "yyyy-MM-dd'T'HH:mm:ssXXX", 19),
        ("2010-12-01T08:26:00+02:60", "yyyy-MM-dd'T'HH:mm:ssXXX", 19),
        ("2010-12-01 08:26 Mars/Olympus", "yyyy-MM-dd HH:mm VV", 17),
        ("2010-12-01 08:26 EST", "yyyy-MM-dd HH:mm VV", 17),  # not a Java region ID
        # parsers never give back what they took: a greedy hour leaves no digit for a
        # literal "0", and an offset that took its optional minutes leaves none for "30"
        ("2010-12-01 80", "yyyy-MM-dd H'0'", 13),
        ("2010-12-01 08:26+0130", "yyyy-MM-dd HH:mmX'30'", 21),
    ],
)
def test_error_at_index(text: str, pattern: str, index: int) -> None:
    error = parse_error(text, pattern)
    assert str(error) == f"Text '{text}' could not be parsed at index {index}"
    assert error.error_index == index
    assert error.text == text
    assert isinstance(error, ValueError)


@pytest.mark.parametrize(
    ("text", "pattern", "index"),
    [
        ("2010-12-01 08:26:00Z", "yyyy-MM-dd HH:mm:ss", 19),
        ("2010-12-01 08:26:00 ", "yyyy-MM-dd HH:mm:ss", 19),
        ("2010-12-01 08:26:00.123", "yyyy-MM-dd HH:mm:ss", 19),
        ("2010-12-01 08:26:00.1234", "yyyy-MM-dd HH:mm:ss[.SSS]", 23),
        ("2010-12-01T08:26:00+02:00:00", "yyyy-MM-dd'T'HH:mm:ssXXX", 25),
        ("20101201082600 ", "yyyyMMddHHmmss", 14),
        # 'x' matches its zero text "+00" first, even when minutes follow
        ("2010-12-01 08:26+0030", "yyyy-MM-dd HH:mmx", 19),
    ],
)
def test_unparsed_text(text: str, pattern: str, index: int) -> None:
    error = parse_error(text, pattern)
    assert str(error) == f"Text '{text}' could not be parsed, unparsed text found at index {index}"
    assert error.error_index == index


@pytest.mark.parametrize(
    ("text", "pattern", "cause"),
    [
        (
            "2010-13-01 08:26:00",
            "yyyy-MM-dd HH:mm:ss",
            "Invalid value for MonthOfYear (valid values 1 - 12): 13",
        ),
        (
            "2010-00-01 08:26:00",
            "yyyy-MM-dd HH:mm:ss",
            "Invalid value for MonthOfYear (valid values 1 - 12): 0",
        ),
        (
            "2010-12-32 08:26:00",
            "yyyy-MM-dd HH:mm:ss",
            "Invalid value for DayOfMonth (valid values 1 - 28/31): 32",
        ),
        (
            "2010-12-01 25:00:00",
            "yyyy-MM-dd HH:mm:ss",
            "Invalid value for HourOfDay (valid values 0 - 23): 25",
        ),
        (
            # minute and nano are checked before hour and second
            "2010-12-01 25:60:61",
            "yyyy-MM-dd HH:mm:ss",
            "Invalid value for MinuteOfHour (valid values 0 - 59): 60",
        ),
        (
            "2010-12-01 08:26:60",
            "yyyy-MM-dd HH:mm:ss",
            "Invalid value for SecondOfMinute (valid values 0 - 59): 60",
        ),
        (
            "0000-12-01 08:26:00",
            "yyyy-MM-dd HH:mm:ss",
            "Invalid value for YearOfEra (valid values 1 - 999999999/1000000000): 0",
        ),
        (
            "13/1/2010 8:26",
            "M/d/yyyy H:m",
            "Invalid value for MonthOfYear (valid values 1 - 12): 13",
        ),
        (
            "-5/1/2010 8:26",
            "M/d/yyyy H:m",
            "Invalid value for MonthOfYear (valid values 1 - 12): -5",
        ),
        (
            "2010-12-01 13:26:00 PM",
            "yyyy-MM-dd hh:mm:ss a",
            "Invalid value for ClockHourOfAmPm (valid values 1 - 12): 13",
        ),
        (
            "2010-12-01 12:00 PM",
            "yyyy-MM-dd KK:mm a",
            "Invalid value for HourOfAmPm (valid values 0 - 11): 12",
        ),
        (
            "2010-12-01T08:26:00+18:00:01",
            "yyyy-MM-dd'T'HH:mm:ssXXXXX",
            "Zone offset not in valid range: -18:00 to +18:00",
        ),
        (
            "2010-12-01 25:00",
            "yyyy-MM-dd kk:mm",
            "Invalid value for ClockHourOfDay (valid values 1 - 24): 25",
        ),
        (
            "2011-366",
            "yyyy-DDD",
            "Invalid date 'DayOfYear 366' as '2011' is not a leap year",
        ),
        (
            "Mon, 1 Dec 2010 08:26:00 +0100",
            "EEE, d MMM yyyy HH:mm:ss Z",
            "Conflict found: Field DayOfWeek 3 differs from DayOfWeek 1 derived from 2010-12-01",
        ),
        (
            "2010-12-01 13:00 AM",
            "yyyy-MM-dd HH:mm a",
            "Conflict found: Field AmPmOfDay 1 differs from AmPmOfDay 0 derived from 13:00",
        ),
        (
            "2010-12-01T08:26:00+24:00",
            "yyyy-MM-dd'T'HH:mm:ssXXX",
            "Value out of range: Hour[0-23], Minute[0-59], Second[0-59]",
        ),
        (
            "2010-12-01T08:26:00+19:00",
            "yyyy-MM-dd'T'HH:mm:ssXXX",
            "Zone offset not in valid range: -18:00 to +18:00",
        ),
        # clock-hour-of-am-pm without the am/pm marker never gives a time of day
        (
            "2010-12-01 08:26:00",
            "yyyy-MM-dd hh:mm:ss",
            "Unable to obtain ZonedDateTime from TemporalAccessor",
        ),
        # no date
        ("08:26:00", "HH:mm:ss", "Unable to obtain ZonedDateTime from TemporalAccessor"),
        ("2010-12", "yyyy-MM", "Unable to obtain ZonedDateTime from TemporalAccessor"),
    ],
)
def test_resolve_errors(text: str, pattern: str, cause: str) -> None:
    error = parse_error(text, pattern)
    assert str(error) == f"Text '{text}' could not be parsed: {cause}"
    assert error.error_index == 0
    assert error.text == text


def test_long_text_is_abbreviated_to_64_characters() -> None:
    text = "2010-12-01 08:26:00" + "x" * 60
    error = parse_error(text, "yyyy-MM-dd HH:mm:ss")
    assert str(error) == (
        f"Text '{text[:64]}...' could not be parsed, unparsed text found at index 19"
    )
    assert error.text == text


def test_error_indexes_count_utf16_code_units_like_java() -> None:
    # U+1F600 is two UTF-16 code units: Java's index counts both
    error = parse_error("\U0001f6002010-12-0x", "'\U0001f600'yyyy-MM-dd")
    assert str(error) == "Text '\U0001f6002010-12-0x' could not be parsed at index 10"
    assert error.error_index == 10
    assert jt.parse_epoch_millis("\U0001f6002010-12-01", "'\U0001f600'yyyy-MM-dd", "UTC") == (
        millis(2010, 12, 1)
    )


def test_abbreviation_can_split_a_surrogate_pair_like_java() -> None:
    # 19 + 22 * 2 = 63 code units, then the first half of a pair: Java prints it as '?'
    text = "2010-12-01 08:26:00" + "\U0001f600" * 30
    error = parse_error(text, "yyyy-MM-dd HH:mm:ss")
    assert str(error) == (
        "Text '2010-12-01 08:26:00" + "\U0001f600" * 22 + "?...' could not be parsed, "
        "unparsed text found at index 19"
    )


def test_non_ascii_digits_are_not_digits() -> None:
    error = parse_error("２010-12-01", "yyyy-MM-dd")
    assert str(error) == "Text '２010-12-01' could not be parsed at index 0"


# --------------------------------------------------------------------------------------
# Pattern errors


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("yyyy-MM-dd b", "Unknown pattern letter: b"),
        ("yyyy-MMMMMM-dd", "Too many pattern letters: M"),
        ("ddd", "Too many pattern letters: d"),
        ("HHH", "Too many pattern letters: H"),
        ("aa", "Too many pattern letters: a"),
        ("EEEEEE", "Too many pattern letters: E"),
        ("XXXXXX", "Too many pattern letters: X"),
        ("ZZZZZZ", "Too many pattern letters: Z"),
        ("V", "Pattern letter count must be 2: V"),
        ("OO", "Pattern letter count must be 1 or 4: O"),
        ("yyyy-MM-dd'T", "Pattern ends with an incomplete string literal: yyyy-MM-dd'T"),
        ("yyyy#", "Pattern includes reserved character: '#'"),
        ("yyyy{", "Pattern includes reserved character: '{'"),
        ("yyyy]", "Pattern invalid as it contains ] without previous ["),
        ("SSSSSSSSSS", "Minimum width must be from 0 to 9 inclusive but was 10"),
        ("y" * 20, "The minimum width must be from 1 to 19 inclusive but was 20"),
        ("yyyy p", "Pad letter 'p' must be followed by valid pad pattern: yyyy p"),
        ("cc", 'Invalid pattern "cc"'),
        (
            "ppdMM",  # Java fails with a ClassCastException here
            "class java.time.format.DateTimeFormatterBuilder$PadPrinterParserDecorator cannot "
            "be cast to class java.time.format.DateTimeFormatterBuilder$NumberPrinterParser "
            "(java.time.format.DateTimeFormatterBuilder$PadPrinterParserDecorator and "
            "java.time.format.DateTimeFormatterBuilder$NumberPrinterParser are in module "
            "java.base of loader 'bootstrap')",
        ),
    ],
)
def test_bad_patterns(pattern: str, message: str) -> None:
    with pytest.raises(jt.JavaPatternError) as caught:
        jt.compile_pattern(pattern)
    assert str(caught.value) == message
    assert isinstance(caught.value, ValueError)
    with pytest.raises(jt.JavaPatternError):
        jt.parse_epoch_millis("2010", pattern, AMS)


@pytest.mark.parametrize("pattern", ["YYYY-MM-dd", "yyyy-ww", "yyyy-MM-dd v", "e"])
def test_letters_this_port_does_not_parse_are_refused(pattern: str) -> None:
    with pytest.raises(jt.JavaPatternError, match="not supported by this port"):
        jt.compile_pattern(pattern)


# --------------------------------------------------------------------------------------
# The happy-path regex agrees with the faithful element-by-element parser

MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
DAYS = "Mon Tue Wed Thu Fri Sat Sun".split()


def _offset_text(seconds: int, style: str) -> str:
    if seconds == 0 and style in ("XXX", "X"):
        return "Z"
    sign = "-" if seconds < 0 else "+"
    hours, minutes = divmod(abs(seconds) // 60, 60)
    if style == "XXX":
        return f"{sign}{hours:02d}:{minutes:02d}"
    if style == "X":
        return f"{sign}{hours:02d}" + (f"{minutes:02d}" if minutes else "")
    return f"{sign}{hours:02d}{minutes:02d}"  # Z, xx


MONTH_NAMES = (
    "January February March April May June July August September October November December"
).split()


class _Stamp(NamedTuple):
    """A local date-time whose fields may be out of range (day 31 in April, hour 24)."""

    year: int
    month: int
    day: int
    hour: int
    minute: int
    second: int
    microsecond: int

    def weekday(self) -> int:  # of the date SMART resolves the fields to
        last = calendar.monthrange(self.year, self.month)[1]
        return date(self.year, self.month, min(self.day, last)).weekday()


def _stamp(moment: datetime, rnd: random.Random, edge: bool) -> _Stamp:
    fields = _Stamp(*moment.timetuple()[:6], moment.microsecond)
    if edge:  # values the SMART resolver adjusts: the regex path must hand them over
        if rnd.random() < 0.5:
            fields = fields._replace(day=rnd.choice([29, 30, 31]))
        else:
            fields = fields._replace(hour=24, minute=0, second=0, microsecond=0)
    return fields


def _format(pattern: str, m: _Stamp, offset: int) -> str:
    """Format the fields as ``pattern`` would; ``offset`` in seconds."""
    date = f"{m.year:04d}-{m.month:02d}-{m.day:02d}"
    compact = f"{m.year:04d}{m.month:02d}{m.day:02d}"
    hms = f"{m.hour:02d}:{m.minute:02d}:{m.second:02d}"
    millis_text = f"{m.microsecond // 1000:03d}"
    hour12 = m.hour % 12 or 12
    ampm = "AM" if m.hour < 12 else "PM"
    formats = {
        "yyyy-MM-dd HH:mm:ss": f"{date} {hms}",
        "M/d/yyyy H:m": f"{m.month}/{m.day}/{m.year:04d} {m.hour}:{m.minute}",
        "yyyy-MM-dd'T'HH:mm:ss.SSSXXX": f"{date}T{hms}.{millis_text}" + _offset_text(offset, "XXX"),
        "dd/MM/yyyy HH:mm": f"{m.day:02d}/{m.month:02d}/{m.year:04d} {hms[:5]}",
        "yyyyMMddHHmmss": compact + hms.replace(":", ""),
        "yyyyMMddHHmmssSSS": compact + hms.replace(":", "") + millis_text,
        "EEE, d MMM yyyy HH:mm:ss Z": f"{DAYS[m.weekday()]}, {m.day} {MONTHS[m.month - 1]} "
        f"{m.year:04d} {hms} " + _offset_text(offset, "Z"),
        "yyyy-MM-dd hh:mm:ss a": f"{date} {hour12:02d}{hms[2:]} {ampm}",
        "yy-MM-dd H:mm:ss.SSSSSS xx": f"{m.year % 100:02d}{date[4:]} {m.hour}{hms[2:]}"
        f".{m.microsecond:06d} " + _offset_text(offset, "xx"),
        "uuuu-MM-dd'T'HH:mmX": f"{date}T{hms[:5]}" + _offset_text(offset, "X"),
        "d MMMM yyyy, kk:mm": f"{m.day} {MONTH_NAMES[m.month - 1]} {m.year:04d}, "
        f"{m.hour or 24:02d}:{m.minute:02d}",
        "yyyyMMdd": compact,
        "yyyy-MM-dd KK:mm a": f"{date} {m.hour % 12:02d}:{m.minute:02d} {ampm}",
    }
    return formats[pattern]


def _expected_millis(pattern: str, moment: datetime, offset: int, zone_id: str) -> int:
    """The instant an undamaged text stands for, computed with Python's datetime."""
    local = moment.replace(microsecond=moment.microsecond // 1000 * 1000 if "S" in pattern else 0)
    if "s" not in pattern:
        local = local.replace(second=0)
    if not any(letter in pattern for letter in "HhKk"):
        local = local.replace(hour=0, minute=0)
    if any(letter in pattern for letter in "XZx"):
        aware = local.replace(tzinfo=timezone(timedelta(seconds=offset)))
    elif zone_id == "+05:30":
        aware = local.replace(tzinfo=timezone(timedelta(hours=5, minutes=30)))
    else:
        aware = local.replace(tzinfo=ZoneInfo(zone_id))  # fold=0, as ZonedDateTime.ofLocal
    return (aware - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(milliseconds=1)


AGREEMENT_PATTERNS = [
    "yyyy-MM-dd HH:mm:ss",
    "M/d/yyyy H:m",
    "yyyy-MM-dd'T'HH:mm:ss.SSSXXX",
    "dd/MM/yyyy HH:mm",
    "yyyyMMddHHmmss",
    "yyyyMMddHHmmssSSS",
    "EEE, d MMM yyyy HH:mm:ss Z",
    "yyyy-MM-dd hh:mm:ss a",
    "yy-MM-dd H:mm:ss.SSSSSS xx",
    "uuuu-MM-dd'T'HH:mmX",
    "d MMMM yyyy, kk:mm",
    "yyyyMMdd",
    "yyyy-MM-dd KK:mm a",
]
ZONES = ["Europe/Amsterdam", "America/New_York", "Australia/Lord_Howe", "UTC", "+05:30"]
OFFSETS = [0, 3600, -18000, 19800, -34200, 50400, 7200]
BOUNDARY_NUMBERS = (
    "0 00 000 0000 1 01 9 12 13 23 24 25 28 29 30 31 32 59 60 61 99 100 366 999 1000 "
    "10000 +1 -1 -0 +0 +12 -12 20100 0001 9999"
).split()
NOISE = "0123456789-+:/ .,TZAPMaJDecWedMonGT'x\u00e9"


def _mutate(text: str, rnd: random.Random) -> str:
    if not text:
        return rnd.choice(NOISE)
    kind = rnd.randrange(6)
    at = rnd.randrange(len(text))
    if kind == 0:
        return text[:at] + rnd.choice(NOISE) + text[at + 1 :]
    if kind == 1:
        return text[:at] + text[at + 1 :]
    if kind == 2:
        return text[:at] + rnd.choice(NOISE) + text[at:]
    if kind == 3:
        return text[: rnd.randrange(len(text))]
    # replace a run of digits (or, for a long run, a piece of it) with a boundary number
    runs = [match.span() for match in re.finditer("[0-9]+", text)]
    if not runs:
        return text + rnd.choice(NOISE)
    start, end = rnd.choice(runs)
    if kind == 4 and end - start > 2:
        start += rnd.choice([0, 2, 4, 6, 8, 10, 12]) % (end - start)
        end = min(end, start + rnd.choice([1, 2, 4]))
    return text[:start] + rnd.choice(BOUNDARY_NUMBERS) + text[end:]


def _random_moment(rnd: random.Random) -> datetime:
    roll = rnd.random()
    if roll < 0.1:  # around the European DST switches
        year = rnd.randrange(1980, 2030)
        day = rnd.choice([datetime(year, 3, 25), datetime(year, 10, 25)])
        return day + timedelta(minutes=rnd.randrange(0, 7 * 24 * 60))
    if roll < 0.15:  # far years (LMT offsets, 400-year calendar repetition)
        year = rnd.choice([1, 2, 1583, 1850, 2100, 2400, 9999])
        return datetime(year, rnd.randrange(1, 13), rnd.randrange(1, 29), rnd.randrange(24))
    start = datetime(2000, 1, 1)
    return start + timedelta(
        seconds=rnd.randrange(0, 40 * 365 * 86400), microseconds=rnd.randrange(1_000_000)
    )


@pytest.mark.parametrize("pattern", AGREEMENT_PATTERNS)
def test_fast_path_agrees_with_faithful_parser(pattern: str) -> None:
    rnd = random.Random(pattern)  # noqa: S311 - reproducible test data
    fmt = jt.compile_pattern(pattern)
    assert fmt._fast is not None, "the common patterns must have a regex happy path"
    stats = {"fast": 0, "ok": 0, "error": 0, "faithful ok": 0}
    for case in range(800):
        zone_id = rnd.choice(ZONES)
        zone = default_zone(zone_id)
        moment = _random_moment(rnd)
        offset = rnd.choice(OFFSETS)
        undamaged = case % 4 == 0
        text = _format(pattern, _stamp(moment, rnd, edge=case % 4 == 1), offset)
        if case % 4 > 1:  # half the texts are damaged
            for _ in range(rnd.randrange(1, 3)):
                text = _mutate(text, rnd)
        fast = fmt._fast(text, zone) is not None
        stats["fast"] += fast
        public = outcome(lambda t, z=zone_id: fmt.parse_epoch_millis(t, z), text)
        faithful = outcome(lambda t, z=zone: fmt._parse_slow(t, z), text)
        assert public == faithful, (pattern, zone_id, text)
        stats[public[0]] += 1
        stats["faithful ok"] += public[0] == "ok" and not fast
        if undamaged and not (pattern.startswith("yy-") and moment.year // 100 != 20):
            expected = _expected_millis(pattern, moment, offset, zone_id)
            assert public == ("ok", expected), (pattern, zone_id, text)
    # both paths were exercised, on texts that parse and texts that do not
    assert stats["fast"] >= 200, stats
    assert stats["faithful ok"] >= 10, stats
    assert stats["error"] >= 200, stats


def test_fast_path_declines_what_it_cannot_express() -> None:
    # these still parse (on the faithful path), but have no regex happy path
    for pattern in ["yyyy-MM-dd HH:mm:ss[.SSS]", "yyyy-MM-dd HH:mm VV", "yyyy-MM-dd hh:mm"]:
        assert jt.compile_pattern(pattern)._fast is None, pattern
    assert jt.parse_epoch_millis("2010-12-01 08:26:00", "yyyy-MM-dd HH:mm:ss[.SSS]", AMS) == (
        1291188360000
    )
