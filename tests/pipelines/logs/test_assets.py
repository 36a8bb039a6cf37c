"""The Dagster assets and checks, run in-process; the evidence function for the brain."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import pandas as pd

from pipelines.logs.definitions import LOG_ASSETS, LOG_CHECKS, defs
from pipelines.logs.resources import DEMO_DIR, LogSourcesResource
from sentinel_brain.logs.evidence import top_log_templates
from sentinel_brain.models import LogTemplate


def _run(resources, instance=None):
    if instance is None:
        with dg.instance_for_test() as inst:
            return _run(resources, inst)
    result = dg.materialize([*LOG_ASSETS, *LOG_CHECKS], resources=resources, instance=instance)
    assert result.success
    checks = {e.check_name: e for e in result.get_asset_check_evaluations()}
    return result, checks


def _md(result, node):
    (mat,) = result.asset_materializations_for_node(node)
    return {k: getattr(v, "value", v) for k, v in mat.metadata.items()}


def test_definitions_shape():
    assert set(defs.resources) == {"logs_sources", "logs_state"}
    keys = {a.key.to_user_string() for a in LOG_ASSETS}
    assert keys == {"logs_parsed_lines", "logs_templates"}


def test_demo_data_is_default_and_shows_anomaly(make_resources, state_dir):
    result, checks = _run(make_resources(""))
    lines = result.output_for_node("logs_parsed_lines")
    assert set(lines.columns) >= {
        "timestamp",
        "source",
        "level",
        "component",
        "template_id",
        "template",
        "content",
    }
    assert {Path(s).name for s in lines["source"]} == {"app.log", "worker-json.log"}
    assert str(lines["timestamp"].dtype).startswith("datetime64")
    md = _md(result, "logs_parsed_lines")
    assert md["dagster/row_count"] == len(lines) > 500
    assert md["quarantined_count"] == 0
    assert "| timestamp |" in md["preview"]
    templates = result.output_for_node("logs_templates")
    assert {"template", "count", "first_seen", "last_seen", "error_share", "is_new"} <= set(
        templates.columns
    )
    assert templates["count"].sum() == len(lines)
    # the demo's incident: a never-seen error template that spikes, and a high error rate
    assert not checks["logs_no_new_templates"].passed
    assert not checks["logs_no_error_spike"].passed
    assert not checks["logs_error_rate"].passed
    spikes = checks["logs_no_error_spike"].metadata["spikes"].value
    assert any("warehouse" in s["template"] for s in spikes)
    assert all("baseline_mean_per_window" in s for s in spikes)
    new = checks["logs_no_new_templates"].metadata["new_templates"].value
    assert any("warehouse" in s["template"] for s in new)
    assert templates.loc[templates["template"].str.contains("warehouse"), "is_new"].all()
    det = json.loads((state_dir / "detection.json").read_text())
    assert det["error_spikes"] and det["new_templates"]


def test_rerun_reads_only_new_lines_and_keeps_template_ids(tmp_path, make_resources):
    log = tmp_path / "svc.log"
    base = "2024-03-01 10:{:02d}:00,000 INFO api.http: GET /orders/{} 200 in {}ms\n"
    log.write_text("".join(base.format(i % 60, i, i) for i in range(40)))
    res = make_resources(str(log))
    with dg.instance_for_test() as inst:
        r1, _ = _run(res, inst)
        l1 = r1.output_for_node("logs_parsed_lines")
        assert len(l1) == 40 and l1["template_id"].nunique() == 1
        r2, checks2 = _run(res, inst)
        assert len(r2.output_for_node("logs_parsed_lines")) == 0
        assert all(c.passed for c in checks2.values())
        with open(log, "a") as fh:
            fh.write(base.format(41, 41, 41))
            fh.write("2024-03-01 10:41:30,000 ERROR api.db: connection reset by peer\n")
        r3, _ = _run(res, inst)
        l3 = r3.output_for_node("logs_parsed_lines")
        assert len(l3) == 2
        assert l3["template_id"].iloc[0] == l1["template_id"].iloc[0]
        t3 = r3.output_for_node("logs_templates")
        assert int(t3["count"].sum()) == 42


def test_bad_input_never_crashes_and_is_quarantined(tmp_path, make_resources, state_dir):
    import gzip

    d = tmp_path / "logs"
    d.mkdir()
    good = "2024-03-01 10:00:{:02d},000 INFO app.x: ok {}\n"
    (d / "good.log").write_text("".join(good.format(i, i) for i in range(10)))
    (d / "utf8.log").write_bytes(good.format(1, 1).encode() + b"bad \xff\xfe\n" + b"more ok\n")
    (d / "binary.log").write_bytes(bytes(range(256)) * 100)
    (d / "empty.log").write_bytes(b"")
    with open(d / "huge.log", "wb") as fh:
        fh.write(good.format(2, 2).encode())
        fh.write(b"y" * (3 * 1024 * 1024) + b"\n")
    payload = "".join(good.format(i % 60, i) for i in range(5000)).encode()
    gz = gzip.compress(payload)
    (d / "trunc.log.gz").write_bytes(gz[: len(gz) // 2])
    (d / "svc.jsonl").write_text(
        '{"msg": "fine", "level": "info"}\n{"msg": broken password=Hunter2Secret\n'
    )
    res = make_resources(f"{d}/*.log,{d}/*.gz,{d}/*.jsonl#json", max_line_bytes=1024 * 1024)
    result, _ = _run(res)
    lines = result.output_for_node("logs_parsed_lines")
    md = _md(result, "logs_parsed_lines")
    per_source = {Path(k).name: v for k, v in md["lines_per_source"].items()}
    assert per_source["good.log"] == 10
    assert per_source["utf8.log"] == 2
    assert per_source["huge.log"] == 1
    assert per_source["svc.jsonl"] == 1
    assert 0 < per_source["trunc.log.gz"] < 5000
    assert "empty.log" not in per_source
    assert md["quarantined_count"] == 4  # utf8, binary, huge, json
    reasons = md["quarantined_by_reason"]
    assert set(reasons) == {"invalid utf-8", "binary file", "line too long", "malformed json line"}
    assert any("gzip" in e for e in md["read_errors"])
    assert "reason" in md["quarantine_sample"]
    qfile = Path(str(md["quarantine_file"]))
    recs = [json.loads(x) for x in qfile.read_text().splitlines()]
    assert len(recs) == 4 and any(r["reason"].startswith("invalid utf-8") for r in recs)
    # nothing stored or shown keeps the secret of the malformed line
    assert "Hunter2Secret" not in qfile.read_text()
    assert "Hunter2Secret" not in str(md["quarantine_sample"])
    assert md["truncated_lines"] == 0 and md["state_issues"] == []
    assert len(lines) == sum(per_source.values())


def test_dagster_run_logs_are_a_source(make_resources):
    @dg.op
    def noisy(context):
        context.log.error("warehouse unreachable: timeout after 30s")
        print("2024-03-01 10:00:00,000 ERROR etl.step: captured stdout line 7")

    @dg.job
    def noisy_job():
        noisy()

    with dg.instance_for_test() as inst:
        assert noisy_job.execute_in_process(instance=inst).success
        res = make_resources(str(Path("/nonexistent/*.log")), include_dagster_logs=True)
        r, _ = _run(res, inst)
        lines = r.output_for_node("logs_parsed_lines")
        dag = lines[lines["source"] == "dagster:noisy_job"]
        assert (dag["content"].str.contains("warehouse unreachable")).any()
        assert (dag.loc[dag["content"].str.contains("warehouse"), "level"] == "ERROR").all()
        # captured compute logs (stdout of the step) are a source too
        comp = lines[lines["source"] == "dagster-compute:noisy_job"]
        hit = comp[comp["content"] == "captured stdout line 7"]
        assert len(hit) == 1 and hit["level"].iloc[0] == "ERROR"
        # the finished run is read once
        r2, _ = _run(res, inst)
        again = r2.output_for_node("logs_parsed_lines")
        assert not (again["source"] == "dagster:noisy_job").any()


def test_env_var_sources_read_at_run_time(tmp_path, monkeypatch, state_dir):
    log = tmp_path / "env.log"
    log.write_text("2024-03-01 10:00:00,000 INFO a.b: from env\n")
    from pipelines.logs.resources import LogStateResource

    res = {
        "logs_sources": LogSourcesResource(include_dagster_logs=False),
        "logs_state": LogStateResource(state_dir=str(state_dir)),
    }
    monkeypatch.setenv("SENTINEL_LOG_SOURCES", f"{tmp_path}/*.log")
    r, _ = _run(res)
    assert r.output_for_node("logs_parsed_lines")["content"].tolist() == ["from env"]
    monkeypatch.delenv("SENTINEL_LOG_SOURCES")
    specs = LogSourcesResource().source_specs()
    assert specs[0][0].startswith(str(DEMO_DIR))


def test_top_log_templates_for_the_brain(make_resources, state_dir):
    _run(make_resources(""))
    out = top_log_templates(
        "2026-01-15T11:45:00Z", "2026-01-15T12:05:00Z", state_dir=state_dir, limit=5
    )
    assert out and all(isinstance(t, LogTemplate) for t in out)
    first = out[0]
    assert "warehouse" in first.template and first.is_new and first.level == "ERROR"
    assert first.count >= 10 and first.source and first.source.endswith("app.log")
    assert all(t.level in ("ERROR", "CRITICAL") or t.is_new for t in out)
    early = top_log_templates("2026-01-15 10:00", "2026-01-15 11:00", state_dir=state_dir)
    assert early and not any("warehouse" in t.template for t in early)
    assert top_log_templates("2020-01-01", "2020-01-02", state_dir=state_dir) == []
    assert top_log_templates("2020-01-01", "2020-01-02", state_dir=state_dir / "none") == []
    naive = top_log_templates(
        pd.Timestamp("2026-01-15 11:45"), pd.Timestamp("2026-01-15 12:05"), state_dir=state_dir
    )
    assert naive == out[: len(naive)]
