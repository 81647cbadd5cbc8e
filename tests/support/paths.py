"""Where the tests find the repository and the installed console scripts."""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
CORPORA = REPO.parent / "shared" / "corpora"
# The `mymedic` script of the interpreter running the tests (the venv's, even when it is not activated).
MYMEDIC = str(Path(sys.executable).with_name("mymedic"))
