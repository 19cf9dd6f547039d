"""Who may call what: every operation of the OpenAPI schema × every role (and no key) × own / other jurisdiction.

Each row is written out by hand: the status expected in each cell. The test fails if the schema
has an operation without a row (a new endpoint must be thought about), and if an operation's
declared `x-roles` disagree with its row.
"""

from __future__ import annotations

from fengqiao.cli.demo_papers import file_papers
from fengqiao.cli.demo_scenarios import SCENARIOS
from fengqiao.models.case import Party
from fengqiao.models.vocabulary import InputKind
from tests.drive import drive, register
from tests.factories import a_key, a_new_case, example_of
from tests.paperwork import PDF
from tests.scanning import scanned_client

OWN, OTHER = ("5115",), ("511599",)  # the sample city; a district with no cases
ROLES = ("integrator", "mediator", "coordinator", "admin", "expert")
INTAKE = ("hotline_12345", "grid", "walk_in", "police", "court", "petition", "online")

# (method, path) → {"-": status without a key, role: (status in own jurisdiction, status in another)}
MATRIX: dict[tuple[str, str], dict[str, object]] = {
    **{
        ("POST", f"/api/v1/intake/{c}"): {
            "-": 401,
            "integrator": (202, 403),
            "mediator": (403, 403),
            "coordinator": (403, 403),
            "admin": (202, 202),
        }
        for c in INTAKE
    },
    ("GET", "/api/v1/cases"): {
        "-": 401,
        "integrator": (200, 200),
        "mediator": (200, 200),
        "coordinator": (200, 200),
        "admin": (200, 200),
    },
    ("GET", "/api/v1/cases/{case_id}"): {
        "-": 401,
        "integrator": (200, 404),
        "mediator": (200, 404),
        "coordinator": (200, 404),
        "admin": (200, 200),
    },
    ("GET", "/api/v1/cases/{case_id}/timeline"): {
        "-": 401,
        "integrator": (200, 404),
        "mediator": (200, 404),
        "coordinator": (200, 404),
        "admin": (200, 200),
    },
    ("POST", "/api/v1/cases/{case_id}/outcome"): {
        "-": 401,
        "integrator": (403, 403),
        "mediator": (200, 404),
        "coordinator": (200, 404),
        "admin": (403, 403),
    },
    ("POST", "/api/v1/cases/{case_id}/sessions"): {
        "-": 401,
        "integrator": (403, 403),
        "mediator": (200, 404),
        "coordinator": (200, 404),
        "admin": (403, 403),
    },
    ("GET", "/api/v1/cases/{case_id}/sessions"): {
        "-": 401,
        "integrator": (200, 404),
        "mediator": (200, 404),
        "coordinator": (200, 404),
        "admin": (200, 200),
    },
    ("POST", "/api/v1/cases/{case_id}/agreement/to-sign"): {  # before the agreement below is recorded
        "-": 401,
        "integrator": (403, 403),
        "mediator": (200, 404),
        "coordinator": (200, 404),
        "admin": (403, 403),
    },
    ("POST", "/api/v1/cases/{case_id}/agreement"): {
        "-": 401,
        "integrator": (403, 403),
        "mediator": (200, 404),
        "coordinator": (200, 404),
        "admin": (403, 403),
    },
    ("POST", "/api/v1/cases/{case_id}/judicial-confirmation"): {
        "-": 401,
        "integrator": (403, 403),
        "mediator": (200, 404),
        "coordinator": (200, 404),
        "admin": (403, 403),
    },
    ("POST", "/api/v1/cases/{case_id}/documents"): {
        "-": 401,
        "integrator": (403, 403),
        "mediator": (201, 404),
        "coordinator": (201, 404),
        "admin": (403, 403),
    },
    ("GET", "/api/v1/cases/{case_id}/documents"): {
        "-": 401,
        "integrator": (200, 404),
        "mediator": (200, 404),
        "coordinator": (200, 404),
        "admin": (200, 200),
    },
    ("GET", "/api/v1/cases/{case_id}/documents/{document_id}"): {  # document 1: the agreed case's signed copy
        "-": 401,
        "integrator": (403, 403),
        "mediator": (200, 404),
        "coordinator": (200, 404),
        "admin": (403, 403),
    },
    ("GET", "/api/v1/cases/{case_id}/case-file"): {
        "-": 401,
        "integrator": (200, 404),
        "mediator": (200, 404),
        "coordinator": (200, 404),
        "admin": (200, 200),
    },
    ("POST", "/api/v1/cases/{case_id}/expert-opinion"): {  # the matrix's keys are no experts of the network: 422
        "-": 401,
        "integrator": (403, 403),
        "mediator": (403, 403),
        "coordinator": (422, 404),
        "admin": (403, 403),
        "expert": (422, 404),
    },
    ("GET", "/api/v1/my/cases"): {  # a mediator's own cases: none outside its jurisdiction to refuse
        "-": 401,
        "integrator": (403, 403),
        "mediator": (200, 200),
        "coordinator": (403, 403),
        "admin": (403, 403),
    },
    ("POST", "/api/v1/cases/{case_id}/handoff-result"): {
        "-": 401,
        "integrator": (200, 404),
        "mediator": (403, 403),
        "coordinator": (200, 404),
        "admin": (403, 403),
    },
    ("POST", "/api/v1/cases/{case_id}/follow-up"): {
        "-": 401,
        "integrator": (403, 403),
        "mediator": (200, 404),
        "coordinator": (200, 404),
        "admin": (403, 403),
    },
    ("POST", "/api/v1/cases/{case_id}/retry"): {  # none of the matrix's cases is parked: 409 not_parked
        "-": 401,
        "integrator": (403, 403),
        "mediator": (403, 403),
        "coordinator": (409, 404),
        "admin": (409, 409),
    },
    ("GET", "/api/v1/stats"): {
        "-": 401,
        "integrator": (403, 403),
        "mediator": (403, 403),
        "coordinator": (200, 200),
        "admin": (200, 200),
    },
    ("POST", "/api/v1/screenings"): {  # a sweep of 511502001001: outside 511599's jurisdiction
        "-": 401,
        "integrator": (403, 403),
        "mediator": (201, 422),
        "coordinator": (201, 422),
        "admin": (201, 201),
    },
    ("GET", "/api/v1/screenings"): {
        "-": 401,
        "integrator": (403, 403),
        "mediator": (200, 200),
        "coordinator": (200, 200),
        "admin": (200, 200),
    },
    ("GET", "/api/v1/subsidies"): {  # org=C-ZHAOYANG (511502001001): outside 511599's jurisdiction
        "-": 401,
        "integrator": (403, 403),
        "mediator": (403, 403),
        "coordinator": (200, 422),
        "admin": (200, 200),
    },
    ("GET", "/api/v1/points"): {  # ranked from the cases in the key's jurisdiction (none in 511599's)
        "-": 401,
        "integrator": (403, 403),
        "mediator": (403, 403),
        "coordinator": (200, 200),
        "admin": (200, 200),
    },
    ("GET", "/api/v1/escalation-paths"): {
        "-": 401,
        "integrator": (403, 403),
        "mediator": (403, 403),
        "coordinator": (200, 200),
        "admin": (200, 200),
    },
    ("PUT", "/api/v1/escalation-paths"): {
        "-": 401,
        "integrator": (403, 403),
        "mediator": (403, 403),
        "coordinator": (403, 403),
        "admin": (200, 200),
    },
    **{
        ("GET", f"/api/v1/{section}"): {
            "-": 401,
            "integrator": (403, 403),
            "mediator": (403, 403),
            "coordinator": (200, 200),
            "admin": (200, 200),
        }
        for section in ("organisations", "mediators", "experts")
    },
    **{
        (method, f"/api/v1/{section}/{{code}}"): {
            "-": 401,
            "integrator": (403, 403),
            "mediator": (403, 403),
            "coordinator": (403, 403),
            "admin": (200, 200),
        }
        for method, section in (("PUT", "organisations"), ("PUT", "mediators"), ("PUT", "experts"))
    },
    ("DELETE", "/api/v1/mediators/{code}"): {  # a code that is not there: the role check comes first
        "-": 401,
        "integrator": (403, 403),
        "mediator": (403, 403),
        "coordinator": (403, 403),
        "admin": (404, 404),
    },
    **{  # each key's own targets: after its PUT, its GET lists and its DELETE removes its own
        (method, path): {
            "-": 401,
            "integrator": (200, 200),
            "mediator": (403, 403),
            "coordinator": (403, 403),
            "admin": (200, 200),
        }
        for method, path in (
            ("PUT", "/api/v1/webhooks"),
            ("GET", "/api/v1/webhooks"),
            ("DELETE", "/api/v1/webhooks/{channel}"),
        )
    },
    ("GET", "/api/v1/health"): {
        "-": 200,
        "integrator": (200, 200),
        "mediator": (200, 200),
        "coordinator": (200, 200),
        "admin": (200, 200),
        "expert": (200, 200),
    },
}
for _row in MATRIX.values():  # an expert's key opens only the expert-opinion call
    _row.setdefault("expert", (403, 403))


