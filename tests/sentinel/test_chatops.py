"""ChatOps decisions on plain data, and the timeline store (claims, mutes, notes)."""

from __future__ import annotations

import threading
from pathlib import Path

import dagster as dg
import pytest

from dagster_sentinel import chatops
from dagster_sentinel.assets import incident_history
from dagster_sentinel.chatops import BadRequest
from dagster_sentinel.config import SentinelConfig
from dagster_sentinel.dagster_api import DagsterClient, DagsterUnreachable
from dagster_sentinel.incidents import Failure, Incident, IncidentStore
from dagster_sentinel.resources import sentinel_for
from dagster_sentinel.timeline import Reexecution, TimelineStore, add_last_time
from tests.fakes.loopback import free_port

INCIDENT_ID = "20261204-031200-abcdef12-0a1b"


def _incident(**kw: object) -> Incident:
    base: dict[str, object] = dict(
        id=INCIDENT_ID,
        fingerprint="abcdef1234567890",
        status="open",
        job="nightly",
        target="nightly",
        last_run_id="r" * 36,
        first_seen=100.0,
        last_seen=100.0,
    )
    base.update(kw)
    return Incident.model_validate(base)


def _reexecution(status: str = "launched") -> Reexecution:
    return Reexecution(
        parent_run_id="r" * 36,
        incident_id=INCIDENT_ID,
        status=status,
        run_id="n" * 36,
        strategy="FROM_FAILURE",
        requested_by="U1",
        approved_by="U2",
        created_at=0.0,
        updated_at=0.0,
    )


# --- pure decisions ------------------------------------------------------------------------


def test_only_incident_ids_are_accepted_from_buttons() -> None:
    assert chatops.incident_id_from(INCIDENT_ID) == INCIDENT_ID
    for bad in ("", "x", "../etc", INCIDENT_ID + ";drop", "query { runs }"):
        with pytest.raises(BadRequest):
            chatops.incident_id_from(bad)


def test_mute_values_and_durations() -> None:
    assert chatops.parse_mute_value(f"{INCIDENT_ID}|86400") == (INCIDENT_ID, 86400)
    with pytest.raises(BadRequest):
        chatops.parse_mute_value(f"{INCIDENT_ID}|5")  # not one of the menu's choices
    assert chatops.parse_duration("1h") == 3600
    assert chatops.parse_duration("7d") == 7 * 86400
    assert chatops.parse_duration("30m") == 1800
    for bad in ("forever", "0h", "31d", "-1h", "1 fortnight"):
        with pytest.raises(BadRequest):
            chatops.parse_duration(bad)
    assert chatops.mute_target("asset:raw/orders") == "asset:raw/orders"
    assert chatops.mute_target("nightly") == "job:nightly"
    with pytest.raises(BadRequest):
        chatops.mute_target("owner:team")


def test_approvers_are_users_or_group_members() -> None:
    users, groups = chatops.split_approvers(["U1", "SGROUP", " ", "W2"])
    assert users == {"U1", "W2"} and groups == {"SGROUP"}
    assert chatops.is_approver("U1", users, set())
    assert chatops.is_approver("U9", users, {"U9"})
    assert not chatops.is_approver("U9", users, set())
    assert not chatops.is_approver("", users, {""})


def test_reexecute_decision() -> None:
    inc = _incident()
    assert chatops.decide_reexecute(inc, approver=True, existing=None) == "launch"
    assert chatops.decide_reexecute(inc, approver=False, existing=None) == "request_approval"
    assert chatops.decide_reexecute(inc, approver=True, existing=_reexecution()) == "already"
    assert (
        chatops.decide_reexecute(
            inc.model_copy(update={"last_run_id": None}), approver=True, existing=None
        )
        == "no_run"
    )
    assert (
        chatops.decide_reexecute(
            inc.model_copy(update={"kind": "stale_asset"}), approver=True, existing=None
        )
        == "no_run"
    )
    assert (
        chatops.decide_reexecute(
            inc.model_copy(update={"status": "resolved"}), approver=True, existing=None
        )
        == "closed"
    )
    tags = chatops.reexecution_tags("r1", "U1", "U2")
    assert tags == {
        "sentinel/reexecution_of": "r1",
        "sentinel/requested_by": "U1",
        "sentinel/approved_by": "U2",
    }


