"""The engine's shortcut for event times (duckshred.javatime.native): which patterns
and zones it takes, and that every text it parses gets Java's instant."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

import duckdb
import pytest

from duckshred.javatime import JavaDateTimeParseError, parse_epoch_millis
from duckshred.javatime.native import (
    CODE_BITS,
    DAYS_PER_WORD,
    FIRST_DAY,
    day_offset_codes,
    engine_shortcut,
    local_day_offsets,
    strptime_format,
)
from duckshred.javatime.zones import default_zone, offset_at_local
from duckshred.udf.registration import register_functions


@pytest.mark.parametrize(("pattern", "expected"), [
    ("yyyy-MM-dd HH:mm:ss", "%Y-%m-%d %H:%M:%S"),
    ("M/d/yyyy H:m", "%-m/%-d/%Y %-H:%-M"),
    ("yyyy-MM-dd'T'HH:mm:ss.SSS", "%Y-%m-%dT%H:%M:%S.%g"),
    ("dd.MM.uuuu", "%d.%m.%Y"),
    ("ss:mm:HH dd/MM/yyyy", "%S:%M:%H %d/%m/%Y"),
    # adjacent numbers, two-digit years, offsets, text, optional parts, padding, other
    # fraction widths, a minute without its hour, a field twice, digits or '%' in a literal
    ("yyyyMMddHHmmss", None), ("yy-MM-dd", None), ("yyyy-MM-dd HH:mm:ssXXX", None),
    ("yyyy-MM-dd hh:mm a", None), ("dd MMM yyyy", None), ("yyyy-MM-dd HH:mm:ss[.SSS]", None),
    ("yyyy-MM-dd ppH", None), ("yyyy-MM-dd HH:mm:ss.SS", None), ("yyyy-MM-dd mm", None),
    ("yyyy-MM-dd HH yyyy", None), ("yyyy-MM-dd'1'HH", None), ("yyyy-MM-dd HH'%'", None),
    ("yyyyy-MM-dd", None), ("yyyy-DDD", None), ("MM-dd HH:mm", None),
])
def test_which_patterns_the_engine_may_parse(pattern, expected):
    assert strptime_format(pattern) == expected


@pytest.mark.parametrize("zone_id", ["Europe/Amsterdam", "America/New_York",
                                     "Australia/Lord_Howe", "America/Sao_Paulo"])
def test_day_offsets_are_javas_offsets_all_day_and_none_near_transitions(zone_id):
    offsets = local_day_offsets(zone_id)
    zone = default_zone(zone_id)
    assert offsets is not None and len(offsets) > 365 * 60  # from 1970 into the 2030s
    known = 0
    for index, offset in enumerate(offsets):
        if offset is None:
            continue
        known += 1
        day = date(1970, 1, 1) + timedelta(days=FIRST_DAY + index)
        for second in (0, 2 * 3600 + 1800, 12 * 3600, 86_399):
            assert offset_at_local(zone, day.year, day.month, day.day, second) == offset
    assert known > 0.9 * len(offsets)
    if zone_id == "Europe/Amsterdam":
        around = [(date(2011, 3, 27) + timedelta(days=shift) - date(1970, 1, 1)).days
                  for shift in (-2, -1, 0, 1, 2)]
        assert [offsets[day] for day in around] == [3600, None, None, None, 7200]


@pytest.mark.parametrize("zone_id", ["Europe/Amsterdam", "Australia/Lord_Howe"])
def test_day_codes_pack_the_day_offsets(zone_id):
    offsets = local_day_offsets(zone_id)
    values, words = day_offset_codes(zone_id)
    assert values[0] is None and len(values) <= 16
    assert all(0 <= word < 2**63 for word in words)
    assert [values[words[day // DAYS_PER_WORD] >> CODE_BITS * (day % DAYS_PER_WORD) & 15]
            for day in range(len(offsets))] == list(offsets)


def test_fixed_offset_zones_and_unknown_zones():
    assert engine_shortcut("yyyy-MM-dd", "UTC") == ("%Y-%m-%d", 0)
    assert engine_shortcut("yyyy-MM-dd", "+05:30") == ("%Y-%m-%d", 19_800)
    assert engine_shortcut("yyyy-MM-dd", "Europe/Amsterdam") == ("%Y-%m-%d", None)
    assert engine_shortcut("yyyy-MM-dd", "Mars/Olympus") is None
    assert engine_shortcut("yyyyMMdd", "UTC") is None


def _texts(render, seed: int) -> list[str]:
    rnd = random.Random(seed)  # noqa: S311 - repeatable test data, not secrets
    moments = [datetime(1965, 1, 1) + timedelta(seconds=rnd.randrange(80 * 365 * 86_400),
                                                milliseconds=rnd.randrange(1000))
               for _ in range(1500)]
    # every half hour around the DST changes of both hemispheres
    for year in (1996, 2011, 2036):
        for month, day in ((3, 13), (3, 27), (4, 3), (10, 2), (10, 30), (11, 6)):
            moments += [datetime(year, month, day) + timedelta(minutes=30 * step)
                        for step in range(48)]
    texts = [render(moment) for moment in moments]
    variants = []
    for text in texts[:200]:  # not canonical, or not a date at all
        variants += [text + " ", " " + text, "0" + text, text[:-1], text.replace("1", "١", 1),
                     text.replace(" ", "  ", 1)]
    return texts + variants + ["", "2011-02-29 10:00:00", "2011-04-31 00:00:00",
                               "2011-12-01 24:00:00", "0000-01-01 00:00:00",
                               "2011-12-01 23:59:60", "+2011-01-01 00:00:00"]


@pytest.mark.parametrize(("pattern", "render"), [
    ("yyyy-MM-dd HH:mm:ss", lambda moment: moment.strftime("%Y-%m-%d %H:%M:%S")),
    ("M/d/yyyy H:m", lambda moment: f"{moment.month}/{moment.day}/{moment.year} "
                                    f"{moment.hour}:{moment.minute}"),
    ("yyyy-MM-dd'T'HH:mm:ss.SSS", lambda moment: moment.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3]),
])
@pytest.mark.parametrize("zone_id", ["Europe/Amsterdam", "Australia/Lord_Howe", "UTC",
                                     "-03:30"])
def test_what_the_engine_parses_java_parses_to_the_same_instant(pattern, render, zone_id):
    # The same SQL as macros/staging/duckshred_event_ms.sql, before its fall-back.
    shortcut = engine_shortcut(pattern, zone_id)
    assert shortcut is not None
    format_, fixed = shortcut
    local = f"try_strptime(text, '{format_}')"
    day = f"(epoch_ms({local}) // 86400000)"
    offset = (str(fixed) if fixed is not None else
              f"(java_zone_offsets('{zone_id}')[((java_zone_day_codes('{zone_id}')[{day} // 15 + 1]"
              f" >> (4 * ({day} % 15))::INTEGER) & 15) + 1])")
    conn = register_functions(duckdb.connect())
    texts = _texts(render, seed=len(pattern))
    rows = conn.execute(
        f"SELECT text, CASE WHEN strftime({local}, '{format_}') = text "
        f"AND {local} >= TIMESTAMP '1970-01-01' THEN epoch_ms({local}) - 1000 * {offset} END "
        "FROM (SELECT unnest(?) AS text)", [texts]).fetchall()
    parsed = 0
    for text, millis in rows:
        if millis is None:
            continue  # the Java parser's row
        parsed += 1
        try:
            expected = parse_epoch_millis(text, pattern, zone_id)
        except JavaDateTimeParseError:
            expected = None
        assert millis == expected, text
    assert parsed > 1000  # the shortcut does take the usual rows
