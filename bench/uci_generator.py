"""Deterministic generator of UCI-Online-Retail-shaped CSV data of any size.

The output imitates the textual shape of the UCI "Online Retail" data set as
pandas ``to_csv(index=False)`` writes it::

    InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country
    536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,2010-12-01 08:26:00,2.55,17850,United Kingdom

* LF line endings; fields are quoted only when they contain a comma, a double
  quote or a newline (RFC 4180, inner quotes doubled).
* Invoices (6-digit numbers, increasing with time, ~9% cancellations prefixed
  ``C`` with negative quantities) hold several lines sharing one timestamp
  (``yyyy-MM-dd HH:mm:00``, business hours, trading days between 2010-12-01 and
  2011-12-09: no Saturdays, closed over Christmas, like the real data).
* A fixed catalogue of upper-case product names (some with commas, double
  quotes and trailing spaces) plus the special codes ``POST``, ``DOT``, ``M``,
  ``D``, ``C2``, ``BANK CHARGES`` and ``AMAZONFEE``; a few empty descriptions.
* A pool of 4,400 customers (ids in 12346..18287) with a Zipf-like number of
  invoices each and a country fixed per customer; about 25% of the rows have
  no CustomerID (whole invoices, like the real guest checkouts).

Same ``(rows, seed)`` gives a byte-identical file.  The invoice plan (a few
arrays of one entry per invoice, ~0.5M invoices for 10M rows) is held in memory;
the rows are generated and formatted in chunks of about 200k rows with numpy
and pyarrow compute kernels, so memory stays flat and there is no per-row
Python loop.

Usage::

    python bench/uci_generator.py --rows 541909 --seed 0 -o /tmp/uci.csv
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

HEADER = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"

FIRST_DAY = np.datetime64("2010-12-01", "D")
N_DAYS = 374  # 2010-12-01 .. 2011-12-09 inclusive
CHUNK_ROWS = 200_000

FIRST_INVOICE_NO = 536_365
CANCEL_SHARE = 0.09  # of invoices
NULL_CUSTOMER_SHARE = 0.25  # of rows
EMPTY_DESCRIPTION_SHARE = 0.011  # of the rows of guest (no-customer) invoices

CUSTOMER_POOL = 4_400
CUSTOMER_ID_MIN, CUSTOMER_ID_MAX = 12_346, 18_287
UK = "United Kingdom"
UK_CUSTOMER_SHARE = 0.90
# Countries of non-UK customers with rough relative weights.
# fmt: off
FOREIGN_COUNTRIES: dict[str, float] = {
    "Germany": 95, "France": 87, "Spain": 31, "Belgium": 25, "Switzerland": 21,
    "Portugal": 19, "Italy": 15, "Finland": 12, "Austria": 11, "Norway": 10,
    "Netherlands": 9, "Australia": 9, "Denmark": 9, "Channel Islands": 9,
    "Cyprus": 8, "Sweden": 8, "Japan": 8, "Poland": 6, "USA": 4, "Canada": 4,
    "Unspecified": 4, "Israel": 4, "Greece": 4, "EIRE": 3, "Malta": 2,
    "United Arab Emirates": 2, "Bahrain": 2, "Lithuania": 1, "Czech Republic": 1,
    "Lebanon": 1, "RSA": 1, "Saudi Arabia": 1, "Singapore": 1, "Iceland": 1,
    "Brazil": 1, "European Community": 1,
}
# Relative number of invoices per trading day, by month (the real data grows
# towards the Christmas season of 2011).
MONTH_ACTIVITY: dict[str, float] = {
    "2010-12": 1.25, "2011-01": 0.85, "2011-02": 0.85, "2011-03": 1.0, "2011-04": 0.95,
    "2011-05": 1.1, "2011-06": 1.05, "2011-07": 1.05, "2011-08": 1.0, "2011-09": 1.4,
    "2011-10": 1.6, "2011-11": 2.1, "2011-12": 1.9,
}
CLOSED_DAYS = (
    [f"2010-12-{d}" for d in range(24, 32)]
    + ["2011-01-01", "2011-01-02", "2011-01-03"]
    + ["2011-04-22", "2011-04-25", "2011-04-29", "2011-05-02", "2011-05-30", "2011-08-29"]
)
# Invoices per hour of the day (07:00 .. 20:59).
HOUR_WEIGHTS: dict[int, float] = {
    7: 30, 8: 550, 9: 1400, 10: 2200, 11: 2300, 12: 3100, 13: 2650,
    14: 2300, 15: 2050, 16: 1100, 17: 550, 18: 170, 19: 145, 20: 20,
}

# Quantity of a product line (positive; negated on cancellations).
QTY_VALUES = np.array(
    [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 15, 16, 18, 20, 24, 25, 30, 32, 36, 40, 48,
     50, 60, 72, 80, 96, 100, 120, 144, 192, 200, 240, 288, 300, 480, 500, 576, 600,
     720, 960, 1000, 1440, 2880],
)
QTY_WEIGHTS = np.array(
    [7000, 3100, 1400, 1250, 480, 1500, 130, 470, 110, 400, 1830, 20, 100, 70, 95, 700,
     75, 15, 25, 135, 25, 180, 10, 10, 60, 10, 35, 25, 15, 20, 8, 12, 6, 6, 3, 3, 2, 2, 1,
     1, 1, 1, 0.5, 0.3],
    dtype=float,
)
GUEST_QTY_VALUES = np.array([1, 2, 3, 4, 5, 6, 10, 12])
GUEST_QTY_WEIGHTS = np.array([62, 18, 7, 4, 2, 3, 2, 2], dtype=float)

# Base unit prices (pence) of catalogue products.
PRICE_POINTS = np.array(
    [19, 29, 39, 42, 55, 65, 72, 79, 83, 85, 95, 125, 145, 165, 195, 210, 250, 255, 295,
     325, 375, 395, 425, 495, 595, 650, 750, 795, 850, 995, 1250, 1275, 1495, 1695,
     1995, 2495, 3995],
)
PRICE_WEIGHTS = np.array(
    [2, 5, 4, 8, 6, 8, 3, 4, 4, 10, 3, 12, 8, 10, 7, 10, 5, 9, 10, 5, 8, 3, 7, 7, 5, 3,
     2, 4, 2, 3, 1.5, 2, 1.5, 1, 1, 0.5, 0.3],
    dtype=float,
)
# fmt: on

# --- product catalogue vocabulary (fixed, seed independent) -------------------

# fmt: off
_COLOURS = [
    "RED", "PINK", "BLUE", "GREEN", "WHITE", "IVORY", "CREAM", "BLACK", "PURPLE",
    "ORANGE", "YELLOW", "SILVER", "GOLD", "TURQUOISE", "LILAC", "BROWN", "CHOCOLATE",
    "FRENCH BLUE", "PASTEL", "ANTIQUE", "GREY", "LIGHT PINK", "DARK GREEN", "NAVY",
]
_MOTIFS = [
    "HEART", "STAR", "SPOTTY", "RETROSPOT", "VINTAGE", "REGENCY", "PAISLEY", "DOILY",
    "FLORAL", "BIRD", "OWL", "SKULL", "ROSE", "CHRISTMAS", "DAISY", "POLKADOT",
    "PANTRY", "ENGLISH ROSE", "WOODLAND", "JUNGLE", "CIRCUS", "PARADE", "BUNNY",
    "GINGHAM", "STRIPE", "ZINC", "WICKER", "ENAMEL", "GLASS", "WOODEN", "METAL",
    "FELT", "CERAMIC", "HANGING", "KNITTED", "FAIRY", "SNOWFLAKE", "REINDEER",
    "BAROQUE", "MOROCCAN", "SCANDINAVIAN", "APPLE", "LEMON", "STRAWBERRY", "CUPCAKE",
    "ROBOT", "SPACEBOY", "DOLLY GIRL", "TOADSTOOL", "GARDEN",
]
_ITEMS = [
    "T-LIGHT HOLDER", "LANTERN", "COAT HANGER", "HOT WATER BOTTLE", "TEA CUP AND SAUCER",
    "LUNCH BAG", "JUMBO BAG", "CAKE STAND", "BUNTING", "MUG", "PHOTO FRAME", "DOOR SIGN",
    "DOORMAT", "CAKE CASES", "NAPKINS", "PAPER CHAIN KIT", "ALARM CLOCK",
    "CHILDRENS APRON", "NOTEBOOK", "PURSE", "KEY RING", "CANDLE", "BOWL", "TRINKET BOX",
    "PARASOL", "WATER BOTTLE", "MIRROR", "CUSHION COVER", "TEA TOWEL", "SHOPPING BAG",
    "STORAGE TIN", "JAM JAR", "PLATE", "DRINKING GLASS", "WALL CLOCK", "BIRD HOUSE",
    "WASHBAG", "DOORSTOP", "PEG BAG", "CHALKBOARD", "GIFT WRAP", "GREETING CARD",
    "WRAPPING PAPER", "PENCIL CASE", "RUCKSACK", "UMBRELLA", "HAND WARMER", "SPOON",
    "MILK JUG", "TEAPOT", "EGG CUP", "BREAD BIN", "HOOK", "DRAWER KNOB", "FRAME",
    "MEMO BOARD", "CLOTHES PEGS", "LAMP", "WREATH", "DECORATION", "SNOW GLOBE",
]
_PLURAL_ITEMS = [
    "CAKE TINS", "TEA LIGHTS", "MINI CASES", "COASTERS", "NAPKINS", "PLACEMATS",
    "STORAGE JARS", "TEA TOWELS", "GIFT TAGS", "CANDLES", "BOWLS", "MUGS", "BASKETS",
    "BOXES", "PAPER CUPS", "PAPER PLATES", "CAKE CASES", "SPOONS", "BAUBLES", "HOOKS",
    "PLANT POTS", "BUTTONS", "STICKERS", "PENCILS", "CRAYONS",
]
# fmt: on
_QUOTED_WORDS = ["PENCILS", "LOVE", "HOME", "EXTREMELY BUSY", "JOY", "PARTY", "MUM", "HELLO"]
_SIZES = ["SMALL", "LARGE", "JUMBO", "MINI", "SET 2", "SET 3", "SET 6", "SET/4", "PACK OF 12"]
# Products named in the project brief; kept popular so small samples contain them.
_FIXED_PRODUCTS = ["SET OF 3 CAKE TINS, PANTRY DESIGN", '12 "PENCILS" TALL']

# (StockCode, Description) of non-product lines, as spelled in the real data.
_SPECIALS = [
    ("POST", "POSTAGE"),
    ("C2", "CARRIAGE"),
    ("DOT", "DOTCOM POSTAGE"),
    ("M", "Manual"),
    ("D", "Discount"),
    ("BANK CHARGES", "Bank Charges"),
    ("AMAZONFEE", "AMAZON FEE"),
]
SP_POST, SP_C2, SP_DOT, SP_MANUAL, SP_DISCOUNT, SP_BANK, SP_AMAZON = range(len(_SPECIALS))

N_BASE_PRODUCTS = 3_300
_CATALOGUE_SEED = 20_101_201


def csv_field(value: str) -> str:
    """Quote a field the way Python's csv module (and pandas) does with QUOTE_MINIMAL."""
    if any(ch in value for ch in ',"\n\r'):
        return '"' + value.replace('"', '""') + '"'
    return value


