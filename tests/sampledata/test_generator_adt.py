"""The generator's ADT feed (docs/adt-sample.md): the files read independently of the generator (HL7 split
by hand, FHIR validated with fhir.resources R4B, CSV with the csv module), rebuilt into episodes by this
file's own small rules, and compared with ground_truth.json's `adt` section, for two seeds."""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import yaml
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.encounter import Encounter
from fhir.resources.R4B.patient import Patient

from ingestion.adt_event import ADT_EVENT_COLUMNS
from sampledata import write_sample
from sampledata.adt_wire import MAPPING_FILES

SEEDS = (7, 11)
SIZE = {"branches": 2, "days": 12, "bookings_per_branch_day": 8}
IST = timezone(timedelta(hours=5, minutes=30))
FORMATS = ("hl7", "fhir", "csv")


def _files(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[int, str], Path]:
    out = {}
    for seed in SEEDS:
        for fmt in (*FORMATS, "none"):
            root = tmp_path_factory.mktemp(f"adt_{seed}_{fmt}")
            write_sample(root, seed=seed, adt_format=fmt, mapping_files=True, **SIZE)
            out[seed, fmt] = root
    return out


def truth(root: Path) -> dict:
    return json.loads((root / "ground_truth.json").read_text())["adt"]


# --- independent readers: one event dict per message ----------------------------------------------
@dataclass
class Event:
    sender: str
    message_id: str
    message_time: datetime
    event_type: str
    mrn: str
    visit_number: str = ""
    patient_class: str = ""
    location: str = ""
    department: str = ""
    practitioner: str = ""
    admit: datetime | None = None
    discharge: datetime | None = None
    disposition: str = ""
    merged_mrn: str = ""
    file: str = ""
    position: int = 0


def hl7_time(text: str) -> datetime | None:
    return datetime.strptime(text, "%Y%m%d%H%M%S%z").astimezone(UTC) if text else None


def split_hl7(data: bytes) -> list[list[list[str]]]:
    """Messages of a file (plain, MLLP-framed or FHS/BHS batch) as lists of segments split into fields."""
    text = data.decode("utf-8")
    if text.startswith("\x0b"):
        frames = text.split("\x1c\r")
        assert frames[-1] == ""
        assert all(f.startswith("\x0b") for f in frames[:-1])
        text = "".join(f[1:] for f in frames[:-1])
    assert "\n" not in text and text.endswith("\r")
    segments = [s.split("|") for s in text[:-1].split("\r")]
    if segments[0][0] == "FHS":
        assert segments[1][0] == "BHS" and segments[-2][0] == "BTS" and segments[-1] == ["FTS", "1"]
        batch = segments[2:-2]
        assert int(segments[-2][1]) == sum(1 for s in batch if s[0] == "MSH")
        segments = batch
    messages: list[list[list[str]]] = []
    for seg in segments:
        assert seg[0] in {"MSH", "EVN", "PID", "PV1", "MRG"}, seg[0]
        if seg[0] == "MSH":
            messages.append([])
        messages[-1].append(seg)
    return messages


def read_hl7(root: Path) -> tuple[list[Event], list[tuple[str, int, str]]]:
    events, bad = [], []
    for path in sorted((root / "adt").glob("*.hl7")):
        for position, message in enumerate(split_hl7(path.read_bytes()), 1):
            seg = {s[0]: s for s in message}
            msh = ["MSH", "|", *seg["MSH"][1:]]  # MSH-1 is the field separator itself
            assert msh[2] == "^~\\&" and msh[12] == "2.5" and msh[9].startswith("ADT^")
            event_type = msh[9].split("^")[1]
            assert seg["EVN"][1] == event_type
            ids = [i.split("^") for i in seg["PID"][3].split("~")]
            mrn = next(i[0] for i in ids if i[4] == "MR")
            rel = str(path.relative_to(root))
            if not msh[10]:
                bad.append((rel, position, seg["PV1"][19]))
                continue
            e = Event(
                f"{msh[3]}^{msh[4]}", msh[10], hl7_time(msh[7]), event_type, mrn, file=rel, position=position
            )  # type: ignore[arg-type]
            if "PV1" in seg:
                pv1 = seg["PV1"] + [""] * (46 - len(seg["PV1"]))
                e.visit_number, e.patient_class, e.location = pv1[19], pv1[2], pv1[3]
                e.department, e.practitioner = pv1[10], pv1[7].split("^")[0]
                e.admit, e.discharge, e.disposition = hl7_time(pv1[44]), hl7_time(pv1[45]), pv1[36]
            if "MRG" in seg:
                e.merged_mrn = seg["MRG"][1].split("^")[0]
            events.append(e)
    return events, bad


