"""The one shape of an ADT event, whatever wire format brought it (HL7 v2 file or MLLP, HIS CSV export, FHIR
Encounter, REST): each ADT feed's raw table has exactly these data columns, so dbt unions them and
`fct_patient_episodes` cannot tell the formats apart. Declared once here; every ADT feed spec uses it.

Times are UTC (the sender's offset applied; a time without one is read in the feed's declared zone, IST by
default). Codes are the HIS's own (mapped to the platform's in dbt through the mapping tables; an unmapped
code is kept and surfaces in `unmapped_codes`).
"""

from __future__ import annotations

from ingestion.spec import Column

UTC_TIME = "DateTime64(3, 'UTC')"
OPTIONAL_UTC_TIME = "Nullable(DateTime64(3, 'UTC'))"

ADT_EVENT_KEY = ("tenant_id", "sender", "message_id")
ADT_EVENT_COLUMNS: tuple[Column, ...] = (
    Column("tenant_id", "String", "The clinic chain whose HIS sent the event."),
    Column(
        "sender",
        "String",
        "Who sent it: HL7 MSH-3^MSH-4 (application^facility); for CSV the mapping's name; for FHIR the "
        "resource's meta.source or the Bundle's; for REST the tenant's integration name.",
    ),
    Column(
        "message_id",
        "String",
        "The sender's message id: HL7 MSH-10 control id; CSV the mapping's id column; FHIR the resource id "
        "with its meta.versionId. With tenant and sender, the natural key: a re-sent message is stored once.",
    ),
    Column("message_time", UTC_TIME, "When the sender created the message (HL7 MSH-7), UTC."),
    Column(
        "event_type",
        "String",
        "The ADT trigger event code: A01-A13, A17, A28, A31, A40, A60 (CSV and FHIR events are mapped to "
        "the same codes; e.g. a FHIR Encounter turning in-progress is A01 or A04 by its class).",
    ),
    Column("event_time", OPTIONAL_UTC_TIME, "When the event happened (HL7 EVN-6, else EVN-2), UTC."),
    Column(
        "patient_ids",
        "String",
        "Every patient identifier as JSON [{id, authority, type}] (HL7 PID-3, all repetitions: MR, ABHA, "
        "national ids).",
        "phi",
    ),
    Column(
        "mrn", "String", "The medical record number (the first identifier of type MR), '' if none.", "phi"
    ),
    Column("abha_number", "String", "The ABHA number when sent (identifier type or authority ABHA).", "phi"),
    Column("patient_name", "String", "The patient's name as sent (HL7 PID-5, family^given).", "phi"),
    Column("birth_date", "Nullable(Date32)", "Date of birth (HL7 PID-7).", "phi"),
    Column("sex", "String", "Administrative sex as sent (HL7 PID-8).", "phi"),
    Column("patient_class", "String", "HL7 PV1-2: I inpatient, O outpatient, E emergency, P pre-admit, ..."),
    Column(
        "visit_number", "String", "The HIS's visit (encounter) number, HL7 PV1-19: the episode's key.", "phi"
    ),
    Column("location", "String", "Assigned location, HL7 PV1-3 (point of care^room^bed^facility)."),
    Column("prior_location", "String", "Prior location on a transfer, HL7 PV1-6."),
    Column("department", "String", "The HIS's department / hospital service code (HL7 PV1-10)."),
    Column("attending_doctor", "String", "The HIS's practitioner id of the attending doctor (HL7 PV1-7.1)."),
    Column("admit_time", OPTIONAL_UTC_TIME, "Admit time (HL7 PV1-44), UTC."),
    Column("discharge_time", OPTIONAL_UTC_TIME, "Discharge time (HL7 PV1-45), UTC."),
    Column("discharge_disposition", "String", "Discharge disposition code (HL7 PV1-36)."),
    Column(
        "merged_mrn", "String", "A40 merge: the prior patient's MRN now merged into this one (MRG-1).", "phi"
    ),
    Column("hl7_version", "String", "HL7 MSH-12 version ('' for CSV and FHIR)."),
    Column(
        "raw", "String", "The message as received (HL7 text with \\r, the CSV row as JSON, FHIR JSON).", "phi"
    ),
)
