"""The `bi` views' columns in docs/bi.md, generated from the view definitions (serving/bi_views.py) and
the marts' column descriptions in the dbt YAML (through the dictionary's catalog).

`python -m serving.bi_docs write|check` keeps the block between `<!-- bi:views -->` and `<!-- /bi -->`
equal to them; a test runs `check`.
"""

from __future__ import annotations

import re
import sys

from core.settings import PROJECT_ROOT
from dictionary.catalog import Catalog, catalog_for_project
from dictionary.markdown import cell
from exports.status_legend import LEGEND
from serving.bi_views import BI_VIEWS, STATUS_LEGEND_VIEW, BiView, view_columns

DOC = PROJECT_ROOT / "docs" / "bi.md"
BLOCK = re.compile(r"(<!-- bi:views -->\n)(.*?)(<!-- /bi -->)", re.S)


# What a derived column adds to its source column's description (the source's own row says the rest).
SHORT = {
    "label": "The status as people read it, the legend's label (`bi.status_legend` says what each means).",
    "group": "The status's group: reconciled (nothing to do), open (not yet due) or exception (someone acts).",
    "in paise": "The amount in the column before, in integer paise, as the mart stores it.",
}


def _view_markdown(view: BiView, catalog: Catalog) -> list[str]:
    mart = catalog.model(view.mart)
    described = {c.name: c for c in mart.columns}
    branches = {c.name: c for c in catalog.model("dim_branches").columns}
    columns = [(c.name, c.data_type) for c in mart.columns]
    shown = view_columns(view, columns, phi=False)
    lines = [
        f"### `bi.{view.name}`",
        "",
        f"{view.description}: one row per row of the mart `{view.mart}` ({cell(mart.grain)}).",
        "",
        "| column | from | what it is |",
        "| --- | --- | --- |",
    ]
    for column in shown:
        if column.shows in SHORT:
            origin, text = f"`{column.source}`", SHORT[column.shows]
        elif column.source == "branch_name" and view.joins_branch:
            origin, text = "`dim_branches.branch_name`", branches["branch_name"].description
        else:
            origin, text = f"`{column.source}`", described[column.source].description
        how = "" if column.shows == "as is" else f", {column.shows}"
        lines.append(f"| `{column.name}` | {origin}{how} | {cell(text)} |")
    phi_only = [c for c in view_columns(view, columns, phi=True) if c.name not in {s.name for s in shown}]
    if phi_only:
        names = ", ".join(f"`{c.name}` (`{c.source}`)" for c in phi_only)
        lines += ["", f"Only in `bi_phi.{view.name}`: {names}. They link a row to a patient."]
    return [*lines, ""]


def views_markdown(catalog: Catalog) -> str:
    lines: list[str] = []
    for view in BI_VIEWS:
        lines += _view_markdown(view, catalog)
    statuses = ", ".join(f"`{m.status}`" for m in LEGEND)
    lines += [
        f"### `bi.{STATUS_LEGEND_VIEW}`",
        "",
        f"One row per reconciliation status ({statuses}): `Status code`, `Status` (its label), `Status "
        "group` (reconciled, open or exception), `What it means` and `What to do`, from the legend "
        "(docs/reconciliation.md). Join it on `Status code` to show the meaning beside a row.",
        "",
    ]
    return "\n".join(lines)


def docs_text(text: str, catalog: Catalog) -> str:
    if not BLOCK.search(text):
        raise LookupError(f"{DOC.name} has no <!-- bi:views --> block")
    return BLOCK.sub(lambda m: m.group(1) + views_markdown(catalog) + m.group(3), text)


def main(argv: list[str]) -> int:
    text = DOC.read_text(encoding="utf-8")
    expected = docs_text(text, catalog_for_project())
    if argv[:1] == ["write"]:
        DOC.write_text(expected, encoding="utf-8")
        return 0
    if text != expected:
        print(
            f"docs/{DOC.name}: the bi views' columns differ from serving/bi_views.py: run python -m serving.bi_docs write"
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
