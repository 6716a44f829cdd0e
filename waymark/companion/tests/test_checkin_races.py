"""Two submissions that race (two tabs, or the phone's outbox syncing while the page is sent): the database's
unique constraints decide, and the loser gets a sensible answer, never a server error and never another
person's row. The race is staged by making the first read miss the row a concurrent request committed."""

import datetime as dt
import uuid
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from waymark.companion import services
from waymark.companion.models import CheckIn, CheckInRevision, CheckInSubmission, CompanionProfile, JournalEntry
from waymark.companion.tests.conftest import check_in, start
from waymark.conftest import make_user
from waymark.core.roles import Role


def first_read_misses(monkeypatch: pytest.MonkeyPatch, manager: Any) -> None:
    """The first `manager.filter(...)` sees nothing (the other request had not committed yet)."""
    real = manager.filter
    calls = {"n": 0}

    def filter_(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        rows = real(*args, **kwargs)
        return rows.none() if calls["n"] == 1 else rows

    monkeypatch.setattr(manager, "filter", filter_)


def day_taken_meanwhile(monkeypatch: pytest.MonkeyPatch) -> None:
    """The first attempt does not see the day's check-in another submission just made, and inserts its own."""
    real = services._apply
    calls = {"n": 0}

    def apply(user: Any, profile: CompanionProfile, day: dt.date, values: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 1:
            return CheckIn.objects.create(user=user, day=day, **values), True
        return real(user, profile, day, values)

    monkeypatch.setattr(services, "_apply", apply)


def data(**values: Any) -> services.CheckInInput:
    return services.CheckInInput(**{"mood": 3, "craving": 2, **values})


class TestCheckInRace:
    def test_a_second_submission_for_today_becomes_a_change_not_an_error(
        self, monkeypatch: pytest.MonkeyPatch, self_guided_profile: CompanionProfile
    ) -> None:
        user = self_guided_profile.user
        check_in(user, self_guided_profile, craving=5)
        day_taken_meanwhile(monkeypatch)
        saved = services.save_check_in(user, self_guided_profile, data(craving=7), client_id=uuid.uuid4())
        assert (saved.created, saved.duplicate) == (False, False)
        assert CheckIn.objects.get().craving == 7
        assert CheckInRevision.objects.count() == 1
        assert CheckInSubmission.objects.count() == 2

    def test_a_second_late_submission_for_an_earlier_day_is_a_clear_error(
        self, monkeypatch: pytest.MonkeyPatch, self_guided_profile: CompanionProfile
    ) -> None:
        user = self_guided_profile.user
        yesterday = services.today_for(self_guided_profile) - dt.timedelta(days=1)
        check_in(user, self_guided_profile, day=yesterday, craving=5)
        day_taken_meanwhile(monkeypatch)
        with pytest.raises(ValidationError) as caught:
            services.save_check_in(user, self_guided_profile, data(), client_id=uuid.uuid4(), day=yesterday)
        assert "day" in caught.value.message_dict
        assert CheckIn.objects.get().craving == 5
        assert CheckInSubmission.objects.count() == 1

    def test_another_persons_client_id_in_a_race_is_refused_not_a_server_error(
        self, monkeypatch: pytest.MonkeyPatch, self_guided_profile: CompanionProfile
    ) -> None:
        other = start(make_user(None, Role.PATIENT, "sky"))
        client_id = uuid.uuid4()
        services.save_check_in(other.user, other, data(note="theirs"), client_id=client_id)
        first_read_misses(monkeypatch, CheckInSubmission.objects)
        with pytest.raises(ValidationError) as caught:
            services.save_check_in(self_guided_profile.user, self_guided_profile, data(), client_id=client_id)
        assert "client_id" in caught.value.message_dict
        assert CheckIn.objects.filter(user=self_guided_profile.user).count() == 0


class TestJournalRace:
    def test_another_persons_client_id_in_a_race_is_refused_not_a_server_error(
        self, monkeypatch: pytest.MonkeyPatch, self_guided_profile: CompanionProfile
    ) -> None:
        other = start(make_user(None, Role.PATIENT, "sky"))
        client_id = uuid.uuid4()
        services.write_journal(other.user, other, text="theirs", client_id=client_id)
        first_read_misses(monkeypatch, JournalEntry.objects)
        with pytest.raises(ValidationError) as caught:
            services.write_journal(self_guided_profile.user, self_guided_profile, text="mine", client_id=client_id)
        assert "client_id" in caught.value.message_dict
        assert JournalEntry.objects.filter(user=self_guided_profile.user).count() == 0

    def test_the_same_entry_sent_twice_at_once_is_saved_once(
        self, monkeypatch: pytest.MonkeyPatch, self_guided_profile: CompanionProfile
    ) -> None:
        user = self_guided_profile.user
        client_id = uuid.uuid4()
        first = services.write_journal(user, self_guided_profile, text="once", client_id=client_id)
        first_read_misses(monkeypatch, JournalEntry.objects)
        again = services.write_journal(user, self_guided_profile, text="once", client_id=client_id)
        assert again.entry.pk == first.entry.pk and again.created is False
        assert JournalEntry.objects.count() == 1
