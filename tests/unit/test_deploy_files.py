"""The documented deployment (docs/deploy/) has the scale-out topology and calls commands and options that exist.

The compose file must parse and name two app servers, two job workers, one PostgreSQL and one Redis, with the
migration one-shot before them; the systemd units must run `reviewboard serve` and `reviewboard worker`. Every
`reviewboard` invocation in either is checked against the CLI's own `--help`, so a renamed option breaks this
test rather than a deployment. (No container is built here: CI has no Docker daemon.)
"""

from __future__ import annotations

import configparser
import re
import shlex
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from reviewboard.config import NOT_SETTINGS, Defaults, from_environment

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "docs" / "deploy"
UNITS = DEPLOY / "systemd"


def _compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def _app_services() -> dict[str, dict]:
    """The services that run the ReviewBoard image (every one built from our Dockerfile)."""
    return {name: s for name, s in _compose()["services"].items() if "build" in s}


def _unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # systemd's keys are case-sensitive
    parser.read_string((UNITS / name).read_text())
    return parser


def _exec_start(name: str) -> list[str]:
    words = shlex.split(_unit(name)["Service"]["ExecStart"])
    assert words[0] == "/srv/reviewboard/app/.venv/bin/reviewboard", words
    return words[1:]


def _invocations() -> list[tuple[str, list[str]]]:
    """Every `reviewboard ...` command line of the deployment, named by where it stands."""
    found = [(f"compose {name}", list(s["command"])) for name, s in _app_services().items()]
    found += [(unit.name, _exec_start(unit.name)) for unit in sorted(UNITS.glob("*.service"))]
    return found


def _env_file(path: Path) -> dict[str, str]:
    pairs = (line.split("=", 1) for line in path.read_text().splitlines() if line and not line.startswith("#"))
    return {key: value for key, value in pairs}


def test_compose_runs_two_app_servers_and_two_workers_on_one_postgres_and_one_redis():
    services = _compose()["services"]
    apps = _app_services()
    commands = {name: s["command"] for name, s in apps.items()}
    web = sorted(n for n, c in commands.items() if c[0] == "serve")
    workers = sorted(n for n, c in commands.items() if c[0] == "worker")
    assert (web, workers) == (["web1", "web2"], ["worker1", "worker2"])
    assert [n for n, s in services.items() if str(s.get("image", "")).startswith("postgres:")] == ["postgres"]
    assert [n for n, s in services.items() if str(s.get("image", "")).startswith("redis:")] == ["redis"]
    assert commands["migrate"] == ["db", "upgrade"] and commands["keys"] == ["keys", "init"]

    for name in web + workers:  # after the one-shots, on the same database and Redis as every other
        depends = apps[name]["depends_on"]
        assert depends["migrate"] == depends["keys"] == {"condition": "service_completed_successfully"}
    urls = {(s["environment"]["DATABASE_URL"], s["environment"]["REDIS_URL"]) for s in apps.values()}
    assert len(urls) == 1
    database, redis = urls.pop()
    assert "@postgres:5432/" in database and redis.startswith("redis://redis:6379/")
    published = [p for n in web for p in apps[n]["ports"]]
    assert len(set(published)) == 2 and all(p.endswith(":8000") for p in published)
    for service in apps.values():
        assert (REPO / "docs" / "deploy" / service["build"]["context"]).resolve() == REPO
        assert (REPO / service["build"]["dockerfile"]).is_file()
    assert 'ENTRYPOINT ["reviewboard"]' in (DEPLOY / "Dockerfile").read_text()


def test_systemd_units_run_the_server_and_the_worker_from_one_environment_file():
    assert _exec_start("reviewboard-web@.service") == ["serve", "--host", "127.0.0.1", "--port", "%i"]
    assert _exec_start("reviewboard-worker@.service") == ["worker"]
    assert _exec_start("reviewboard-migrate.service") == ["db", "upgrade"]
    assert _exec_start("reviewboard-remind.service") == ["remind"]
    for name in ("reviewboard-web@.service", "reviewboard-worker@.service", "reviewboard-migrate.service",
                 "reviewboard-remind.service"):
        service = _unit(name)["Service"]
        assert service["EnvironmentFile"] == "/etc/reviewboard/reviewboard.env"
        assert service["User"] == "reviewboard"
    web = _unit("reviewboard-web@.service")["Service"]
    # systemd waits longer than gunicorn's graceful timeout before it kills
    assert web["KillSignal"] == "SIGTERM" and int(web["TimeoutStopSec"]) > Defaults.SERVE_GRACEFUL_TIMEOUT
    assert _unit("reviewboard-remind.timer")["Timer"]["OnCalendar"]


def _commands() -> dict[tuple[str, ...], tuple[set[str], list[str]]]:
    """Each distinct command of the deployment: the options given to it anywhere, and where it stands."""
    commands: dict[tuple[str, ...], tuple[set[str], list[str]]] = {}
    for where, args in _invocations():
        end = next((i for i, a in enumerate(args) if a.startswith("-")), len(args))
        options, places = commands.setdefault(tuple(args[:end]), (set(), []))
        options.update(a for a in args[end:] if a.startswith("--"))
        places.append(where)
    return commands


@pytest.mark.parametrize("command", list(_commands()), ids=" ".join)
def test_each_deployed_command_and_option_exists(command, tmp_path, monkeypatch):
    from reviewboard.cli import main

    options, places = _commands()[command]
    monkeypatch.setenv("REVIEWBOARD_INSTANCE_PATH", str(tmp_path))
    result = CliRunner().invoke(main, [*command, "--help"])
    assert result.exit_code == 0, f"{places}: `reviewboard {' '.join(command)}` is not a command: {result.output}"
    for option in sorted(options):
        assert re.search(rf"(^|[\s,]){re.escape(option)}\b", result.output, re.MULTILINE), (
            f"{places}: `reviewboard {' '.join(command)}` has no option {option}")
    assert "serve" not in command or {"--host", "--port"} <= options  # the checks above did look at options


@pytest.mark.parametrize("path", [UNITS / "reviewboard.env.example", DEPLOY / "compose.env.example"],
                         ids=["systemd", "compose"])
def test_environment_examples_name_real_settings_with_values_that_fit(path):
    env = _env_file(path)
    if path.parent == UNITS:
        assert {"SECRET_KEY", "DATABASE_URL", "REDIS_URL"} <= env.keys() and env["REVIEWBOARD_ENV"] == "production"
    else:  # compose interpolates these into the services' environment
        interpolated = set(re.findall(r"\$\{(\w+)", (DEPLOY / "compose.yaml").read_text()))
        assert env.keys() <= interpolated and {"SECRET_KEY", "POSTGRES_PASSWORD"} <= env.keys()
        env = {k: str(v) for k, v in next(iter(_app_services().values()))["environment"].items()}
    unknown = [k for k in env if k.startswith("REVIEWBOARD_") and k not in NOT_SETTINGS
               and not hasattr(Defaults, k.removeprefix("REVIEWBOARD_"))]
    assert unknown == []
    if path.parent == UNITS:
        assert from_environment(env)["JOB_STUCK_AFTER"].total_seconds() == 600  # each value converts


def test_the_readme_links_the_deployment():
    assert "docs/deploy/README.md" in (REPO / "README.md").read_text()
    text = (DEPLOY / "README.md").read_text()
    for name in ("compose.yaml", "Dockerfile", "reviewboard-web@", "reviewboard-worker@", "reviewboard.env.example"):
        assert name in text