def test_command_parsing() -> None:
    assert chatops.parse_command("").name == "help"
    assert chatops.parse_command("status").name == "status"
    cmd = chatops.parse_command("metrics cpu_usage 6h")
    assert cmd.name == "metrics" and cmd.args == ["cpu_usage", "6h"]
    for bad in ("why", "mute nightly", "reboot", "status now please"):
        with pytest.raises(BadRequest):
            chatops.parse_command(bad)


def test_status_lines_and_decorated_message() -> None:
    from dagster_sentinel.timeline import IncidentState, Mute

    state = IncidentState(
        incident_id=INCIDENT_ID,
        acked_by="U1",
        acked_at=3 * 3600 + 12 * 60,
        resolution_note="<!channel> fixed",
    )
    mute = Mute(key="fingerprint:x", until=10_000.0, by="U2", created_at=0.0, suppressed=3)
    lines = chatops.status_lines(state, mute, _reexecution(), "http://ui/runs/n", now=5000.0)
    text = "\n".join(lines)
    assert "Acknowledged by <@U1> at 03:12 UTC" in text
    assert "Muted by <@U2>" in text and "3 repeat(s) held back" in text
    assert "<http://ui/runs/n|nnnnnnnn> running" in text
    assert "&lt;!channel&gt; fixed" in text  # the note is escaped: it pings nobody
    message = {"text": "t", "blocks": [{"type": "section"}, {"type": "context", "elements": []}]}
    decorated = chatops.decorate(message, lines)
    assert [b["type"] for b in decorated["blocks"]] == ["section", "context", "context"]
    assert decorated["blocks"][1]["elements"][0]["text"].startswith(":eyes:")


def test_answer_from_report_without_a_model() -> None:
    assert "cannot tell" in chatops.answer_from_report("why?", _incident(), None)


# --- the store ----------------------------------------------------------------------------


@pytest.fixture
def url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'sentinel.db'}"


