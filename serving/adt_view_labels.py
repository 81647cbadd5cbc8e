"""The human column names of the ADT marts' `bi` views (serving/bi_views.py): what an analyst reads for
fct_patient_episodes, fct_adt_events, fct_branch_daily_adt and unmapped_codes. Times are shown in IST; the
PHI columns (MRNs, visit numbers, patient ids, department, patient class, disposition) are labelled here for
`bi_phi` and left out of `bi` by the dictionary's sensitivity rules."""

from __future__ import annotations

from exports.column_labels import Label

TENANT = Label("tenant_id", "Tenant")
BRANCH = (Label("branch_name", "Branch"), Label("branch_id", "Branch ID"))
DOCTOR = (Label("attending_doctor", "Attending doctor (HIS id)"), Label("doctor_id", "Doctor ID"))

PATIENT_EPISODE_LABELS: tuple[Label, ...] = (
    Label("admit_date", "Admit date (IST)"),
    *BRANCH,
    Label("episode_type", "Episode type"),
    Label("status", "Episode status"),
    Label("admit_at", "Admitted (IST)"),
    Label("discharge_at", "Discharged (IST)"),
    Label("discharge_date", "Discharge date (IST)"),
    Label("length_of_stay_hours", "Length of stay (hours)"),
    Label("length_of_stay_days", "Length of stay (IST midnights)"),
    Label("transfer_count", "Transfers"),
    *DOCTOR,
    Label("location", "Location"),
    Label("department", "Department code"),
    Label("department_name", "Department"),
    Label("discharge_disposition", "Discharge disposition"),
    Label("payments_paise", "Payments in episode (₹)"),
    Label("payment_count", "Payments in episode"),
    Label("anomaly", "Anomaly"),
    Label("event_count", "ADT events"),
    Label("sender", "Sender"),
    Label("wire_format", "Wire format"),
    Label("episode_id", "Episode ID"),
    Label("visit_number", "Visit number"),
    Label("patient_mrn", "Patient MRN"),
    Label("patient_id", "Patient ID"),
    Label("booking_id", "Booking ID"),
    TENANT,
)
ADT_EVENT_LABELS: tuple[Label, ...] = (
    Label("message_time", "Message time (IST)"),
    Label("event_time", "Event time (IST)"),
    Label("event_type", "ADT event"),
    *BRANCH,
    Label("sender", "Sender"),
    Label("message_id", "Message ID"),
    Label("wire_format", "Wire format"),
    Label("visit_event_seq", "Event # in visit"),
    Label("location", "Location"),
    Label("prior_location", "Prior location"),
    Label("ward_code", "Ward code"),
    Label("ward_name", "Ward"),
    *DOCTOR,
    Label("admit_time", "Admit time (IST)"),
    Label("discharge_time", "Discharge time (IST)"),
    Label("hl7_version", "HL7 version"),
    Label("copies_received", "Copies received"),
    Label("loaded_at", "Loaded at (IST)"),
    Label("visit_number", "Visit number"),
    Label("patient_mrn", "Patient MRN"),
    Label("sent_mrn", "MRN as sent"),
    Label("is_merged_patient", "Merged patient"),
    Label("merged_mrn", "Merged MRN"),
    Label("patient_id", "Patient ID"),
    Label("patient_class", "Patient class"),
    Label("department", "Department code"),
    Label("department_name", "Department"),
    Label("discharge_disposition", "Discharge disposition"),
    TENANT,
)
BRANCH_DAY_ADT_LABELS: tuple[Label, ...] = (
    Label("activity_date", "Day (IST)"),
    *BRANCH,
    Label("admission_count", "Admissions"),
    Label("discharge_count", "Discharges"),
    Label("avg_length_of_stay_days", "Average length of stay (days)"),
    Label("bed_days", "Bed-days (midnight census)"),
    Label("opd_visits_seen", "OPD visits seen"),
    Label("opd_visits_booked", "OPD visits booked"),
    Label("opd_booked_visits_seen", "Booked OPD visits seen"),
    TENANT,
)
UNMAPPED_CODE_LABELS: tuple[Label, ...] = (
    Label("feed", "Feed"),
    Label("code_kind", "Code kind"),
    Label("unmapped_code", "Unmapped code"),
    Label("event_count", "Events"),
    Label("first_seen_at", "First seen (IST)"),
    Label("first_message_at", "First message (IST)"),
    Label("last_message_at", "Last message (IST)"),
    Label("example_message_id", "Example message ID"),
    Label("example_sender", "Example sender"),
    TENANT,
)
