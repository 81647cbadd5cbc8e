"""The chain's directory (tenants, branches, doctors, weekly schedules) loaded into the database.

`mymedic booking seed --file directory.json` and the tests use `load_directory`. A doctor's schedule given
here replaces the stored one; everything else is upserted.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import delete

from booking.infra.db import Database
from booking.infra.models import Branch, Doctor, DoctorSchedule, Tenant
from booking.settings import Identifier

HHMM = Annotated[str, Field(pattern=r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")]


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Sitting(_Strict):
    weekdays: list[Annotated[int, Field(ge=0, le=6)]] = Field(min_length=1, description="Monday is 0")
    start: HHMM
    end: HHMM
    slot_minutes: Annotated[int, Field(ge=5, le=240)] = 15
    visit_types: list[Literal["in_person", "tele"]] = Field(default_factory=lambda: ["in_person", "tele"])

    @model_validator(mode="after")
    def _order(self) -> Sitting:
        if _minutes(self.start) >= _minutes(self.end):
            raise ValueError("start must be before end")
        return self


class DoctorEntry(_Strict):
    doctor_id: Identifier
    name: str = Field(min_length=1, max_length=200)
    specialty: str = Field(min_length=1, max_length=100)
    consultation_fee_paise: Annotated[int, Field(strict=True, gt=0)]
    tele_fee_paise: Annotated[int, Field(strict=True, gt=0)] | None = None
    active: bool = True
    schedule: list[Sitting] = Field(default_factory=list)


class BranchEntry(_Strict):
    branch_id: Identifier
    name: str = Field(min_length=1, max_length=200)
    city: str = Field(min_length=1, max_length=100)
    state: str = Field(min_length=1, max_length=100)
    active: bool = True
    doctors: list[DoctorEntry] = Field(default_factory=list)


class TenantEntry(_Strict):
    tenant_id: Identifier
    name: str = Field(min_length=1, max_length=200)
    branches: list[BranchEntry] = Field(default_factory=list)


class Directory(_Strict):
    tenants: list[TenantEntry]


def load_directory(db: Database, directory: Directory) -> dict[str, int]:
    counts = {"tenants": 0, "branches": 0, "doctors": 0, "sittings": 0}
    now = datetime.now(UTC)
    with db.write() as s:
        for t in directory.tenants:
            tenant = s.get(Tenant, t.tenant_id)
            if tenant is None:
                s.add(Tenant(tenant_id=t.tenant_id, name=t.name, created_at=now))
            else:
                tenant.name = t.name
            counts["tenants"] += 1
            s.flush()
            for b in t.branches:
                s.merge(
                    Branch(
                        tenant_id=t.tenant_id,
                        branch_id=b.branch_id,
                        name=b.name,
                        city=b.city,
                        state=b.state,
                        active=b.active,
                    )
                )
                counts["branches"] += 1
                s.flush()
                for d in b.doctors:
                    s.merge(
                        Doctor(
                            tenant_id=t.tenant_id,
                            doctor_id=d.doctor_id,
                            branch_id=b.branch_id,
                            name=d.name,
                            specialty=d.specialty,
                            consultation_fee_paise=d.consultation_fee_paise,
                            tele_fee_paise=d.tele_fee_paise,
                            active=d.active,
                        )
                    )
                    counts["doctors"] += 1
                    s.flush()
                    s.execute(
                        delete(DoctorSchedule).where(
                            DoctorSchedule.tenant_id == t.tenant_id, DoctorSchedule.doctor_id == d.doctor_id
                        )
                    )
                    for sitting in d.schedule:
                        for weekday in sorted(set(sitting.weekdays)):
                            s.add(
                                DoctorSchedule(
                                    tenant_id=t.tenant_id,
                                    doctor_id=d.doctor_id,
                                    weekday=weekday,
                                    start_minute=_minutes(sitting.start),
                                    end_minute=_minutes(sitting.end),
                                    slot_minutes=sitting.slot_minutes,
                                    visit_types=",".join(sitting.visit_types),
                                )
                            )
                            counts["sittings"] += 1
    return counts


def read_directory(path: Path) -> Directory:
    return Directory.model_validate(json.loads(path.read_text(encoding="utf-8")))
