"""dbt exposures (dbt_project/models/exposures.yml) say who reads which marts. Here what each one reads is
derived from where it is defined, and dbt's resolved lineage (the manifest) must say the same:

- a Superset dashboard (serving/dashboards/): the mart behind each `bi` view its charts read
  (serving/bi_views.py), and dim_branches where the view joins the branch name in;
- an export bundle (exports/bundles/*.yaml): the marts it reads (its datasets' and, for claim documents,
  the claim marts: exports.framework.formats.marts_read), dim_branches (the mart reader joins the
  branch name to a mart with branch_id) and the load ledger (the bundle names the batches it was built from);
- the finance export and the PDF documents: every mart or raw table their code (the modules they import,
  transitively) names.
"""

from __future__ import annotations

import ast
import importlib.util
from pathlib import Path

import yaml

from core.settings import DBT_PROJECT_DIR, PROJECT_ROOT
from dictionary.manifest import load_manifest
from exports.framework.formats import marts_read
from exports.framework.spec import load_specs
from serving.bi_views import BI_VIEWS
from serving.superset.definitions import load_definitions

PACKAGE = "mymedic"
BRANCHES = "dim_branches"
# The exports written by code rather than a spec: exposure name -> the module(s) that write it.
CODE_EXPORTS = {"finance_export": ("exports.finance_export",), "pdf_documents": ("exports.pdf",)}
OWN_PACKAGES = ("exports", "core")


def model(name: str) -> str:
    return f"model.{PACKAGE}.{name}"


def source(table: str) -> str:
    return f"source.{PACKAGE}.raw.{table}"


def dashboard_reads() -> dict[str, set[str]]:
    views = {view.name: view for view in BI_VIEWS}
    reads: dict[str, set[str]] = {}
    for dashboard in load_definitions().dashboards:
        used = [views[chart.dataset] for chart in dashboard.charts]
        nodes = {model(view.mart) for view in used} | (
            {model(BRANCHES)} if any(v.joins_branch for v in used) else set()
        )
        reads[f"dashboard_{dashboard.slug.replace('-', '_')}"] = nodes
    return reads


def bundle_reads(manifest: dict) -> dict[str, set[str]]:
    reads: dict[str, set[str]] = {}
    for spec in load_specs():
        nodes = {source("load_ledger")}
        for mart in marts_read(spec):
            nodes.add(model(mart))
            if "branch_id" in manifest["nodes"][model(mart)]["columns"]:
                nodes.add(model(BRANCHES))
        reads[f"bundle_{spec.name}"] = nodes
    return reads


def _module_file(name: str) -> Path | None:
    try:
        spec = importlib.util.find_spec(name)
    except ModuleNotFoundError:  # `from package.module import name`: a name, not a submodule
        return None
    origin = Path(spec.origin) if spec and spec.origin else None
    return origin if origin and origin.is_relative_to(PROJECT_ROOT) else None


def _closure(entry: str) -> set[Path]:
    """The files of `entry` and of every project module it imports, transitively."""
    seen: set[Path] = set()
    todo = [entry]
    while todo:
        path = _module_file(todo.pop())
        if path is None or path in seen:
            continue
        seen.add(path)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(OWN_PACKAGES):
                todo.append(node.module)
                todo += [f"{node.module}.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.Import):
                todo += [alias.name for alias in node.names if alias.name.startswith(OWN_PACKAGES)]
    return seen


def code_reads(manifest: dict) -> dict[str, set[str]]:
    marts = {
        n["name"] for n in manifest["nodes"].values() if n["resource_type"] == "model" and "marts" in n["fqn"]
    }
    raw = {s["name"] for s in manifest["sources"].values() if s["source_name"] == "raw"}
    reads: dict[str, set[str]] = {}
    for name, entries in CODE_EXPORTS.items():
        texts = {
            node.value
            for entry in entries
            for path in _closure(entry)
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
        }
        named = {word for text in texts for word in text.replace(".", " ").replace("`", " ").split()}
        reads[name] = {model(m) for m in marts & named} | {source(t) for t in raw & named}
    return reads


def test_each_exposure_depends_on_what_it_reads() -> None:
    manifest = load_manifest()
    declared = {e["name"]: set(e["depends_on"]["nodes"]) for e in manifest["exposures"].values()}
    derived = dashboard_reads() | bundle_reads(manifest) | code_reads(manifest)
    assert set(declared) == set(derived), "one exposure per dashboard, bundle spec and export"
    for name, nodes in derived.items():
        assert nodes, f"{name}: found nothing it reads"
        assert declared[name] == nodes, f"{name}: declared {sorted(declared[name])}, reads {sorted(nodes)}"


def test_dashboard_exposures_link_to_their_dashboards() -> None:
    exposures = yaml.safe_load((DBT_PROJECT_DIR / "models" / "exposures.yml").read_text(encoding="utf-8"))
    by_name = {e["name"]: e for e in exposures["exposures"]}
    for dashboard in load_definitions().dashboards:
        exposure = by_name[f"dashboard_{dashboard.slug.replace('-', '_')}"]
        assert exposure["type"] == "dashboard"
        assert exposure["url"] == f"/superset/dashboard/{dashboard.slug}/"
        assert exposure["label"].startswith(dashboard.title)
