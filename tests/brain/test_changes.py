"""What changed in the run config since the last success, on plain data."""

from __future__ import annotations

from sentinel_brain.changes import MAX_CHANGES, config_changes, named_in
from sentinel_brain.models import ConfigChange


def _cfg(**config: object) -> dict[str, object]:
    return {"resources": {"warehouse": {"config": config}}, "ops": {}}


def test_leaves_are_compared_by_path_and_lists_whole() -> None:
    before = _cfg(url="http://db:5432", tables=["a"], schema="raw")
    after = _cfg(url="http://db:5433", tables=["a", "b"], region="eu-west-1")
    assert [(c.path, c.before, c.after) for c in config_changes(before, after)] == [
        ("resources.warehouse.config.region", None, "eu-west-1"),
        ("resources.warehouse.config.schema", "raw", None),
        ("resources.warehouse.config.tables", '["a"]', '["a", "b"]'),
        ("resources.warehouse.config.url", "http://db:5432", "http://db:5433"),
    ]


def test_same_config_and_empty_sections_are_no_change() -> None:
    assert config_changes(_cfg(port=1), _cfg(port=1)) == []
    assert config_changes({"ops": {}}, {}) == []


def test_secrets_are_reported_by_path_only() -> None:
    changes = config_changes(
        _cfg(password="hunter2-old", dsn="postgresql://etl:s3cretPw@db:5432/x"),
        _cfg(password="hunter2-new", dsn="postgresql://etl:s3cretPw@db:5433/x"),
    )
    dumped = str([c.model_dump() for c in changes])
    assert [c.path for c in changes] == [
        "resources.warehouse.config.dsn",
        "resources.warehouse.config.password",
    ]
    assert "hunter2" not in dumped and "s3cretPw" not in dumped
    assert "5433" in dumped  # what is not secret stays readable


def test_changes_are_capped() -> None:
    before = {f"k{i:03}": i for i in range(MAX_CHANGES + 10)}
    after = {k: -1 for k in before}
    assert len(config_changes(before, after)) == MAX_CHANGES


def test_the_new_part_of_a_value_is_what_a_failure_line_must_name() -> None:
    port = ConfigChange(path="p", before="http://127.0.0.1:5432", after="http://127.0.0.1:5433")
    lines = ["starting", "HTTPConnectionPool(host='127.0.0.1', port=5433): Max retries"]
    assert named_in(port, lines) == lines[1]
    assert named_in(port, ["connect to 127.0.0.1:5433 failed"]) is not None
    # The unchanged host, the old port or a longer number do not count.
    assert named_in(port, ["connection to 127.0.0.1 refused", "port=5432", "id 54330"]) is None

    host = ConfigChange(path="h", before="db.prod.internal", after="db.staging.internal")
    assert named_in(host, ['could not translate host name "db.staging.internal"']) is not None
    assert named_in(host, ['could not translate host name "db.prod.internal"']) is None


def test_secrets_flags_and_tiny_values_are_never_looked_for() -> None:
    lines = ["[changed secret] true 42 failed"]
    for before, after in (("[changed secret]", "[changed secret]"), ("false", "true"), ("7", "42")):
        assert named_in(ConfigChange(path="x", before=before, after=after), lines) is None
    assert named_in(ConfigChange(path="x", before="a", after=None), lines) is None
