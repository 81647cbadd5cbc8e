"""The dbt project as dagster-dbt sees it (kept apart from the assets so that dagster-dbt's CLI can load it
before any manifest exists: `dagster-dbt project prepare-and-package --file orchestration/dbt_project.py`).

Under `dagster dev` `prepare_if_dev()` re-parses the project on each code load, so edits to models show up
on reload. Everywhere else the manifest comes from `core.warehouse.dbt_env.prepare_manifest`, which the
assets module calls (see its docstring for why and how it stays safe under pytest-xdist).
"""

from dagster_dbt import DbtProject

from core.settings import DBT_PROJECT_DIR

DBT_PROJECT = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
DBT_PROJECT.prepare_if_dev()
