"""Every environment variable name is declared once: in core/settings.py, or booking/settings.py for the
booking service's own two. Everywhere else imports the constant, so a rename cannot miss a reader."""

from __future__ import annotations

import ast
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# The application's packages (pyproject's packages.find), and the CLI tests that set the variables.
SCANNED = ("core", "sampledata", "mymedic", "ingestion", "orchestration", "exports", "dictionary", "booking")
OWNERS = {Path("core/settings.py"), Path("booking/settings.py")}
ENV_NAME = re.compile(r"MYMEDIC_[A-Z0-9_]+")


def docstrings(tree: ast.AST) -> set[int]:
    """ids of the module, class and function docstrings (prose may name a variable)."""
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def env_name_literals(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    skip = docstrings(tree)
    return [
        f"{path.relative_to(REPO)}:{node.lineno}: {node.value!r}"
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in skip
        and ENV_NAME.search(node.value)
    ]


def python_files() -> list[Path]:
    files = [p for folder in SCANNED for p in (REPO / folder).rglob("*.py")]
    return [*files, REPO / "tests" / "test_cli.py"]


def test_env_var_names_are_string_literals_only_in_the_settings_modules() -> None:
    found = [hit for p in python_files() if p.relative_to(REPO) not in OWNERS for hit in env_name_literals(p)]
    assert not found, "import the name from core.settings (or booking.settings):\n" + "\n".join(found)


def test_each_name_is_declared_once() -> None:
    declared: dict[str, list[str]] = {}
    for owner in OWNERS:
        for hit in env_name_literals(REPO / owner):
            for name in ENV_NAME.findall(hit.split(": ", 1)[1]):
                declared.setdefault(name, []).append(hit)
    twice = {name: hits for name, hits in declared.items() if len(hits) > 1}
    assert not twice, twice
    assert "MYMEDIC_WAREHOUSE" in declared and "MYMEDIC_BOOKING_DB" in declared
