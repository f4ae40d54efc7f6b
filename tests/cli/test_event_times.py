"""Event times of a real job: the rows DuckDB parses itself (javatime.native) and the
rows left to the Java parser (DST gaps and overlaps, days near a transition, before
1970, past the zone's listed rules, SMART resolution) all get Java's instant."""

from __future__ import annotations

from duckshred.javatime import parse_epoch_millis
from tests.cli.small_job import read_rows, setup

TEXTS = [
    "2010-12-01 08:26:00",  # an ordinary winter day: DuckDB's
    "2011-07-14 23:59:59",  # an ordinary summer day: DuckDB's
    "2011-03-27 02:30:00",  # in the spring-forward gap: moved on by the gap, as Java does
    "2011-10-30 02:30:00",  # in the autumn overlap: the earlier offset, as Java takes
    "2011-03-26 12:00:00",  # the day before a transition: the Java parser's
    "1969-12-31 23:59:59",  # before 1970: the Java parser's
    "2050-06-01 12:00:00",  # past the transitions the zone file lists: the Java parser's
    "2011-02-29 10:00:00",  # no such day: Java's SMART resolver takes 28 February
    "2011-12-01 24:00:00",  # hour 24: midnight of the next day, for Java
]


def test_every_row_gets_javas_instant_whichever_parser_reads_it(cli, tmp_path):
    rows = [[f"u{i}", f"s{i}", "e@x.org", text, "", f"n{i}"] for i, text in enumerate(TEXTS)]
    job = setup(cli, tmp_path, rows)
    cli("create", "batch-job", "-F", str(job))
    encrypted = read_rows(tmp_path / "bucket" / "out" / "encrypted.csv")
    assert [row["ts"] for row in encrypted] == TEXTS
    assert [int(row["strmMeta.timestamp"]) for row in encrypted] == [
        parse_epoch_millis(text, "yyyy-MM-dd HH:mm:ss", "Europe/Amsterdam") for text in TEXTS]
    assert int(encrypted[0]["strmMeta.timestamp"]) == 1_291_188_360_000  # 07:26 UTC