def iso(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text).astimezone(UTC) if text else None


def read_fhir(root: Path) -> tuple[list[Event], list[tuple[str, int, str]]]:
    events, bad = [], []
    for path in sorted((root / "adt" / "fhir").iterdir()):
        rel = str(path.relative_to(root))
        if path.suffix == ".json":
            bundle = json.loads(path.read_text())
            resources = [entry["resource"] for entry in bundle["entry"]]
            Bundle.model_validate({**bundle, "entry": []})
        else:
            resources = [json.loads(line) for line in path.read_text().splitlines()]
        patients: dict[str, dict] = {}
        for position, r in enumerate(resources, 1):
            model = {"Patient": Patient, "Encounter": Encounter}[r["resourceType"]]
            try:
                model.model_validate(r)
            except ValueError:
                bad.append((rel, position, r["identifier"][0]["value"]))
                continue
            meta = r["meta"]
            event_type = next(t["code"] for t in meta["tag"] if t["system"].endswith("v2-0003"))
            if r["resourceType"] == "Patient":
                patients[r["id"]] = r
                if event_type != "A40":
                    continue
            common = {
                "sender": meta["source"],
                "message_id": f"{r['resourceType']}/{r['id']}/{meta['versionId']}",
                "message_time": iso(meta["lastUpdated"]),
                "event_type": event_type,
                "file": rel,
                "position": position,
            }
            if r["resourceType"] == "Patient":
                merged = r["link"][0]["other"]["reference"].removeprefix("Patient/").upper()
                events.append(Event(mrn=mrn_of(r), merged_mrn=merged, **common))
                continue
            subject = patients[r["subject"]["reference"].removeprefix("Patient/")]
            disposition = r.get("hospitalization", {}).get("dischargeDisposition", {}).get("coding", [{}])
            events.append(
                Event(
                    mrn=mrn_of(subject),
                    visit_number=r["identifier"][0]["value"],
                    patient_class={"IMP": "I", "AMB": "O"}[r["class"]["code"]],
                    location=r["location"][-1]["location"]["identifier"]["value"],
                    department=r["serviceType"]["coding"][0]["code"],
                    practitioner=r["participant"][0]["individual"]["identifier"]["value"],
                    admit=iso(r["period"]["start"]),
                    discharge=iso(r["period"].get("end")),
                    disposition=disposition[0].get("code", ""),
                    **common,
                )
            )
    return events, bad


def mrn_of(patient: dict) -> str:
    return next(
        i["value"]
        for i in patient["identifier"]
        if i.get("type", {}).get("coding", [{}])[0].get("code") == "MR"
    )


def read_csv(root: Path) -> tuple[list[Event], list[tuple[str, int, str]]]:
    events, bad = [], []
    for path in sorted((root / "adt" / "csv" / "arghis").glob("*.csv")):
        rel = str(path.relative_to(root))
        with path.open(newline="") as fh:
            for position, row in enumerate(csv.DictReader(fh), 1):
                if not row["message_id"]:
                    bad.append((rel, position, row["visit_number"]))
                    continue
                events.append(
                    Event(
                        row["sender"],
                        row["message_id"],
                        iso(row["message_time"]),
                        row["event_type"],
                        row["mrn"],
                        row["visit_number"],
                        row["patient_class"],
                        row["location"],
                        row["department"],
                        row["attending_doctor"],
                        iso(row["admit_time"]),
                        iso(row["discharge_time"]),
                        row["discharge_disposition"],
                        row["merged_mrn"],
                        rel,
                        position,
                    )
                )
    return events, bad


