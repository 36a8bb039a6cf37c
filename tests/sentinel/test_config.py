"""SentinelConfig: one typed configuration, its precedence, and the README table."""

from __future__ import annotations

import re
from pathlib import Path

import dagster as dg
import pytest

from dagster_sentinel.cli import main
from dagster_sentinel.config import (
    BrainConfig,
    SentinelConfig,
    SlackConfig,
    StoreConfig,
    iter_settings,
    markdown_table,
)
from dagster_sentinel.errors import ConfigurationError
from dagster_sentinel.settings import SentinelSettings

README = Path(__file__).resolve().parents[2] / "README.md"


def test_defaults_env_and_explicit_precedence(tmp_path: Path) -> None:
    env = {"DAGSTER_HOME": str(tmp_path), "SLACK_CHANNEL": "#from-env", "GEMINI_MODEL": "m-env"}
    assert SentinelConfig.from_env({"DAGSTER_HOME": str(tmp_path)}).slack.channel == "#data-alerts"
    assert SentinelConfig.from_env(env).slack.channel == "#from-env"
    explicit = SentinelConfig(slack=SlackConfig(channel="#explicit"))
    resolved = explicit.resolved(env)
    assert resolved.slack.channel == "#explicit"  # explicit wins over the environment
    assert resolved.brain.gemini_model == "m-env"  # other settings still come from env
    assert resolved.state_dir == str(tmp_path / "sentinel")


def test_one_state_directory(tmp_path: Path) -> None:
    s = SentinelSettings.from_config(SentinelConfig.from_env({"DAGSTER_HOME": str(tmp_path)}))
    assert s.state_dir == tmp_path / "sentinel"
    assert s.brain.state_dir == tmp_path / "sentinel"
    assert s.database_url == f"sqlite:///{tmp_path / 'sentinel' / 'sentinel.db'}"
    moved = SentinelConfig.from_env(
        {"DAGSTER_HOME": str(tmp_path), "SENTINEL_STATE_DIR": str(tmp_path / "elsewhere")}
    )
    assert SentinelSettings.from_config(moved).brain.state_dir == tmp_path / "elsewhere"


def test_alternative_env_names_and_secrets() -> None:
    cfg = SentinelConfig.from_env({"GOOGLE_API_KEY": "k-google"})
    assert cfg.brain.gemini_api_key == "k-google"
    settings = SentinelSettings.from_config(cfg)
    assert settings.brain.gemini_api_key is not None
    assert "k-google" not in repr(settings) and "k-google" not in settings.model_dump_json()
    secrets = {d.path for d in iter_settings() if d.secret}
    assert {"slack.bot_token", "brain.gemini_api_key", "store.database_url"} <= secrets


def test_malformed_values_name_the_setting() -> None:
    with pytest.raises(ConfigurationError, match="storm_threshold"):
        SentinelConfig.from_env({"SENTINEL_STORM_THRESHOLD": "many"})
    with pytest.raises(ConfigurationError, match="mode"):
        SentinelConfig.from_env({"SENTINEL_BRAIN": "psychic"})
    with pytest.raises(ConfigurationError, match="selector=value"):
        SentinelConfig.from_env({"SENTINEL_SLACK_ROUTES": "no-equals"})


def test_secret_given_as_envvar_resolves_at_run_time(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: dict[str, object] = {}

    @dg.op
    def probe(sentinel: SentinelConfig) -> None:
        seen["token"] = sentinel.resolved().slack.bot_token

    @dg.job
    def job() -> None:
        probe()

    monkeypatch.setenv("MY_SLACK_TOKEN", "xoxb-at-run-time")
    config = SentinelConfig(slack=SlackConfig(bot_token=dg.EnvVar("MY_SLACK_TOKEN")))
    assert job.execute_in_process(resources={"sentinel": config}).success
    assert seen["token"] == "xoxb-at-run-time"


def test_every_section_field_has_an_environment_variable() -> None:
    documented = {d.path for d in iter_settings()}
    for prefix, model in (
        ("slack.", SlackConfig),
        ("brain.", BrainConfig),
        ("store.", StoreConfig),
    ):
        for name in model.model_fields:
            assert f"{prefix}{name}" in documented
    primary = [d.env[0] for d in iter_settings()]
    assert len(primary) == len(set(primary)), "an environment variable is bound to two settings"


def test_readme_table_is_generated_from_the_model() -> None:
    text = README.read_text(encoding="utf-8")
    found = re.search(r"<!-- settings:start -->\n(.*?)<!-- settings:end -->", text, re.S)
    assert found, "README lacks the generated settings table"
    assert found.group(1) == markdown_table(), "run `make readme` (scripts/readme_settings.py)"


def test_cli_config_hides_secrets(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-very-secret")
    monkeypatch.setenv("SLACK_CHANNEL", "#cli")
    assert main(["config"]) == 0
    out = capsys.readouterr().out
    assert "slack.channel = #cli" in out
    assert "slack.bot_token = (set)" in out and "xoxb-very-secret" not in out
    assert main(["config", "--markdown"]) == 0
    assert capsys.readouterr().out == markdown_table()


def test_ui_url_follows_the_port_make_run_serves_on() -> None:
    assert SentinelConfig.from_env({}).ui_url == "http://127.0.0.1:3000"
    assert SentinelConfig.from_env({"DAGSTER_PORT": "3300"}).ui_url == "http://127.0.0.1:3300"
    explicit = {"DAGSTER_PORT": "3300", "SENTINEL_UI_URL": "https://dagster.example.com"}
    assert SentinelConfig.from_env(explicit).ui_url == "https://dagster.example.com"
