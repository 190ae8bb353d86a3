"""The `aura` admin command as an operator runs it: the installed console script, the test database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import delete, insert
from sqlalchemy.engine import make_url

from shared.db.models import LocalDelivery
from shared.db.uow import UnitOfWork
from tests.support import login, request, unique_email

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("database")]

ROOT = Path(__file__).resolve().parents[2]
AURA = Path(sys.executable).with_name("aura")


def _aura(database: str, state: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "AURA_STATE_DIR": str(state),
        "AURA_LOCAL_MAIL_DIR": str(state / "mail"),
        "AURA_LOCAL_STORAGE_DIR": str(state / "blobs"),
    }
    return subprocess.run(
        [str(AURA), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def _firms_named(database: str, name: str) -> int:
    """Counted as the database owner, which row-level security does not filter."""
    url = make_url(database).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url) as connection:
        row = connection.execute("SELECT count(*) FROM firms WHERE name = %s", (name,)).fetchone()
    assert row is not None
    return int(row[0])


def _login_fails(email: str, password: str) -> bool:
    reply = request("POST", "auth/login", json_body={"email": email, "password": password})
    return reply.status == 401


def test_db_upgrade_succeeds_and_is_idempotent(database: str, tmp_path: Path) -> None:
    for _ in range(2):
        result = _aura(database, tmp_path, "db", "upgrade")
        assert result.returncode == 0, result.stderr
        assert "newest schema" in result.stdout


def test_firm_create_prints_ids_and_the_admin_can_sign_in(database: str, tmp_path: Path) -> None:
    email, password = unique_email("cli-admin"), "a long enough password"
    name = f"CLI & Partners {uuid.uuid4().hex[:8]}"

    result = _aura(
        database, tmp_path, "firm", "create", "--name", name, "--admin-email", email, "--admin-password", password,
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    created = json.loads(result.stdout)
    firm_id, user_id = uuid.UUID(created["firm_id"]), uuid.UUID(created["user_id"])
    token = login(email, password)["access_token"]
    me = request("GET", "auth/me", token=token)
    assert me.status == 200, me.body
    assert me.json()["user"]["id"] == str(user_id)
    assert me.json()["user"]["email"] == email
    assert me.json()["firm"]["id"] == str(firm_id)
    assert me.json()["firm"]["name"] == name
    assert me.json()["roles"] == ["firm_admin"]
    assert _firms_named(database, name) == 1


def test_user_create_adds_a_user_with_the_role(database: str, tmp_path: Path) -> None:
    admin_email = unique_email("cli-admin")
    firm = _aura(
        database, tmp_path, "firm", "create", "--name", "Roles LLP", "--admin-email", admin_email,
        "--admin-password", "a long enough password",
    )  # fmt: skip
    assert firm.returncode == 0, firm.stderr
    firm_id = json.loads(firm.stdout)["firm_id"]
    email, password = unique_email("cli-senior"), "senior's own password"

    result = _aura(
        database, tmp_path, "user", "create", "--firm-id", firm_id, "--email", email, "--password", password,
        "--role", "senior",
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    user_id = uuid.UUID(json.loads(result.stdout)["user_id"])
    me = request("GET", "auth/me", token=login(email, password)["access_token"])
    assert me.status == 200, me.body
    assert me.json()["user"]["id"] == str(user_id)
    assert me.json()["firm"]["id"] == firm_id
    assert me.json()["roles"] == ["senior"]


def test_a_too_short_password_creates_nothing(database: str, tmp_path: Path) -> None:
    email, name = unique_email("cli-short"), f"Short LLP {uuid.uuid4().hex[:8]}"

    result = _aura(
        database, tmp_path, "firm", "create", "--name", name, "--admin-email", email, "--admin-password", "short",
    )  # fmt: skip

    assert result.returncode != 0
    assert "password" in result.stderr.lower()
    assert "Traceback" not in result.stderr
    assert result.stdout.strip() == ""
    assert _login_fails(email, "short")
    assert _firms_named(database, name) == 0


def test_an_unknown_role_is_refused_by_the_parser(database: str, tmp_path: Path) -> None:
    email = unique_email("cli-wizard")

    result = _aura(
        database, tmp_path, "user", "create", "--firm-id", str(uuid.uuid4()), "--email", email, "--password",
        "a long enough password", "--role", "wizard",
    )  # fmt: skip

    assert result.returncode == 2
    assert "wizard" in result.stderr
    assert "invalid choice" in result.stderr


def test_bus_dead_letters_lists_dead_lettered_messages(database: str, tmp_path: Path) -> None:
    with UnitOfWork(system=True) as uow:
        already = uow.session.query(LocalDelivery).filter(LocalDelivery.status == "dead_lettered").count()

    if already == 0:
        empty = _aura(database, tmp_path, "bus", "dead-letters")
        assert empty.returncode == 0, empty.stderr
        assert "no dead-lettered messages" in empty.stdout

    message_id = str(uuid.uuid4())
    with UnitOfWork(system=True) as uow:
        uow.session.execute(
            insert(LocalDelivery).values(
                message_id=message_id,
                entity="events/test-cli",
                function_name="test_cli_consumer",
                message_type="test.cli.dead",
                body={"id": message_id},
                status="dead_lettered",
                delivery_count=10,
                last_error="RuntimeError: boom",
            )
        )
        uow.commit()
    try:
        listed = _aura(database, tmp_path, "bus", "dead-letters")
    finally:
        with UnitOfWork(system=True) as uow:
            uow.session.execute(delete(LocalDelivery).where(LocalDelivery.message_id == message_id))
            uow.commit()

    assert listed.returncode == 0, listed.stderr
    assert message_id in listed.stdout
    assert "test_cli_consumer" in listed.stdout
    assert "RuntimeError: boom" in listed.stdout
    assert "no dead-lettered messages" not in listed.stdout
