"""ECGs (QTc), readiness checks before buprenorphine or extended-release
naltrexone, and co-use notes. Nurses record ECGs and readiness too."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from waymark.conftest import World
from waymark.core.models import AuditEvent
from waymark.meds.models import CoUse, Ecg, MedicationOrder, ReadinessCheck
from waymark.meds.tests.conftest import order_methadone, today


def ecg_url(patient_id: int) -> str:
    return reverse("meds:ecg_new", args=[patient_id])


def readiness_url(patient_id: int) -> str:
    return reverse("meds:readiness_new", args=[patient_id])


def local(world: World, at: dt.datetime) -> str:
    """A datetime-local value, in the program's time zone."""
    return at.astimezone(world.program.zone).strftime("%Y-%m-%dT%H:%M")


class TestEcg:
    def test_a_qtc_of_501_says_consider_reducing_or_stopping(
        self, world: World, on_methadone: MedicationOrder, as_role
    ) -> None:
        response = as_role("prescriber").post(
            ecg_url(world.patient.pk), {"taken_on": today(world.patient).isoformat(), "qtc_ms": "501"}, follow=True
        )
        body = response.content.decode()
        assert "QTc 501 ms is above 500 ms: consider reducing or stopping methadone." in body
        ecg = Ecg.objects.get()
        assert (ecg.qtc_ms, ecg.taken_on) == (501, today(world.patient))
        assert AuditEvent.objects.filter(action="ecg", object_id=str(ecg.pk)).exists()

    def test_a_qtc_of_460_says_discuss_and_monitor(self, world: World, on_methadone: MedicationOrder, as_role) -> None:
        response = as_role("nurse").post(
            ecg_url(world.patient.pk), {"taken_on": today(world.patient).isoformat(), "qtc_ms": "460"}, follow=True
        )
        assert "QTc 460 ms: discuss and monitor." in response.content.decode()

    def test_the_page_says_when_a_baseline_ecg_is_due(
        self, world: World, on_methadone: MedicationOrder, as_role
    ) -> None:
        body = as_role("prescriber").get(reverse("meds:medication", args=[world.patient.pk])).content.decode()
        assert "Baseline ECG due." in body.split('id="ecgs"')[1].split("</section>")[0]

    def test_a_high_qtc_is_an_alert_for_a_person_on_methadone_only(self, world: World, as_role) -> None:
        client = as_role("prescriber")
        client.post(ecg_url(world.patient.pk), {"taken_on": today(world.patient).isoformat(), "qtc_ms": "501"})
        page = reverse("meds:medication", args=[world.patient.pk])
        no_methadone = client.get(page).content.decode().split('id="ecgs"')[1].split("</section>")[0]
        assert "rx-needs_override" not in no_methadone  # the reading is listed, without the methadone alert
        assert "501 ms" in no_methadone
        order_methadone(world, world.patient)
        on_methadone = client.get(page).content.decode().split('id="ecgs"')[1].split("</section>")[0]
        assert "rx-needs_override" in on_methadone

    @pytest.mark.parametrize(
        ("qtc", "message"),
        [
            ("90", "A QTc below 250 ms is not plausible; check the reading (250–800)."),
            ("5010", "A QTc above 800 ms is not plausible; check the reading (250–800)."),
            ("4.5", "Enter the QTc as a whole number of milliseconds."),
            ("", "Enter the QTc in milliseconds, from the ECG report."),
        ],
    )
    def test_an_implausible_qtc_is_refused(self, qtc: str, message: str, world: World, as_role) -> None:
        response = as_role("prescriber").post(
            ecg_url(world.patient.pk), {"taken_on": today(world.patient).isoformat(), "qtc_ms": qtc}
        )
        assert response.context["form"].errors["qtc_ms"] == [message]
        assert not Ecg.objects.exists()

    def test_an_ecg_cannot_be_dated_in_the_future(self, world: World, as_role) -> None:
        tomorrow = today(world.patient) + dt.timedelta(days=1)
        response = as_role("prescriber").post(
            ecg_url(world.patient.pk), {"taken_on": tomorrow.isoformat(), "qtc_ms": "430"}
        )
        assert response.context["form"].errors["taken_on"] == [
            f"{tomorrow:%Y-%m-%d} is in the future; enter the date it happened."
        ]
        assert not Ecg.objects.exists()

    def test_a_nurse_records_ecgs_for_any_patient_of_the_program(self, world: World, as_role) -> None:
        response = as_role("nurse").post(
            ecg_url(world.other_patient.pk), {"taken_on": today(world.patient).isoformat(), "qtc_ms": "430"}
        )
        assert response.status_code == 302
        assert Ecg.objects.get().patient == world.other_patient

    def test_a_counsellor_cannot_record_an_ecg(self, world: World, as_role) -> None:
        response = as_role("counsellor").post(
            ecg_url(world.patient.pk), {"taken_on": today(world.patient).isoformat(), "qtc_ms": "430"}
        )
        assert response.status_code == 403
        assert not Ecg.objects.exists()

    def test_a_prescriber_off_the_care_team_is_asked_to_break_the_glass(self, world: World, as_role) -> None:
        response = as_role("prescriber").get(ecg_url(world.other_patient.pk))
        assert response["Location"] == reverse("break_glass", args=[world.other_patient.pk])


