"""Data subjects, one module per concern:

- ``index``: the data-subject index (paging, keyLinks);
- ``erasure``: forgetting subjects and expired keys, the erasure ledger, the receipt;
- ``outputs``: what duckshred's outputs still hold of a subject, and purging them;
- ``access``: access requests.
"""

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
