"""Explicit formats in Loghub's own syntax, for Loghub datasets that are NOT in shared/data.

The formats are those published in logparser's benchmark settings; the lines are synthetic,
written for these tests in each system's shape (no dataset lines are copied). Every line must
be split exactly as logparser's ``generate_logformat_regex`` splits it; that algorithm is
re-implemented here from its description (literal parts are regex, runs of spaces are
``\\s+``, each ``<Field>`` is ``(?P<Field>.*?)``) as the reference.
"""

from __future__ import annotations

import io
import re

import pandas as pd
import pytest

from sentinel_brain.logs.formats import compile_header_format, make_parser
from sentinel_brain.logs.parse import ParseSettings, parse_to_csv

FORMATS: dict[str, tuple[str, list[str]]] = {
    "Linux": (
        r"<Month> <Date> <Time> <Level> <Component>(\[<PID>\])?: <Content>",
        [
            "Dec 3 07:12:44 gateway sshd(pam_unix)[4182]: session opened for user ops by (uid=0)",
            "Dec 3 07:12:45 gateway cron 3.2.1: restart of the scheduler requested",
            "Dec  4 19:01:02 gateway kernel: eth1: link up, 100Mbps, full-duplex",
            "Dec 13 23:59:59 gateway su(pam_unix)[77]: session closed for user nobody",
        ],
    ),
    "OpenSSH": (
        r"<Date> <Day> <Time> <Component> sshd\[<Pid>\]: <Content>",
        [
            "Nov 28 06:14:03 bastion2 sshd[30211]: Invalid user tester from 198.51.100.7",
            "Nov 28 06:14:05 bastion2 sshd[30211]: Failed password for invalid user tester",
            "Nov 29 11:00:00 bastion2 sshd[8]: Connection closed by 203.0.113.9 [preauth]",
        ],
    ),
    "Mac": (
        r"<Month>  <Date> <Time> <User> <Component>\[<PID>\]( \(<Address>\))?: <Content>",
        [
            "Feb  2 09:15:33 studio-mbp WindowServer[212]: display sleep requested",
            "Feb  2 09:15:34 studio-mbp Mail Helper[3301] (com.example.mail): fetch done",
            "Feb 12 10:00:01 studio-mbp kernel[0]: AirPort: Link Down on en0. Reason 8",
        ],
    ),
    "HPC": (
        "<LogId> <Node> <Component> <State> <Time> <Flag> <Content>",
        [
            "88213 node-17 unix.hw state_change.unavailable 1131566461 1 Component State Change",
            "88214 gige4 action start 1131567000 1 run-level 3 completed",
        ],
    ),
    "Proxifier": (
        r"\[<Time>\] <Program> - <Content>",
        [
            "[11.02 08:01:12] backup.exe - relay.example.net:443 open through proxy gw:8080 HTTPS",
            "[11.02 08:01:13] Sync Agent.exe *64 - relay.example.net:443 close, 512 bytes sent",
        ],
    ),
    "OpenStack": (
        r"<Logrecord> <Date> <Time> <Pid> <Level> <Component> \[<ADDR>\] <Content>",
        [
            "api.log.3 2026-03-01 10:11:12.345 4411 INFO compute.api [req-7f3a user proj - - -]"
            ' 10.9.8.7 "GET /v2/servers HTTP/1.1" status: 200 len: 1893 time: 0.2',
            "sched.log 2026-03-01 10:11:13.002 4412 WARNING scheduler.host [-] host n3 is down",
        ],
    ),
    "Thunderbird": (
        "<Label> <Timestamp> <Date> <User> <Month> <Day> <Time> <Location> "
        r"<Component>(\[<PID>\])?: <Content>",
        [
            "- 1131524071 2005.11.09 tb3 Nov 9 00:14:31 tb3/tb3 crond[2104]: (root) CMD (run-x)",
            "VAPI 1131524072 2005.11.09 tb9 Nov 9 00:14:32 tb9/tb9 kernel: disk sdb failing",
        ],
    ),
    "Windows": (
        "<Date> <Time>, <Level>                  <Component>    <Content>",
        [
            "2026-02-01 09:00:01, Info                  CBS    Loaded servicing stack v6.1",
            "2026-02-01 09:00:02, Warning               CSI    Store corruption, manifest x",
        ],
    ),
    "Android": (
        "<Date> <Time>  <Pid>  <Tid> <Level> <Component>: <Content>",
        [
            "03-17 16:13:38.811  1702  2395 D WindowManager: printFreezingDisplayLogs done",
            "03-17 16:13:39.001  1702  1820 E PowerManager: wake lock held too long: 31s",
        ],
    ),
    "HealthApp": (
        r"<Time>\|<Component>\|<Pid>\|<Content>",
        [
            "20261204-1:1:13:201|Step_LSC|30002312|onStandStepChanged 3579",
            "20261204-1:1:14:990|Step_SPUtils|30002312|setTodayTotalDetailSteps=1514",
        ],
    ),
}


