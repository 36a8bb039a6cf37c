"""deploy/: the compose file, the Helm values and the alert rules, checked as far as this
machine allows (no images can be pulled): `docker compose config` when the plugin runs, else
the Compose Specification's own JSON schema (the one compose validates with) after compose's
variable interpolation; alert rules only use metrics `/metrics` really exposes."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from dagster_sentinel.outbox import Outbox
from dagster_sentinel.telemetry import Telemetry, exposition

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
SECRETS = ("DAGSTER_PG_PASSWORD", "SLACK_BOT_TOKEN", "SLACK_SIGNING_SECRET", "GEMINI_API_KEY")
ENV = {s: "x" for s in SECRETS}


def _compose() -> dict:
    return yaml.safe_load((DEPLOY / "docker-compose.yaml").read_text())


def _compose_plugin() -> bool:
    if shutil.which("docker") is None:
        return False
    probe = subprocess.run(["docker", "compose", "version"], capture_output=True, timeout=30)
    return probe.returncode == 0


def test_compose_config_validates_when_the_plugin_is_there(monkeypatch) -> None:
    if not _compose_plugin():
        pytest.skip("docker compose plugin not installed here; schema-checked below")
    for k, v in ENV.items():
        monkeypatch.setenv(k, v)
    out = subprocess.run(
        ["docker", "compose", "-f", str(DEPLOY / "docker-compose.yaml"), "config", "-q"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode == 0, out.stderr


# Compose's interpolation: ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error}.
_VAR = re.compile(r"\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


def _interpolate(text: str, env: dict[str, str]) -> str:
    def one(m: re.Match[str]) -> str:
        name, op, arg = m["name"], m["op"] or "", m["arg"] or ""
        value = env.get(name)
        unset = value is None or (op.startswith(":") and value == "")
        if op.endswith("?") and unset:
            raise ValueError(f"required variable {name} is missing a value: {arg}")
        if op.endswith("-") and unset:
            return arg
        return value or ""

    return _VAR.sub(one, text.replace("$$", "\0")).replace("\0", "$")


def test_compose_file_is_valid_against_the_compose_specification() -> None:
    import json

    import jsonschema

    schema = json.loads((Path(__file__).parent / "compose-spec.json").read_text())
    raw = (DEPLOY / "docker-compose.yaml").read_text()
    with pytest.raises(ValueError, match="DAGSTER_PG_PASSWORD"):
        _interpolate(raw, {})  # secrets have no defaults: compose refuses to start without
    compose = yaml.safe_load(_interpolate(raw, ENV))
    jsonschema.validate(compose, schema)
    # The validator is not vacuous: a misspelt key is refused.
    broken = {**compose, "services": {**compose["services"], "daemon": {"imagee": "x"}}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)


def test_compose_structure() -> None:
    compose = _compose()
    services = compose["services"]
    assert {
        "postgres",
        "webserver",
        "daemon",
        "user_code",
        "sentinel_code",
        "sentinel_serve",
    } <= set(services)
    for name, svc in services.items():
        assert "healthcheck" in svc and svc["healthcheck"]["test"], f"{name}: no health check"
        image = svc["image"]
        tag = image.rsplit(":", 1)[1] if ":" in image else ""
        assert tag and tag != "latest", f"{name}: image {image} is not pinned"
        for dep in svc.get("depends_on", {}):
            assert dep in services, f"{name} depends on unknown {dep}"
        if "build" in svc:
            context = (DEPLOY / svc["build"]["context"]).resolve()
            assert (context / svc["build"]["dockerfile"]).exists(), name
    # Secrets come from the environment, never written in the file.
    text = (DEPLOY / "docker-compose.yaml").read_text()
    for secret in SECRETS:
        for line in text.splitlines():
            if line.strip().startswith(f"{secret}:"):
                assert "${" + secret in line, line
    # The workspace the webserver and daemon read points at the code-server services.
    workspace = yaml.safe_load((DEPLOY / "workspace-docker.yaml").read_text())
    hosts = {e["grpc_server"]["host"] for e in workspace["load_from"]}
    assert hosts <= set(services)
    # The modules the code servers serve exist.
    for svc in ("user_code", "sentinel_code"):
        module = re.search(r"-m (\S+)", services[svc]["command"]).group(1)
        assert importlib.util.find_spec(module) is not None, module


def test_dockerfile_base_is_pinned() -> None:
    first = next(
        line for line in (DEPLOY / "Dockerfile").read_text().splitlines() if line.startswith("FROM")
    )
    assert re.match(r"FROM python:\d+\.\d+\.\d+-", first), first


def test_helm_values_add_sentinels_location_and_secrets() -> None:
    values = yaml.safe_load((DEPLOY / "helm" / "values.yaml").read_text())
    deployments = {d["name"]: d for d in values["dagster-user-deployments"]["deployments"]}
    assert {"demo", "sentinel"} <= set(deployments)
    for d in deployments.values():
        args = d["dagsterApiGrpcArgs"]
        module = args[args.index("-m") + 1]
        assert importlib.util.find_spec(module) is not None, module
        assert {"name": "sentinel-secrets"} in d["envSecrets"]
        assert d["image"]["tag"] and d["image"]["tag"] != "latest"
        names = {e["name"] for e in d.get("env", [])}
        assert not names & set(SECRETS), "secrets belong in the secret, not in values"
    assert values["runLauncher"]["config"]["k8sRunLauncher"]["envSecrets"] == [
        {"name": "sentinel-secrets"}
    ]


def test_alert_rules_only_use_exposed_metrics(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    t = Telemetry(url)  # one of each event, so every family has samples
    t.observe("diagnosis_duration_seconds", {"brain": "rules", "path": "hook"}, 0.1)
    t.inc("gemini_calls_total", {"outcome": "ok"})
    with t.tick("sentinel_outbox_sensor"):
        pass
    Outbox(url).enqueue("i:post", channel="#c", message={"text": "waiting"})
    exposed = set(re.findall(r"^(sentinel_\w+)", exposition(url).decode(), re.M))
    rules = yaml.safe_load((DEPLOY / "prometheus" / "sentinel-alerts.yaml").read_text())
    alerts = [r for g in rules["groups"] for r in g["rules"]]
    assert {
        "SentinelOutboxBacklogOld",
        "SentinelGeminiBreakerOpen",
        "SentinelSensorTicksFailing",
    } <= {r["alert"] for r in alerts}
    for rule in alerts:
        expr = re.sub(r'"[^"]*"', '""', rule["expr"])  # label values are not metrics
        used = set(re.findall(r"\bsentinel_\w+", expr))
        assert used and used <= exposed, f"{rule['alert']}: {used - exposed} not exposed"
    if shutil.which("promtool"):
        out = subprocess.run(
            ["promtool", "check", "rules", str(DEPLOY / "prometheus" / "sentinel-alerts.yaml")],
            capture_output=True,
            text=True,
        )
        assert out.returncode == 0, out.stdout + out.stderr
