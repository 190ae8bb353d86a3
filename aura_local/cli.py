"""The `aura` command: serve the local host, migrate, create firms and users, inspect the bus and log.

Local state (embedded database, blobs, mail) lives in .aura/ at the repository root, so the command
and the host share it; DATABASE_URL overrides the database.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import secrets
import sys
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
STATE_DIR = Path(os.environ.get("AURA_STATE_DIR", REPO_ROOT / ".aura"))
DEMO_FIRM = "Demo CPA Firm"
DEMO_EMAIL = "admin@demo-cpa.example.com"


def _prepare_environment() -> None:
    """Point settings at the local state before anything reads them."""
    from aura_local import database

    os.environ["DATABASE_URL"] = database.resolve(STATE_DIR)
    os.environ.setdefault("AURA_LOCAL_STORAGE_DIR", str(STATE_DIR / "blobs"))
    os.environ.setdefault("AURA_LOCAL_MAIL_DIR", str(STATE_DIR / "mail"))
    if not os.environ.get("AURA_JWT_SECRET"):
        secret_file = STATE_DIR / "jwt-secret"
        if not secret_file.exists():
            STATE_DIR.mkdir(parents=True, exist_ok=True)
            secret_file.write_text(secrets.token_urlsafe(48))
            secret_file.chmod(0o600)
        os.environ["AURA_JWT_SECRET"] = secret_file.read_text().strip()


def _print(data: dict[str, Any]) -> None:
    print(json.dumps(data, indent=2, default=str))


def _upgrade() -> None:
    from shared.db.migrate import upgrade

    upgrade(os.environ["DATABASE_URL"])


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    _upgrade()
    print("database is at the newest schema")
    return 0


def cmd_db_reset(args: argparse.Namespace) -> int:
    from sqlalchemy.engine import make_url

    from aura_local import database

    url = make_url(os.environ["DATABASE_URL"])
    server = url.set(database="postgres").render_as_string(hide_password=False)
    database.drop_database(server, str(url.database))
    database.create_database(server, str(url.database))
    _upgrade()
    print(f"database {url.database} dropped, recreated and migrated")
    return 0


def _create_firm(name: str, email: str, password: str) -> tuple[str, str]:
    from functions.identity import service
    from shared.db.uow import UnitOfWork

    with UnitOfWork() as uow:
        firm, user = service.create_firm(uow=uow, name=name, admin_email=email, admin_password=password)
        return str(firm.id), str(user.id)


def cmd_firm_create(args: argparse.Namespace) -> int:
    firm_id, user_id = _create_firm(args.name, args.admin_email, args.admin_password)
    _print({"firm_id": firm_id, "user_id": user_id})
    return 0


def cmd_user_create(args: argparse.Namespace) -> int:
    import uuid

    from functions.identity import service
    from shared.db.uow import UnitOfWork

    with UnitOfWork(firm_id=uuid.UUID(args.firm_id)) as uow:
        service.get_firm_or_raise(uow=uow)
        user = service.create_user(
            uow=uow,
            email=args.email,
            display_name=args.display_name or "",
            password=args.password,
            roles=[args.role],
            client_id=None,
        )
        _print({"user_id": str(user.id)})
    return 0


def cmd_bus_dead_letters(args: argparse.Namespace) -> int:
    from aura_local.delivery import dead_letters
    from shared.db.uow import UnitOfWork

    with UnitOfWork(system=True) as uow:
        rows = dead_letters(uow.session)
    for row in rows:
        _print(dataclasses.asdict(row))
    if not rows:
        print("no dead-lettered messages")
    return 0


def _ensure_demo_firm() -> dict[str, str] | None:
    """Create the demo firm on a database that lacks it and return its admin's credentials.

    When the firm exists but the credentials file is gone or no longer signs in (a fresh clone against
    an old database, or another checkout that reset the password), the demo admin gets a new password,
    so `make run` always ends with a login that works.
    """
    from sqlalchemy import text

    from functions.identity import service
    from shared import clock
    from shared.auth.passwords import verify_password
    from shared.db.models import User
    from shared.db.uow import UnitOfWork

    demo_file = STATE_DIR / "demo-login.json"
    password = secrets.token_urlsafe(12)
    with UnitOfWork() as uow:
        found = uow.session.execute(
            text("SELECT user_id, firm_id FROM aura_auth_find_user(:e)"), {"e": DEMO_EMAIL}
        ).first()
        if found is not None:
            uow.switch_firm(found.firm_id)
            user = uow.session.get(User, found.user_id)
            stored = json.loads(demo_file.read_text()).get("password", "") if demo_file.exists() else ""
            if user is not None and stored:
                locked = user.locked_until is not None and user.locked_until > clock.now()
                if user.is_active and not locked and verify_password(user.password_hash, stored):
                    return None
            service.set_password(uow=uow, user_id=found.user_id, new_password=password)
            firm_id = str(found.firm_id)
    if found is None:
        firm_id, _ = _create_firm(DEMO_FIRM, DEMO_EMAIL, password)
    credentials = {"email": DEMO_EMAIL, "password": password, "firm_id": firm_id}
    STATE_DIR.mkdir(parents=True, exist_ok=True)
    demo_file.write_text(json.dumps(credentials, indent=2))
    demo_file.chmod(0o600)
    return credentials


def served_base_url(host: str, port: int) -> str:
    """The address a browser reaches `aura serve --host H --port N` at (a wildcard host: this machine)."""
    if host in ("", "0.0.0.0", "::"):  # noqa: S104  # nosec B104 - comparing, not binding
        host = "127.0.0.1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def _links_follow_the_port(host: str, port: int) -> None:
    """Links in e-mails and local upload URLs point at the port served, unless AURA_PUBLIC_BASE_URL is
    configured (in the environment or .env): that one names the portal's own address and wins."""
    from shared.settings import Settings, get_settings

    if "public_base_url" not in Settings().model_fields_set:
        os.environ["AURA_PUBLIC_BASE_URL"] = served_base_url(host, port)
        get_settings.cache_clear()


