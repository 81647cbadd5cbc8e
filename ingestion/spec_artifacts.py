"""The files that restate a feed spec, generated from it: `python -m ingestion.spec_artifacts write|check`.

- dbt's `dbt_project/models/staging/<source>/_<source>__sources.yml`, one per dbt source;
- dbt's `stg_raw__record_event_times.sql` (every record's event time, from the tables' `event_time`);
- the column lists in docs/ between `<!-- spec:<feed>:<table>:<what> -->` and `<!-- /spec -->`, where
  <what> is `header` (the CSV columns a file carries) or `columns` (the raw table's typed columns).

`check` exits non-zero naming every file that drifted (tests/ingestion/test_feed_specs.py runs it too).
"""

from __future__ import annotations

import re
import sys
from collections import defaultdict
from pathlib import Path

from core.settings import PROJECT_ROOT
from ingestion.feeds import FEEDS, feed_named
from ingestion.spec import FeedSpec, docs_columns, event_time_sql, sources_yaml

STAGING = PROJECT_ROOT / "dbt_project" / "models" / "staging"
DOCS = (
    PROJECT_ROOT / "docs" / "reconciliation.md",
    PROJECT_ROOT / "docs" / "adding-a-feed.md",
    PROJECT_ROOT / "docs" / "messaging-inbound.md",
    PROJECT_ROOT / "docs" / "messaging-marts.md",
    PROJECT_ROOT / "docs" / "claims.md",
    PROJECT_ROOT / "docs" / "branch-metrics.md",
)
BLOCK = re.compile(
    r"(<!-- spec:(?P<feed>\w+):(?P<table>\w+):(?P<what>header|columns) -->\n)(.*?)(<!-- /spec -->)", re.S
)


def sources_files() -> dict[Path, str]:
    by_source: dict[str, list[FeedSpec]] = defaultdict(list)
    for feed in FEEDS:
        by_source[feed.spec.source].append(feed.spec)
    return {
        STAGING / source / f"_{source}__sources.yml": sources_yaml(tuple(specs))
        for source, specs in by_source.items()
    }


def _block(feed: str, table: str, what: str) -> str:
    spec = feed_named(feed).spec
    if what == "header":
        return "`" + ",".join(spec.header(table)) + "`\n"
    return "`" + docs_columns(spec.table(table)) + "`\n"


def docs_text(text: str) -> str:
    return BLOCK.sub(lambda m: m.group(1) + _block(m["feed"], m["table"], m["what"]) + m.group(6), text)


def expected_files() -> dict[Path, str]:
    files = sources_files()
    files[STAGING / "raw" / "stg_raw__record_event_times.sql"] = event_time_sql(tuple(f.spec for f in FEEDS))
    for doc in DOCS:
        if doc.exists():
            files[doc] = docs_text(doc.read_text())
    return files


OPENING = re.compile(r"<!-- spec:\w+:\w+:(?:header|columns) -->")


def unclosed(text: str) -> bool:
    """An opening marker without its `<!-- /spec -->` would never be rewritten: count that as drift."""
    return len(OPENING.findall(text)) != len(BLOCK.findall(text))


def drifted() -> list[Path]:
    return [
        p
        for p, text in expected_files().items()
        if not p.exists() or p.read_text() != text or unclosed(p.read_text())
    ]


def main(argv: list[str]) -> int:
    command = argv[0] if argv else "check"
    if command == "write":
        for path, text in expected_files().items():
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        return 0
    stale = drifted()
    for path in stale:
        print(
            f"{path.relative_to(PROJECT_ROOT)} differs from the feed specs: run python -m ingestion.spec_artifacts write"
        )
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