def logparser_reference(fmt: str) -> tuple[list[str], re.Pattern[str]]:
    headers: list[str] = []
    regex = ""
    for k, part in enumerate(re.split(r"(<[^<>]+>)", fmt)):
        if k % 2 == 0:
            regex += re.sub(" +", r"\\s+", part)
        else:
            name = part.strip("<").strip(">")
            regex += f"(?P<{name}>.*?)"
            headers.append(name)
    return headers, re.compile("^" + regex + "$")


@pytest.mark.parametrize("system", sorted(FORMATS))
def test_explicit_loghub_format_splits_like_logparser(system: str) -> None:
    fmt, lines = FORMATS[system]
    headers, ref = logparser_reference(fmt)
    parser = make_parser(fmt)
    assert list(parser.fields) == headers
    got = parser.parse_many(lines)
    for line, rec in zip(lines, got, strict=True):
        m = ref.match(line)
        assert m is not None, f"reference does not match its own system's line: {line!r}"
        assert rec is not None, f"{system}: no match for {line!r}"
        want = {h: (m.group(h) or "") for h in headers}
        want["Content"] = want["Content"].rstrip(" \t")
        assert rec == want


@pytest.mark.parametrize("use_arrow", [True, False])
@pytest.mark.parametrize("system", sorted(FORMATS))
def test_cli_engine_matches_every_line(system: str, use_arrow: bool, tmp_path) -> None:
    fmt, lines = FORMATS[system]
    path = tmp_path / f"{system}.log"
    path.write_text("\n".join(lines * 3) + "\n")
    buf = io.BytesIO()
    stats = parse_to_csv(str(path), fmt, buf, settings=ParseSettings(use_arrow=use_arrow))
    assert stats.matched == stats.lines == 3 * len(lines)
    df = pd.read_csv(io.BytesIO(buf.getvalue()), dtype=str, keep_default_na=False)
    headers, ref = logparser_reference(fmt)
    for i, line in enumerate(lines * 3):
        m = ref.match(line)
        assert m is not None
        for h in headers:
            want = (m.group(h) or "").rstrip(" \t") if h == "Content" else (m.group(h) or "")
            assert df[h][i] == want, (h, line)


def test_field_names_are_free_in_an_explicit_format() -> None:
    """No name rule for an explicit format: a <Date> may be 'Dec', a <Day> may be 'Mon'."""
    parser = make_parser("<Date> <Day> <Level> <Content>")
    assert parser.parse("Dec Mon x the message") == {
        "Date": "Dec",
        "Day": "Mon",
        "Level": "x",
        "Content": "the message",
    }
    # the same shape is constrained during auto-detection only
    assert (
        compile_header_format("<Date> <Day> <Level> <Content>", constrained=True).parse(
            "Dec Mon x the message"
        )
        is None
    )


def test_regex_syntax_errors_are_format_errors() -> None:
    from sentinel_brain.logs.formats import LogFormatError

    with pytest.raises(LogFormatError):
        make_parser(r"<Date> (unclosed <Content>")
    with pytest.raises(LogFormatError):  # look-arounds are not linear-time: refused
        make_parser(r"(?<=x)<Date> <Content>")
