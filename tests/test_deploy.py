"""The Dockerfile and docker-compose.yml agree with the CLI and the settings."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest
import yaml

from monitor.cli import cli
from monitor.settings import load_settings, parse_settings
from monitor.web import parse_address

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text("utf-8"))
DOCKERFILE = (ROOT / "Dockerfile").read_text("utf-8")
SERVICE = COMPOSE["services"]["factwatch"]


def _instruction(name: str) -> list[str]:
    """The exec-form (JSON) arguments of a Dockerfile instruction."""
    joined = DOCKERFILE.replace("\\\n", " ")
    match = re.search(rf"^{name}\s+(\[.*\])\s*$", joined, re.MULTILINE)
    assert match, f"no exec-form {name} in the Dockerfile"
    return yaml.safe_load(match.group(1))


def _parse(args: list[str]) -> click.Context:
    """Let click parse ``factwatch <args>`` exactly as the container would run it."""
    group = cli.make_context("factwatch", list(args), resilient_parsing=True)
    command = cli.get_command(group, args[0])
    assert command is not None, f"no command {args[0]!r}"
    return command.make_context(args[0], list(args[1:]), parent=group)


def _substituted(env: dict[str, str]) -> dict[str, str]:
    return {k: re.sub(r"\$\{[^}]*\}", "secret", v) for k, v in env.items()}


@pytest.mark.parametrize(
    "command",
    [
        pytest.param(SERVICE["command"], id="compose"),
        pytest.param(_instruction("CMD"), id="dockerfile"),
    ],
)
def test_command_is_a_valid_run_invocation(command: list[str]) -> None:
    assert _instruction("ENTRYPOINT") == ["factwatch"]
    ctx = _parse(command)
    assert ctx.command.name == "run"
    assert ctx.params["log_format"] == "json"
    host, port = parse_address(ctx.params["http"])
    assert (host, port) == ("0.0.0.0", 8080)


def test_port_and_healthcheck_match_the_http_address() -> None:
    port = parse_address(_parse(SERVICE["command"]).params["http"])[1]
    assert f"EXPOSE {port}" in DOCKERFILE
    assert any(str(p).endswith(f":{port}") for p in SERVICE["ports"])
    probe = " ".join(SERVICE["healthcheck"]["test"])
    assert f"http://127.0.0.1:{port}/healthz" in probe
    assert "HEALTHCHECK" in DOCKERFILE
    assert f"http://127.0.0.1:{port}/healthz" in DOCKERFILE


def test_environment_names_real_settings() -> None:
    env = _substituted(SERVICE["environment"])
    assert env and all(k.startswith("FACTWATCH_") for k in env)
    # unknown FACTWATCH_* keys would be rejected here (extra="forbid")
    settings = parse_settings((ROOT / "factwatch.yaml").read_text("utf-8"), env=env)
    assert settings.database.startswith("postgresql+psycopg://factwatch:secret@postgres:5432/")
    assert env["FACTWATCH_CONFIG"] in {v.split(":")[1] for v in SERVICE["volumes"]}
    assert "ENV FACTWATCH_CONFIG=" + env["FACTWATCH_CONFIG"] in DOCKERFILE


def test_secrets_come_from_the_environment() -> None:
    postgres = COMPOSE["services"]["postgres"]
    assert postgres["environment"]["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD")
    assert "${POSTGRES_PASSWORD" in SERVICE["environment"]["FACTWATCH_DATABASE"]
    assert "pgdata" in COMPOSE["volumes"]
    assert any(v.startswith("pgdata:") for v in postgres["volumes"])
    assert SERVICE["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_the_shipped_config_watches_the_seed_page_and_its_statements() -> None:
    settings = load_settings(ROOT / "factwatch.yaml", env={}).settings
    watch = settings.watch("ps-international-efforts")
    assert watch is not None and watch.url.endswith("/ntrntnl-ffrts-en.aspx")
    assert [r.link_text for r in watch.follow] == ["(?i)statement"]
    assert watch.every == 6 * 3600


def test_make_run_uses_the_shipped_config() -> None:
    makefile = (ROOT / "Makefile").read_text("utf-8")
    run = re.search(r"^run:.*\n\t(.+)$", makefile, re.MULTILINE)
    assert run and shlex.split(run.group(1))[-1] == "run"
    assert "CONFIG ?= factwatch.yaml" in makefile


WORKER = COMPOSE["services"]["worker"]


def test_the_worker_service_runs_workers_that_scale() -> None:
    ctx = _parse(WORKER["command"])
    assert ctx.command.name == "worker"
    assert ctx.params["log_format"] == "json"
    assert WORKER["environment"] == SERVICE["environment"]
    assert "ports" not in WORKER and "container_name" not in WORKER  # --scale worker=N
    assert WORKER["volumes"] == SERVICE["volumes"]
    for service in (SERVICE, WORKER):
        assert service["depends_on"]["rabbitmq"]["condition"] == "service_healthy"
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
    probe = " ".join(WORKER["healthcheck"]["test"])
    assert "'status', '--json'" in probe and "['queue']['workers']" in probe
    assert _parse(["status", "--json"]).command.name == "status"


def test_the_queue_comes_from_the_environment() -> None:
    env = _substituted(SERVICE["environment"])
    settings = parse_settings((ROOT / "factwatch.yaml").read_text("utf-8"), env=env)
    assert settings.queue is not None
    assert settings.queue.broker_url == "amqp://factwatch:secret@rabbitmq:5672//"
    rabbitmq = COMPOSE["services"]["rabbitmq"]
    assert rabbitmq["environment"]["RABBITMQ_DEFAULT_PASS"].startswith("${RABBITMQ_PASSWORD")
    assert "rabbitmq-diagnostics" in rabbitmq["healthcheck"]["test"]
