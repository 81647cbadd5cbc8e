"""Rules the application's source keeps, checked on its syntax trees:

* every environment variable name is declared once, in core/settings.py (or booking/settings.py for the
  booking service's own two); everywhere else imports the constant, so a rename cannot miss a reader;
* only Dagster's public API is used: private modules (`dagster._core`, ...) change without notice.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

from support.paths import REPO

# The application's packages (pyproject's packages.find).
PACKAGES = ("core", "sampledata", "mymedic", "ingestion", "orchestration", "exports", "dictionary", "booking")
ENV_OWNERS = {Path("core/settings.py"), Path("booking/settings.py")}
ENV_NAME = re.compile(r"MYMEDIC_[A-Z0-9_]+")
# dbt's Jinja (profiles.yml, generated source YAML) reads a variable as env_var('NAME'): text for dbt, not a
# Python name, so it is left out (dbt_project/profiles.yml spells the names the same way).
DBT_JINJA_ENV_VAR = re.compile(r"""env_var\(\s*['"]MYMEDIC_[A-Z0-9_]+['"]""")


def sources(*extra: Path) -> Iterator[tuple[Path, ast.Module]]:
    for path in [*(p for package in PACKAGES for p in sorted((REPO / package).rglob("*.py"))), *extra]:
        yield path.relative_to(REPO), ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def docstrings(tree: ast.AST) -> set[int]:
    """ids of the module, class and function docstrings (prose may name a variable)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def env_name_literals(tree: ast.Module) -> list[tuple[int, str]]:
    skip = docstrings(tree)
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in skip
        and ENV_NAME.search(DBT_JINJA_ENV_VAR.sub("", node.value))
    ]


def private_dagster_imports(tree: ast.Module) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        found += [(node.lineno, n) for n in names if n.startswith("dagster") and "._" in n]
    return found


def test_env_var_names_are_string_literals_only_in_the_settings_modules() -> None:
    found = [
        f"{path}:{line}: {text!r}"
        for path, tree in sources(REPO / "tests" / "test_cli.py")
        if path not in ENV_OWNERS
        for line, text in env_name_literals(tree)
    ]
    assert not found, "import the name from core.settings (or booking.settings):\n" + "\n".join(found)


def test_each_env_var_name_is_declared_once() -> None:
    declared: dict[str, list[str]] = {}
    for path, tree in sources():
        if path in ENV_OWNERS:
            for line, text in env_name_literals(tree):
                for name in ENV_NAME.findall(text):
                    declared.setdefault(name, []).append(f"{path}:{line}")
    assert not {name: where for name, where in declared.items() if len(where) > 1}
    assert {"MYMEDIC_WAREHOUSE", "MYMEDIC_BOOKING_DB", "MYMEDIC_DBT_PASSWORD"} <= set(declared)


def test_no_private_dagster_imports() -> None:
    found = [
        f"{path}:{line}: {name}" for path, tree in sources() for line, name in private_dagster_imports(tree)
    ]
    assert not found, "\n".join(found)
