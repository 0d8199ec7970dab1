"""Small typed helpers that read settings from the environment (one env-driven settings file)."""

from __future__ import annotations

import os
import re
from collections.abc import MutableMapping
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def env_secret(name: str, default: str = "") -> str:
    """Read NAME, or the contents of the file named by NAME_FILE (Docker/Kubernetes secrets)."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text(encoding="utf-8").strip()
    return os.environ.get(name, default)


# --- .env for development -------------------------------------------------------------------
# KEY=VALUE lines; blank lines and lines starting with # are skipped; "export " before the key is
# allowed; a value may be wrapped in single or double quotes (taken literally); an unquoted value
# ends at " #" (a comment). Anything else is an error naming the line, never echoing its value
# (it may be a secret).
_DOTENV_LINE = re.compile(r"(?:export\s+)?(?P<key>[A-Za-z_][A-Za-z0-9_]*)\s*=\s*(?P<value>.*)")


def parse_dotenv(text: str, *, source: str = ".env") -> dict[str, str]:
    values: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _DOTENV_LINE.fullmatch(line)
        if match is None:
            raise ImproperlyConfigured(f"{source}, line {number}: expected KEY=VALUE")
        value = match["value"]
        if value[:1] in {"'", '"'}:
            quote = value[0]
            end = value.find(quote, 1)
            rest = value[end + 1 :].strip() if end > 0 else ""
            if end < 0 or (rest and not rest.startswith("#")):
                raise ImproperlyConfigured(f"{source}, line {number}: unbalanced quotes in {match['key']}")
            value = value[1:end]
        else:
            value = re.split(r"\s+#", value, maxsplit=1)[0].strip()
        values[match["key"]] = value
    return values


def _truthy(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def load_dotenv(path: Path, environ: MutableMapping[str, str] | None = None) -> bool:
    """Read a development .env file into the environment; True when it was read.

    It is read only when RCRP_READ_DOTENV=1, or, with RCRP_READ_DOTENV unset, when DEBUG is on
    in the environment or (DEBUG not in the environment) in the file itself: a production host,
    with DEBUG off, never reads it unless asked. RCRP_READ_DOTENV=0 never reads it (the test
    settings). Variables already in the environment win over the file.
    """
    environ = os.environ if environ is None else environ
    asked = environ.get("RCRP_READ_DOTENV")
    if asked is not None and asked.strip() != "" and not _truthy("RCRP_READ_DOTENV", asked):
        return False
    forced = bool(asked and asked.strip())
    if not forced and "DEBUG" in environ and not _truthy("DEBUG", environ["DEBUG"]):
        return False  # production: the file is not even parsed
    if not path.is_file():
        return False
    values = parse_dotenv(path.read_text(encoding="utf-8"), source=path.name)
    if not forced:
        debug = environ.get("DEBUG", values.get("DEBUG"))
        if debug is None or not _truthy("DEBUG", debug):
            return False
    for key, value in values.items():
        environ.setdefault(key, value)
    return True
