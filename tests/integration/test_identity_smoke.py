import pytest

from tests.support import create_firm, request, token_for

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("database")]


def test_login_and_me() -> None:
    admin = create_firm()
    token = token_for(admin.email)
    reply = request("GET", "auth/me", token=token)
    assert reply.status == 200, reply.body
    assert reply.json()["user"]["email"] == admin.email