POOL_CONNECTIONS = 10  # of the whole `aura serve`, and as many more at peaks


def _pool_for_many_users(workers: int = 1) -> None:
    """One `aura serve` answers every user, where Azure spreads them over instances: unless the
    environment or .env says otherwise, its database pools have 10 connections and 10 more at peaks
    in all, split over its worker processes (5 + 5 each for two; a Functions instance keeps the default
    5 + 5). A worker runs as many signed-in requests at once as its pool has connections
    (aura_local/host.py)."""
    from shared.settings import Settings, get_settings

    configured = Settings().model_fields_set
    each = str(max(2, -(-POOL_CONNECTIONS // max(1, workers))))
    for field, variable in (("db_pool_size", "AURA_DB_POOL_SIZE"), ("db_max_overflow", "AURA_DB_MAX_OVERFLOW")):
        if field not in configured:
            os.environ[variable] = each
    get_settings.cache_clear()


def cmd_serve(args: argparse.Namespace) -> int:
    from aura_local.workers import default_workers

    workers = args.workers if args.workers is not None else default_workers()
    if workers < 1:
        raise SystemExit("--workers must be at least 1")
    _links_follow_the_port(args.host, args.port)
    _pool_for_many_users(workers)
    if not args.no_migrate:
        _upgrade()
    created = _ensure_demo_firm() if args.demo else None
    demo_file = STATE_DIR / "demo-login.json"
    url = f"http://{args.host}:{args.port}"
    processes = "one process" if workers == 1 else f"{workers} worker processes"
    print(f"Aura local host: {url}/api  (API reference: {url}/api/docs, health: {url}/api/health; {processes})")
    if created:
        print(f"Demo login: {created['email']} / {created['password']}  (kept in {demo_file})")
    elif args.demo and demo_file.exists():
        demo = json.loads(demo_file.read_text())
        print(f"Demo login: {demo['email']} / {demo['password']}  (from {demo_file})")
    sys.stdout.flush()
    portal = REPO_ROOT / "portal" / "dist"
    static_dir = portal if portal.is_dir() else None
    if workers > 1:
        from aura_local import workers as worker_processes

        spec = worker_processes.WorkerSpec(
            "function_app:app", args.host, args.port, str(static_dir) if static_dir else None
        )
        return worker_processes.run(spec, workers)
    from aura_local.host import serve

    # The app root is on sys.path under the Functions host too; function_app.py lives there.
    if str(REPO_ROOT) not in sys.path:
        sys.path.insert(0, str(REPO_ROOT))
    import function_app

    serve(function_app.app, host=args.host, port=args.port, static_dir=static_dir)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="aura", description="Aura audit platform: local host and admin tasks")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve every function on the local host")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=7071)
    serve.add_argument("--no-migrate", action="store_true", help="do not upgrade the schema first")
    serve.add_argument("--demo", action="store_true", help="create a demo firm on an empty database")
    serve.add_argument(
        "--workers",
        type=int,
        help="worker processes answering on the one port, as the Functions host's FUNCTIONS_WORKER_PROCESS_COUNT "
        "(default: AURA_LOCAL_WORKERS, else the number of CPUs); worker 0 also relays, delivers and fires timers",
    )
    serve.set_defaults(handler=cmd_serve)

    db = commands.add_parser("db", help="database schema").add_subparsers(dest="db_command", required=True)
    db.add_parser("upgrade", help="apply all migrations").set_defaults(handler=cmd_db_upgrade)
    db.add_parser("reset", help="drop, recreate and migrate the database").set_defaults(handler=cmd_db_reset)

    firm = commands.add_parser("firm", help="firms").add_subparsers(dest="firm_command", required=True)
    firm_create = firm.add_parser("create", help="create a firm and its first firm_admin")
    firm_create.add_argument("--name", required=True)
    firm_create.add_argument("--admin-email", required=True)
    firm_create.add_argument("--admin-password", required=True)
    firm_create.set_defaults(handler=cmd_firm_create)

    user = commands.add_parser("user", help="users").add_subparsers(dest="user_command", required=True)
    user_create = user.add_parser("create", help="create a user in a firm")
    user_create.add_argument("--firm-id", required=True)
    user_create.add_argument("--email", required=True)
    user_create.add_argument("--password", required=True)
    user_create.add_argument(
        "--role", required=True, choices=["firm_admin", "partner", "manager", "senior", "staff", "qc_reviewer"]
    )
    user_create.add_argument("--display-name")
    user_create.set_defaults(handler=cmd_user_create)

    bus = commands.add_parser("bus", help="the local message bus").add_subparsers(dest="bus_command", required=True)
    bus.add_parser("dead-letters", help="list dead-lettered messages").set_defaults(handler=cmd_bus_dead_letters)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _prepare_environment()
    from shared.errors import AppError

    try:
        return int(args.handler(args))
    except AppError as error:
        print(f"error: {error.detail} ({error.code})", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