class TestReadiness:
    def buprenorphine(self, world: World, **changes: str) -> dict[str, str]:
        now = timezone.now()
        return {
            "check_for": "buprenorphine",
            "assessed_at": local(world, now - dt.timedelta(minutes=30)),
            "last_use_at": local(world, now - dt.timedelta(hours=18)),
            "opioid_type": "short_acting",
            "cows_total": "11",
            **changes,
        }

    def test_it_records_a_buprenorphine_check_in_the_programs_time_zone(self, world: World, as_role) -> None:
        data = self.buprenorphine(world)
        response = as_role("nurse").post(readiness_url(world.patient.pk), data, follow=True)
        body = response.content.decode()
        assert "Readiness check recorded (Buprenorphine induction)." in body
        assert data["assessed_at"].replace("T", " ") in body  # shown back in the program's zone
        check = ReadinessCheck.objects.get()
        assert check.cows_total == 11 and check.opioid_type == "short_acting"
        assert local(world, check.assessed_at) == data["assessed_at"]
        assert local(world, check.last_use_at) == data["last_use_at"]  # type: ignore[arg-type]
        assert AuditEvent.objects.filter(action="readiness", object_id=str(check.pk)).exists()

    @pytest.mark.parametrize(
        ("cows", "message"),
        [
            ("49", "A COWS total is 0–48; check the sum."),
            ("-1", "A COWS total is 0–48."),
            ("", "Buprenorphine induction: enter the current COWS total (0–48)."),
            ("eight", "Enter the COWS total as a whole number."),
        ],
    )
    def test_a_cows_total_outside_0_to_48_is_refused(self, cows: str, message: str, world: World, as_role) -> None:
        response = as_role("prescriber").post(
            readiness_url(world.patient.pk), self.buprenorphine(world, cows_total=cows)
        )
        assert response.context["form"].errors["cows_total"] == [message]
        assert not ReadinessCheck.objects.exists()

    def test_times_in_the_future_or_out_of_order_are_refused(self, world: World, as_role) -> None:
        client = as_role("prescriber")
        later = local(world, timezone.now() + dt.timedelta(hours=3))
        future = client.post(readiness_url(world.patient.pk), self.buprenorphine(world, assessed_at=later))
        assert future.context["form"].errors["assessed_at"] == ["That time is in the future."]
        after = local(world, timezone.now() - dt.timedelta(minutes=5))
        swapped = client.post(readiness_url(world.patient.pk), self.buprenorphine(world, last_use_at=after))
        assert swapped.context["form"].errors["last_use_at"] == ["Last use is after the assessment; check both times."]
        assert not ReadinessCheck.objects.exists()

    def test_it_records_a_naltrexone_check_with_test_and_challenge(self, world: World, as_role) -> None:
        now = timezone.now()
        data = {
            "check_for": "naltrexone",
            "assessed_at": local(world, now - dt.timedelta(minutes=30)),
            "last_use_at": local(world, now - dt.timedelta(days=15)),
            "opioid_type": "methadone",
            "negative_test_on": today(world.patient).isoformat(),
            "naloxone_challenge": "passed",
        }
        assert as_role("prescriber").post(readiness_url(world.patient.pk), data).status_code == 302
        check = ReadinessCheck.objects.get()
        assert (check.check_for, check.cows_total, check.negative_test_on) == (
            "naltrexone",
            None,
            today(world.patient),
        )
        assert check.naloxone_challenge_passed is True

    def test_a_negative_test_in_the_future_is_refused(self, world: World, as_role) -> None:
        tomorrow = today(world.patient) + dt.timedelta(days=1)
        data = {
            "check_for": "naltrexone",
            "assessed_at": local(world, timezone.now() - dt.timedelta(minutes=30)),
            "opioid_type": "short_acting",
            "negative_test_on": tomorrow.isoformat(),
        }
        response = as_role("prescriber").post(readiness_url(world.patient.pk), data)
        assert response.context["form"].errors["negative_test_on"]
        assert not ReadinessCheck.objects.exists()

    def test_a_counsellor_cannot_record_readiness(self, world: World, as_role) -> None:
        assert as_role("counsellor").get(readiness_url(world.patient.pk)).status_code == 403


class TestCoUse:
    def url(self, world: World) -> str:
        return reverse("meds:co_use_new", args=[world.patient.pk])

    def test_it_documents_co_use_and_the_page_says_never_withhold(self, world: World, as_role) -> None:
        note = "Reports alprazolam from a friend twice a week; discussed risks, naloxone kit given"
        response = as_role("prescriber").post(
            self.url(world),
            {"substance": "benzodiazepine", "noted_on": today(world.patient).isoformat(), "note": note},
            follow=True,
        )
        body = response.content.decode()
        assert "medication is not withheld" in body
        assert CoUse.objects.get().note == note
        assert AuditEvent.objects.filter(action="co_use").exists()

    def test_a_note_is_required(self, world: World, as_role) -> None:
        response = as_role("prescriber").post(
            self.url(world), {"substance": "alcohol", "noted_on": today(world.patient).isoformat(), "note": ""}
        )
        assert response.context["form"].errors["note"] == [
            "Document what was seen or reported and the plan to manage the risk."
        ]
        assert not CoUse.objects.exists()

    @pytest.mark.parametrize("role", ["nurse", "counsellor"])
    def test_only_prescribers_write_co_use_notes(self, role: str, world: World, as_role) -> None:
        assert as_role(role).get(self.url(world)).status_code == 403
