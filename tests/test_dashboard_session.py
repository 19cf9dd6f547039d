"""The dashboard's session, its forms and the headers of every answer; the limits per address and per key.

In this process, on both databases. A session is a random id the server keeps (hashed): it ends at
its expiry, at sign-out and when its key is revoked; a form is obeyed only from this site, as a
urlencoded form, with the session's token.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest

from fengqiao.db.uow import UnitOfWork
from fengqiao.services.runtime import engine
from tests.factories import a_key, example_of
from tests.scanning import scanned_client

COOKIE = "fq_dashboard_session"
V1 = "/api/v1"


def key_of(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ")


def signed_in(client, name: str = "centre", role: str = "coordinator") -> str:  # type: ignore[no-untyped-def]
    """Signs the client in with a new key; the session id its cookie now holds."""
    answer = client.post("/dashboard/login", data={"key": key_of(a_key(role, name=name))}, follow_redirects=False)
    assert (answer.status_code, answer.headers["location"]) == (303, "/dashboard/")
    return answer.cookies[COOKIE]


def sessions_table() -> list[tuple]:
    """(key id, stored hash, how long it lasts, ended) of each session."""
    from sqlalchemy import select

    from fengqiao.db.tables import dashboard_sessions as t

    with UnitOfWork(engine()) as uow:
        rows = uow.conn.execute(select(t).order_by(t.c.id)).all()
    return [(r.key_id, r.sha256, r.expires_at - r.created_at, r.ended_at is not None) for r in rows]


def opens_the_board(client, session_id: str) -> bool:  # type: ignore[no-untyped-def]
    client.cookies.clear()
    answer = client.get("/dashboard/", headers={"Cookie": f"{COOKIE}={session_id}"}, follow_redirects=False)
    assert answer.status_code in (200, 303), answer.status_code
    return answer.status_code == 200


def text_of(html: str, element_id: str) -> str:
    return re.search(rf'id="{element_id}">([^<]*)<', html).group(1)  # type: ignore[union-attr]


# --- the session --------------------------------------------------------------------------------
def test_the_cookie_holds_a_random_session_id_kept_hashed_for_eight_hours(api):
    centre = a_key("coordinator", name="centre")
    answer = api.post("/dashboard/login", data={"key": key_of(centre)}, follow_redirects=False)
    session_id = answer.cookies[COOKIE]

    cookie = answer.headers["set-cookie"]
    assert len(session_id) == 43 and session_id not in key_of(centre)  # 256 bits, url-safe base64
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/dashboard" in cookie
    assert "Max-Age=28800" in cookie
    [(_, stored, lasts, ended)] = sessions_table()
    assert stored != session_id and len(stored) == 64
    assert (lasts, ended) == (timedelta(hours=8), False)
    assert opens_the_board(api, session_id)


def test_a_session_lasts_as_long_as_the_setting_says_and_not_a_moment_longer(api, monkeypatch):
    from fengqiao.config.settings import get_settings

    monkeypatch.setenv("FENGQIAO_DASHBOARD_SESSION_HOURS", "0.5")
    get_settings.cache_clear()
    session_id = signed_in(api)
    assert [lasts for _, _, lasts, _ in sessions_table()] == [timedelta(minutes=30)]
    assert opens_the_board(api, session_id)

    with UnitOfWork(engine()) as uow:  # the clock passes the stored expiry
        uow.conn.exec_driver_sql("UPDATE dashboard_sessions SET expires_at = created_at")
        uow.commit()

    assert not opens_the_board(api, session_id)


def test_signing_out_ends_the_session_on_the_server_so_the_old_cookie_opens_nothing(api):
    session_id = signed_in(api)
    board = api.get("/dashboard/").text
    token = re.search(r'name="csrf" value="(\w+)"', board).group(1)  # type: ignore[union-attr]

    out = api.post("/dashboard/logout", data={"csrf": token}, follow_redirects=False)

    assert (out.status_code, out.headers["location"]) == (303, "/dashboard/login")
    assert f'{COOKIE}=""' in out.headers["set-cookie"] and "Path=/dashboard" in out.headers["set-cookie"]
    assert [ended for *_, ended in sessions_table()] == [True]
    assert not opens_the_board(api, session_id)  # a copy of the cookie kept from before


def test_revoking_the_key_ends_its_sessions_at_the_next_click(api):
    from fengqiao.db import access
    from fengqiao.services.runtime import now

    session_id = signed_in(api, name="centre-revoked")
    assert opens_the_board(api, session_id)
    with UnitOfWork(engine()) as uow:
        [key_id] = uow.conn.exec_driver_sql("SELECT id FROM api_keys WHERE name = 'centre-revoked'").scalars()
        assert access.revoke_key(uow.conn, key_id, at=now())
        uow.commit()

    assert not opens_the_board(api, session_id)
    live = api.get("/dashboard/board/live", headers={"Cookie": f"{COOKIE}={session_id}", "HX-Request": "true"})
    assert (live.status_code, live.headers["HX-Redirect"]) == (204, "/dashboard/login")


# --- forms (CSRF) -------------------------------------------------------------------------------
def an_open_alert(api) -> int:  # type: ignore[no-untyped-def]
    integrator = a_key("integrator", name="hotline")
    for n in (1, 2, 3):
        record = example_of("hotline_12345") | {"ticket_id": f"CSRF-{n}", "caller": {"name": f"来电人{n}"}}
        assert api.post(f"{V1}/intake/hotline_12345", json=record, headers=integrator).status_code == 202
    page = api.get("/dashboard/alerts").text
    return int(re.search(r'data-alert="(\d+)" data-kind="respondent"', page).group(1))  # type: ignore[union-attr]


def acknowledged(alert_id: int) -> bool:
    with UnitOfWork(engine()) as uow:
        return bool(
            uow.conn.exec_driver_sql(f"SELECT acknowledged_at IS NOT NULL FROM alerts WHERE id = {alert_id}").scalar()
        )


def test_a_form_is_obeyed_only_from_this_site_as_a_form_with_the_session_token(api):
    signed_in(api)
    alert_id = an_open_alert(api)
    token = re.search(r'name="csrf" value="(\w+)"', api.get("/dashboard/alerts").text).group(1)  # type: ignore[union-attr]
    url = f"/dashboard/alerts/{alert_id}/acknowledge"
    form = {"note": "已处理", "csrf": token}

    cross_site = api.post(url, data=form, headers={"Origin": "https://evil.example"}, follow_redirects=False)
    cross_referer = api.post(url, data=form, headers={"Referer": "https://evil.example/page"}, follow_redirects=False)
    plain_text = api.post(
        url,
        content=f"note=x&csrf={token}".encode(),
        headers={"Content-Type": "text/plain", "Origin": "https://evil.example"},
        follow_redirects=False,
    )
    plain_same_site = api.post(
        url, content=f"note=x&csrf={token}".encode(), headers={"Content-Type": "text/plain"}, follow_redirects=False
    )
    no_token = api.post(url, data={"note": "已处理"}, follow_redirects=False)
    wrong_token = api.post(url, data={"note": "已处理", "csrf": "0" * 64}, follow_redirects=False)
    not_ascii = api.post(url, data={"note": "已处理", "csrf": "令牌"}, follow_redirects=False)
    assert not acknowledged(alert_id)
    good = api.post(url, data=form, headers={"Origin": "http://testserver"}, follow_redirects=False)

    assert (cross_site.status_code, text_of(cross_site.text, "refused")) == (
        403,
        "the form was sent from another site (origin https://evil.example)",
    )
    assert (cross_referer.status_code, text_of(cross_referer.text, "refused")) == (
        403,
        "the form was sent from another site (referer https://evil.example/page)",
    )
    for answer in (plain_text, plain_same_site):
        assert (answer.status_code, text_of(answer.text, "refused")) == (
            415,
            "a form is sent as application/x-www-form-urlencoded, not text/plain",
        )
    for answer in (no_token, wrong_token, not_ascii):
        assert (answer.status_code, text_of(answer.text, "refused")) == (
            403,
            "the form&#39;s token is missing or out of date: reload the page and send it again",
        )
    assert (good.status_code, good.headers["location"]) == (303, "/dashboard/alerts")
    assert acknowledged(alert_id)


def test_a_sign_out_from_another_site_is_refused_and_the_session_lives_on(api):
    session_id = signed_in(api)

    forged = api.post(
        "/dashboard/logout", data={"csrf": "guess"}, headers={"Origin": "https://evil.example"}, follow_redirects=False
    )
    tokenless = api.post("/dashboard/logout", data={"go": "1"}, follow_redirects=False)

    assert (forged.status_code, tokenless.status_code) == (403, 403)
    assert [ended for *_, ended in sessions_table()] == [False]
    assert opens_the_board(api, session_id)


def test_signing_in_from_another_site_is_refused(api):
    centre = key_of(a_key("coordinator", name="centre"))

    forged = api.post(
        "/dashboard/login", data={"key": centre}, headers={"Origin": "https://evil.example"}, follow_redirects=False
    )

    assert forged.status_code == 403 and "set-cookie" not in forged.headers
    assert sessions_table() == []


# --- headers ------------------------------------------------------------------------------------
DASHBOARD_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'"
)
API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
DOCS_CSP = (  # Swagger UI and ReDoc from this server only (tests/test_api_docs.py renders them with the network cut)
    "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; worker-src blob:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
)


def test_every_answer_carries_the_security_headers(api):
    signed_in(api)
    answers = {
        "/dashboard/": (api.get("/dashboard/"), DASHBOARD_CSP),
        "/dashboard/login": (api.get("/dashboard/login"), DASHBOARD_CSP),
        "/dashboard/static/style.css": (api.get("/dashboard/static/style.css"), DASHBOARD_CSP),
        "/dashboard/cases/FQ20269999999": (api.get("/dashboard/cases/FQ20269999999"), DASHBOARD_CSP),
        "/api/v1/health": (api.get(f"{V1}/health"), API_CSP),
        "/api/v1/cases": (api.get(f"{V1}/cases"), API_CSP),  # 401
        "/api/v1/nowhere": (api.get(f"{V1}/nowhere"), API_CSP),  # 404
        "/api/v1/intake/grid": (api.post(f"{V1}/intake/grid", content=b"x" * 70_000), API_CSP),  # 413, at the door
        "/api/v1/docs": (api.get(f"{V1}/docs"), DOCS_CSP),
        "/api/v1/redoc": (api.get(f"{V1}/redoc"), DOCS_CSP),
        "/api/v1/docs/static/swagger-ui-bundle.js": (api.get(f"{V1}/docs/static/swagger-ui-bundle.js"), DOCS_CSP),
    }

    statuses = {path: answer.status_code for path, (answer, _) in answers.items()}
    assert statuses == {
        "/dashboard/": 200,
        "/dashboard/login": 200,
        "/dashboard/static/style.css": 200,
        "/dashboard/cases/FQ20269999999": 404,
        "/api/v1/health": 200,
        "/api/v1/cases": 401,
        "/api/v1/nowhere": 404,
        "/api/v1/intake/grid": 413,
        "/api/v1/docs": 200,
        "/api/v1/redoc": 200,
        "/api/v1/docs/static/swagger-ui-bundle.js": 200,
    }
    for path, (answer, csp) in answers.items():
        h = answer.headers
        assert h.get_list("content-security-policy") == [csp], path
        assert h.get_list("x-frame-options") == ["DENY"], path
        assert h.get_list("x-content-type-options") == ["nosniff"], path
        assert h.get_list("referrer-policy") == ["same-origin"], path


def test_the_pages_need_no_inline_script(api):
    """script-src 'self': no inline handlers or scripts in any page (the print button uses a file)."""
    signed_in(api)
    pages = [api.get(p).text for p in ("/dashboard/", "/dashboard/alerts", "/dashboard/stats", "/dashboard/report")]
    pages.append(api.get("/dashboard/config").text)

    for html in pages:
        assert re.findall(r"\son[a-z]+=", html) == []
        assert re.findall(r"<script(?![^>]*\ssrc=)[^>]*>", html) == []
    assert api.get("/dashboard/static/print.js").status_code == 200


# --- limits -------------------------------------------------------------------------------------
def test_sign_in_attempts_and_unknown_keys_are_limited_per_address(api):
    """Ten a minute from one address (FENGQIAO_ADDRESS_RATE_PER_MINUTE): the eleventh is refused."""
    tries = [api.post("/dashboard/login", data={"key": f"fq_guess{n}_x"}, follow_redirects=False) for n in range(10)]
    eleventh = api.post("/dashboard/login", data={"key": key_of(a_key("coordinator"))}, follow_redirects=False)
    unknown_key = api.get(f"{V1}/cases", headers={"Authorization": "Bearer fq_00000000_nothing"})
    valid_key = api.get(f"{V1}/cases", headers=a_key("integrator"))

    assert [t.status_code for t in tries] == [303] * 10
    assert eleventh.status_code == 429 and 1 <= int(eleventh.headers["Retry-After"]) <= 6
    assert "set-cookie" not in eleventh.headers
    assert text_of(eleventh.text, "limited") == (
        "more than 10 sign-in attempts or requests with an unknown key a minute from this address"
    )
    assert (unknown_key.status_code, unknown_key.json()) == (
        429,
        {
            "error": {
                "code": "rate_limited",
                "message": "more than 10 sign-in attempts or requests with an unknown key a minute from this address",
                "field": None,
            }
        },
    )
    assert int(unknown_key.headers["Retry-After"]) >= 1
    assert valid_key.status_code == 200  # a valid key from the same address goes ahead


def test_unknown_keys_alone_reach_the_limit_per_address(api):
    wrong = {"Authorization": "Bearer fq_00000000_nothing"}

    answers = [api.get(f"{V1}/cases", headers=wrong).status_code for _ in range(11)]

    assert answers == [401] * 10 + [429]


@pytest.fixture
def limited_site(network, monkeypatch):  # type: ignore[no-untyped-def]
    """The site with small limits per key: three pages a minute, one PDF or what-if."""
    from fengqiao.config.settings import get_settings
    from fengqiao.dashboard.app import create_site

    monkeypatch.setenv("FENGQIAO_DASHBOARD_RATE_PER_MINUTE", "3")
    monkeypatch.setenv("FENGQIAO_DASHBOARD_EXPENSIVE_PER_MINUTE", "1")
    get_settings.cache_clear()
    client = scanned_client(create_site(get_settings()))
    yield client
    assert client.leaks == []  # type: ignore[attr-defined]


def test_dashboard_pages_are_limited_per_key(limited_site):
    signed_in(limited_site, name="centre-busy")

    pages = [limited_site.get("/dashboard/") for _ in range(4)]
    other_key = signed_in(limited_site, name="centre-calm")

    assert [p.status_code for p in pages] == [200, 200, 200, 429]
    assert text_of(pages[3].text, "limited") == "more than 3 dashboard pages a minute for key centre-busy"
    assert int(pages[3].headers["Retry-After"]) >= 1
    assert opens_the_board(limited_site, other_key)  # each key has its own bucket


def test_reports_and_replays_have_a_stricter_limit_per_key(limited_site):
    signed_in(limited_site, name="centre-pdf")

    replay = limited_site.get("/dashboard/config", params={"whatif": 1})
    pdf = limited_site.get("/dashboard/report.pdf")  # refused before Chromium starts

    assert replay.status_code == 200
    assert pdf.status_code == 429 and int(pdf.headers["Retry-After"]) >= 1
    assert text_of(pdf.text, "limited") == "more than 1 reports or replays (PDF, what-if) a minute for key centre-pdf"


def test_the_buckets_are_bounded_in_memory():
    from fengqiao.api.auth import RateLimit

    limit = RateLimit(per_minute=2, max_subjects=3)
    first = [limit.take(address) for address in ("a", "b", "c", "d", "e")]
    again = [limit.take("e"), limit.take("e")]

    assert first == [0.0] * 5
    assert list(limit._buckets) == ["c", "d", "e"]  # the least recently used went first
    assert again[0] == 0.0 and 29 < again[1] <= 30  # two a minute: the third waits half a minute
