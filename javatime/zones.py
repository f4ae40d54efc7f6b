"""Zones: Java's zone-ID rules, fixed offsets, local-time-to-offset, and English zone names.

A zone is an ``int`` (a fixed offset in seconds) or a :class:`~zoneinfo.ZoneInfo`.
Rules come from the system's tz database, not the JDK's bundled copy.
"""

from __future__ import annotations

import functools
import re
from datetime import datetime
from zoneinfo import ZoneInfo, available_timezones

Zone = int | ZoneInfo

_MAX_OFFSET = 18 * 3600

# ZoneId.of rejects anything not shaped like this before looking a region up
_REGION_SHAPE = re.compile(r"[A-Za-z][A-Za-z0-9~/._+-]+", re.ASCII)
# ZoneOffset.of accepts +h, +hh, +hh:mm, +hhmm, +hh:mm:ss, +hhmmss
_OFFSET_SHAPE = re.compile(
    r"[+-](?:[0-9]|[0-9]{2}(?::[0-9]{2}(?::[0-9]{2})?|[0-9]{2}(?:[0-9]{2})?)?)", re.ASCII
)
# Names in the tz database that Java does not offer as region IDs.
_NOT_JAVA_REGIONS = frozenset(
    {"EST", "HST", "MST", "ROC", "GMT+0", "GMT-0", "Factory", "localtime", "posixrules"}
)
OFFSET_PREFIXES = ("UTC", "GMT", "UT")  # longest first: "UTC" must not be read as "UT"


@functools.cache
def region_ids() -> frozenset[str]:
    """The region IDs Java knows, as far as the system's tz database has them."""
    return frozenset(available_timezones() - _NOT_JAVA_REGIONS)


@functools.cache
def by_initial(ids: frozenset[str]) -> dict[str, tuple[str, ...]]:
    """IDs or names grouped by first character, longest first (the longest match wins)."""
    groups: dict[str, list[str]] = {}
    for text in ids:
        groups.setdefault(text[0], []).append(text)
    return {
        initial: tuple(sorted(group, key=len, reverse=True)) for initial, group in groups.items()
    }


@functools.cache
def region(zone_id: str) -> ZoneInfo:
    return ZoneInfo(zone_id)


def offset_id_seconds(text: str) -> int | None:
    """``ZoneOffset.of(text)`` in seconds, or None where Java throws."""
    if text == "Z":
        return 0
    if _OFFSET_SHAPE.fullmatch(text) is None:
        return None
    digits = text[1:].replace(":", "")
    if len(digits) == 1:
        digits = "0" + digits
    hours, minutes, seconds = int(digits[:2]), int(digits[2:4] or 0), int(digits[4:6] or 0)
    total = hours * 3600 + minutes * 60 + seconds
    if minutes > 59 or seconds > 59 or total > _MAX_OFFSET:
        return None
    return -total if text[0] == "-" else total


def zone_of_id(zone_id: str) -> Zone | None:
    """``ZoneId.of(zone_id)``, or None where Java throws."""
    if zone_id == "Z" or zone_id[:1] in ("+", "-"):
        return offset_id_seconds(zone_id)
    for prefix in OFFSET_PREFIXES:
        if zone_id.startswith(prefix):
            rest = zone_id[len(prefix) :]
            if not rest:
                return 0
            if rest[0] in "+-":
                return offset_id_seconds(rest)
            break
    if _REGION_SHAPE.fullmatch(zone_id) is None or zone_id not in region_ids():
        return None
    return region(zone_id)


@functools.lru_cache(maxsize=256)
def default_zone(zone_id: str) -> Zone:
    """The zone a job configures for texts without one; ValueError if Java would not know it."""
    zone = zone_of_id(zone_id) if isinstance(zone_id, str) else None
    if zone is None:
        raise ValueError(f"Unknown time-zone ID: {zone_id}")
    return zone


def offset_at_local(zone: Zone, year: int, month: int, day: int, second_of_day: int) -> int:
    """The offset Java's ``ZonedDateTime.ofLocal`` gives a local date-time, in seconds.

    In an overlap that is the earlier offset (the one in force before the transition); in a
    gap it is also the offset before the gap, which moves the instant forward by the gap's
    length. Python's ``fold=0`` means exactly that.
    """
    if isinstance(zone, int):
        return zone
    if year > 9999:
        # rules past the last transition repeat yearly; weekdays repeat every 400 years
        year = 9600 + (year - 9600) % 400
    elif year < 1:
        year, month, day, second_of_day = 1, 1, 2, 0  # before any transition: the first offset
    local = datetime(
        year, month, day, second_of_day // 3600, second_of_day // 60 % 60, second_of_day % 60
    )
    delta = zone.utcoffset(local)
    assert delta is not None  # noqa: S101 - a ZoneInfo always answers
    return delta.days * 86_400 + delta.seconds