def operations(schema: dict) -> list[tuple[str, str]]:
    return [(m.upper(), p) for p, ops in schema["paths"].items() for m in ops if m in ("get", "post", "put", "delete")]


def prepared_cases(integrator_id: int) -> dict[str, str]:
    """A case waiting for an outcome, one waiting for a handoff result (sent by the integrator's key:
    an integrator answers only for what it sent), one closed with an agreement."""
    waiting_no, waiting_id = register(a_new_case(channel_ref="MATRIX-WAIT"))
    assert drive(waiting_no, waiting_id, []) == ["waiting:outcome"]
    unsuitable = next(s for s in SCENARIOS if s.name == "not_suitable")
    handed_no, handed_id = register(unsuitable.intake_record(channel_ref="MATRIX-HANDOFF", n=1), sent_by=integrator_id)
    assert drive(handed_no, handed_id, []) == ["waiting:handoff_result"]
    others = (Party("applicant", "王五"), Party("respondent", "赵六"))  # not a repeat of the first (并单)
    agreed_no, agreed_id = register(a_new_case(channel_ref="MATRIX-AGREED", parties=others))
    assert drive(agreed_no, agreed_id, [(InputKind.OUTCOME, "agreement", "M-C01")]) == ["waiting:outcome", "closed"]
    third = (Party("applicant", "孙七"), Party("respondent", "周八"))
    agreeing_no, agreeing_id = register(a_new_case(channel_ref="MATRIX-AGREEING", parties=third))
    assert drive(agreeing_no, agreeing_id, []) == ["waiting:outcome"]
    file_papers(agreeing_no, "agreement", actor="M-C01")  # what the case file needs before its agreement
    return {"waiting": waiting_no, "handed_off": handed_no, "agreed": agreed_no, "agreeing": agreeing_no}


