"""Where the tests find the repository and the installed console scripts."""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# Beside the repository (a clone's ../shared); a git worktree elsewhere points at it with MYMEDIC_CORPORA.
CORPORA = Path(os.environ.get("MYMEDIC_CORPORA") or REPO.parent / "shared" / "corpora")
# The `mymedic` script of the interpreter running the tests (the venv's, even when it is not activated).
MYMEDIC = str(Path(sys.executable).with_name("mymedic"))
