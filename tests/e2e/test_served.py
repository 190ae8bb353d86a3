"""The `aura serve` command as a user runs it: a real process, real HTTP, the test database."""

from __future__ import annotations

import email
import email.policy
import json
import os
import re
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("database")]

ROOT = Path(__file__).resolve().parents[2]
AURA = Path(sys.executable).with_name("aura")
# Schemathesis examples per operation: few in make test, so it stays quick; `make fuzz` sets many.
FUZZ_EXAMPLES = int(os.environ.get("AURA_FUZZ_EXAMPLES", "5"))


@dataclass
class Served:
    base: str
    state: Path
    process: subprocess.Popen[bytes]

    def demo_login(self) -> dict[str, str]:
        return json.loads((self.state / "demo-login.json").read_text())


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start(state: Path, database_url: str, *args: str) -> Served:
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "AURA_STATE_DIR": str(state),
        "AURA_LOCAL_MAIL_DIR": str(state / "mail"),
        "AURA_LOCAL_STORAGE_DIR": str(state / "blobs"),
        "AURA_LOG_LEVEL": "WARNING",
    }
    log = (state / "serve.log").open("wb")
    process = subprocess.Popen(
        [str(AURA), "serve", "--port", str(port), "--no-migrate", *args],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError((state / "serve.log").read_text())
        try:
            httpx.get(f"{base}/api/openapi.json", timeout=2)
            return Served(base, state, process)
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    raise AssertionError("the local host did not answer within 60 s")


def _stop(served: Served) -> None:
    served.process.terminate()
    try:
        served.process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        served.process.kill()
        served.process.wait()


@pytest.fixture(scope="module")
def served(database: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    host = _start(tmp_path_factory.mktemp("served"), database, "--demo")
    try:
        yield host
    finally:
        _stop(host)


def _login(served: Served) -> str:
    demo = served.demo_login()
    reply = httpx.post(f"{served.base}/api/auth/login", json={"email": demo["email"], "password": demo["password"]})
    assert reply.status_code == 200, reply.text
    return str(reply.json()["access_token"])


def test_health_reports_the_database(served: Served) -> None:
    reply = httpx.get(f"{served.base}/api/health")
    assert reply.status_code == 200
    body = reply.json()
    assert body["status"] == "healthy"
    assert body["service"] == "aura"
    assert body["database"] == "ok"
    assert body["version"]


def test_the_demo_login_works_and_is_printed(served: Served) -> None:
    token = _login(served)
    me = httpx.get(f"{served.base}/api/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    assert me.json()["firm"]["name"] == "Demo CPA Firm"
    assert served.demo_login()["password"] in (served.state / "serve.log").read_text()


def test_docs_and_openapi_are_served(served: Served) -> None:
    document = httpx.get(f"{served.base}/api/openapi.json").json()
    assert document["openapi"].startswith("3.1")
    assert "/api/auth/login" in document["paths"]
    page = httpx.get(f"{served.base}/api/docs")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "/api/users/{user_id}" in page.text


def test_the_events_catalogue_is_served(served: Served) -> None:
    reply = httpx.get(f"{served.base}/api/events.json")
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("application/json")
    messages = {message["name"] for message in reply.json()["components"]["messages"].values()}
    assert {"dataset.ingested", "analytics.completed", "engagement.finalized", "ingest_dataset"} <= messages


def test_an_invitation_by_email_through_http(served: Served) -> None:
    token = _login(served)
    invited = f"e2e-{time.time_ns()}@example.com"
    created = httpx.post(
        f"{served.base}/api/invitations",
        json={"email": invited, "roles": ["staff"]},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert created.status_code == 201, created.text
    [mail] = [
        m
        for m in (
            email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
            for p in (served.state / "mail").glob("*.eml")
        )
        if m["To"] == invited
    ]
    secret = re.search(r"token: (\S+)", mail.get_content())
    assert secret
    accepted = httpx.post(
        f"{served.base}/api/invitations/accept",
        json={"token": secret.group(1), "password": "invited-and-accepted"},
    )
    assert accepted.status_code == 201
    login = httpx.post(f"{served.base}/api/auth/login", json={"email": invited, "password": "invited-and-accepted"})
    assert login.status_code == 200


def test_links_and_upload_urls_point_at_the_port_served(served: Served) -> None:
    """Served on a port other than 7071 with no AURA_PUBLIC_BASE_URL set, the invitation e-mail's link
    and a local upload URL point at that port, and the upload URL takes the file."""
    from tests.support import PASSWORD, create_firm

    assert not served.base.endswith(":7071")
    admin = create_firm("Port CPA")
    token = httpx.post(f"{served.base}/api/auth/login", json={"email": admin.email, "password": PASSWORD}).json()[
        "access_token"
    ]
    auth = {"Authorization": f"Bearer {token}"}
    invited = f"port-{time.time_ns()}@example.com"
    created = httpx.post(f"{served.base}/api/invitations", json={"email": invited, "roles": ["staff"]}, headers=auth)
    assert created.status_code == 201, created.text
    [mail] = [
        m
        for m in (
            email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
            for p in (served.state / "mail").glob("*.eml")
        )
        if m["To"] == invited
    ]
    assert f"{served.base}/accept-invitation?token=" in mail.get_content()

    client = httpx.post(f"{served.base}/api/clients", json={"name": "Port Co"}, headers=auth).json()["id"]
    engagement = httpx.post(
        f"{served.base}/api/engagements",
        json={
            "client_id": client,
            "name": "FY2026 audit",
            "engagement_type": "audit",
            "period_start": "2026-01-01",
            "period_end": "2026-12-31",
            "framework": "us_gaap",
        },
        headers=auth,
    ).json()["id"]
    upload = httpx.post(
        f"{served.base}/api/engagements/{engagement}/evidence/uploads",
        json={"filename": "confirmation.txt", "content_type": "text/plain"},
        headers=auth,
    )
    assert upload.status_code == 201, upload.text
    assert upload.json()["upload_url"].startswith(f"{served.base}/api/engagements/{engagement}/evidence/uploads/")
    sent = httpx.put(
        upload.json()["upload_url"], content=b"bank confirmation", headers={**auth, "Content-Type": "text/plain"}
    )
    assert sent.is_success, sent.text


def test_health_answers_503_when_the_database_is_down(tmp_path: Path) -> None:
    host = _start(tmp_path, "postgresql://postgres@127.0.0.1:1/unreachable")
    try:
        reply = httpx.get(f"{host.base}/api/health", timeout=30)
        assert reply.status_code == 503
        assert reply.json()["database"] == "unreachable"
        assert reply.json()["status"] == "unhealthy"
    finally:
        _stop(host)


# The walkthroughs run before the fuzzing below: schemathesis queues a couple of hundred journal-entry
# runs on the served bus, and a walkthrough waiting behind them measures the backlog, not its own jobs.
def _run_walkthrough_block(served: Served, heading: str, firm: str) -> str:
    """The shell block under `heading` in docs/walkthrough.md, run by bash against the served host as the
    administrator of a firm of its own (other tests may have changed the demo login); any 4xx/5xx
    stops it. Returns what it printed."""
    from tests.support import PASSWORD, create_firm

    admin = create_firm(firm)
    login = httpx.post(f"{served.base}/api/auth/login", json={"email": admin.email, "password": PASSWORD})
    walkthrough = (ROOT / "docs" / "walkthrough.md").read_text()
    section = walkthrough.split(heading, 1)[1]
    match = re.search(r"```sh\n(.*?)```", section, re.DOTALL)
    assert match, f"the shell block under {heading!r} is missing from docs/walkthrough.md"
    script = match[1].replace("API=http://127.0.0.1:7071/api", f"API={served.base}/api")
    prelude = 'set -euo pipefail\ncurl() { command curl --fail-with-body "$@"; }\n'
    result = subprocess.run(  # noqa: S603 - bash running the walkthrough's own commands against a local host
        ["/bin/bash", "-c", prelude + script],
        env={**os.environ, "TOKEN": login.json()["access_token"]},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return result.stdout


def test_the_engagement_walkthrough_runs_as_written(served: Served) -> None:
    printed = _run_walkthrough_block(served, "## An engagement, from client to signed-off workpaper", "Walkthrough CPA")
    assert "content changed in version 2" in printed  # the edit cleared the review and approval
    assert '"status":"open"' in printed  # the review note
    assert '"ready":false' in printed  # no QC or report yet


@pytest.mark.slow  # load jobs through the served bus
def test_the_client_data_walkthrough_loads_through_the_served_bus(served: Served) -> None:
    """Uploads answer 202, the served host's bus runs the load jobs, and the trial balance, journal
    entries and roll-forward read back."""
    printed = _run_walkthrough_block(served, "## Client data: a trial balance and a general ledger", "Data CPA")
    assert printed.count(" succeeded") == 2, printed[-3000:]
    assert '"status":"reconciled"' in printed  # the roll-forward
    assert '"journal_id":"JE-2"' in printed


@pytest.mark.slow  # load and analytics jobs through the served bus
def test_the_analytics_walkthrough_tests_the_ledger_by_itself(served: Served) -> None:
    """Materiality, a ledger whose load starts the journal-entry tests through the served bus, triage,
    a re-run, Benford and two sample plans, as docs/walkthrough.md shows them."""
    printed = _run_walkthrough_block(
        served, "## Journal-entry testing, Benford, materiality and sampling", "Analytics CPA"
    ).splitlines()
    assert "7800.00" in printed  # performance materiality: 65% of 1% of 1,200,000
    for line in (
        "post_closing ran 2 1 []",  # JE-1005: entered 2027-01-05 for 2026-12-31
        "self_approved ran 2 1 []",  # dfox / DFox
        "weekend_entry ran 2 1 []",  # JE-1002 on a Saturday
        "after_hours ran 2 1 []",  # ... at 23:40
        "round_amount ran 2 1 []",  # 10,000.00
        "high_amount ran 4 2 []",  # at or above the 7,800.00 performance materiality
        "sequence_gap ran 4 2 []",  # JE-1003 and JE-1005 border the missing JE-1004
        "post_dated not_applicable 0 0 ['document_date']",
    ):
        assert line in printed, line
    assert sum(" succeeded" in line for line in printed) == 2  # the load and the re-run
    assert "{'digits': '29', 'observed_count': 1" in " ".join(printed)  # 12.29 exactly (as a float: 1228.99.. cents)
    assert "93" in printed and "60" in printed  # the attribute and MUS sample sizes


@pytest.mark.slow  # load and mapping jobs through the served bus
def test_the_fieldwork_walkthrough_runs_as_written(served: Served) -> None:
    """The program from the risks, a confirmation answered and closed, cut-off, a subsequent event, a
    related-party search, an estimate's difference, a drafted note and a question, as docs/walkthrough.md
    shows them."""
    printed = _run_walkthrough_block(
        served, "## Fieldwork: the program, confirmations, cut-off, the registers", "Fieldwork CPA"
    )
    assert "uncovered risks: 0" in printed, printed[-3000:]
    assert "closed" in printed  # the confirmation
    assert "-600.00" in printed  # the estimate's difference to the auditor's range
    assert "offline" in printed  # the assistant's provider names itself
    assert "job " in printed and " failed" not in printed


def _schemathesis(served: Served, token: str, workdir: Path, *extra: str) -> None:
    """Run schemathesis over the served OpenAPI document from `workdir` (where a schemathesis.toml
    may supply real ids); any failed check fails the test with schemathesis's own report."""
    result = subprocess.run(  # noqa: S603 - our own venv's schemathesis against a local host
        [
            str(Path(sys.executable).with_name("st")),
            "run",
            f"{served.base}/api/openapi.json",
            "--header",
            f"Authorization: Bearer {token}",
            "--checks",
            "all",
            # Valid-looking data may still be refused for reasons the schema cannot express (a role
            # mix, an e-mail already taken), so accepting it is not required.
            "--exclude-checks",
            "positive_data_acceptance",
            # Signing out everywhere would end the run's own session: every request after it a 401.
            "--exclude-operation-id",
            "end_all_my_sessions",
            "--max-examples",
            str(FUZZ_EXAMPLES),
            # One worker: CPython 3.11's AST constructor is not thread-safe (python/cpython#106905), and
            # schemathesis parses with it from each worker thread.
            "--workers",
            "1",
            "--seed",
            "20261126",
            *extra,
        ],
        capture_output=True,
        text=True,
        # Generous: on this 2-core machine a run of 25 examples per operation has taken 205 s when the machine
        # was slow; `make fuzz` runs many more.
        timeout=max(600, 24 * FUZZ_EXAMPLES),
        check=False,
        cwd=workdir,
    )
    (workdir / "schemathesis.log").write_text(result.stdout)
    failures = result.stdout.split("=== FAILURES ===")[-1] if "=== FAILURES ===" in result.stdout else ""
    assert result.returncode == 0, (failures or result.stdout)[:12000]


@pytest.mark.slow
def test_schemathesis_finds_no_server_error_and_no_schema_mismatch(served: Served, tmp_path: Path) -> None:
    """Property-based run over every operation of the OpenAPI document, through the local host."""
    _schemathesis(served, _login(served), tmp_path)


def _fieldwork_ids(api: str, auth: dict[str, str], engagement: str) -> dict[str, str]:
    """Real children of confirmations, cut-off, estimates, related parties, subsequent events, disclosures
    and the audit program, created through the served API once the trial balance and ledger are loaded."""
    base = f"{api}/engagements/{engagement}"

    def post(path: str, body: dict[str, Any], status: int = 201) -> Any:
        reply = httpx.post(f"{base}/{path}", json=body, headers=auth)
        assert reply.status_code == status, (path, reply.text)
        return reply.json()

    def get(path: str, **params: str) -> Any:
        reply = httpx.get(f"{base}/{path}", params=params, headers=auth)
        assert reply.status_code == 200, (path, reply.text)
        return reply.json()

    def once_served(path: str, status: int) -> Any:
        """POST until the served bus has done what the request waits on (409 until then)."""
        deadline = time.monotonic() + 60
        reply = httpx.post(f"{base}/{path}", json={}, headers=auth)
        while reply.status_code == 409 and time.monotonic() < deadline:
            time.sleep(0.5)
            reply = httpx.post(f"{base}/{path}", json={}, headers=auth)
        assert reply.status_code == status, (path, reply.text)
        return reply.json()

    ids: dict[str, Any] = {}
    # The cut-off test reads the accounts mapped to revenue and receivables: the served bus suggests the
    # mapping once it has loaded the trial balance.
    ids["cutoff_run_id"] = once_served("cutoff/runs", 201)["id"]
    bank = {"kind": "bank", "party_name": "First Bank", "account_number": "1100", "amount_per_books": "500.00"}
    ids["confirmation_id"] = post("confirmations", bank)["id"]
    estimate = {
        "name": "Allowance for doubtful accounts",
        "kind": "allowance_doubtful_accounts",
        "account_number": "1100",
        "increases_with": "credit",
        "management_estimate": "50.00",
    }
    ids["estimate_id"] = post("estimates", estimate)["id"]
    prior = {"name": "Warranty provision 2025", "kind": "warranty", "prior_estimate": "100", "actual_outcome": "120"}
    ids["review_id"] = post("estimates/reviews", prior)["id"]
    ids["party_id"] = post("related-parties", {"name": "Smith Holdings", "relationship": "owner"})["id"]
    post("related-parties/search", {}, status=200)
    found = get(f"related-parties/{ids['party_id']}/transactions")["items"]
    assert found, "J4 names the party"
    ids["transaction_id"] = found[0]["id"]
    event = {"event_date": "2027-02-10", "description": "Fire", "event_type": "nonrecognized", "source": "inquiry"}
    ids["event_id"] = post("subsequent-events", event)["id"]
    lines = get("subsequent-events/ledger", threshold="1")["lines"]
    ids["row_number"] = lines[0]["row_number"]
    topics = get("disclosures/checklist")["topics"]
    ids["item_code"] = topics[0]["items"][0]["code"]
    ids["disclosure_note_id"] = post("disclosures/notes", {"topic": "subsequent_events"})["id"]
    ids["procedure_id"] = post("program/procedures", {"library_code": "CASH-02"})["id"]
    return {name: str(value) for name, value in ids.items()}


@pytest.mark.slow
def test_schemathesis_inside_a_real_engagement(served: Served, tmp_path: Path) -> None:
    """The same run over the engagement operations, with the ids of a real engagement, binder node,
    evidence file, review note and upload, so generated requests reach the code behind the 404s."""
    from tests.support import PASSWORD, create_firm

    admin = create_firm("Fuzzed CPA")
    token = httpx.post(f"{served.base}/api/auth/login", json={"email": admin.email, "password": PASSWORD}).json()[
        "access_token"
    ]
    api = f"{served.base}/api"
    auth = {"Authorization": f"Bearer {token}"}

    def post(path: str, **kwargs: object) -> dict[str, str]:
        reply = httpx.post(f"{api}/{path}", headers={**auth, **kwargs.pop("headers", {})}, **kwargs)  # type: ignore[arg-type]
        assert reply.status_code == 201, reply.text
        return dict(reply.json())

    client = post("clients", json={"name": "Fuzz Co"})["id"]
    engagement = post(
        "engagements",
        json={
            "client_id": client,
            "name": "Fuzzed",
            "engagement_type": "audit",
            "period_start": "2026-01-01",
            "period_end": "2026-12-31",
            "framework": "us_gaap",
        },
    )["id"]
    folder = httpx.get(f"{api}/engagements/{engagement}/binder", headers=auth).json()["nodes"][0]["id"]
    node = post(
        f"engagements/{engagement}/binder/nodes",
        json={"parent_id": folder, "kind": "workpaper", "title": "Cash", "content": {}},
    )["id"]
    evidence = post(
        f"engagements/{engagement}/evidence",
        content=b"bank confirmation",
        headers={"Content-Type": "text/plain", "X-Filename": "confirmation.txt"},
    )["id"]
    note = post(f"engagements/{engagement}/review-notes", json={"node_id": node, "body": "Agree to the bank"})["id"]
    upload = post(
        f"engagements/{engagement}/evidence/uploads", json={"filename": "tb.csv", "content_type": "text/csv"}
    )["upload_id"]
    ids = {
        "engagement_id": engagement,
        "client_id": client,
        "node_id": node,
        "evidence_id": evidence,
        "note_id": note,
        "upload_id": upload,
        "user_id": str(admin.user_id),
    }
    data_upload = post(f"engagements/{engagement}/uploads", json={"filename": "gl.csv", "content_type": "text/csv"})[
        "upload_id"
    ]
    # A trial balance, whose accounts the cut-off test reads once they are mapped.
    trial_balance = b"Account Number,Account Name,Closing Balance\n1100,Trade debtors,6000.00\n4000,Sales,-6000.00\n"
    tb_loaded = httpx.post(
        f"{api}/engagements/{engagement}/datasets",
        params={"kind": "trial_balance"},
        content=trial_balance,
        headers={**auth, "Content-Type": "text/csv"},
    )
    assert tb_loaded.status_code == 202, tb_loaded.text
    # A general ledger, whose load starts the journal-entry tests on the served bus, and a sample of it;
    # J4, after the period end, names a related party: a line for the next period's review and the search.
    ledger = (
        "JE Number,Line,Account,Debit,Credit,Posting Date,Entry Date,Entry Time,Created By,Memo\n"
        + "".join(
            f"J{n},1,1100,{n}000.00,,2026-03-0{n},2026-03-0{n},2{n}:00:00,ann,Sale {n}\n"
            f"J{n},2,4000,,{n}000.00,2026-03-0{n},2026-03-0{n},2{n}:00:00,ann,Sale {n}\n"
            for n in range(1, 4)
        )
        + "J4,1,1100,500.00,,2027-01-04,2027-01-04,10:00:00,ann,Sale to Smith Holdings\n"
        "J4,2,4000,,500.00,2027-01-04,2027-01-04,10:00:00,ann,Sale to Smith Holdings\n"
    ).encode()
    loaded = httpx.post(
        f"{api}/engagements/{engagement}/datasets",
        params={"kind": "general_ledger"},
        content=ledger,
        headers={**auth, "Content-Type": "text/csv"},
    )
    assert loaded.status_code == 202, loaded.text
    deadline = time.monotonic() + 60
    runs: list[dict[str, str]] = []
    while not (runs and runs[0]["status"] == "completed") and time.monotonic() < deadline:
        time.sleep(0.5)
        runs = httpx.get(f"{api}/engagements/{engagement}/je-tests/runs", headers=auth).json()["items"]
    datasets = httpx.get(f"{api}/engagements/{engagement}/datasets", headers=auth).text
    assert runs and runs[0]["status"] == "completed", (runs, datasets[:2000])
    sample = post(
        f"engagements/{engagement}/samples",
        json={"name": "Sales", "method": "random", "population": {"source": "general_ledger"}, "parameters": {"n": 2}},
    )["id"]
    ids |= {"run_id": runs[0]["id"], "journal_id": "J1", "code": "round_amount", "sample_id": sample}
    contact = post(
        "users",
        json={"email": f"pbc-{admin.email}", "password": PASSWORD, "roles": ["client_user"], "client_id": client},
    )["id"]
    pbc = {"title": "Bank letters", "due_date": "2026-12-31", "assignee": contact, "kind": "document"}
    ids["request_id"] = post(f"engagements/{engagement}/requests", json=pbc)["id"]
    ids["report_id"] = post(f"engagements/{engagement}/reports", json={"opinion": "unmodified"})["id"]
    waiver = {"policy": "subsequent_events", "reason": "Covered by the group auditor's memo"}
    ids["waiver_id"] = post(f"engagements/{engagement}/qc/waivers", json=waiver)["id"]
    ids |= _fieldwork_ids(api, auth, engagement)
    # Under the same name, another kind of child: a data upload (not an evidence upload), a cut-off run (not a
    # journal-entry run), a disclosure note (not a review note).
    same_names = {
        "uploads/": ("upload_id", data_upload),
        "cutoff/": ("run_id", ids.pop("cutoff_run_id")),
        "disclosures/notes/": ("note_id", ids.pop("disclosure_note_id")),
    }
    config = "[parameters]\n" + "".join(f'"path.{name}" = "{value}"\n' for name, value in ids.items())
    for under, (name, value) in same_names.items():
        config += (
            f'\n[[operations]]\ninclude-path-regex = "^/api/engagements/\\\\{{engagement_id\\\\}}/{under}"\n'
            f'parameters = {{ "path.{name}" = "{value}" }}\n'
        )
    (tmp_path / "schemathesis.toml").write_text(config)
    _schemathesis(served, token, tmp_path, "--include-path-regex", "^/api/(clients|engagements)")


def test_over_http_a_user_of_another_firm_gets_404(served: Served) -> None:
    from tests.support import PASSWORD, create_firm

    other = create_firm("Other firm")
    other_token = httpx.post(f"{served.base}/api/auth/login", json={"email": other.email, "password": PASSWORD}).json()[
        "access_token"
    ]
    demo_token = _login(served)
    demo_me = httpx.get(f"{served.base}/api/auth/me", headers={"Authorization": f"Bearer {demo_token}"}).json()
    demo_user = demo_me["user"]["id"]
    for method, path in (("GET", f"users/{demo_user}"), ("POST", f"users/{demo_user}/deactivate")):
        reply = httpx.request(method, f"{served.base}/api/{path}", headers={"Authorization": f"Bearer {other_token}"})
        assert reply.status_code == 404, (method, path, reply.text)
        assert reply.headers["content-type"] == "application/problem+json"
    mine = httpx.get(f"{served.base}/api/users/{demo_user}", headers={"Authorization": f"Bearer {demo_token}"})
    assert mine.status_code == 200
    assert mine.json()["is_active"] is True


@pytest.mark.slow  # starts a second host
def test_a_fresh_checkout_against_an_old_database_still_gets_a_working_demo_login(
    served: Served, database: str, tmp_path: Path
) -> None:
    second = _start(tmp_path, database, "--demo")  # same database, no credentials file yet
    try:
        assert second.demo_login()["email"] == served.demo_login()["email"]
        assert second.demo_login()["password"] != served.demo_login()["password"]
        assert _login(second)
        stale = served.demo_login()
        old = httpx.post(f"{second.base}/api/auth/login", json={"email": stale["email"], "password": stale["password"]})
        assert old.status_code == 401
    finally:
        _stop(second)


@pytest.mark.slow  # starts three hosts one after another
def test_a_stale_credentials_file_is_replaced_by_a_working_demo_login(
    served: Served, database: str, tmp_path: Path
) -> None:
    """Another checkout on the same database reset the demo password: this checkout's file no longer
    signs in, so the next `aura serve --demo` sets a new password and rewrites the file."""
    state, other_checkout = tmp_path / "state", tmp_path / "other-checkout"
    state.mkdir()
    other_checkout.mkdir()
    first = _start(state, database, "--demo")
    _stop(first)
    stale = first.demo_login()
    other = _start(other_checkout, database, "--demo")  # no credentials file there: resets the password
    _stop(other)
    again = _start(state, database, "--demo")
    try:
        assert again.demo_login()["password"] != stale["password"]
        assert _login(again)
    finally:
        _stop(again)