SITTING = {
    "held_at": "2026-11-24T10:00:00+08:00",
    "place": "调解室",
    "attendees": ["申请人", "被申请人"],
    "mediators": ["调解员"],
    "content": "矩阵",
}


SWEEP = {
    "held_on": "2026-11-20",
    "area_code": "511502001001",
    "place": "矩阵",
    "screened_by": "矩阵",
    "disputes_found": 0,
}
UPLOAD = {"files": {"file": ("signed.pdf", PDF, "application/pdf")}}


def sent(body: dict | None) -> dict:
    """How the matrix sends a body: a signed copy as a multipart upload, anything else as JSON."""
    return body if body is not None and "files" in body else {"json": body}


def request_for(method: str, path: str, cases: dict[str, str], document: dict) -> tuple[str, dict | None]:
    if path.startswith("/api/v1/intake/"):
        return path, example_of(path.rsplit("/", 1)[1])
    body = {
        "/outcome": ({"result": "failed", "note": "矩阵"}, "waiting"),
        "/handoff-result": ({"result": "法院已立案"}, "handed_off"),
        "/follow-up": ({"honoured": True, "satisfaction": 5}, "agreed"),
        "/retry": ({"reason": "矩阵"}, "waiting"),
        "/sessions": (SITTING, "waiting") if method == "POST" else (None, "waiting"),
        "/agreement": ({"terms": "矩阵", "manner": "当场履行"}, "agreeing"),
        "/agreement/to-sign": ({"terms": "矩阵", "manner": "当场履行"}, "agreeing"),
        "/judicial-confirmation": ({"court": "矩阵"}, "agreed"),
        "/expert-opinion": ({"text": "矩阵"}, "waiting"),
        "/documents": (UPLOAD if method == "POST" else None, "waiting"),
    }
    for suffix, (payload, which) in body.items():
        if path.endswith(suffix):
            return path.replace("{case_id}", cases[which]), payload
    if path == "/api/v1/escalation-paths" and method == "PUT":
        return path, document
    if path.endswith("/{code}"):
        section = path.split("/")[3]
        if method == "DELETE":
            return path.replace("{code}", "M-NONE"), None
        entry = document[section][0]
        return path.replace("{code}", entry["code"]), entry
    if path == "/api/v1/webhooks":
        return path, {"channel": "hotline_12345", "url": "http://127.0.0.1:9/results"} if method == "PUT" else None
    if path.endswith("/documents/{document_id}"):
        return path.replace("{case_id}", cases["agreed"]).replace(
            "{document_id}", "1"
        ) + "?unmask=true&reason=矩阵", None
    if path == "/api/v1/screenings" and method == "POST":
        return path, SWEEP
    if path == "/api/v1/subsidies":
        return f"{path}?month=2026-11&org=C-ZHAOYANG", None
    if path == "/api/v1/points":
        return f"{path}?month=2026-11", None
    if path == "/api/v1/webhooks/{channel}":
        return path.replace("{channel}", "hotline_12345"), None
    return path.replace("{case_id}", cases["waiting"]), None


