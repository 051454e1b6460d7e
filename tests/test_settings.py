"""Configuration: YAML, validation with file and line, environment overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from model.errors import ConfigError
from monitor.settings import DEFAULT_DATABASE, load_settings, parse_settings

MINIMAL = """\
database: sqlite:///data/factwatch.db     # the default
fetch:
  allow_private_networks: false
watches:
  - name: ps-international-efforts
    url: https://www.publicsafety.gc.ca/cnt/cntrng-crm/chld-sxl-xplttn-ntrnt/ntrntnl-ffrts-en.aspx
"""


def test_minimal_config_from_the_issue_loads_as_written() -> None:
    settings = parse_settings(MINIMAL, env={})
    assert settings.database == DEFAULT_DATABASE
    assert settings.fetch.allow_private_networks is False
    assert [w.name for w in settings.watches] == ["ps-international-efforts"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "fetch:\n  allow_private_network: true\n",
            "f.yaml:2: fetch.allow_private_network: unknown key",
            id="typo-in-nested-key",
        ),
        pytest.param(
            "watches:\n  - name: a\n    url: https://x.org\n    colour: red\n",
            "f.yaml:4: watches.0.colour: unknown key",
            id="unknown-watch-key",
        ),
        pytest.param(
            "watches:\n  - name: Bad Name\n    url: https://x.org\n",
            "f.yaml:2: watches.0.name",
            id="bad-name",
        ),
        pytest.param(
            "watches:\n  - name: a\n    url: gopher://x\n",
            "f.yaml:3: watches.0.url",
            id="bad-scheme",
        ),
        pytest.param(
            "fetch:\n  deadline: -1\n", "f.yaml:2: fetch.deadline", id="negative-deadline"
        ),
        pytest.param("database: [1\n", "f.yaml: not valid YAML", id="bad-yaml"),
        pytest.param("- a\n- b\n", "top level must be a mapping", id="list-at-top"),
        pytest.param(
            "watches:\n  - {name: a, url: 'https://x.org'}\n  - {name: a, url: 'https://y.org'}\n",
            "used twice",
            id="duplicate-names",
        ),
        pytest.param(
            "watches:\n  - name: a\n    url: https://x.org\n    patterns:\n      - {name: p, kind: figure, regex: '(x'}\n",
            "invalid regular expression",
            id="bad-regex",
        ),
    ],
)
def test_errors_name_file_line_and_key(text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_settings(text, where="f.yaml", env={})
    assert expected in str(caught.value)


def test_environment_variables_are_substituted_and_required() -> None:
    text = "database: ${DB_URL}\n"
    assert parse_settings(text, env={"DB_URL": "sqlite:///x.db"}).database == "sqlite:///x.db"
    with pytest.raises(ConfigError, match=r"DB_URL.*not set"):
        parse_settings(text, where="f.yaml", env={})


def test_factwatch_variables_override_the_file() -> None:
    env = {
        "FACTWATCH_DATABASE": "sqlite:///env.db",
        "FACTWATCH_FETCH__ALLOW_PRIVATE_NETWORKS": "true",
    }
    settings = parse_settings(MINIMAL, env=env)
    assert settings.database == "sqlite:///env.db"
    assert settings.fetch.allow_private_networks is True


def test_config_file_lookup(tmp_path: Path) -> None:
    path = tmp_path / "custom.yaml"
    path.write_text(MINIMAL)
    assert load_settings(env={"FACTWATCH_CONFIG": str(path)}).path == path
    with pytest.raises(ConfigError, match="no such configuration file"):
        load_settings(tmp_path / "missing.yaml", env={})


def test_unknown_factwatch_variable_is_named_in_the_error() -> None:
    with pytest.raises(
        ConfigError,
        match=r"environment variable FACTWATCH_FETCH__RETRIES: fetch\.retries: unknown key",
    ):
        parse_settings(MINIMAL, where="f.yaml", env={"FACTWATCH_FETCH__RETRIES": "3"})
