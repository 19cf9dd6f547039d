"""Every answer the tests receive from the API, scanned for personal data shown whole."""

from __future__ import annotations


def scanned_client(app: object) -> object:
    """A TestClient that scans every answer: an ID number or mobile number shown whole, other than to an
    explicit unmasking by a role that may, is collected in `client.leaks` (the test asserts it is empty)."""
    from fastapi.testclient import TestClient

    from fengqiao.models.privacy import unmasked_in

    leaks: list[tuple[str, str]] = []

    def scan(response: object) -> None:
        response.read()  # type: ignore[attr-defined]
        request = response.request  # type: ignore[attr-defined]
        if request.url.path.endswith("/openapi.json"):
            return  # the schema's examples are the shipped made-up records (examples/), valid so they can be tried
        unmasking = "unmask=true" in str(request.url).lower() and response.status_code == 200  # type: ignore[attr-defined]
        if not unmasking and (found := unmasked_in(response.text)):  # type: ignore[attr-defined]
            leaks.append((f"{request.method} {request.url.path}", ", ".join(found)))

    client = TestClient(app, raise_server_exceptions=False)  # type: ignore[arg-type]
    client.event_hooks["response"] = [scan]
    client.leaks = leaks  # type: ignore[attr-defined]
    return client