def test_every_operation_has_a_row_and_its_declared_roles_agree(api):
    schema = api.get("/api/v1/openapi.json").json()
    ops = operations(schema)

    assert sorted(set(ops) - set(MATRIX)) == [], "operations without a row in MATRIX"
    assert sorted(set(MATRIX) - set(ops)) == [], "rows for operations the API does not have"
    for method, path in ops:
        declared = schema["paths"][path][method.lower()].get("x-roles", list(ROLES))
        row = MATRIX[(method, path)]
        assert sorted(declared) == sorted(r for r in ROLES if row[r][0] != 403), (method, path)  # type: ignore[index]
        assert ("-" in row) and all(r in row for r in ROLES), (method, path)


def test_each_cell_of_the_matrix(api, monkeypatch):
    from fengqiao.api.app import create_app
    from fengqiao.config.settings import get_settings
    from fengqiao.db import access, configurations
    from fengqiao.db.uow import UnitOfWork
    from fengqiao.services.runtime import engine

    monkeypatch.setenv("FENGQIAO_ALLOW_PRIVATE_WEBHOOKS", "true")  # the webhook cell registers a local target
    get_settings.cache_clear()
    client = scanned_client(create_app(get_settings()))
    keys = {
        (role, where): a_key(role, name=f"{role}-{where}", areas=areas)
        for role in ROLES
        for where, areas in (("own", OWN), ("other", OTHER))
    }
    with UnitOfWork(engine()) as uow:
        document = configurations.config_document(uow.conn, 1)
        integrator = access.caller_for(uow.conn, keys[("integrator", "own")]["Authorization"].split()[1])
    assert integrator is not None
    cases = prepared_cases(integrator.key_id)

    seen: dict[tuple[str, str, str], int] = {}
    expected: dict[tuple[str, str, str], int] = {}
    for (method, path), row in MATRIX.items():
        url, body = request_for(method, path, cases, document)
        seen[(method, path, "-")] = client.request(method, url, **sent(body)).status_code
        expected[(method, path, "-")] = row["-"]  # type: ignore[assignment]
        for role in ROLES:
            for i, where in enumerate(("own", "other")):
                response = client.request(method, url, **sent(body), headers=keys[(role, where)])
                seen[(method, path, f"{role}/{where}")] = response.status_code
                expected[(method, path, f"{role}/{where}")] = row[role][i]  # type: ignore[index]

    assert {k: v for k, v in seen.items() if v != expected[k]} == {}
    assert client.leaks == []