READERS = {"hl7": read_hl7, "fhir": read_fhir, "csv": read_csv}


def utc_text(t: datetime | None) -> str | None:
    return None if t is None else t.strftime("%Y-%m-%dT%H:%M:%SZ")


def episodes(events: list[Event]) -> dict[str, dict]:
    """This test's own rules: dedup by (sender, id); merges; per visit in (message time, id) order, the
    latest event wins the attributes; transfers are the A02s."""
    unique = {(e.sender, e.message_id): e for e in events}
    merged = {e.merged_mrn: e.mrn for e in unique.values() if e.event_type == "A40"}
    visits: dict[str, list[Event]] = defaultdict(list)
    for e in unique.values():
        if e.visit_number:
            visits[e.visit_number].append(e)
    out = {}
    for number, evs in visits.items():
        evs.sort(key=lambda e: (e.message_time, e.message_id))
        assert evs[0].event_type in ("A01", "A04"), (number, [e.event_type for e in evs])
        last = evs[-1]
        out[number] = {
            "visit_number": number,
            "episode_type": "IP" if last.patient_class == "I" else "OPD",
            "mrn": merged.get(last.mrn, last.mrn),
            "department_code": last.department,
            "attending_practitioner": last.practitioner,
            "location": last.location,
            "admit_time": utc_text(last.admit),
            "discharge_time": utc_text(last.discharge),
            "transfer_count": sum(1 for e in evs if e.event_type == "A02"),
            "discharge_disposition": last.disposition,
        }
    return out


def comparable(truth_episodes: list[dict]) -> dict[str, dict]:
    keys = (
        "visit_number",
        "episode_type",
        "mrn",
        "department_code",
        "attending_practitioner",
        "location",
        "admit_time",
        "discharge_time",
        "transfer_count",
        "discharge_disposition",
    )
    return {e["visit_number"]: {k: e[k] for k in keys} for e in truth_episodes}


# --- tests -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("fmt", FORMATS)
def test_files_rebuild_the_expected_episodes(samples: dict, seed: int, fmt: str) -> None:
    root = samples[seed, fmt]
    t = truth(root)
    events, bad = READERS[fmt](root)
    assert episodes(events) == comparable(t["expected_episodes"])
    assert len({(e.sender, e.message_id) for e in events}) == t["messages"]
    assert [(f, v) for f, _, v in bad] == [(q["file"], q["visit_number"]) for q in t["expected_quarantine"]]
    assert {e["episode_type"] for e in t["expected_episodes"]} == {"OPD", "IP"}


@pytest.mark.parametrize("seed", SEEDS)
def test_every_format_gives_the_same_episodes(samples: dict, seed: int) -> None:
    expected = truth(samples[seed, "hl7"])
    for fmt in ("fhir", "csv"):
        other = truth(samples[seed, fmt])
        assert other["format"] == fmt
        assert other["expected_episodes"] == expected["expected_episodes"]
        assert other["anomalies"] == expected["anomalies"]


@pytest.mark.parametrize("seed", SEEDS)
def test_adt_leaves_the_other_files_unchanged(samples: dict, seed: int) -> None:
    without, with_adt = _files(samples[seed, "none"]), _files(samples[seed, "hl7"])
    added = sorted(set(with_adt) - set(without))
    assert all(a.startswith(("adt/", "reference/", "billing/")) for a in added)  # billing: the HIS's bills
    assert all(with_adt[n] == without[n] for n in without if n != "ground_truth.json")
    full = json.loads(with_adt["ground_truth.json"])
    full.pop("adt")
    full.pop("billing")
    assert full == json.loads(without["ground_truth.json"])
    assert "adt" not in json.loads(without["ground_truth.json"])


