"""Senders that take a result back to its channel. A webhook today; anything with send() plugs in.

The webhook POSTs the notice as JSON with an Idempotency-Key (the same for every retry of one
notice, so the channel can drop repeats) and, when a secret is set, an HMAC-SHA256 signature.
Each attempt resolves the target once, refuses it if any address is not allowed
(channels.targets), and connects to the address it judged: the URL's host is replaced by that
address, while the Host header, TLS SNI and the certificate check keep the name. Redirects are
not followed, and no proxy from the environment is used.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Any, Protocol

from fengqiao.channels.targets import Refusal, resolve


@dataclass(frozen=True)
class Sent:
    target: str
    delivered: bool
    status_code: int | None
    error: str | None
    seconds: float
    refused: bool = False  # the target's address is not allowed: nothing was sent


class ResultSender(Protocol):
    def send(self, body: dict[str, Any], *, idempotency_key: str) -> Sent: ...


@dataclass(frozen=True)
class WebhookSender:
    url: str
    secret: str | None = None
    timeout_seconds: float = 10.0
    allow_private: bool = False

    def send(self, body: dict[str, Any], *, idempotency_key: str) -> Sent:
        import httpx  # here, not at import: `fengqiao notices` lists the results owed without sending any

        data = json.dumps(body, ensure_ascii=False, sort_keys=True).encode()
        headers = {"Content-Type": "application/json; charset=utf-8", "Idempotency-Key": idempotency_key}
        if self.secret:
            digest = hmac.new(self.secret.encode(), data, hashlib.sha256).hexdigest()
            headers["X-Fengqiao-Signature"] = f"sha256={digest}"
        started = time.perf_counter()
        target = resolve(self.url, allow_private=self.allow_private)
        if isinstance(target, Refusal):
            why = f"{'refused' if target.resolved else 'failed'}: {target.reason}"
            return Sent(self.url, False, None, why, time.perf_counter() - started, refused=target.resolved)
        url = httpx.URL(self.url)
        headers["Host"] = url.netloc.decode("ascii")
        extensions = {"sni_hostname": target.ascii_host} if url.scheme == "https" else {}
        try:
            with httpx.Client(transport=httpx.HTTPTransport(), trust_env=False, timeout=self.timeout_seconds) as client:
                response = client.post(
                    url.copy_with(host=str(target.address)), content=data, headers=headers, extensions=extensions
                )
        except httpx.HTTPError as exc:
            return Sent(self.url, False, None, f"{type(exc).__name__}: {exc}"[:500], time.perf_counter() - started)
        ok = 200 <= response.status_code < 300
        error = None if ok else f"HTTP {response.status_code}: {response.text[:200]}"
        return Sent(self.url, ok, response.status_code, error, time.perf_counter() - started)
