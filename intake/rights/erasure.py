"""Closing an account, for the health record: what the patient wrote and what names them goes at once;
the clinical record (yes/no answers, screening results, decisions, plans) stays, without the patient's
name, until the retention period ends, then `purge` deletes it."""

from __future__ import annotations

from datetime import date

from django.db.models import Max, Q
from django.utils import timezone

from clinic.rights.redact import REMOVED, date_variants, phone_variants
from clinic.rights.registry import Erasure

from ..models import (
    CheckIn,
    ClearanceLetter,
    HomeCarePlan,
    Intake,
    PlanItem,
    ReviewDecision,
    ScreeningResult,
    StaffAlert,
)
from ..questionnaire.questions import KEPT_WHEN_ACCOUNT_CLOSED

# Answers that name the patient or reach them: also removed from the staff's notes about them.
NAMING_ANSWERS = ("legal_name", "preferred_name", "guardian_name", "emergency_contact_name")
PHONE_ANSWERS = ("phone", "emergency_contact_phone")
# A submitted form must stay signed (a database constraint): the signature is replaced by this.
ERASED_SIGNATURE = "(account closed)"


def identify(patient) -> list[str]:
    values: list[str] = []
    for answers, signature, guardian, guardian_signature in Intake.objects.filter(
        patient=patient
    ).values_list("answers", "signature_name", "guardian_name", "guardian_signature"):
        values += [signature, guardian, guardian_signature]
        values += [str(answers.get(key) or "") for key in NAMING_ANSWERS]
        for key in PHONE_ANSWERS:
            if answers.get(key):
                values += phone_variants(str(answers[key]))
        born = _date(answers.get("date_of_birth"))
        if born:
            values += date_variants(born)
    return values


def _date(value) -> date | None:
    try:
        return date.fromisoformat(str(value)) if value else None
    except ValueError:
        return None


def last_contact(patient):
    now = timezone.now()
    submitted = Intake.objects.filter(patient=patient, submitted_at__lte=now).aggregate(
        last=Max("submitted_at")
    )
    checked_in = CheckIn.objects.filter(patient=patient, created_at__lte=now).aggregate(
        last=Max("created_at")
    )
    moments = [moment for moment in (submitted["last"], checked_in["last"]) if moment is not None]
    return max(moments, default=None)


def erase(erasure: Erasure) -> None:
    patient = erasure.patient
    redact = erasure.redactor
    about_patient = Q(appointment__patient=patient)

    # A draft nobody screened is not part of the record: it goes. Sent forms keep their clinical answers.
    Intake.objects.filter(patient=patient, status=Intake.Status.DRAFT, results=None, check_ins=None).delete()
    for intake in Intake.objects.filter(patient=patient):
        intake.answers = {
            key: value for key, value in intake.answers.items() if key in KEPT_WHEN_ACCOUNT_CLOSED
        }
        intake.signature_name = ERASED_SIGNATURE if intake.status == Intake.Status.SUBMITTED else ""
        intake.guardian_name = ""
        intake.guardian_signature = ""
        intake.save(update_fields=["answers", "signature_name", "guardian_name", "guardian_signature"])

    # A flag quotes the answer it read: a removed answer is not quoted any more.
    for result in ScreeningResult.objects.filter(about_patient).only("pk", "flags"):
        flags = [
            {**flag, "answer": REMOVED}
            if flag.get("question_key") not in KEPT_WHEN_ACCOUNT_CLOSED and "answer" in flag
            else flag
            for flag in result.flags
        ]
        ScreeningResult.objects.filter(pk=result.pk).update(flags=redact.json(flags))

    # Staff notes are the clinic's record: kept, without the patient's name, numbers or birthday.
    for decision in ReviewDecision.objects.filter(result__appointment__patient=patient).only("pk", "note"):
        _update_text(decision, redact.text, "note")
    for alert in StaffAlert.objects.filter(about_patient).only("pk", "message", "note"):
        _update_text(alert, redact.text, "message", "note")
    for plan in HomeCarePlan.objects.filter(patient=patient).only("pk", "note"):
        _update_text(plan, redact.text, "note")
    for item in PlanItem.objects.filter(plan__patient=patient).only(
        "pk", "note", "override_reason", "frequency"
    ):
        _update_text(item, redact.text, "note", "override_reason", "frequency")

    # A doctor's letter is a scan with the patient's name, address and birthday on it: it cannot be
    # anonymised, so it goes (the decision it led to stays). Files are removed once the change commits.
    letters = list(ClearanceLetter.objects.filter(about_patient))
    ClearanceLetter.objects.filter(pk__in=[letter.pk for letter in letters]).delete()
    for letter in letters:
        erasure.after_commit.append(lambda file=letter.file: file.delete(save=False))


def _update_text(row, clean, *fields: str) -> None:
    changed = {field: clean(getattr(row, field)) for field in fields}
    changed = {field: value for field, value in changed.items() if value != getattr(row, field)}
    if changed:
        type(row).objects.filter(pk=row.pk).update(**changed)


def closing_summary(patient) -> list[str]:
    letters = ClearanceLetter.objects.filter(appointment__patient=patient).count()
    if not letters:
        return []
    which = "The doctor's letter" if letters == 1 else f"The {letters} doctor's letters"
    return [f"{which} you sent us {'is' if letters == 1 else 'are'} deleted at once."]


def purge(patient) -> None:
    about_patient = Q(appointment__patient=patient)
    letters = list(ClearanceLetter.objects.filter(about_patient))
    ClearanceLetter.objects.filter(pk__in=[letter.pk for letter in letters]).delete()
    for letter in letters:
        letter.file.delete(save=False)
    HomeCarePlan.objects.filter(patient=patient).delete()  # items go with their plan
    decisions = ReviewDecision.objects.filter(result__appointment__patient=patient)
    decisions.update(supersedes=None)  # decisions point at the ones they replaced (PROTECT)
    decisions.delete()
    ScreeningResult.objects.filter(about_patient).delete()
    ScreeningResult.objects.filter(intake__patient=patient).delete()
    CheckIn.objects.filter(Q(patient=patient) | about_patient).delete()
    StaffAlert.objects.filter(about_patient).delete()
    Intake.objects.filter(patient=patient).delete()
