"""Configuration: YAML, validation with file and line, environment overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from model.errors import ConfigError
from monitor import settings as settings_module
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
        pytest.param(
            "database: [1\n",
            "f.yaml:2: not valid YAML: did not find expected ',' or ']' "
            "(while parsing a flow sequence at line 1)",
            id="bad-yaml",
        ),
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


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "watches:\n  - name: a\n    url: https://x.org\n    select: 'main >>> p['\n",
            "f.yaml:4: watches.0.select: invalid CSS selector 'main >>> p[': "
            "The combinator '>' at position 6, must have a selector before it",
            id="bad-select",
        ),
        pytest.param(
            "watches:\n  - name: a\n    url: https://x.org\n    follow:\n      - css: 'a[href'\n",
            "f.yaml:5: watches.0.follow.0.css: invalid CSS selector 'a[href'",
            id="bad-follow-css",
        ),
        pytest.param(
            "watches:\n  - name: a\n    url: https://x.org\n    follow:\n      - limit: 3\n",
            "f.yaml:5: watches.0.follow.0: give at least one of css, link_text or url",
            id="follow-item-line",
        ),
        pytest.param(
            "watches:\n  - name: a\n    url: https://x.org\n    every: 1h\n    cron: '0 * * * *'\n",
            "f.yaml:5: watches.0.cron: give either every or cron, not both",
            id="every-and-cron-line",
        ),
        pytest.param(
            "watches:\n  - name: a\n    url: https://x.org\n  - name: b\n    url: https://y.org\n"
            "  - name: a\n    url: https://z.org\n",
            "f.yaml:6: watches.2.name: watch name 'a' is used twice (first at watches.0)",
            id="duplicate-name-line",
        ),
        pytest.param(
            "watches:\n  - name: a\n    url: https://x.org\n    alert: [ops]\n",
            "f.yaml:4: watches.0.alert: unknown alert channel 'ops'",
            id="unknown-channel-line",
        ),
        pytest.param(
            "watches:\n  - name: a\n    url: https://x.org\n    evrey: 6h\n",
            "f.yaml:4: watches.0.evrey: unknown key (did you mean 'every'?)",
            id="did-you-mean-watch-key",
        ),
        pytest.param(
            "sheduler:\n  every: 1h\n",
            "f.yaml:1: sheduler: unknown key (did you mean 'scheduler'?)",
            id="did-you-mean-top-level",
        ),
        pytest.param(
            "scheduler:\n  concurency: 2\n",
            "f.yaml:2: scheduler.concurency: unknown key (did you mean 'concurrency'?)",
            id="did-you-mean-nested",
        ),
        pytest.param(
            "watches:\n  - name: a\n    url: https://x.org\nwatches: []\n",
            "f.yaml:4: key 'watches' given twice (first at line 1)",
            id="duplicate-key",
        ),
    ],
)
def test_errors_point_at_the_right_key_and_line(text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_settings(text, where="f.yaml", env={})
    message = str(caught.value)
    assert expected in message
    assert "Value error" not in message and "<unicode string>" not in message


def test_no_did_you_mean_for_a_key_like_no_other() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_settings("fetch:\n  zzzz: 1\n", where="f.yaml", env={})
    assert str(caught.value) == "f.yaml:2: fetch.zzzz: unknown key"


BILLION_LAUGHS = """\
a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
watches: *i
"""


def test_an_alias_bomb_is_refused_before_it_grows() -> None:
    with pytest.raises(ConfigError, match=r"f\.yaml:\d+: YAML aliases repeat more than 10000"):
        parse_settings(BILLION_LAUGHS, where="f.yaml", env={})


def test_aliases_and_merge_keys_within_reason_still_work() -> None:
    text = (
        "watches:\n"
        "  - &first {name: a, url: 'https://x.org', every: 1h, follow: [{link_text: statement}]}\n"
        "  - {<<: *first, name: b, url: 'https://y.org'}\n"
    )
    settings = parse_settings(text, env={})
    assert [(w.name, w.url, w.every, len(w.follow)) for w in settings.watches] == [
        ("a", "https://x.org", 3600.0, 1),
        ("b", "https://y.org", 3600.0, 1),
    ]


def test_a_config_file_larger_than_the_cap_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(settings_module, "MAX_CONFIG_BYTES", 1000)
    path = tmp_path / "big.yaml"
    path.write_text("# padding\n" * 200)
    with pytest.raises(ConfigError, match=r"big\.yaml: larger than 1,000 bytes"):
        load_settings(path, env={})


def test_a_non_utf8_file_is_a_configuration_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("watches:\n  - name: caf\u00e9\n".encode("latin-1"))
    with pytest.raises(ConfigError, match=r"latin1\.yaml:2: not UTF-8 text \(byte 0xe9\)"):
        load_settings(path, env={})


@pytest.mark.parametrize(("cpus", "workers"), [(1, 1), (2, 1), (3, 2), (4, 3), (8, 4), (64, 4)])
def test_parse_workers_follow_the_cores_when_not_set(cpus: int, workers: int) -> None:
    assert settings_module.auto_parse_processes(cpus) == workers


def test_parse_processes_set_wins_and_unset_uses_the_cores() -> None:
    unset = parse_settings("watches: []\n", env={}).scheduler
    assert unset.parse_processes is None
    assert unset.parse_workers == settings_module.auto_parse_processes()
    zero = parse_settings("scheduler:\n  parse_processes: 0\n", env={}).scheduler
    assert zero.parse_workers == 0
