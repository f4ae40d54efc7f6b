"""One pass for many needles (service/subjects/needles.py) finds exactly what one
``in`` per needle finds: at every offset, across chunk borders, short and long."""

from __future__ import annotations

import os
import random

import pytest

from duckshred.service.subjects.needles import NeedleSet, minimal_needles


def _needles(count: int, size: int) -> list[bytes]:
    return [os.urandom(size) for _ in range(count)]


def test_a_needle_holding_another_is_dropped():
    assert minimal_needles([b"abcdef", b"cde", b"xyz", b"cde", b""]) == [b"cde", b"xyz"]


@pytest.mark.parametrize("size", [15, 16, 36, 64, 100])
def test_every_offset_of_every_needle_is_found(size):
    needles = _needles(40, size)
    found = NeedleSet(needles)
    for needle in needles[::7]:
        for offset in range(9):
            data = os.urandom(1000 + offset) + needle + os.urandom(500)
            assert found.found_in(data), (size, offset)
            assert not found.found_in(data[:1000 + offset] + needle[:-1])


def test_absent_needles_are_not_found_in_text_like_data():
    rng = random.Random(7)  # noqa: S311 - test data, not secrets
    text = "".join(rng.choice("0123456789abcdef-,\"\r\n") for _ in range(300_000)).encode()
    needles = [os.urandom(18).hex().encode() for _ in range(300)]
    assert not NeedleSet(needles).found_in(text)
    assert NeedleSet(needles).found_in(text[:123_457] + needles[150] + text[123_457:])


def test_short_needles_and_few_needles_take_the_plain_path():
    assert NeedleSet([b"ab"]).found_in(b"xxabxx")
    assert NeedleSet([b"short", *_needles(10, 40)]).found_in(b"a short text")
    assert not NeedleSet([b"short", *_needles(10, 40)]).found_in(b"a long text")
    assert not NeedleSet([]).found_in_stream([b"anything"])


@pytest.mark.parametrize("cut", range(1, 40))
def test_a_needle_across_a_chunk_border_is_found(cut):
    needles = [os.urandom(4).hex().encode() * 5 for _ in range(12)]  # 40 bytes each
    data = os.urandom(3000) + needles[5] + os.urandom(3000)
    border = 3000 + cut
    assert NeedleSet(needles).found_in_stream([data[:border], data[border:]])
    assert not NeedleSet(needles[:5]).found_in_stream([data[:border], data[border:]])