@dataclass(frozen=True)
class Catalogue:
    codes: list[str]
    names: list[str]
    base_cents: np.ndarray  # int64, one per catalogue product (specials excluded)
    popularity_cdf: np.ndarray  # over the catalogue products
    # "StockCode,Description" per entry: products, then specials, then the same
    # with an empty description.
    code_desc: pa.Array

    @property
    def n_products(self) -> int:
        return len(self.base_cents)

    def special(self, which: int) -> int:
        return self.n_products + which


def _product_name(rng: np.random.Generator) -> str:
    c = _COLOURS[rng.integers(len(_COLOURS))]
    m = _MOTIFS[rng.integers(len(_MOTIFS))]
    i = _ITEMS[rng.integers(len(_ITEMS))]
    p = _PLURAL_ITEMS[rng.integers(len(_PLURAL_ITEMS))]
    s = _SIZES[rng.integers(len(_SIZES))]
    n = int(rng.choice([2, 3, 4, 6, 8, 10, 12, 20, 24, 36]))
    u = rng.random()
    if u < 0.30:
        return f"{c} {m} {i}"
    if u < 0.50:
        return f"{m} {i}"
    if u < 0.60:
        return f"{s} {m} {i}"
    if u < 0.74:
        return f"{c} {i}"
    if u < 0.89:
        return f"SET OF {n} {m} {p}"
    if u < 0.905:
        return f"{i}, {m} DESIGN"  # comma
    if u < 0.915:
        return f"{m} {i},{c}"  # comma without a space
    if u < 0.92:
        return f"{s} {i}, {c} {m}"  # comma
    if u < 0.925:
        letter = chr(ord("A") + int(rng.integers(26)))
        return f'LETTER "{letter}" {m} {i}'  # quotes
    if u < 0.93:
        return f'{n}" {m} {i}'  # inch mark
    if u < 0.935:
        w = _QUOTED_WORDS[rng.integers(len(_QUOTED_WORDS))]
        return f'{m} "{w}" {i}'  # quotes
    return f"{c} {m} {p}"


