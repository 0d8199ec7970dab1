"""Production settings: refuse to start unconfigured, `check --deploy` is clean; the development .env."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from rcrp.env import load_dotenv, parse_dotenv

ROOT = Path(__file__).resolve().parents[1]
PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "a-production-like-secret-key-that-is-long-and-random-0123456789abcdef",
    "ALLOWED_HOSTS": "rcrp.example.police.uk",
    "DATABASE_URL": "sqlite:///:memory:",
    "DJANGO_SETTINGS_MODULE": "rcrp.settings",
}


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in PRODUCTION and k not in {"TEST_DATABASE", "SECURE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_variables() -> None:
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("missing", ["SECRET_KEY", "ALLOWED_HOSTS"])
def test_production_refuses_to_start_without(missing: str) -> None:
    env = {k: v for k, v in PRODUCTION.items() if k != missing}
    result = _manage("check", **env)
    assert result.returncode != 0
    assert f"{missing} must be set" in result.stderr


def test_every_model_change_has_a_migration(db: None) -> None:
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


# --- .env for development (rcrp/env.py load_dotenv, read by rcrp/settings.py) -----------------
DEVELOPMENT_DOTENV = """\
# written by make run
DEBUG=1
SECRET_KEY=dotenv-secret-key-0123456789-0123456789-0123456789
export TRAINING_GATE_MODE=block   # a comment
PHASE="Alpha # not a comment"
GO_LIVE_DATE='2027-01-31'

