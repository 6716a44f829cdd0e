"""`waymark token create USERNAME` prints a token the API accepts."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from waymark.conftest import World
from waymark.core.models import AccessToken
from waymark.core.roles import Role

pytestmark = pytest.mark.django_db


def test_prints_a_working_token(world: World) -> None:
    out = StringIO()
    call_command("token", "create", "nurse", "--name", "pump software", stdout=out)
    raw = out.getvalue().strip()
    assert raw.startswith("wmk_")
    token = AccessToken.objects.get(user=world.user(Role.NURSE))
    assert token.name == "pump software"
    assert raw not in token.token_hash  # only the hash is stored
    response = Client().get("/api/v1/patients", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200


def test_unknown_user_and_roles_without_api_access_are_refused(world: World) -> None:
    with pytest.raises(CommandError, match="No account"):
        call_command("token", "create", "nobody", stdout=StringIO())
    with pytest.raises(CommandError, match="cannot create API tokens"):
        call_command("token", "create", "patient", stdout=StringIO())
    assert not AccessToken.objects.exists()
