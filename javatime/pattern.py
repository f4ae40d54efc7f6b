"""From a pattern string to elements: a lexer, then a compiler that applies the letter rules
of ``DateTimeFormatter.ofPattern`` (letter counts, text styles, adjacent numbers)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from . import fields as f
from .elements import (
    Digits,
    Element,
    Fraction,
    GmtOffset,
    Literal,
    NumberRun,
    Offset,
    Padded,
    Part,
    Section,
    Sign,
    Text,
    TwoDigitYear,
    ZoneText,
)
from .errors import JavaPatternError, to_units
from .zones import zone_names

# ---------------------------------------------------------------------------------------
# Lexer


@dataclass(frozen=True)
class Letters:
    letter: str
    count: int
    pad: int = 0  # a preceding ``p`` run: the width to pad this element to


@dataclass(frozen=True)
class Quoted:
    text: str


@dataclass(frozen=True)
class Bracket:
    opens: bool


Token = Letters | Quoted | Bracket


def _run_length(pattern: str, start: int) -> int:
    end = start
    while end < len(pattern) and pattern[end] == pattern[start]:
        end += 1
    return end - start


def tokens(pattern: str) -> Iterator[Token]:
    pos = 0
    while pos < len(pattern):
        char = pattern[pos]
        if char.isascii() and char.isalpha():
            count = _run_length(pattern, pos)
            pos += count
            if char != "p":
                yield Letters(char, count)
                continue
            following = pattern[pos : pos + 1]
            if not (following.isascii() and following.isalpha()):
                raise JavaPatternError(
                    f"Pad letter 'p' must be followed by valid pad pattern: {pattern}"
                )
            padded = _run_length(pattern, pos)
            yield Letters(following, padded, pad=count)
            pos += padded
        elif char == "'":
            end = pos + 1
            while True:
                end = pattern.find("'", end)
                if end < 0:
                    raise JavaPatternError(
                        f"Pattern ends with an incomplete string literal: {pattern}"
                    )
                if pattern[end + 1 : end + 2] != "'":
                    break
                end += 2
            body = pattern[pos + 1 : end]
            yield Quoted(body.replace("''", "'") if body else "'")
            pos = end + 1
        elif char in "[]":
            yield Bracket(char == "[")
            pos += 1
        elif char in "#{}":
            raise JavaPatternError(f"Pattern includes reserved character: '{char}'")
        else:
            yield Quoted(char)
            pos += 1


# ---------------------------------------------------------------------------------------
# Letter rules

_MONTHS = (
    "January February March April May June July August September October November December"
).split()
_DAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()
# (field, first value, short words, full words, narrow words)
_WORDS = {
    "M": (f.MONTH_OF_YEAR, 1, [m[:3] for m in _MONTHS], _MONTHS, [m[0] for m in _MONTHS]),
    "Q": (
        f.QUARTER_OF_YEAR,
        1,
        ["Q1", "Q2", "Q3", "Q4"],
        ["1st quarter", "2nd quarter", "3rd quarter", "4th quarter"],
        ["1", "2", "3", "4"],
    ),
    "E": (f.DAY_OF_WEEK, 1, [d[:3] for d in _DAYS], _DAYS, [d[0] for d in _DAYS]),
    "G": (f.ERA, 0, ["BC", "AD"], ["Before Christ", "Anno Domini"], ["B", "A"]),
    "a": (f.AMPM_OF_DAY, 0, ["AM", "PM"], [], []),
}
# stand-alone forms read the same words in English
_WORDS["L"], _WORDS["q"], _WORDS["c"], _WORDS["e"] = (
    _WORDS["M"],
    _WORDS["Q"],
    _WORDS["E"],
    _WORDS["E"],
)

_ONE_OR_TWO_DIGITS = {
    "d": f.DAY_OF_MONTH,
    "h": f.CLOCK_HOUR_OF_AMPM,
    "H": f.HOUR_OF_DAY,
    "k": f.CLOCK_HOUR_OF_DAY,
    "K": f.HOUR_OF_AMPM,
    "m": f.MINUTE_OF_HOUR,
    "s": f.SECOND_OF_MINUTE,
}
_AT_LEAST_COUNT_DIGITS = {"A": f.MILLI_OF_DAY, "n": f.NANO_OF_SECOND, "N": f.NANO_OF_DAY}
_NOT_PARSED_HERE = "Pattern letter not supported by this port: "


def _text(letter: str, count: int) -> Text:
    field_, first, short, full, narrow = _WORDS[letter]
    words = short if count <= 3 else full if count == 4 else narrow
    return Text(field_, words, first)


def _offset(letter: str, count: int) -> Offset:
    """X and x: 1 ``+HHmm``, 2 ``+HHMM``, 3 ``+HH:MM``, 4 ``+HHMMss``, 5 ``+HH:MM:ss``."""
    colon = count in (3, 5)
    if letter == "X":
        zero = "Z"
    else:
        zero = "+00" if count == 1 else "+00:00" if colon else "+0000"
    return Offset(
        zero,
        colon=colon,
        minutes=Part.OPTIONAL if count == 1 else Part.REQUIRED,
        seconds=Part.OPTIONAL if count >= 4 else Part.ABSENT,
    )


def _width_checked(count: int) -> int:
    if count > 19:
        raise JavaPatternError(f"The minimum width must be from 1 to 19 inclusive but was {count}")
    return count


def element_for(letter: str, count: int) -> Element | Digits:
    """What one run of a pattern letter reads; a :class:`Digits` joins adjacent numbers."""
    too_many = JavaPatternError(f"Too many pattern letters: {letter}")
    if letter in "uy":
        year = f.YEAR if letter == "u" else f.YEAR_OF_ERA
        if count == 2:
            return TwoDigitYear(year)
        sign = Sign.NEGATIVE_ONLY if count < 4 else Sign.BEYOND_WIDTH
        return Digits(year, _width_checked(count), 19, sign)
    if letter in "MLQq":
        if count == 1:
            return Digits(_WORDS[letter][0], 1, 19, Sign.NEGATIVE_ONLY)
        if count == 2:
            return Digits(_WORDS[letter][0], 2, 2, Sign.NONE)
    if letter in "ce" and count <= 2:
        if letter == "c" and count == 2:
            raise JavaPatternError('Invalid pattern "cc"')
        raise JavaPatternError(_NOT_PARSED_HERE + letter)  # week-based day-of-week numbers
    if letter in "MLQqEce":
        if count > 5:
            raise too_many
        return _text(letter, count)
    if letter in "Ga":
        if count > (1 if letter == "a" else 5):
            raise too_many
        return _text(letter, count)
    if letter in _ONE_OR_TWO_DIGITS:
        if count > 2:
            raise too_many
        if count == 1:
            return Digits(_ONE_OR_TWO_DIGITS[letter], 1, 19, Sign.NEGATIVE_ONLY)
        return Digits(_ONE_OR_TWO_DIGITS[letter], 2, 2, Sign.NONE)
    if letter == "D":
        if count > 3:
            raise too_many
        if count == 1:
            return Digits(f.DAY_OF_YEAR, 1, 19, Sign.NEGATIVE_ONLY)
        return Digits(f.DAY_OF_YEAR, count, 3, Sign.NONE)
    if letter == "F":
        if count > 1:
            raise too_many
        return Digits(f.ALIGNED_DAY_OF_WEEK_IN_MONTH, 1, 19, Sign.NEGATIVE_ONLY)
    if letter == "S":
        if count > 9:
            raise JavaPatternError(f"Minimum width must be from 0 to 9 inclusive but was {count}")
        return Fraction(count)
    if letter in _AT_LEAST_COUNT_DIGITS:
        return Digits(_AT_LEAST_COUNT_DIGITS[letter], _width_checked(count), 19, Sign.NONE)
    if letter in "Xx":
        if count > 5:
            raise too_many
        return _offset(letter, count)
    if letter == "Z":
        if count > 5:
            raise too_many
        if count == 4:
            return GmtOffset(full=True)
        if count == 5:
            return _offset("X", 5)
        return Offset("+0000", colon=False, minutes=Part.REQUIRED, seconds=Part.ABSENT)
    if letter == "O":
        if count not in (1, 4):
            raise JavaPatternError(f"Pattern letter count must be 1 or 4: {letter}")
        return GmtOffset(full=count == 4)
    if letter == "V":
        if count != 2:
            raise JavaPatternError(f"Pattern letter count must be 2: {letter}")
        return ZoneText(names=None)
    if letter == "z":
        if count > 4:
            raise too_many
        return ZoneText(names=zone_names(full=count == 4))
    # letters Java knows but this package does not parse: check their counts as Java does
    if (letter == "W" and count > 1) or (letter == "w" and count > 2):
        raise too_many
    if (letter == "v" and count not in (1, 4)) or (letter == "B" and count not in (1, 4, 5)):
        raise JavaPatternError(f"Wrong number of pattern letters: {letter}")
    if letter == "g":
        _width_checked(count)
    if letter in "WwvBgY":
        raise JavaPatternError(_NOT_PARSED_HERE + letter)
    raise JavaPatternError(f"Unknown pattern letter: {letter}")


# ---------------------------------------------------------------------------------------
# Compiler

# What Java 17 throws for a padded number followed by another number ("ppdMM").
_PAD_THEN_NUMBER = (
    "class java.time.format.DateTimeFormatterBuilder$PadPrinterParserDecorator cannot be cast "
    "to class java.time.format.DateTimeFormatterBuilder$NumberPrinterParser "
    "(java.time.format.DateTimeFormatterBuilder$PadPrinterParserDecorator and "
    "java.time.format.DateTimeFormatterBuilder$NumberPrinterParser are in module java.base "
    "of loader 'bootstrap')"
)


@dataclass
class _Level:
    """One section being compiled; ``run`` collects numbers written back to back."""

    optional: bool
    elements: list[Element] = field(default_factory=list)
    run: list[Digits] = field(default_factory=list)
    padded_number: bool = False

    def close_run(self, reserve: bool = True) -> None:
        if self.run:
            self.elements.append(NumberRun(self.run[0], self.run[1:], reserve))
            self.run = []
        self.padded_number = False

    def add(self, item: Element | Digits, pad: int) -> None:
        if isinstance(item, Digits):
            if self.padded_number:
                raise JavaPatternError(_PAD_THEN_NUMBER)
            if pad:
                self.close_run()
                self.elements.append(Padded(NumberRun(item), pad))
                self.padded_number = True
            elif self.run and item.fixed:
                self.run.append(item)
            else:
                self.close_run(reserve=False)
                self.run = [item]
            return
        self.close_run()
        self.elements.append(Padded(item, pad) if pad else item)

    def section(self) -> Section:
        self.close_run()
        return Section(self.elements, self.optional)


def compile_elements(pattern: str) -> Section:
    levels = [_Level(optional=False)]
    for token in tokens(pattern):
        if isinstance(token, Letters):
            levels[-1].add(element_for(token.letter, token.count), token.pad)
        elif isinstance(token, Quoted):
            levels[-1].add(Literal(to_units(token.text)), 0)
        elif token.opens:
            levels[-1].close_run()
            levels.append(_Level(optional=True))
        else:
            if len(levels) == 1:
                raise JavaPatternError("Pattern invalid as it contains ] without previous [")
            _close(levels)
    while len(levels) > 1:
        _close(levels)
    return levels[0].section()


def _close(levels: list[_Level]) -> None:
    inner = levels.pop()
    section = inner.section()
    if section.elements:
        levels[-1].add(section, 0)
