"""The Slack app manifest asks for exactly the scopes Sentinel's code uses.

The Web API methods are found in the source (`client.<method>(`), the events and commands in
the Bolt listeners; each maps to the scope Slack documents for it. A new call without its
scope, or a scope nothing uses, fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
MANIFEST = REPO / "deploy" / "slack-app-manifest.yaml"

# Slack's documented bot scopes of each Web API method Sentinel calls (public and private
# channels need their own scope for the conversations methods).
METHOD_SCOPES: dict[str, set[str]] = {
    "chat_postMessage": {"chat:write"},
    "chat_update": {"chat:write"},
    "chat_postEphemeral": {"chat:write"},
    "conversations_history": {"channels:history", "groups:history"},
    "conversations_replies": {"channels:history", "groups:history"},
    "conversations_list": {"channels:read", "groups:read"},
    "usergroups_users_list": {"usergroups:read"},
    "files_upload_v2": {"files:write"},
    "views_open": set(),
    "views_publish": set(),
}
EVENT_SCOPES = {"app_mention": "app_mentions:read", "app_home_opened": None}


def _source() -> str:
    return "\n".join(p.read_text() for p in sorted((REPO / "sentinel").glob("*.py")))


def test_manifest_scopes_are_exactly_the_ones_used() -> None:
    source = _source()
    # The Slack client is reached as `client.` (Bolt, ChatOps) or `_repeatable.` (the outbox's
    # client for idempotent reads).
    # Only Slack Web API method families: the Dagster GraphQL client is also called `client`.
    families = "chat|conversations|usergroups|files|views|users|reactions|apps|auth|team|pins"
    methods = set(re.findall(rf"(?:client|_repeatable)\.((?:{families})_[A-Za-z0-9_]+)\b", source))
    unknown = methods - set(METHOD_SCOPES)
    assert not unknown, f"add the scope of {unknown} to METHOD_SCOPES and the manifest"
    events = set(re.findall(r'app\.event\("([a-z_]+)"\)', source))
    needed: set[str | None] = {s for m in methods for s in METHOD_SCOPES[m]}
    needed |= {EVENT_SCOPES[e] for e in events}
    if re.search(r'app\.command\("/sentinel"\)', source):
        needed.add("commands")
    needed.discard(None)

    manifest = yaml.safe_load(MANIFEST.read_text())
    assert set(manifest["oauth_config"]["scopes"]["bot"]) == needed
    assert set(manifest["settings"]["event_subscriptions"]["bot_events"]) == events
    assert [c["command"] for c in manifest["features"]["slash_commands"]] == ["/sentinel"]
    assert manifest["settings"]["interactivity"]["is_enabled"] is True
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    urls = {
        manifest["settings"]["interactivity"]["request_url"],
        manifest["settings"]["event_subscriptions"]["request_url"],
        manifest["features"]["slash_commands"][0]["url"],
    }
    assert len(urls) == 1 and urls.pop().endswith("/slack/events")
