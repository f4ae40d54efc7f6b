"""Ships the dbt project inside the wheel, as ``duckshred/dbt_project``.

The dbt project stays at the top of the repository, where dbt users expect
``dbt_project.yml``, ``models/`` and ``macros/``; it is not a Python package, so
instead of mapping a package onto the repository root (which makes setuptools
warn about every SQL folder) the wheel build copies these files in. An editable
install needs none of this: ``service.project.project_dir()`` finds the
checkout itself. Everything else is configured in pyproject.toml.
"""

from __future__ import annotations

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

# What dbt needs to run a job, relative to the repository root.
DBT_PROJECT_FILES = [
    "dbt_project.yml",
    "profiles.yml",
    "models/**/*.sql",
    "models/**/*.yml",
    "macros/**/*.sql",
    "macros/**/*.yml",
    "data_tests/*.sql",
    "seeds/sample/*",
]
INSTALLED_AS = Path("duckshred", "dbt_project")


class BuildPyWithDbtProject(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        root = Path(__file__).resolve().parent
        for pattern in DBT_PROJECT_FILES:
            for source in sorted(root.glob(pattern)):
                if source.is_file():
                    target = Path(self.build_lib, INSTALLED_AS, source.relative_to(root))
                    self.mkpath(str(target.parent))
                    self.copy_file(str(source), str(target))


setup(cmdclass={"build_py": BuildPyWithDbtProject})