def test_only_one_of_many_concurrent_clicks_claims_the_run(url: str) -> None:
    store = TimelineStore(url)
    results: list[bool] = []
    barrier = threading.Barrier(8)

    def click(i: int) -> None:
        barrier.wait()
        claim = store.claim_reexecution(
            parent_run_id="r" * 36,
            incident_id=INCIDENT_ID,
            strategy="FROM_FAILURE",
            requested_by=f"U{i}",
            approved_by=f"U{i}",
        )
        results.append(claim.claimed)

    threads = [threading.Thread(target=click, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False] * 7 + [True]
    # A failed launch releases the claim; a launched one never is.
    store.release_reexecution("r" * 36)
    assert store.reexecution("r" * 36) is None
    assert store.claim_reexecution(
        parent_run_id="r" * 36,
        incident_id=INCIDENT_ID,
        strategy="FROM_FAILURE",
        requested_by="U1",
        approved_by="U1",
    ).claimed
    store.set_reexecution("r" * 36, status="launched", run_id="n" * 36)
    store.release_reexecution("r" * 36)
    assert store.reexecution("r" * 36).run_id == "n" * 36
    assert store.finish_reexecution("r" * 36, "SUCCESS") is True
    assert store.finish_reexecution("r" * 36, "SUCCESS") is False  # the outcome is posted once


def test_approvals_are_decided_once(url: str) -> None:
    store = TimelineStore(url)
    first = store.request_approval(incident_id=INCIDENT_ID, parent_run_id="r", requested_by="U1")
    again = store.request_approval(incident_id=INCIDENT_ID, parent_run_id="r", requested_by="U3")
    assert again.id == first.id
    decided = store.decide(first.id, decision="approved", user="U2")
    assert decided is not None and decided.decided_by == "U2"
    assert store.decide(first.id, decision="denied", user="U4") is None


def test_a_resolution_note_reaches_the_brain_when_the_failure_returns(url: str) -> None:
    incidents = IncidentStore(url)
    timeline = TimelineStore(url)
    failure = Failure(
        fingerprint="f" * 16, target="nightly", job="nightly", error_type="ConnectionRefusedError"
    )
    first = incidents.register(failure, now=1000.0).incident
    timeline.set_note(first.id, "Restarted the rates service", "U1", now=1100.0)
    incidents.resolve_one(first, now=1100.0)

    again = incidents.register(failure, now=5000.0).incident
    assert again.id != first.id
    events: list[str] = []
    add_last_time(url, again, events)
    assert events == [
        f"Last time (incident {first.id}, resolved 1970-01-01), the on-call engineer noted: "
        "Restarted the rates service"
    ]
    # A similar failure (same job and error type, another message) gets it too.
    other = incidents.register(
        failure.model_copy(update={"fingerprint": "0" * 16}), now=6000.0
    ).incident
    similar: list[str] = []
    add_last_time(url, other, similar)
    assert similar and "Restarted the rates service" in similar[0]
    # An unrelated failure does not.
    unrelated = incidents.register(Failure(fingerprint="1" * 16, target="other"), now=7000.0)
    none: list[str] = []
    add_last_time(url, unrelated.incident, none)
    assert none == []


def test_incident_history_shows_acks_notes_and_actions(instance: dg.DagsterInstance) -> None:
    # The store the asset uses: the instance's own PostgreSQL when it has one, else SQLite.
    settings = sentinel_for(SentinelConfig(), instance).settings
    incidents = IncidentStore(settings.database_url)
    timeline = TimelineStore(settings.database_url)
    inc = incidents.register(Failure(fingerprint="a" * 16, target="nightly"), now=1000.0).incident
    timeline.acknowledge(inc.id, "U1", now=1090.0)
    timeline.record(inc.id, actor="U1", action="acknowledge", result="done")
    timeline.set_note(inc.id, "Rotated the key", "U2")
    result = dg.materialize(
        [incident_history], instance=instance, resources={"sentinel": SentinelConfig()}
    )
    df = result.output_for_node("sentinel__incident_history")
    row = df[df["incident_id"] == inc.id].iloc[0]
    assert row["acked_by"] == "U1" and row["mtta_s"] == 90.0
    assert row["resolution_note"] == "Rotated the key"
    assert row["actions"] == "U1 acknowledge done"


def test_dagster_unreachable_is_a_typed_error() -> None:
    client = DagsterClient(f"http://127.0.0.1:{free_port()}/graphql", timeout_s=2)
    with pytest.raises(DagsterUnreachable):
        client.reexecute("r", strategy="FROM_FAILURE", tags={})
    with pytest.raises(DagsterUnreachable):
        client.run("r")


def test_graphql_url_defaults_from_dagster_port() -> None:
    config = SentinelConfig.from_env({"DAGSTER_PORT": "3111"})
    assert config.serve.graphql_url({"DAGSTER_PORT": "3111"}) == "http://127.0.0.1:3111/graphql"
    assert config.serve.graphql_url({}) == "http://127.0.0.1:3000/graphql"
    explicit = SentinelConfig.from_env({"SENTINEL_DAGSTER_URL": "http://127.0.0.1:4000/"})
    assert explicit.serve.graphql_url({}) == "http://127.0.0.1:4000/graphql"
    approvers = SentinelConfig.from_env({"SENTINEL_SLACK_APPROVERS": "U1, S2,"}).serve.approvers
    assert approvers == ["U1", "S2"]
