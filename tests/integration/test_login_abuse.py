"""Password guessing through the local host's HTTP front, from real peer addresses (docs/security.md).

Each test's clients connect from addresses of their own, as the local host sees them (the ASGI
peer, appended to X-Forwarded-For as Azure's front end does), so the limits under test are the ones
a deployment applies.
"""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from functions.identity import login_throttle
from shared import clock, rate_limit
from tests.support import PASSWORD, create_firm, in_process_host, mailed_token, request, unique_email

pytestmark = [pytest.mark.integration, pytest.mark.usefixtures("database")]


def _new_source() -> str:
    return f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"


class Client:
    """A client at one address, keeping the cookies it is given, like a browser or an httpx session."""

    def __init__(self, address: str | None = None) -> None:
        self.address = address or _new_source()
        self.cookies = httpx.Cookies()

    def login(self, email: str, password: str, path: str = "/api/auth/login", **headers: str) -> httpx.Response:
        async def call() -> httpx.Response:
            transport = httpx.ASGITransport(app=in_process_host(), client=(self.address, 40000))
            async with httpx.AsyncClient(
                transport=transport, base_url="http://127.0.0.1:7071", cookies=self.cookies
            ) as client:
                response = await client.post(path, json={"email": email, "password": password}, headers=headers)
                self.cookies.update(client.cookies)
                return response

        return asyncio.run(call())


def _answer(response: httpx.Response) -> tuple[int, dict[str, Any], str | None]:
    """What a caller can compare: the status, the body without its correlation id, and Retry-After."""
    body = {k: v for k, v in response.json().items() if k != "correlation_id"}
    return response.status_code, body, response.headers.get("Retry-After")


def _fail_until_refused(client: Client, email: str, limit: int = 50) -> tuple[int, httpx.Response]:
    for attempt in range(1, limit + 1):
        response = client.login(email, f"wrong-guess-{attempt}")
        if response.status_code == 429:
            return attempt, response
        assert response.status_code == 401, response.text
    raise AssertionError(f"no 429 after {limit} wrong passwords")


def test_a_known_and_an_unknown_email_get_the_identical_answer_every_time() -> None:
    admin = create_firm()
    unknown = unique_email("nobody")
    known_client, unknown_client = Client(), Client()
    with clock.use_clock(clock.FixedClock(clock.now())):
        for _ in range(login_throttle.ACCOUNT.free + 2):
            known = known_client.login(admin.email, "not the password")
            stranger = unknown_client.login(unknown, "not the password")
            assert _answer(known) == _answer(stranger)
    # After enough failures both wait, saying so the same way: no `account_locked` to tell them apart.
    assert known.status_code == 429
    assert known.json()["code"] == "rate_limited"


def test_guessing_from_one_source_gets_429_with_retry_after() -> None:
    sprayer = Client()
    for _ in range(login_throttle.SOURCE_FAILURES):
        assert sprayer.login(unique_email("sprayed"), "Winter2026!").status_code == 401
    refused = sprayer.login(unique_email("sprayed"), "Winter2026!")
    assert refused.status_code == 429
    # The failures all fell in the current slice of the sliding window: counted until it has left the window.
    window = login_throttle.SOURCE_WINDOW_SECONDS
    assert window < int(refused.headers["Retry-After"]) <= window + rate_limit.slice_seconds(window)
    assert refused.json()["detail"].startswith("Too many failed sign-ins; try again in ")
    # The limit is the source's, not everyone's: a user elsewhere signs in as usual.
    admin = create_firm()
    assert Client().login(admin.email, PASSWORD).status_code == 200


