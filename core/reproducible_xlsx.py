"""Save a workbook so that the same content always gives the same bytes.

openpyxl stamps the save time into docProps/core.xml and its zip entries carry the current time (and
the platform). The saved package is rewritten entry by entry with fixed document properties, a fixed
entry time and attributes, one compression and a fixed entry order.
"""

from __future__ import annotations

import shutil
from datetime import date, datetime
from pathlib import Path
from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

from openpyxl.packaging.core import DocumentProperties
from openpyxl.workbook import Workbook
from openpyxl.xml.functions import tostring

CREATOR = "MyMedic"
CORE_PROPERTIES = "docProps/core.xml"
CONTENT_TYPES = "[Content_Types].xml"
ZIP_EPOCH = datetime(1980, 1, 1)  # the earliest time a zip entry can carry
COPY_CHUNK = 1 << 20


def document_time(as_of: date | None) -> datetime:
    """Midnight UTC of `as_of` (naive, as openpyxl wants it); the zip epoch when there is no date."""
    if as_of is None:
        return ZIP_EPOCH
    return max(datetime(as_of.year, as_of.month, as_of.day), ZIP_EPOCH)


def core_properties_xml(*, title: str, timestamp: datetime) -> bytes:
    properties = DocumentProperties(
        creator=CREATOR, lastModifiedBy=CREATOR, title=title, created=timestamp, modified=timestamp
    )
    return tostring(properties.to_tree())


def entry_order(name: str) -> tuple[bool, str]:
    """`[Content_Types].xml` first (as Office writes it), then by name."""
    return (name != CONTENT_TYPES, name)


def fixed_entry(name: str, timestamp: datetime) -> ZipInfo:
    info = ZipInfo(name, date_time=timestamp.timetuple()[:6])
    info.compress_type = ZIP_DEFLATED
    info.create_system = 0
    info.external_attr = 0
    return info


def rewrite_zip(source: Path, target: Path, *, timestamp: datetime, replace: dict[str, bytes]) -> None:
    with ZipFile(source) as zin, ZipFile(target, "w", allowZip64=True) as zout:
        for name in sorted(zin.namelist(), key=entry_order):
            info = fixed_entry(name, timestamp)
            if name in replace:
                zout.writestr(info, replace[name])
                continue
            # the size decides zip64 up front, so a large sheet gets the same layout every time
            info.file_size = zin.getinfo(name).file_size
            with zin.open(name) as reader, zout.open(info, "w") as writer:
                shutil.copyfileobj(reader, writer, COPY_CHUNK)


def save_reproducibly(
    workbook: Workbook, target: Path, *, scratch: Path, title: str, as_of: date | None
) -> None:
    """Save `workbook` to `target` via the scratch file `scratch` (both beside each other)."""
    timestamp = document_time(as_of)
    workbook.save(scratch)
    rewrite_zip(
        scratch,
        target,
        timestamp=timestamp,
        replace={CORE_PROPERTIES: core_properties_xml(title=title, timestamp=timestamp)},
    )
