"""Every download leaves with the same safe headers, whatever capability answers it."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from shared.http import file_response

pytestmark = pytest.mark.unit


def test_a_download_is_an_attachment_no_cache_keeps_and_no_browser_sniffs() -> None:
    reply = file_response(b"a,b\n1,2\n", content_type="text/csv", filename="ledger.csv")

    assert reply.status_code == 200
    assert reply.get_body() == b"a,b\n1,2\n"
    assert reply.headers["Content-Type"] == "text/csv"
    assert reply.headers["X-Content-Type-Options"] == "nosniff"
    assert reply.headers["Cache-Control"] == "private, no-store"
    assert reply.headers["Content-Disposition"] == "attachment; filename=\"ledger.csv\"; filename*=UTF-8''ledger.csv"


def test_a_file_name_cannot_break_out_of_the_header() -> None:
    name = 'a"; filename=evil.html\r\nSet-Cookie: x=1 – é.xlsx'
    disposition = file_response(b"", content_type="text/plain", filename=name).headers["Content-Disposition"]

    fallback, exact = disposition.split("; filename*=")
    assert fallback == 'attachment; filename="a_; filename=evil.html__Set-Cookie: x=1 _ _.xlsx"'
    assert exact == "UTF-8''" + quote(name, safe="")
    assert "\r" not in disposition and "\n" not in disposition


def test_extra_headers_are_added_but_cannot_weaken_the_safe_ones() -> None:
    reply = file_response(
        b"x",
        content_type="application/pdf",
        filename="c.pdf",
        headers={"X-Content-SHA256": "ab" * 32, "Cache-Control": "public, max-age=3600"},
    )

    assert reply.headers["X-Content-SHA256"] == "ab" * 32
    assert reply.headers["Cache-Control"] == "private, no-store"