def _next_ten_minute_mark() -> datetime:
    """Where the per-source count's fixed window began (before it slid)."""
    return datetime.fromtimestamp((int(clock.now().timestamp()) // 600 + 1) * 600, UTC)


def _most_in_ten_minutes(times: list[datetime]) -> int:
    return max(sum(1 for t in times if start <= t < start + timedelta(minutes=10)) for start in times)


def test_guesses_straddling_a_ten_minute_mark_get_twenty_in_ten_minutes_not_forty() -> None:
    """The attack a fixed window allowed: 20 guesses just before the window ends, 20 more just after."""
    mark = _next_ten_minute_mark()
    at = clock.FixedClock(mark - timedelta(seconds=5))
    sprayer = Client()
    with clock.use_clock(at):
        for _ in range(login_throttle.SOURCE_FAILURES):
            assert sprayer.login(unique_email("sprayed"), "Winter2026!").status_code == 401
            at.advance(timedelta(seconds=0.1))
        at.set(mark + timedelta(seconds=1))
        refused = sprayer.login(unique_email("sprayed"), "Winter2026!")
        # The 20 fell in the minute from mark - 60 s: counted until mark + 600 s.
        assert (refused.status_code, refused.headers["Retry-After"]) == (429, "599")
        assert refused.json()["detail"].startswith("Too many failed sign-ins; try again in 10 min,")
        at.set(mark + timedelta(seconds=599))
        assert sprayer.login(unique_email("sprayed"), "Winter2026!").headers["Retry-After"] == "1"
        at.advance(timedelta(seconds=1))  # the refused attempts cost nothing: the wait was the whole wait
        assert sprayer.login(unique_email("sprayed"), "Winter2026!").status_code == 401


def test_an_attacker_who_waits_what_retry_after_says_gets_twenty_in_any_ten_minutes() -> None:
    at = clock.FixedClock(_next_ten_minute_mark() - timedelta(seconds=5))
    start, sprayer, checked = at.now(), Client(), []
    with clock.use_clock(at):
        while at.now() < start + timedelta(minutes=35):
            response = sprayer.login(unique_email("sprayed"), "Winter2026!")
            if response.status_code == 401:
                checked.append(at.now())
                at.advance(timedelta(seconds=0.05))
                continue
            assert response.status_code == 429, response.text
            wait = int(response.headers["Retry-After"])
            at.advance(timedelta(seconds=wait - 1))
            assert sprayer.login(unique_email("sprayed"), "Winter2026!").headers.get("Retry-After") == "1"
            at.advance(timedelta(seconds=1))
    assert _most_in_ten_minutes(checked) == login_throttle.SOURCE_FAILURES
    # 20 at the start, then 20 every 11 minutes (the slice the first ones fell in began 55 s before).
    assert len(checked) == 4 * login_throttle.SOURCE_FAILURES


def test_the_source_limit_answers_alike_for_known_and_unknown_emails() -> None:
    """Two sources fail in step, one with a real account's e-mail among its guesses: every answer the
    same, the 429 and its Retry-After included."""
    admin = create_firm()
    at = clock.FixedClock(clock.now())
    knowing, guessing = Client(), Client()
    with clock.use_clock(at):
        for attempt in range(login_throttle.SOURCE_FAILURES + 2):
            email = admin.email if attempt in (1, login_throttle.SOURCE_FAILURES) else unique_email("sprayed")
            answers = (knowing.login(email, "Winter2026!"), guessing.login(unique_email("sprayed"), "Winter2026!"))
            assert _answer(answers[0]) == _answer(answers[1]), attempt
            at.advance(timedelta(seconds=3))
    assert answers[0].status_code == 429


def test_a_forged_forwarded_for_header_does_not_change_the_source() -> None:
    sprayer = Client()
    for attempt in range(login_throttle.SOURCE_FAILURES):
        response = sprayer.login(unique_email("sprayed"), "Winter2026!", **{"X-Forwarded-For": f"192.0.2.{attempt}"})
        assert response.status_code == 401
    assert sprayer.login(unique_email("sprayed"), "x", **{"X-Forwarded-For": "192.0.2.200"}).status_code == 429


def test_the_per_account_delay_holds_across_sources_and_grows() -> None:
    admin = create_firm()
    for email in (admin.email, unique_email("nobody")):
        at = clock.FixedClock(clock.now())
        with clock.use_clock(at):
            for _ in range(login_throttle.ACCOUNT.free):
                assert Client().login(email, "wrong-password-1").status_code == 401
            refused = Client().login(email, PASSWORD)  # even the right password waits, from a fresh source
            assert (refused.status_code, refused.headers["Retry-After"]) == (429, "1")
            at.advance(timedelta(seconds=1))
            assert Client().login(email, "wrong-password-2").status_code == 401
            assert Client().login(email, "wrong-password-3").headers["Retry-After"] == "2"


def test_a_sprayer_cannot_keep_the_real_user_out(mail_dir: Path) -> None:
    admin = create_firm()
    laptop = Client()
    assert laptop.login(admin.email, PASSWORD).status_code == 200  # a known device from now on
    assert laptop.cookies.get("aura_device")

    sprayer = Client()
    tries, refused = _fail_until_refused(sprayer, admin.email)
    assert tries == login_throttle.ACCOUNT.free + 1
    assert int(refused.headers["Retry-After"]) >= 1
    assert Client().login(admin.email, PASSWORD).status_code == 429  # an unknown client waits too

    # The real user's known device is let through with the right password, and again later.
    assert laptop.login(admin.email, PASSWORD).status_code == 200
    assert laptop.login(admin.email, PASSWORD).status_code == 200
    # The sprayer's wait is untouched by that.
    assert sprayer.login(admin.email, "another-guess").status_code == 429

    # On a new device, a password reset e-mail ends the wait.
    phone = Client()
    assert phone.login(admin.email, PASSWORD).status_code == 429
    assert request("POST", "auth/password-reset", json_body={"email": admin.email}).status == 202
    new_password = "a brand new passphrase 2026"
    reset = {"token": mailed_token(mail_dir, admin.email), "new_password": new_password}
    assert request("POST", "auth/password-reset/confirm", json_body=reset).status == 204
    assert phone.login(admin.email, new_password).status_code == 200


def test_a_device_cookie_of_another_user_or_a_forged_one_is_an_unknown_client() -> None:
    victim, other = create_firm(), create_firm()
    borrowed = Client()
    assert borrowed.login(other.email, PASSWORD).status_code == 200  # a real cookie, for another user
    _fail_until_refused(Client(), victim.email)
    assert borrowed.login(victim.email, PASSWORD).status_code == 429
    forged = Client()
    forged.cookies.set("aura_device", "eyJhbGciOiJIUzI1NiJ9.eyJ0eXAiOiJkZXZpY2UifQ.c2lnbmF0dXJl")
    assert forged.login(victim.email, PASSWORD).status_code == 429


def test_a_known_device_gets_no_extra_guesses() -> None:
    admin = create_firm()
    stolen = Client()
    assert stolen.login(admin.email, PASSWORD).status_code == 200
    tries, refused = _fail_until_refused(stolen, admin.email)
    assert tries == login_throttle.DEVICE.free + 1
    assert refused.headers["Retry-After"]


def test_no_number_of_failures_locks_the_account_for_good() -> None:
    """The delay is capped and ends: after the wait, the right password signs in from any client."""
    admin = create_firm()
    at = clock.FixedClock(clock.now())
    with clock.use_clock(at):
        for guess in range(30):
            response = Client().login(admin.email, f"wrong-{guess}")
            if response.status_code == 429:
                assert int(response.headers["Retry-After"]) <= login_throttle.ACCOUNT.cap_seconds
                at.advance(timedelta(seconds=int(response.headers["Retry-After"])))
        at.advance(timedelta(seconds=login_throttle.ACCOUNT.cap_seconds))
        assert Client().login(admin.email, PASSWORD).status_code == 200
        # and a success starts the count over
        assert Client().login(admin.email, "wrong-again").status_code == 401


def test_a_browser_sign_in_makes_a_known_device_too() -> None:
    admin = create_firm()
    browser = Client()
    assert browser.login(admin.email, PASSWORD, path="/api/auth/session").status_code == 200
    assert browser.cookies.get("aura_refresh") and browser.cookies.get("aura_device")
    _fail_until_refused(Client(), admin.email)
    assert browser.login(admin.email, PASSWORD, path="/api/auth/session").status_code == 200


def test_an_unknown_email_costs_the_same_argon2_check_as_a_known_one(monkeypatch: pytest.MonkeyPatch) -> None:
    """The timing half of 'no oracle', without timing: the real argon2 verification runs once per attempt
    either way (the benchmark, make bench-login, measures the milliseconds)."""
    from argon2 import PasswordHasher

    checked: list[str] = []
    real_verify = PasswordHasher.verify

    def counting_verify(self: PasswordHasher, hash: str | bytes, password: str | bytes) -> bool:
        checked.append("verify")
        return real_verify(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", counting_verify)
    admin = create_firm()
    for email in (admin.email, unique_email("nobody")):
        checked.clear()
        assert Client().login(email, "not the password").status_code == 401
        assert checked == ["verify"], email
