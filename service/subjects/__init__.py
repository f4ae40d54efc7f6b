"""Data subjects, one module per concern:

- ``index``: the data-subject index (paging, keyLinks);
- ``erasure``: forgetting subjects and expired keys, the erasure ledger, the receipt;
- ``outputs``: what duckshred's outputs still hold of a subject, and purging them;
- ``access``: access requests.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from duckshred.service.subjects.access import access_request
    from duckshred.service.subjects.erasure import (
        born_shredded_records,
        collateral_warning,
        delete_data_subjects,
        lift_erasure_ledger_entries,
        shred_expired,
    )
    from duckshred.service.subjects.index import KeyLinkEntry, list_data_subjects, list_keylinks

__all__ = [
    "KeyLinkEntry",
    "access_request",
    "born_shredded_records",
    "collateral_warning",
    "delete_data_subjects",
    "lift_erasure_ledger_entries",
    "list_data_subjects",
    "list_keylinks",
    "shred_expired",
]

# Loaded on first use: listing subjects needs the index alone, not the Arrow, Tink
# and dbt-project machinery of erasure and access requests.
_HOMES = {"access_request": "access", "KeyLinkEntry": "index", "list_data_subjects": "index",
          "list_keylinks": "index", "born_shredded_records": "erasure",
          "collateral_warning": "erasure", "delete_data_subjects": "erasure",
          "lift_erasure_ledger_entries": "erasure", "shred_expired": "erasure"}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(import_module(f"{__name__}.{_HOMES[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