@pytest.mark.parametrize("fmt", FORMATS)
def test_same_seed_gives_byte_identical_adt(samples: dict, tmp_path: Path, fmt: str) -> None:
    write_sample(tmp_path, seed=SEEDS[0], adt_format=fmt, mapping_files=True, **SIZE)
    assert _files(tmp_path) == _files(samples[SEEDS[0], fmt])
    assert _files(samples[SEEDS[1], fmt]) != _files(tmp_path)


def booking_events(root: Path) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for path in sorted((root / "events").glob("*.ndjson")):
        for line in path.read_text().splitlines():
            e = json.loads(line)
            if e["type"] == "appointment.booked":
                out[e["data"]["booking_id"]] = dict(e["data"])
            elif e["type"] == "appointment.rescheduled":
                out[e["data"]["booking_id"]]["slot_start"] = e["data"]["new_slot_start"]
            elif e["type"] == "appointment.completed":
                out[e["data"]["booking_id"]]["completed_at"] = e["time"]
    return out


def read_mapping(root: Path, stem: str) -> list[dict]:
    with (root / "reference" / f"{stem}.csv").open(newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.parametrize("seed", SEEDS)
def test_episodes_link_to_bookings_and_mappings(samples: dict, seed: int) -> None:
    root = samples[seed, "hl7"]
    t = truth(root)
    bookings = booking_events(root)
    identity = {r["mrn"]: r for r in read_mapping(root, "patient_identity")}
    providers = {r["practitioner_id"]: r["doctor_id"] for r in read_mapping(root, "providers")}
    departments = {r["department_code"]: r["branch_id"] for r in read_mapping(root, "departments")}
    unmapped = {(u["code_type"], u["code"]) for u in t["unmapped_codes"]}
    assert {c for c, _ in unmapped} == {"department", "provider"}
    for e in t["expected_episodes"]:
        assert identity[e["mrn"]]["patient_id"] == e["patient_id"]
        assert identity[e["mrn"]]["abha_number"] == e["abha_number"]
        if ("provider", e["attending_practitioner"]) in unmapped:
            assert e["attending_practitioner"] not in providers and e["doctor_id"] == ""
        else:
            assert providers[e["attending_practitioner"]] == e["doctor_id"]
        if ("department", e["department_code"]) in unmapped:
            assert e["department_code"] not in departments
        else:
            assert departments[e["department_code"]] == e["branch_id"]
        assert e["location"].split("^")[3] == e["branch_id"]
        if e["episode_type"] == "OPD":
            b = bookings[e["booking_id"]]
            assert b["patient_id"] == e["patient_id"] and b["branch_id"] == e["branch_id"]
            assert b["visit_type"] == "in_person"
            assert iso(e["admit_time"]) < iso(b["slot_start"])  # registered on arrival, before the slot
            assert e["discharge_time"] == b["completed_at"][:19] + "Z"
        else:
            assert e["booking_id"] is None


@pytest.mark.parametrize("seed", SEEDS)
def test_injected_anomalies_are_in_the_hl7_files(samples: dict, seed: int) -> None:
    root = samples[seed, "hl7"]
    t = truth(root)
    by_kind = defaultdict(list)
    for a in t["anomalies"]:
        by_kind[a["kind"]].append(a)
    assert set(by_kind) == {
        "adt_duplicate_control_id",
        "adt_out_of_order",
        "adt_late_correction",
        "adt_merge",
        "adt_unmapped_code",
        "adt_malformed",
    }
    events, bad = read_hl7(root)
    order = {}  # (file, position) is the arrival order: file names sort by day
    copies = defaultdict(list)
    for e in events:
        copies[e.message_id].append(e)
        order.setdefault(e.message_id, (e.file, e.position))
    assert {m for m, c in copies.items() if len(c) > 1} == {
        a["message_ids"][0] for a in by_kind["adt_duplicate_control_id"]
    }
    for a in by_kind["adt_out_of_order"]:
        a03, a01 = (copies[m][0] for m in a["message_ids"])
        assert (a03.event_type, a01.event_type) == ("A03", "A01")
        assert order[a03.message_id] < order[a01.message_id] and a01.message_time < a03.message_time
    for a in by_kind["adt_late_correction"]:
        a08 = copies[a["message_ids"][0]][0]
        visit = [e for e in events if e.visit_number == a08.visit_number and e is not a08]
        assert a08.event_type == "A08" and all(e.message_time < a08.message_time for e in visit)
        assert {e.practitioner for e in visit} != {a08.practitioner}
    for a in by_kind["adt_merge"]:
        a40 = copies[a["message_ids"][0]][0]
        assert (a40.event_type, a40.mrn, a40.merged_mrn) == ("A40", a["mrn"], a["merged_mrn"])
        assert {e.mrn for e in events if e.visit_number in a["visit_numbers"]} == {a["merged_mrn"]}
        assert a["merged_mrn"] not in {r["mrn"] for r in read_mapping(root, "patient_identity")}
    numbers = {e["visit_number"] for e in t["expected_episodes"]}
    for a in by_kind["adt_malformed"]:
        assert a["visit_numbers"][0] not in numbers
        assert a["visit_numbers"][0] in {v for _, _, v in bad}


def test_malformed_fhir_encounter_fails_validation_and_the_rest_validates(samples: dict) -> None:
    root = samples[SEEDS[1], "fhir"]
    events, bad = read_fhir(root)  # validates every resource with fhir.resources R4B
    assert len(bad) == 1 and events
    assert {f.suffix for f in (root / "adt" / "fhir").iterdir()} == {".json", ".ndjson"}


def test_hl7_files_come_plain_batched_and_mllp_framed(samples: dict) -> None:
    starts = {p.read_bytes()[:3] for p in (samples[SEEDS[0], "hl7"] / "adt").glob("*.hl7")}
    assert starts == {b"MSH", b"FHS", b"\x0bMS"}


def test_csv_export_names_the_adt_event_columns(samples: dict) -> None:
    folder = samples[SEEDS[0], "csv"] / "adt" / "csv" / "arghis"
    names = tuple(c.name for c in ADT_EVENT_COLUMNS if c.name != "raw")
    for path in folder.glob("*.csv"):
        with path.open(newline="") as fh:
            assert tuple(next(csv.reader(fh))) == names
    # the mapping is one the CSV reader takes: each mappable column 1:1, the identifiers from mrn and ABHA
    from ingestion.feeds.adt_csv.mapping import MAPPABLE, AdtCsvMapping

    mapping = AdtCsvMapping.model_validate(yaml.safe_load((folder / "mapping.yaml").read_text()))
    assert {k: v.column for k, v in mapping.columns.items()} == {n: n for n in names if n in MAPPABLE}
    assert [(i.column, i.type) for i in mapping.identifiers] == [("mrn", "MR"), ("abha_number", "ABHA")]


def test_unknown_adt_format_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="adt_format"):
        write_sample(tmp_path, adt_format="x12", **SIZE)


def test_mapping_files_follow_the_reference_feed(tmp_path: Path) -> None:
    """By default only the mapping files the reference feed declares are written, with its headers."""
    from ingestion.feeds.reference.spec import SPEC

    write_sample(tmp_path, seed=SEEDS[0], **SIZE)
    written = {p.stem for p in (tmp_path / "reference").glob("*.csv")} & set(MAPPING_FILES)
    assert written == {stem for stem in MAPPING_FILES if stem in SPEC.routes}
    for stem in written:
        with (tmp_path / "reference" / f"{stem}.csv").open(newline="") as fh:
            assert tuple(next(csv.reader(fh))) == SPEC.header(SPEC.routes[stem])
    write_sample(tmp_path, seed=SEEDS[0], mapping_files=False, **SIZE)
    assert not {p.stem for p in (tmp_path / "reference").glob("*.csv")} & set(MAPPING_FILES)