# --------------------------------------------------------------------------------------
# English zone names for pattern letter 'z'. Java reads a name as the zone its locale
# prefers for it (US English here): "PST" and "PDT" both mean America/Los_Angeles, whose
# rules then pick the offset. ``z`` to ``zzz`` read short names only, ``zzzz`` long names
# only. Only these widely used names are known (Java knows more); a text may also give a
# region ID or an offset, as for ``VV``. Abbreviations Java reads as another zone than one
# might guess are left out rather than guessed: IST (India), BST, ACST (Acre, in Brazil).

# zone -> (short names, long names)
_NAMES_BY_ZONE = {
    "America/Los_Angeles": (("PST", "PDT", "PT"),
                            ("Pacific Standard Time", "Pacific Daylight Time", "Pacific Time")),
    "America/Denver": (("MST", "MDT"),
                       ("Mountain Standard Time", "Mountain Daylight Time", "Mountain Time")),
    "America/Chicago": (("CST", "CDT", "CT"),
                        ("Central Standard Time", "Central Daylight Time", "Central Time")),
    "America/New_York": (("EST", "EDT", "ET"),
                         ("Eastern Standard Time", "Eastern Daylight Time", "Eastern Time")),
    "America/Anchorage": (("AKST", "AKDT", "AKT"),
                          ("Alaska Standard Time", "Alaska Daylight Time", "Alaska Time")),
    "Pacific/Honolulu": (("HST", "HDT"),
                         ("Hawaii-Aleutian Standard Time", "Hawaii-Aleutian Daylight Time")),
    "America/Halifax": (("AST", "ADT", "AT"),
                        ("Atlantic Standard Time", "Atlantic Daylight Time", "Atlantic Time")),
    "Europe/Paris": (("CET", "CEST"),
                     ("Central European Standard Time", "Central European Summer Time",
                      "Central European Time")),
    "Europe/Bucharest": (("EET", "EEST"),
                         ("Eastern European Standard Time", "Eastern European Summer Time",
                          "Eastern European Time")),
    "Europe/Lisbon": (("WET", "WEST"),
                      ("Western European Standard Time", "Western European Summer Time",
                       "Western European Time")),
    "Asia/Tokyo": (("JST", "JDT"), ("Japan Standard Time", "Japan Daylight Time", "Japan Time")),
    "Europe/London": ((), ("British Summer Time",)),  # BST is not London's in Java
    "Europe/Dublin": ((), ("Irish Standard Time",)),  # IST is India's
    "Europe/Moscow": (("MSK", "MSD"), ("Moscow Standard Time", "Moscow Summer Time")),
    "Asia/Kolkata": ((), ("India Standard Time",)),
    "Asia/Shanghai": ((), ("China Standard Time",)),  # CST is Chicago's
    "Asia/Hong_Kong": (("HKT",), ("Hong Kong Standard Time",)),
    "Asia/Singapore": (("SGT",), ("Singapore Standard Time",)),
    "Asia/Seoul": (("KST",), ("Korean Standard Time",)),
    "Australia/Sydney": (("AEST", "AEDT"),
                         ("Australian Eastern Standard Time", "Australian Eastern Daylight Time")),
    "Australia/Perth": (("AWST",), ("Australian Western Standard Time",)),
    "Pacific/Auckland": (("NZST", "NZDT"),
                         ("New Zealand Standard Time", "New Zealand Daylight Time")),
    "America/Sao_Paulo": (("BRT", "BRST"), ("Brasilia Standard Time", "Brasilia Summer Time")),
    "Africa/Johannesburg": (("SAST",), ("South Africa Standard Time",)),
    "Etc/UTC": ((), ("Coordinated Universal Time", "Greenwich Mean Time")),
}  # fmt: skip


@functools.cache
def zone_names(full: bool) -> dict[str, str]:
    """Zone name -> region ID, for the long (``full``) or the short names this package knows."""
    return {
        name: zone for zone, styles in _NAMES_BY_ZONE.items() for name in styles[1 if full else 0]
    }