def build_catalogue() -> Catalogue:
    """The product catalogue: ~3,900 stock codes with names and base prices (seed independent)."""
    rng = np.random.default_rng(_CATALOGUE_SEED)
    base_numbers = np.sort(rng.choice(np.arange(10_002, 90_215), N_BASE_PRODUCTS, replace=False))
    codes: list[str] = []
    names: list[str] = []
    seen: set[str] = set()

    def add(code: str, name: str) -> None:
        if name in seen:
            return
        seen.add(name)
        codes.append(code)
        names.append(name)

    fixed = iter(_FIXED_PRODUCTS)
    for k, number in enumerate(base_numbers):
        fixed_name = next(fixed, None) if k % 97 == 5 else None
        if fixed_name is not None:
            add(str(number), fixed_name)
            continue
        u = rng.random()
        if u < 0.12:  # colour variants: 85123A, 85123B, ...
            m = _MOTIFS[rng.integers(len(_MOTIFS))]
            i = _ITEMS[rng.integers(len(_ITEMS))]
            n_var = int(rng.integers(2, 6))
            colours = rng.choice(len(_COLOURS), n_var, replace=False)
            for j, ci in enumerate(colours):
                add(f"{number}{'ABCDEFG'[j]}", f"{_COLOURS[ci]} {m} {i}")
            continue
        name = _product_name(rng)
        code = f"{number}A" if u < 0.16 else str(number)
        add(code, name)

    n = len(codes)
    fixed_idx = [names.index(name) for name in _FIXED_PRODUCTS]
    # About one name in six carries a trailing space, as in the real data.
    trailing = rng.random(n) < 0.16
    trailing[fixed_idx] = False
    names = [nm + " " if t else nm for nm, t in zip(names, trailing, strict=True)]
    base_cents = rng.choice(PRICE_POINTS, n, p=PRICE_WEIGHTS / PRICE_WEIGHTS.sum())
    # Zipf-like popularity over a random ranking; the brief's examples rank high.
    rank = rng.permutation(n)
    for target, idx in zip((40, 60), fixed_idx, strict=True):
        other = int(np.flatnonzero(rank == target)[0])
        rank[other], rank[idx] = rank[idx], target
    weights = 1.0 / (rank + 30.0)
    cdf = np.cumsum(weights)
    cdf /= cdf[-1]

    entries = [f"{c},{csv_field(d)}" for c, d in zip(codes, names, strict=True)]
    entries += [f"{c},{csv_field(d)}" for c, d in _SPECIALS]
    entries += [f"{c}," for c in codes] + [f"{c}," for c, _ in _SPECIALS]
    return Catalogue(
        codes=codes,
        names=names,
        base_cents=base_cents.astype(np.int64),
        popularity_cdf=cdf,
        code_desc=pa.array(entries, pa.string()),
    )


