"""Personal access tokens: who may create them, naming, revoking."""

import pytest
from django.core.exceptions import ValidationError

from waymark.conftest import World
from waymark.core.models import AccessToken, AuditEvent
from waymark.core.services import create_access_token, revoke_access_token, user_for_token


class TestCreateAccessToken:
    def test_it_creates_a_named_token_and_audits_it(self, world: World) -> None:
        token, raw = create_access_token(world.user("prescriber"), "  EHR bridge  ")
        assert token.name == "EHR bridge"
        assert user_for_token(raw) == world.user("prescriber")
        assert AuditEvent.objects.filter(action="create", object_type="accesstoken", object_id=str(token.pk)).exists()

    def test_it_gives_each_token_a_different_secret(self, world: World) -> None:
        _, first = create_access_token(world.user("nurse"), "one")
        _, second = create_access_token(world.user("nurse"), "two")
        assert first != second

    @pytest.mark.parametrize("role", ["patient", "peer_moderator", "privacy_officer"])
    def test_it_denies_roles_without_api_access(self, world: World, role: str) -> None:
        with pytest.raises(ValidationError):
            create_access_token(world.user(role), "mine")
        assert not AccessToken.objects.exists()

    def test_it_rejects_a_blank_name(self, world: World) -> None:
        with pytest.raises(ValidationError) as exc:
            create_access_token(world.user("nurse"), "   ")
        assert "name" in exc.value.message_dict


class TestRevokeAccessToken:
    def test_it_revokes_once_and_audits_it(self, world: World) -> None:
        user = world.user("nurse")
        token, raw = create_access_token(user, "Pharmacy sync")
        revoke_access_token(user, token)
        revoke_access_token(user, token)
        assert user_for_token(raw) is None
        assert AuditEvent.objects.filter(action="revoke", object_type="accesstoken").count() == 1

    def test_it_refuses_to_revoke_someone_elses_token(self, world: World) -> None:
        token, raw = create_access_token(world.user("nurse"), "Pharmacy sync")
        with pytest.raises(ValidationError):
            revoke_access_token(world.user("program_admin"), token)
        assert user_for_token(raw) == world.user("nurse")


class TestTokenAfterRoleChange:
    def test_a_token_stops_working_when_the_role_loses_api_access(self, world: World) -> None:
        nurse = world.user("nurse")
        _, raw = create_access_token(nurse, "lab interface")
        assert user_for_token(raw) == nurse
        nurse.role = "peer_moderator"
        nurse.save(update_fields=["role"])
        assert user_for_token(raw) is None
