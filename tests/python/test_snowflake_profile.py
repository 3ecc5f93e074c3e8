"""profiles.example.yml's snowflake output, rendered by dbt from the environment.

Each authentication method is chosen by which SNOWFLAKE_* variables are set; the others default
to empty strings, which dbt-snowflake must ignore. The credentials are built exactly as dbt
builds them (render the profile, then SnowflakeCredentials), and ``auth_args()`` is what
dbt-snowflake hands to ``snowflake.connector.connect``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from dbt.adapters.snowflake import SnowflakeCredentials
from dbt.config.profile import Profile
from dbt.config.renderer import ProfileRenderer
from dbt_common.context import set_invocation_context
from snowflake_emulation import PROJECT_DIR

REQUIRED = {
    "SNOWFLAKE_ACCOUNT": "acme-xy12345",
    "SNOWFLAKE_USER": "dbt_runner",
    "SNOWFLAKE_WAREHOUSE": "transforming",
    "SNOWFLAKE_DATABASE": "analytics",
}
AUTH_VARIABLES = (
    "SNOWFLAKE_PASSWORD",
    "SNOWFLAKE_PRIVATE_KEY_PATH",
    "SNOWFLAKE_PRIVATE_KEY_PASSPHRASE",
    "SNOWFLAKE_AUTHENTICATOR",
    "SNOWFLAKE_ROLE",
    "SNOWFLAKE_SCHEMA",
)


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    for name in AUTH_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name, value in REQUIRED.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("DBT_TARGET", "local")  # the snowflake output is chosen explicitly below
    yield monkeypatch


def _credentials() -> tuple[SnowflakeCredentials, dict[str, Any]]:
    """The snowflake target's credentials and the connect() arguments dbt-snowflake derives."""
    set_invocation_context(os.environ)
    raw = yaml.safe_load((PROJECT_DIR / "profiles.example.yml").read_text())
    target, rendered = Profile.render_profile(
        raw["support_ticket_llm"], "support_ticket_llm", "snowflake", ProfileRenderer({})
    )
    assert target == "snowflake"
    rendered.pop("threads")
    credentials = Profile._credentials_from_profile(rendered, "support_ticket_llm", target)
    assert isinstance(credentials, SnowflakeCredentials)
    return credentials, credentials.auth_args()


def _write_key(path: Path, passphrase: str | None) -> rsa.RSAPrivateKey:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    encryption = (
        serialization.BestAvailableEncryption(passphrase.encode())
        if passphrase
        else serialization.NoEncryption()
    )
    path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)
    )
    return key


def _der(key: rsa.RSAPrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def test_password(environment: pytest.MonkeyPatch) -> None:
    environment.setenv("SNOWFLAKE_PASSWORD", "s3cret")
    credentials, arguments = _credentials()
    assert arguments == {
        "user": "dbt_runner",
        "password": "s3cret",
        "reuse_connections": True,
        "private_key": None,
    }
    assert (credentials.account, credentials.warehouse, credentials.database) == (
        "acme-xy12345",
        "transforming",
        "analytics",
    )
    assert (credentials.schema, credentials.query_tag) == ("support_tickets", "support_ticket_llm")
    # Without SNOWFLAKE_ROLE the role is an empty string: the connector sends no role name, so
    # Snowflake uses the user's default role.
    assert not credentials.role


@pytest.mark.parametrize("passphrase", ["key-passphrase", None], ids=["encrypted", "plain"])
def test_key_pair(environment: pytest.MonkeyPatch, tmp_path: Path, passphrase: str | None) -> None:
    key = _write_key(tmp_path / "rsa_key.p8", passphrase)
    environment.setenv("SNOWFLAKE_PRIVATE_KEY_PATH", str(tmp_path / "rsa_key.p8"))
    if passphrase:
        environment.setenv("SNOWFLAKE_PRIVATE_KEY_PASSPHRASE", passphrase)
    environment.setenv("SNOWFLAKE_ROLE", "transformer")
    credentials, arguments = _credentials()
    assert arguments["private_key"] == _der(key)
    assert "password" not in arguments and "authenticator" not in arguments
    assert credentials.role == "transformer"


def test_a_wrong_passphrase_is_an_error(environment: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _write_key(tmp_path / "rsa_key.p8", "right")
    environment.setenv("SNOWFLAKE_PRIVATE_KEY_PATH", str(tmp_path / "rsa_key.p8"))
    environment.setenv("SNOWFLAKE_PRIVATE_KEY_PASSPHRASE", "wrong")
    with pytest.raises(ValueError):
        _credentials()


def test_external_browser(environment: pytest.MonkeyPatch) -> None:
    environment.setenv("SNOWFLAKE_AUTHENTICATOR", "externalbrowser")
    _, arguments = _credentials()
    assert arguments["authenticator"] == "externalbrowser"
    assert "password" not in arguments and arguments["private_key"] is None


def test_the_schema_can_be_set(environment: pytest.MonkeyPatch) -> None:
    environment.setenv("SNOWFLAKE_PASSWORD", "s3cret")
    environment.setenv("SNOWFLAKE_SCHEMA", "support_tickets_ci")
    credentials, _ = _credentials()
    assert credentials.schema == "support_tickets_ci"
