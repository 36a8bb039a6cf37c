"""Header inference from a sample's shape, for logs no preset describes (auto-detection only).

The synthetic lines are written for these tests; the Loghub checks read the shared samples
through inference alone (no preset), as if each dataset were one Sentinel had never seen.
"""

from __future__ import annotations

import io

import pandas as pd
import pytest

from sentinel_brain.logs.formats import detect_format, make_parser
from sentinel_brain.logs.inference import infer_header_format
from sentinel_brain.logs.loghub import DATASETS
from sentinel_brain.logs.parse import ParseSettings, parse_to_csv


def contents(fmt: str, lines: list[str]) -> list[str | None]:
    parser = make_parser(fmt)
    return [(parser.parse(ln) or {}).get("Content") for ln in lines]


SHAPES = {
    "a severity column ends the header, a component: follows": (
        [
            "2026-12-05T01:02:03Z web-7 4411 WARN payments.refund: retry budget low",
            "2026-12-05T01:02:04Z web-7 4411 INFO payments.refund: refund 88 issued",
            "2026-12-05T01:02:09Z web-2 12 ERROR ledger.sync: ledger write failed: disk full",
        ],
        "<Header1> <Header2> <Header3> <Level> <Component>: <Content>",
        ["retry budget low", "refund 88 issued", "ledger write failed: disk full"],
    ),
    "a [thread] group that may span tokens": (
        [
            "2026-12-05 01:00:00,001 INFO [main] org.acme.etl.Loader: loaded 10 rows",
            "2026-12-05 01:00:00,002 WARN [pool-3 thread-1] org.acme.etl.Loader: slow batch",
        ],
        r"<Header1> <Header2> <Level> \[<Thread>\] <Component>: <Content>",
        ["loaded 10 rows", "slow batch"],
    ),
    "a dotted logger name and a dash separator": (
        [
            "05/12/26 01:00:00 INFO etl.loader - loaded 10 rows",
            "05/12/26 01:00:01 ERROR etl.writer - write failed",
        ],
        "<Header1> <Header2> <Level> <Component> - <Content>",
        ["loaded 10 rows", "write failed"],
    ),
    "one-letter severities as a whole column": (
        [
            "12-05 01:00:00.100  311  320 I Sync: pulled 3 items",
            "12-05 01:00:00.900  311  320 E Sync: pull failed",
        ],
        "<Header1> <Header2> <Header3> <Header4> <Level> <Component>: <Content>",
        ["pulled 3 items", "pull failed"],
    ),
    "a program column after a timestamp, no severity": (
        [
            "1764896400 2026.12.05 node7 cron[88]: job started",
            "1764896401 2026.12.05 node7 kernel: disk sdb failing",
        ],
        "<Header1> <Header2> <Header3> <Component>: <Content>",
        ["job started", "disk sdb failing"],
    ),
    "pipe-separated fields": (
        ["20261205-1:00:01|Sync|311|pulled 3 items", "20261205-1:00:02|Sync|311|a|b"],
        r"<Header1>\|<Header2>\|<Header3>\|<Content>",
        ["pulled 3 items", "a|b"],
    ),
}


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_inferred_shapes(shape: str) -> None:
    lines, want_format, want_contents = SHAPES[shape]
    fmt = infer_header_format(lines)
    assert fmt == want_format
    assert contents(fmt, lines) == want_contents


def test_brackets_and_colons_around_the_level_stay_literals() -> None:
    lines = ["[Fri Dec 05 01:00:00 2026] [warn] cache nearly full"] * 2 + [
        "[Fri Dec 05 01:00:01 2026] [error] cache full"
    ]
    fmt = infer_header_format(lines)
    assert fmt is not None and r"\[<Level>\]" in fmt
    assert contents(fmt, lines)[-1] == "cache full"
    # Apache's preset reads these lines as well, and wins the tie.
    assert detect_format(lines).name == "apache"


@pytest.mark.parametrize(
    "lines",
    [
        ["no structure here at all", "nor here", "just words"],
        ["WARN first", "second line INFO", "third ERROR line"],  # levels wander
        ["| a | b |", "| c | d |"],  # a table, not a stamped header
        ["only one line INFO"],
        ["I think so", "we agree", "I do not"],  # a lone "I" in prose is no severity column
    ],
)
def test_no_shape_means_no_format(lines: list[str]) -> None:
    assert infer_header_format(lines) is None


def test_a_preset_that_reads_as_many_lines_wins() -> None:
    lines = [
        "081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 terminating",
        "081109 203807 222 INFO dfs.DataNode$PacketResponder: Received block blk_1 of size 9",
    ]
    assert detect_format(lines).name == "hdfs"


@pytest.mark.parametrize("name", DATASETS)
def test_inference_alone_splits_each_loghub_sample_as_loghub_does(loghub, name) -> None:
    """Without the dataset's preset, the inferred header leaves Loghub's Content."""
    lines = (loghub / name / f"{name}_2k.log").read_text(errors="replace").splitlines()
    truth = pd.read_csv(
        loghub / name / f"{name}_2k.log_structured.csv", dtype=str, keep_default_na=False
    )["Content"].tolist()
    fmt = infer_header_format(lines[:500])
    assert fmt is not None
    got = contents(fmt, lines)
    same = sum((g or "").strip() == t.strip() for g, t in zip(got, truth, strict=True))
    assert same >= 0.95 * len(lines), (fmt, same)


@pytest.mark.parametrize("use_arrow", [True, False])
def test_auto_detection_parses_an_unseen_shape_on_both_engines(use_arrow: bool, tmp_path) -> None:
    lines = [
        "2026-12-05T01:00:00.001Z etl-7 4411 INFO org.acme.etl.Loader [main] loaded 10 rows",
        "2026-12-05T01:00:00.002Z etl-7 4411 WARN org.acme.Loader [pool-3 thread-1] slow batch 7",
        "java.lang.IllegalStateException: not a header line",  # kept whole, counted unmatched
    ]
    path = tmp_path / "app.log"
    path.write_text("\n".join(lines * 4) + "\n")
    buf = io.BytesIO()
    stats = parse_to_csv(str(path), None, buf, settings=ParseSettings(use_arrow=use_arrow))
    assert stats.log_format.endswith(r"<Level> <Component> \[<Context>\] <Content>")
    assert (stats.lines, stats.matched) == (12, 8)
    df = pd.read_csv(io.BytesIO(buf.getvalue()), dtype=str, keep_default_na=False)
    assert df["Content"][:3].tolist() == ["loaded 10 rows", "slow batch 7", lines[2]]
    assert df["Context"][1] == "pool-3 thread-1"


def test_the_inferred_format_it_reports_can_be_given_back_explicitly(tmp_path) -> None:
    """The CLI prints the format it used; passed back as --log-format it reads the same."""
    path = tmp_path / "app.log"
    path.write_text(
        "1764896400 2026.12.05 node7 cron[88]: job started\n"
        "1764896401 2026.12.05 node7 kernel: disk sdb failing\n"
    )
    auto, explicit = io.BytesIO(), io.BytesIO()
    stats = parse_to_csv(str(path), None, auto)
    assert stats.log_format == "<Header1> <Header2> <Header3> <Component>: <Content>"
    parse_to_csv(str(path), stats.log_format, explicit)
    assert auto.getvalue() == explicit.getvalue()
