"""Similar past incidents beyond the fingerprint, resolution notes, and the resolve command."""

from __future__ import annotations

from pathlib import Path

import pytest

from dagster_sentinel.cli import main
from dagster_sentinel.incidents import Failure, Incident, IncidentStore
from dagster_sentinel.settings import SentinelSettings
from dagster_sentinel.similar import NoteStore, SimilarIncidents, incident_keys, template_key
from sentinel_brain.evidence import from_text
from sentinel_brain.models import Evidence, UpstreamAsset

REFUSED = """\
Traceback (most recent call last):
  File "/opt/app/pipelines/{job}.py", line 12, in load
    conn = psycopg2.connect(dsn)
psycopg2.OperationalError: connection to server at "{host}" ({ip}), port 5432 failed: \
Connection refused
"""
S3 = """\
botocore.errorfactory.NoSuchKey: An error occurred (NoSuchKey) when calling the GetObject \
operation: s3://raw-events/2026/12/01/part-0.json does not exist
"""
DAY = 86400.0
NOW = 1_790_000_000.0


def _incident(store: IncidentStore, job: str, evidence: Evidence, at: float) -> Incident:
    root = evidence.root
    assert root is not None
    failure = Failure(
        fingerprint=f"{job}-{root.type}"[:64],
        job=job,
        target=job,
        title=f"{root.type.rsplit('.', 1)[-1]} in {job}",
        error_type=root.type,
        run_id=f"run-{job}-{at}",
    )
    incident = store.register(failure, now=at).incident
    store.save_evidence(incident.id, evidence.model_dump_json())
    return incident


def _refused(job: str, host: str = "warehouse.internal", ip: str = "10.0.0.5") -> Evidence:
    ev = from_text(REFUSED.format(job=job, host=host, ip=ip))
    ev.job = job
    return ev


def test_keys_mask_the_template_and_name_systems() -> None:
    a, b = _refused("a", "db-1.internal", "10.0.0.1"), _refused("b", "db-2.internal", "10.0.0.2")
    assert template_key(a.root.type, a.root.message) == template_key(b.root.type, b.root.message)
    ev = from_text(S3)
    ev.upstream = [UpstreamAsset(asset_key="raw/events")]
    keys = incident_keys(ev)
    assert "system:bucket:raw-events" in keys and "upstream:raw/events" in keys


def test_similar_incidents_by_template_system_and_upstream(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    store = IncidentStore(url)
    noted = _incident(store, "orders_load", _refused("orders_load"), NOW - 10 * DAY)
    store.resolve_one(noted, run_id="fixrun01", now=NOW - 10 * DAY + 2 * 3600)
    NoteStore(url).add_note(noted.id, "Warehouse failover; waited for the new primary.", "alice")
    other_host = _incident(
        store, "billing_sync", _refused("billing_sync", "pg-9.internal", "10.9.9.9"), NOW - 2 * DAY
    )
    s3_ev = from_text(S3)
    s3_ev.upstream = [UpstreamAsset(asset_key="raw/events")]
    _incident(store, "events_ingest", s3_ev, NOW - DAY)
    ancient = _incident(store, "old_job", _refused("old_job"), NOW - 400 * DAY)

    new_ev = _refused("customers_load")
    new = _incident(store, "customers_load", new_ev, NOW)
    found = SimilarIncidents(url).find(new, new_ev, lookback_s=90 * DAY, now=NOW)
    assert [f.incident_id for f in found] == [noted.id, other_host.id]
    first = found[0]
    assert first.link == "template" and "same host `warehouse.internal`" in first.reasons
    assert first.note == "Warehouse failover; waited for the new primary."
    assert first.resolved_by == "alice" and first.duration_s == pytest.approx(2 * 3600)
    assert found[1].note is None and found[1].status == "open"
    assert ancient.id not in {f.incident_id for f in found}  # beyond the lookback

    # The same upstream asset links an unrelated error.
    up_ev = from_text("ValueError: 3 rows have a negative amount")
    up_ev.upstream = [UpstreamAsset(asset_key="raw/events")]
    up = _incident(store, "finance_daily", up_ev, NOW)
    [by_upstream] = SimilarIncidents(url).find(up, up_ev, lookback_s=90 * DAY, now=NOW)
    assert by_upstream.link == "upstream" and by_upstream.job == "events_ingest"


def test_nothing_similar_gives_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    store = IncidentStore(url)
    _incident(store, "a", from_text(S3), NOW - DAY)
    ev = from_text("ZeroDivisionError: division by zero")
    new = _incident(store, "b", ev, NOW)
    assert SimilarIncidents(url).find(new, ev, lookback_s=90 * DAY, now=NOW) == []


def test_resolve_command_stores_a_redacted_note(
    dagster_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = SentinelSettings.resolve()
    store = IncidentStore(settings.database_url)
    incident = _incident(store, "orders_load", _refused("orders_load"), NOW)

    assert (
        main(
            [
                "incidents",
                "resolve",
                incident.id,
                "--note",
                "rotated password=hunter2",
                "--author",
                "bob",
            ]
        )
        == 0
    )
    assert "resolved" in capsys.readouterr().out
    after = store.get(incident.id)
    assert after is not None and after.status == "resolved"
    note, author = NoteStore(settings.database_url).latest([incident.id])[incident.id]
    assert "hunter2" not in note and note.startswith("rotated password=") and author == "bob"

    assert main(["incidents", "resolve", incident.id, "--note", "second thought"]) == 0
    assert "already resolved" in capsys.readouterr().out
    assert main(["incidents", "resolve", "no-such-id", "--note", "x"]) == 1
    assert main(["incidents", "resolve", incident.id, "--note", "   "]) == 2
