"""QR posters for the waiting room: per branch (and per doctor) a QR code PNG (`qrcode`) and a printable A4
PDF (reportlab) with the clinic, branch and doctor, the code and a call to action.

The code is a deep link to the branch's widget page with `channel=qr` and a campaign code
(`booking.domain.channels.widget_link`), so bookings from a poster are attributed to it. No database here: the
caller says what to print (`PosterPlace`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import qrcode
from qrcode.constants import ERROR_CORRECT_M
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from booking.domain.channels import QR_CHANNEL, PosterPlace, widget_link
from core.pdf_fonts import BOLD, REGULAR, register_fonts

QR_SIDE = 120 * mm
CALL_TO_ACTION = "Scan to book your appointment"
HOW = "Point your phone camera at the code. No app needed."
BAND = "Book your visit online"


@dataclass(frozen=True, slots=True)
class Poster:
    place: PosterPlace
    link: str
    png: Path
    pdf: Path


def qr_png(link: str, path: Path) -> None:
    """The link as a QR code PNG (error correction M: a poster survives a crease or a smudge)."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=12, border=4)
    code.add_data(link)
    code.make(fit=True)
    code.make_image(fill_color="black", back_color="white").save(path)


def _centred(canvas: Canvas, y: float, text: str, font: str, size: float, max_width: float) -> None:
    while size > 8 and stringWidth(text, font, size) > max_width:  # long names shrink to fit the page
        size -= 1
    canvas.setFont(font, size)
    canvas.drawCentredString(A4[0] / 2, y, text)


def poster_pdf(place: PosterPlace, link: str, qr_path: Path, path: Path) -> None:
    """An A4 portrait poster: clinic, branch, doctor, the QR code, the call to action and the link itself."""
    register_fonts()
    width, height = A4
    usable = width - 40 * mm
    canvas = Canvas(str(path), pagesize=A4, invariant=1)
    canvas.setTitle(f"{place.clinic} · {place.branch_name} · book online")
    canvas.setAuthor(place.clinic)
    canvas.setFillColor(colors.HexColor("#0B6B3A"))
    canvas.rect(0, height - 18 * mm, width, 18 * mm, stroke=0, fill=1)
    canvas.setFillColor(colors.white)
    _centred(canvas, height - 12 * mm, BAND, BOLD, 20, usable)
    canvas.setFillColor(colors.black)
    _centred(canvas, height - 38 * mm, place.clinic, BOLD, 30, usable)
    _centred(canvas, height - 50 * mm, f"{place.branch_name}, {place.city}", REGULAR, 16, usable)
    if place.doctor_name:
        _centred(canvas, height - 64 * mm, place.doctor_name, BOLD, 20, usable)
        _centred(canvas, height - 73 * mm, place.specialty or "", REGULAR, 13, usable)
    qr_top = height - 82 * mm
    canvas.drawImage(ImageReader(str(qr_path)), (width - QR_SIDE) / 2, qr_top - QR_SIDE, QR_SIDE, QR_SIDE)
    below = qr_top - QR_SIDE - 14 * mm
    _centred(canvas, below, CALL_TO_ACTION, BOLD, 22, usable)
    _centred(canvas, below - 10 * mm, HOW, REGULAR, 13, usable)
    canvas.setFillColor(colors.HexColor("#4A5565"))
    _centred(canvas, 15 * mm, link, REGULAR, 8, usable)
    canvas.showPage()
    canvas.save()


def write_posters(places: list[PosterPlace], *, base_url: str, campaign: str, out: Path) -> list[Poster]:
    """For each place, `qr-<branch>[-<doctor>].png` and `poster-<branch>[-<doctor>].pdf` in `out`."""
    out.mkdir(parents=True, exist_ok=True)
    posters = []
    for place in places:
        link = widget_link(
            base_url,
            place.tenant_id,
            place.branch_id,
            doctor_id=place.doctor_id,
            channel=QR_CHANNEL,
            campaign=campaign,
        )
        png, pdf = out / f"qr-{place.stem}.png", out / f"poster-{place.stem}.pdf"
        qr_png(link, png)
        poster_pdf(place, link, png, pdf)
        posters.append(Poster(place=place, link=link, png=png, pdf=pdf))
    return posters
