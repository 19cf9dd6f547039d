"""The settings are read from the environment and .env as pydantic-settings read them, without it (a
command's start): the same fields from the same variables, in the same order of precedence, the same
errors. The reference is pydantic-settings itself, still installed (Prefect uses it)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict, SettingsError

from fengqiao.config.settings import Fields, Settings


class Reference(BaseSettings, Fields):
    """The settings as they were declared: pydantic-settings' BaseSettings over the same fields."""

    model_config = SettingsConfigDict(env_prefix="FENGQIAO_", env_file=".env", extra="ignore")


HOOK = "http://127.0.0.1:9/hook"
ENVIRONMENTS: dict[str, tuple[dict[str, str], str]] = {
    "nothing set": ({}, ""),
    "every kind of field": (
        {
            "FENGQIAO_HOME": "/srv/fq",
            "fengqiao_log_level": "DEBUG",  # any case
            "FENGQIAO_LOG_JSON": "false",
            "FENGQIAO_API_PORT": "9000",
            "FENGQIAO_LATE_RUN_MINUTES": "0.5",
            "FENGQIAO_DATABASE_URL": "postgres://app@db/fq",
            "FENGQIAO_NETWORK_FILE": "",
            "FENGQIAO_RESULT_WEBHOOKS": f'{{"hotline_12345": "{HOOK}"}}',
            "FENGQIAO_RESULT_WEBHOOK_SECRET": "s3cret",
            "FENGQIAO_AUDIT_DIGEST_WEBHOOK": HOOK,
            "FENGQIAO_NOT_A_SETTING": "1",
            "HOME_DIR": "/elsewhere",
        },
        "",
    ),
    ".env under the environment": (
        {"FENGQIAO_API_PORT": "9001", "FENGQIAO_RESULT_WEBHOOKS": f'{{"police": "{HOOK}/p"}}'},
        "# the operator's file\n"
        "FENGQIAO_API_PORT=9002\n"
        "export FENGQIAO_API_HOST='0.0.0.0'\n"
        'FENGQIAO_RESULT_WEBHOOKS={"court": "http://127.0.0.1:9/c", "police": "http://127.0.0.1:9/old"}\n'
        "FENGQIAO_LOG_FILE\n"
        "fengqiao_chromium=/opt/chromium\n"
        "FENGQIAO_WORK_POOL=枫桥-cases\n"
        "database_url=sqlite:///ignored.db\n"
        "FENGQIAO_UNKNOWN=x\n"
        "FENGQIAO_PREFECT_UI_URL=${UI_HOST}/ui\n",
    ),
}


def _in(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, variables: dict[str, str], dotenv: str) -> None:
    for name in [n for n in os.environ if n.upper().startswith("FENGQIAO_")]:
        monkeypatch.delenv(name)
    for name, value in {**variables, "UI_HOST": "http://127.0.0.1:4200"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    if dotenv:
        (tmp_path / ".env").write_text(dotenv, encoding="utf-8")


@pytest.mark.parametrize("environment", list(ENVIRONMENTS))
def test_the_settings_are_read_as_pydantic_settings_read_them(environment, monkeypatch, tmp_path):
    _in(monkeypatch, tmp_path, *ENVIRONMENTS[environment])
    given: dict[str, Any] = {"api_max_connections": 7, "result_webhooks": {"walk_in": f"{HOOK}/w"}}

    assert Settings().model_dump() == Reference().model_dump()
    assert Settings(**given).model_dump() == Reference(**given).model_dump()


@pytest.mark.parametrize(
    ("variables", "dotenv"),
    [
        ({"FENGQIAO_API_PORT": "0"}, ""),
        ({"FENGQIAO_LOG_JSON": "maybe", "FENGQIAO_SWEEP_SECONDS": ""}, ""),
        ({"FENGQIAO_AUDIT_DIGEST_WEBHOOK": "not a url"}, ""),
        ({"FENGQIAO_RESULT_WEBHOOKS": '{"nowhere": "http://127.0.0.1:9/x"}'}, ""),
        ({}, "FENGQIAO_RUNNER_LIMIT=-1\n"),
        ({"FENGQIAO_RESULT_WEBHOOKS": "hotline_12345=http://x"}, ""),  # not JSON: pydantic-settings' own error
        ({}, "FENGQIAO_RESULT_WEBHOOKS={not json\n"),
    ],
)
def test_a_setting_refused_is_refused_alike(variables, dotenv, monkeypatch, tmp_path):
    _in(monkeypatch, tmp_path, variables, dotenv)

    def refusal(settings: type[Fields]) -> tuple[str, object]:
        try:
            settings()
        except ValidationError as exc:
            return "ValidationError", exc.errors(include_url=False)
        except SettingsError as exc:
            return "SettingsError", str(exc)
        return "accepted", None

    assert refusal(Settings) == refusal(Reference) != ("accepted", None)