@dataclass(frozen=True)
class InvoicePlan:
    """One entry per invoice, sorted by time."""

    size: np.ndarray  # lines per invoice (int64)
    cancel: np.ndarray  # bool
    guest: np.ndarray  # bool: no CustomerID
    uk: np.ndarray  # bool
    eire: np.ndarray  # bool
    invoice_no: pa.Array  # "536365" / "C536379"
    date: pa.Array  # "2010-12-01 08:26:00"
    tail: pa.Array  # "17850,United Kingdom\n" / ",United Kingdom\n"


def _trading_days() -> tuple[np.ndarray, np.ndarray]:
    days = FIRST_DAY + np.arange(N_DAYS)
    weekday = (days.astype(np.int64) + 3) % 7  # 0 = Monday
    closed = np.isin(days, np.array(CLOSED_DAYS, dtype="datetime64[D]"))
    open_ = (weekday != 5) & ~closed
    months = np.datetime_as_string(days.astype("datetime64[M]"))
    weight = np.array([MONTH_ACTIVITY[m] for m in months]) * np.where(weekday == 6, 0.6, 1.0)
    offsets = np.arange(N_DAYS)[open_]
    weight = weight[open_]
    return offsets, weight / weight.sum()


def _invoice_sizes(rows: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Lines per invoice and cancellation flags, summing to exactly ``rows``."""
    # Keep InvoiceNo at 6 digits for very large outputs by growing the invoices.
    scale = max(1.0, rows / (21.0 * 850_000))
    sizes: list[np.ndarray] = []
    cancels: list[np.ndarray] = []
    total = 0
    block = max(64, int(rows / 21.0 / scale * 1.05) + 64)
    while total < rows:
        cancel = rng.random(block) < CANCEL_SHARE
        small = rng.random(block) < 0.08
        normal = np.ceil(rng.lognormal(2.75, 0.95, block) * scale)
        normal = np.where(small, rng.integers(1, 3, block), normal)
        cancel_size = np.minimum(rng.geometric(1 / 2.4, block), 200)
        size = np.where(cancel, cancel_size, np.minimum(normal, 1_100 * scale))
        size = size.astype(np.int64)
        sizes.append(size)
        cancels.append(cancel)
        total += int(size.sum())
        block = max(64, block // 4)
    size = np.concatenate(sizes)
    cancel = np.concatenate(cancels)
    cum = np.cumsum(size)
    n = int(np.searchsorted(cum, rows)) + 1  # first invoice reaching `rows`
    size = size[:n].copy()
    size[-1] -= int(cum[n - 1]) - rows
    return size, cancel[:n]


def plan_invoices(rows: int, seed: int) -> InvoicePlan:
    rng = np.random.default_rng([seed, 0])
    size, cancel = _invoice_sizes(rows, rng)
    n = len(size)

    # Guest invoices (no CustomerID): whole invoices adding up to ~25% of the
    # rows, drawn with a preference for bigger invoices and few cancellations.
    w = np.sqrt(size) * np.where(cancel, 0.3, 1.0)
    key = np.log(rng.random(n)) / w  # Efraimidis-Spirakis weighted order
    order = np.argsort(-key, kind="stable")
    cum = np.cumsum(size[order])
    target = NULL_CUSTOMER_SHARE * rows
    m = int(np.searchsorted(cum, target))
    if m < n and abs(cum[m] - target) < abs(target - (cum[m - 1] if m else 0)):
        m += 1
    guest = np.zeros(n, dtype=bool)
    guest[order[:m]] = True

    # Customers: pool of ids with a country each and a Zipf-like share of invoices.
    pool_ids = np.sort(
        rng.choice(np.arange(CUSTOMER_ID_MIN, CUSTOMER_ID_MAX + 1), CUSTOMER_POOL, replace=False)
    )
    countries = [UK, *FOREIGN_COUNTRIES]
    fw = np.array(list(FOREIGN_COUNTRIES.values()), dtype=float)
    cust_country = np.where(
        rng.random(CUSTOMER_POOL) < UK_CUSTOMER_SHARE,
        0,
        1 + rng.choice(len(fw), CUSTOMER_POOL, p=fw / fw.sum()),
    )
    rank_to_cust = rng.permutation(CUSTOMER_POOL)
    zipf = 1.0 / (np.arange(CUSTOMER_POOL) + 10.0) ** 0.95
    zipf_cdf = np.cumsum(zipf) / zipf.sum()

    members = np.flatnonzero(~guest)
    n_members = len(members)
    customer = np.full(n, -1, dtype=np.int64)
    # Half of the member invoices (up to one each) spread over the whole pool,
    # the rest follow the Zipf weights.
    n_cover = min(CUSTOMER_POOL, n_members // 2)
    assigned = rank_to_cust[
        np.minimum(np.searchsorted(zipf_cdf, rng.random(n_members)), CUSTOMER_POOL - 1)
    ]
    assigned[rng.permutation(n_members)[:n_cover]] = rng.permutation(CUSTOMER_POOL)[:n_cover]
    customer[members] = assigned

    guest_country = np.where(rng.random(n) < 0.985, 0, 1 + rng.choice(len(fw), n, p=fw / fw.sum()))
    country = np.where(guest, guest_country, cust_country[np.maximum(customer, 0)])

    # Timestamps: a trading day, an hour of business and a minute; seconds 00.
    day_offsets, day_p = _trading_days()
    hours = np.array(list(HOUR_WEIGHTS))
    hw = np.array(list(HOUR_WEIGHTS.values()), dtype=float)
    day = rng.choice(day_offsets, n, p=day_p)
    minute_of_day = rng.choice(hours, n, p=hw / hw.sum()) * 60 + rng.integers(0, 60, n)
    minutes = day * 1440 + minute_of_day
    order = np.lexsort((rng.random(n), minutes))

    size, cancel, guest = size[order], cancel[order], guest[order]
    customer, country, minutes = customer[order], country[order], minutes[order]

    first_no = FIRST_INVOICE_NO if n <= 1_000_000 - FIRST_INVOICE_NO else 1_000_000 - n
    numbers = pc.cast(pa.array(np.arange(first_no, first_no + n, dtype=np.int64)), pa.string())
    invoice_no = pc.if_else(
        pa.array(cancel), pc.binary_join_element_wise("C", numbers, ""), numbers
    )
    stamps = FIRST_DAY.astype("datetime64[m]") + minutes.astype("timedelta64[m]")
    date = pc.strftime(pa.array(stamps.astype("datetime64[s]")), format="%Y-%m-%d %H:%M:%S")

    tails = [f"{cid},{countries[c]}\n" for cid, c in zip(pool_ids, cust_country, strict=True)]
    tails += [f",{c}\n" for c in countries]
    tail_index = np.where(guest, CUSTOMER_POOL + country, customer)
    tail = pa.array(tails, pa.string()).take(pa.array(tail_index))
    eire = country == countries.index("EIRE")
    return InvoicePlan(size, cancel, guest, country == 0, eire, invoice_no, date, tail)


_FRACTIONS = pa.array(
    [".0" if k == 0 else f".{k // 10}" if k % 10 == 0 else f".{k:02d}" for k in range(100)],
    pa.string(),
)


def _format_price(cents: np.ndarray) -> pa.Array:
    """Pence -> the shortest float repr pandas writes: 255 -> '2.55', 210 -> '2.1', 0 -> '0.0'."""
    whole = pc.cast(pa.array(cents // 100), pa.string())
    return pc.binary_join_element_wise(whole, _FRACTIONS.take(pa.array(cents % 100)), "")


def _chunk_lines(
    plan: InvoicePlan, cat: Catalogue, lo: int, hi: int, rng: np.random.Generator
) -> pa.Array:
    """Formatted CSV lines (each ending in LF) of invoices ``lo:hi``."""
    size = plan.size[lo:hi]
    n = int(size.sum())
    inv = np.repeat(np.arange(lo, hi), size)
    starts = np.cumsum(size) - size
    line = np.arange(n) - np.repeat(starts, size)
    first = line == 0
    last = line == np.repeat(size - 1, size)
    cancel = plan.cancel[inv]
    guest = plan.guest[inv]

    product = np.searchsorted(cat.popularity_cdf, rng.random(n), side="right")
    product = np.minimum(product, cat.n_products - 1)
    cents = cat.base_cents[product]
    qty = rng.choice(QTY_VALUES, n, p=QTY_WEIGHTS / QTY_WEIGHTS.sum())
    guest_qty = rng.choice(GUEST_QTY_VALUES, n, p=GUEST_QTY_WEIGHTS / GUEST_QTY_WEIGHTS.sum())
    qty = np.where(guest, guest_qty, qty)
    u = rng.random((4, n))
    # Bulk discount for big quantities; guests pay about double the trade price.
    cents = np.where((qty >= 24) & (u[0] < 0.35), np.round(cents * 0.85).astype(np.int64), cents)
    cents = np.where(guest, 2 * cents + rng.integers(-4, 2, n), cents)

    # Non-product lines.
    special = np.full(n, -1)
    special_cents = np.zeros(n, dtype=np.int64)
    member_order = ~guest & ~cancel
    post = member_order & first & ~plan.uk[inv] & (u[1] < 0.55)
    special[post] = SP_POST
    special_cents[post] = rng.choice([1800, 1500, 2800, 4000], n, p=[0.75, 0.1, 0.1, 0.05])[post]
    qty = np.where(post, rng.choice([1, 2, 3, 4, 6], n, p=[0.4, 0.25, 0.2, 0.1, 0.05]), qty)
    carriage = member_order & first & plan.eire[inv] & (u[1] < 0.5)
    special[carriage] = SP_C2
    special_cents[carriage] = 5000
    qty = np.where(carriage, 1, qty)
    dot = guest & ~cancel & last & (size[inv - lo] >= 8) & (u[2] < 0.35)
    special[dot] = SP_DOT
    special_cents[dot] = np.round(rng.lognormal(np.log(30_000), 0.8, n)).astype(np.int64)[dot]
    discount = cancel & first & (u[2] < 0.04)
    special[discount] = SP_DISCOUNT
    special_cents[discount] = np.round(rng.lognormal(np.log(3_000), 0.7, n)).astype(np.int64)[
        discount
    ]
    rare = u[3]
    manual = (special < 0) & (rare < 0.0008)
    special[manual] = SP_MANUAL
    special_cents[manual] = cents[manual]
    bank = (special < 0) & (rare >= 0.0008) & (rare < 0.00088)
    special[bank] = SP_BANK
    special_cents[bank] = 1500
    amazon = (special < 0) & guest & (rare >= 0.00088) & (rare < 0.0009)
    special[amazon] = SP_AMAZON
    special_cents[amazon] = rng.integers(100_000, 1_700_000, n)[amazon]
    is_special = special >= 0
    qty = np.where(discount | dot | bank | amazon, 1, qty)
    product = np.where(is_special, cat.n_products + special, product)
    cents = np.where(is_special, special_cents, cents)

    # A few guest lines have no description and a zero price; rarely a member's too.
    empty = guest & ~cancel & ~is_special & (rng.random(n) < EMPTY_DESCRIPTION_SHARE)
    product = np.where(empty, product + cat.n_products + len(_SPECIALS), product)
    zero = empty | (~guest & ~is_special & (rng.random(n) < 0.0002))
    cents = np.where(zero, 0, np.maximum(cents, 1))
    qty = np.where(cancel, -qty, qty)

    idx = pa.array(inv)
    return pc.binary_join_element_wise(
        plan.invoice_no.take(idx),
        cat.code_desc.take(pa.array(product)),
        pc.cast(pa.array(qty), pa.string()),
        plan.date.take(idx),
        _format_price(cents),
        plan.tail.take(idx),
        ",",
    )


def _write_lines(f: BinaryIO, lines: pa.Array) -> None:
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32)
    start = int(offsets[lines.offset])
    end = int(offsets[lines.offset + len(lines)])
    f.write(memoryview(lines.buffers()[2])[start:end])


def write_uci_csv(path: str | os.PathLike[str], rows: int, seed: int = 0) -> None:
    """Write ``rows`` UCI-Online-Retail-shaped data rows (plus a header) to ``path``.

    Deterministic: the same ``(rows, seed)`` always gives the same bytes.
    """
    if rows < 0:
        raise ValueError("rows must be >= 0")
    if seed < 0:
        raise ValueError("seed must be >= 0")
    with open(path, "wb") as f:
        f.write(HEADER.encode())
        if rows == 0:
            return
        cat = build_catalogue()
        plan = plan_invoices(rows, seed)
        row_end = np.cumsum(plan.size)
        lo = 0
        chunk = 0
        while lo < len(plan.size):
            done = int(row_end[lo - 1]) if lo else 0
            hi = max(lo + 1, int(np.searchsorted(row_end, done + CHUNK_ROWS, side="right")))
            rng = np.random.default_rng([seed, 1, chunk])
            _write_lines(f, _chunk_lines(plan, cat, lo, hi, rng))
            lo = hi
            chunk += 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, required=True, help="number of data rows")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("-o", "--output", required=True, help="CSV file to write")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    write_uci_csv(args.output, args.rows, args.seed)
    print(
        f"wrote {args.rows:,} rows to {args.output} in {time.perf_counter() - t0:.2f}s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
