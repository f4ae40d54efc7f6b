"""The bundled dbt project, seen from Python: where it is, and the names it declares.

The models name the columns and the schema that the services read back (a row's
number, the derived dataset's index, strmMeta.keyLink, the outputs' schema). They
are declared once, in dbt_project.yml (the ``duckshred_names`` var and the outputs'
``+schema``), where the models read them too; this module loads them from there, so
SQL and Python cannot drift apart. Reading one small YAML file costs about a
millisecond and loads nothing of dbt.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml


def project_dir() -> Path:
    """The dbt project: inside the installed package, or the repository in a checkout."""
    # duckshred/service/ when installed (the wheel carries duckshred/dbt_project, see
    # setup.py); <checkout>/service/ in a checkout, whose root is the dbt project.
    package_root = Path(__file__).resolve().parents[1]
    for candidate in (package_root / "dbt_project", package_root):
        if (candidate / "dbt_project.yml").is_file():
            return candidate
    raise FileNotFoundError("duckshred's dbt project files are missing from the installation")


def _project_config() -> dict[str, Any]:
    text = (project_dir() / "dbt_project.yml").read_text(encoding="utf-8")
    # libyaml's safe loader when present: ~1 ms against ~20 ms in pure Python
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    config: dict[str, Any] = yaml.load(text, Loader=loader)  # noqa: S506 (a safe loader)
    return config


_CONFIG = _project_config()
_NAMES: dict[str, Any] = _CONFIG["vars"]["duckshred_names"]

ROW_NR: str = _NAMES["row_nr"]
DERIVED_INDEX: str = _NAMES["derived_index"]
KEY_LINK: str = _NAMES["strm_meta"]["key_link"]
STRM_META: dict[str, str] = dict(_NAMES["strm_meta"])
# The schema of the warehouse tables the output models build (jobs.encrypted, ...)
OUTPUTS_SCHEMA: str = _CONFIG["models"]["duckshred"]["outputs"]["+schema"]
