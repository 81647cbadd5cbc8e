"""The one font family of the PDFs: DejaVu Sans (Debian's fonts-dejavu-core), which has the rupee sign ₹
that reportlab's built-in Helvetica lacks. Registered once per process; a missing file fails in one line."""

from __future__ import annotations

from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"
FILES = {REGULAR: "DejaVuSans.ttf", BOLD: "DejaVuSans-Bold.ttf"}


class FontMissing(RuntimeError):
    """The TTF the PDFs need is not installed."""


def font_files(font_dir: Path = FONT_DIR) -> dict[str, Path]:
    """The TTF of each font name; raise FontMissing (one line: the file and the package) when one is missing."""
    paths = {name: font_dir / file for name, file in FILES.items()}
    for path in paths.values():
        if not path.is_file():
            raise FontMissing(
                f"font {path} not found: install fonts-dejavu-core (make system-packages) to write the PDFs"
            )
    return paths


def register_fonts(font_dir: Path = FONT_DIR) -> None:
    """Register DejaVu Sans and its bold once per process (later calls do nothing)."""
    if REGULAR in pdfmetrics.getRegisteredFontNames():
        return
    for name, path in font_files(font_dir).items():
        pdfmetrics.registerFont(TTFont(name, str(path)))
    addMapping(REGULAR, 0, 0, REGULAR)
    addMapping(REGULAR, 1, 0, BOLD)
    addMapping(REGULAR, 0, 1, REGULAR)
    addMapping(REGULAR, 1, 1, BOLD)
