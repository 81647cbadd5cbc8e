"""Each ADT sender's time zone: the zone an HL7 or CSV time without an offset is read in.

A chain whose HIS does not send IST declares it in the data folder's `adt/senders.yaml` (every ADT feed
reads under `adt/`):

    default: Asia/Kolkata            # senders not listed (this is the default)
    senders:
      DXB_HIS^DUBAI_CLINIC: Asia/Dubai   # HL7: MSH-3^MSH-4
      kaveri: Asia/Kolkata               # CSV: the mapping's sender (its folder's name when not given)

Zones are IANA names, checked when the file is read: a bad one rejects the ADT files it configures with
one line naming the sender and the zone (nothing loads in a guessed zone); fixed, they load on the next run.
A CSV mapping's own `zone` wins over this file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict

from core.time import IST_NAME
from ingestion.yaml_config import load_yaml_model

SENDERS_FILE = "senders.yaml"
ADT_FOLDER = "adt"


def iana_zone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{value!r} is not a time zone name (IANA, e.g. Asia/Kolkata, UTC)") from None
    return value


Zone = Annotated[str, AfterValidator(iana_zone)]


class SenderZones(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    default: Zone = IST_NAME
    senders: dict[str, Zone] = {}

    def zone(self, sender: str) -> ZoneInfo:
        return ZoneInfo(self.senders.get(sender, self.default))


DEFAULT = SenderZones()


def sender_zones(path: Path) -> SenderZones:
    """The zones declared for the ADT file `path` (by the `adt/` folder it is under), or the default; raises
    FileRejected with one line when `adt/senders.yaml` is invalid."""
    folder = next((p for p in path.parents if p.name == ADT_FOLDER), None)
    config = folder / SENDERS_FILE if folder is not None else None
    if config is None or not config.is_file():
        return DEFAULT
    return load_yaml_model(config, SenderZones, f"{ADT_FOLDER}/{SENDERS_FILE}", {})