"""


def _write_dotenv(tmp_path: Path, text: str) -> Path:
    path = tmp_path / ".env"
    path.write_text(text, encoding="utf-8")
    return path


def test_the_dotenv_file_is_read_in_development(tmp_path: Path) -> None:
    environ: dict[str, str] = {}
    assert load_dotenv(_write_dotenv(tmp_path, DEVELOPMENT_DOTENV), environ)
    assert environ == {
        "DEBUG": "1",
        "SECRET_KEY": "dotenv-secret-key-0123456789-0123456789-0123456789",
        "TRAINING_GATE_MODE": "block",
        "PHASE": "Alpha # not a comment",
        "GO_LIVE_DATE": "2027-01-31",
    }


def test_debug_in_the_environment_reads_a_file_without_it(tmp_path: Path) -> None:
    environ = {"DEBUG": "true"}
    assert load_dotenv(_write_dotenv(tmp_path, "PHASE=Alpha\n"), environ)
    assert environ == {"DEBUG": "true", "PHASE": "Alpha"}


@pytest.mark.parametrize(
    ("environ", "text"),
    [
        ({"DEBUG": "0"}, DEVELOPMENT_DOTENV),  # production says so: the file's DEBUG=1 is not taken
        ({}, "SECRET_KEY=x\nPHASE=Alpha\n"),  # no DEBUG anywhere: production
        ({}, "DEBUG=0\nPHASE=Alpha\n"),
        ({"RCRP_READ_DOTENV": "0", "DEBUG": "1"}, DEVELOPMENT_DOTENV),  # the test settings
    ],
)
def test_the_dotenv_file_is_ignored_in_production(tmp_path: Path, environ: dict[str, str], text: str) -> None:
    before = dict(environ)
    assert not load_dotenv(_write_dotenv(tmp_path, text), environ)
    assert environ == before


def test_production_never_parses_the_file_unless_asked(tmp_path: Path) -> None:
    assert not load_dotenv(_write_dotenv(tmp_path, "not a setting\n"), {"DEBUG": "0"})


def test_production_reads_the_file_when_asked(tmp_path: Path) -> None:
    environ = {"DEBUG": "0", "RCRP_READ_DOTENV": "1"}
    assert load_dotenv(_write_dotenv(tmp_path, "DEBUG=1\nPHASE=Live\n"), environ)
    assert environ == {"DEBUG": "0", "RCRP_READ_DOTENV": "1", "PHASE": "Live"}


def test_the_environment_wins_over_the_file(tmp_path: Path) -> None:
    environ = {"TRAINING_GATE_MODE": "off", "PHASE": ""}
    assert load_dotenv(_write_dotenv(tmp_path, DEVELOPMENT_DOTENV), environ)
    assert environ["TRAINING_GATE_MODE"] == "off"
    assert environ["PHASE"] == ""  # set, though empty: still the environment's
    assert environ["DEBUG"] == "1"


def test_a_missing_file_is_not_an_error(tmp_path: Path) -> None:
    environ = {"DEBUG": "1"}
    assert not load_dotenv(tmp_path / ".env", environ)
    assert environ == {"DEBUG": "1"}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("DEBUG=1\nthis is not a setting\n", ".env, line 2: expected KEY=VALUE"),
        ("DEBUG=1\n\n# ok\n=no-key\n", ".env, line 4: expected KEY=VALUE"),
        ("DEBUG=1\n1KEY=value\n", ".env, line 2: expected KEY=VALUE"),
        ('DEBUG=1\nSECRET_KEY="s3cret-unclosed\n', ".env, line 2: unbalanced quotes in SECRET_KEY"),
        ("DEBUG=1\nPHASE='Alpha' trailing\n", ".env, line 2: unbalanced quotes in PHASE"),
        ("DEBUG=maybe\n", "DEBUG must be true or false"),
    ],
)
def test_a_malformed_line_is_a_clear_error(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ImproperlyConfigured) as raised:
        load_dotenv(_write_dotenv(tmp_path, text), {})
    assert message in str(raised.value)
    assert "s3cret" not in str(raised.value)  # the value, perhaps a secret, is never echoed


SHOW_SETTINGS = (
    "import json, {module} as s; "
    "print(json.dumps([s.DEBUG, s.SECRET_KEY, s.TRAINING_GATE_MODE, s.PHASE, s.LOGGING['handlers']"
    "['console']['formatter']]))"
)


def _settings_with_dotenv(module: str, dotenv: Path, **env: str) -> list[Any]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_", "TEST_", "RCRP_"))
        and k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "SECURE", "TRAINING_GATE_MODE", "PHASE"}
    }
    result = subprocess.run(
        [sys.executable, "-c", SHOW_SETTINGS.format(module=module)],
        cwd=ROOT,
        env={**clean, "RCRP_DOTENV_FILE": str(dotenv), **env},
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_the_settings_read_the_dotenv_file_so_manage_py_works_without_exports(tmp_path: Path) -> None:
    dotenv = _write_dotenv(tmp_path, DEVELOPMENT_DOTENV)
    assert _settings_with_dotenv("rcrp.settings", dotenv) == [
        True,
        "dotenv-secret-key-0123456789-0123456789-0123456789",
        "block",
        "Alpha # not a comment",
        "console",
    ]
    # The environment wins, and DEBUG=0 in it means production: the file is not read at all.
    assert _settings_with_dotenv("rcrp.settings", dotenv, TRAINING_GATE_MODE="warn")[2] == "warn"
    production = _settings_with_dotenv("rcrp.settings", dotenv, **PRODUCTION)
    assert production == [False, PRODUCTION["SECRET_KEY"], "warn", "Beta", "json"]


def test_a_malformed_dotenv_file_stops_manage_py_with_a_clear_message(tmp_path: Path) -> None:
    dotenv = _write_dotenv(tmp_path, "DEBUG=1\nSECRET_KEY\n")
    result = _manage("check", RCRP_DOTENV_FILE=str(dotenv), RCRP_READ_DOTENV="")
    assert result.returncode != 0
    assert "ImproperlyConfigured: .env, line 2: expected KEY=VALUE" in result.stderr


def test_the_test_settings_ignore_a_developers_dotenv_file(tmp_path: Path) -> None:
    dotenv = _write_dotenv(tmp_path, DEVELOPMENT_DOTENV)
    debug, secret_key, gate, phase, _formatter = _settings_with_dotenv("rcrp.settings_test", dotenv)
    assert (debug, gate, phase) == (False, "warn", "Beta")
    assert secret_key.startswith("test-only-secret-key-")


def test_dotenv_is_ignored_by_git() -> None:
    assert ".env" in (ROOT / ".gitignore").read_text(encoding="utf-8").split()


def test_make_writes_a_development_dotenv_once(tmp_path: Path) -> None:
    make = ["make", "--no-print-directory", "-s", "-C", str(tmp_path), "-f", str(ROOT / "Makefile"), ".env"]
    subprocess.run(make, check=True, capture_output=True, text=True, timeout=60)
    dotenv = tmp_path / ".env"
    values = parse_dotenv(dotenv.read_text(encoding="utf-8"))
    assert values["DEBUG"] == "1"
    assert len(values["SECRET_KEY"]) >= 50
    assert dotenv.stat().st_mode & 0o077 == 0  # the secret key is readable by its owner only
    debug, secret_key, *_rest = _settings_with_dotenv("rcrp.settings", dotenv)
    assert (debug, secret_key) == (True, values["SECRET_KEY"])

    subprocess.run(make, check=True, capture_output=True, text=True, timeout=60)
    assert parse_dotenv(dotenv.read_text(encoding="utf-8")) == values  # never overwritten

    other = tmp_path / "other"
    other.mkdir()
    subprocess.run([*make[:4], str(other), *make[5:]], check=True, capture_output=True, timeout=60)
    assert parse_dotenv((other / ".env").read_text(encoding="utf-8"))["SECRET_KEY"] != values["SECRET_KEY"]
