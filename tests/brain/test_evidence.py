# ruff: noqa: E501  (verbatim library output)
"""Evidence parsing: traceback text, Dagster renderings, live exceptions, user frames."""

from __future__ import annotations

import os
import traceback

import pytest

from sentinel_brain.evidence import (
    _strip_line_prefix,
    exceptions_from_live,
    failing_user_frame,
    from_text,
    is_user_file,
    parse_exceptions,
)

CHAINED = """Traceback (most recent call last):
  File "/opt/app/pipelines/stripe_sync.py", line 7, in fetch
    r.raise_for_status()
  File "/venv/lib/python3.11/site-packages/requests/models.py", line 1026, in raise_for_status
    raise HTTPError(http_error_msg, response=self)
requests.exceptions.HTTPError: 401 Client Error: Unauthorized for url: http://api/charges

The above exception was the direct cause of the following exception:

Traceback (most recent call last):
  File "/opt/app/pipelines/stripe_sync.py", line 9, in fetch
    raise ValueError("could not fetch charges") from exc
ValueError: could not fetch charges
"""

DAGSTER = """dagster._core.errors.DagsterExecutionStepExecutionError: Error occurred while executing op "load":

Stack Trace:
  File "/venv/lib/python3.11/site-packages/dagster/_core/execution/plan/utils.py", line 56, in op_execution_error_boundary
    yield

The above exception was caused by the following exception:
KeyError: 'API_TOKEN'

Stack Trace:
  File "/opt/app/pipelines/ingest.py", line 12, in load
    token = os.environ["API_TOKEN"]
  File "<frozen os>", line 679, in __getitem__
"""


def test_python_chain_is_root_first() -> None:
    excs = parse_exceptions(CHAINED)
    assert [e.type for e in excs] == ["requests.exceptions.HTTPError", "ValueError"]
    assert excs[1].link == "cause"
    assert excs[0].message.startswith("401 Client Error")


def test_dagster_rendering_is_normalised_to_root_first() -> None:
    excs = parse_exceptions(DAGSTER)
    assert excs[0].type == "KeyError"
    assert excs[-1].type.endswith("DagsterExecutionStepExecutionError")
    frame = failing_user_frame(excs)
    assert frame is not None and frame.file.endswith("ingest.py") and frame.line == 12
    assert frame.code == 'token = os.environ["API_TOKEN"]'


def test_user_vs_library_frames() -> None:
    assert is_user_file("/opt/app/pipelines/orders.py")
    assert not is_user_file("/venv/lib/python3.11/site-packages/pandas/core/frame.py")
    assert not is_user_file("<frozen os>")
    assert not is_user_file("pyarrow/error.pxi")


def test_lowercase_dotted_exception_types() -> None:
    text = (
        "Traceback (most recent call last):\n"
        '  File "/opt/app/pipelines/ftp.py", line 3, in build\n'
        "    socket.create_connection((host, 22))\n"
        "socket.gaierror: [Errno -2] Name or service not known\n"
    )
    excs = parse_exceptions(text)
    assert excs and excs[0].type == "socket.gaierror"


def test_live_exception_chain() -> None:
    try:
        try:
            os.environ["SENTINEL_TEST_SURELY_MISSING"]
        except KeyError as exc:
            raise RuntimeError("settings incomplete") from exc
    except RuntimeError as exc:
        infos = exceptions_from_live(exc)
    assert [i.type for i in infos] == ["KeyError", "RuntimeError"]
    assert infos[1].link == "cause"
    assert any(f.is_user for f in infos[1].frames)


def test_from_text_huge_input_keeps_tail_traceback() -> None:
    try:
        {}["missing"]
    except KeyError:
        tb = traceback.format_exc()
    ev = from_text("noise line\n" * 200_000 + tb)
    assert ev.exceptions and ev.exceptions[-1].type == "KeyError"


def test_from_text_on_junk_does_not_raise() -> None:
    for junk in ["", "\x00\x01\x02", "Traceback (most recent call last):\n", "x" * 10_000]:
        from_text(junk)


INLINE_DAGSTER = """dagster._core.errors.DagsterExecutionStepExecutionError: Error occurred while executing op "load_orders"::

psycopg2.errors.UndefinedTable: relation "raw.orders" does not exist
LINE 1: SELECT * FROM raw.orders


Stack Trace:
  File "/venv/lib/python3.11/site-packages/dagster/_core/execution/plan/utils.py", line 54, in op_execution_error_boundary
    yield
  File "/opt/dagster/app/etl/orders.py", line 41, in load_orders
    df = pd.read_sql(QUERY, conn)
"""


def test_inline_dagster_cause_is_parsed_as_root() -> None:
    excs = parse_exceptions(INLINE_DAGSTER)
    assert excs[0].type == "psycopg2.errors.UndefinedTable"
    assert excs[-1].type.endswith("DagsterExecutionStepExecutionError")
    frame = failing_user_frame(excs)
    assert frame is not None and frame.line == 41


DAGSTER_CONTEXT = """TypeError: can only concatenate str (not "NoneType") to str

Stack Trace:
  File "/opt/app/pipelines/cfg.py", line 11, in load

The above exception occurred during handling of the following exception:
KeyError: 'API_TOKEN'

Stack Trace:
  File "/opt/app/pipelines/cfg.py", line 9, in load
  File "<frozen os>", line 679, in __getitem__
"""


def test_dagster_context_marker() -> None:
    excs = parse_exceptions(DAGSTER_CONTEXT)
    assert [e.type for e in excs] == ["KeyError", "TypeError"]
    assert excs[1].link == "context"


NOTEBOOK_TB = """\
Traceback (most recent call last):
  File "/usr/lib/python3.11/site-packages/papermill/execute.py", line 131, in execute_notebook
    raise_for_execution_errors(nb, output_path)
papermill.exceptions.PapermillExecutionError:
---------------------------------------------------------------------------
Exception encountered at "In [4]":
---------------------------------------------------------------------------
KeyError                                  Traceback (most recent call last)
Cell In[4], line 3
      1 import os
----> 3 url = os.environ["WAREHOUSE_URL"]

KeyError: 'WAREHOUSE_URL'
"""


def test_a_notebook_cells_error_is_parsed_as_the_root() -> None:
    infos = parse_exceptions(NOTEBOOK_TB)
    root = infos[0]
    assert root.type == "KeyError" and root.message == "'WAREHOUSE_URL'"
    assert [f.code for f in root.frames] == ['url = os.environ["WAREHOUSE_URL"]']
    assert infos[1].type.endswith("PapermillExecutionError") and infos[1].link == "cause"


_COLUMN_TB = """\
Traceback (most recent call last):
  File "/app/pipelines/assets.py", line 30, in totals
    return df["amount"].sum()
KeyError: 'amount'
"""


@pytest.mark.parametrize(
    "prefix",
    [
        "2026-12-01T10:00:0{i}.1234567Z ",  # CI runner
        "[pod/etl-7f9c/main] ",  # kubectl logs --prefix
        "Dec  {i} 10:00:00 worker-3 etl[812]: ",  # syslog
        "> ",  # quoted in an issue or a chat
    ],
)
def test_a_traceback_under_a_per_line_prefix_keeps_its_frames(prefix: str) -> None:
    text = "".join(
        prefix.format(i=i + 1) + line + "\n" for i, line in enumerate(_COLUMN_TB.splitlines())
    )
    root = parse_exceptions(text)[0]
    assert root.type == "KeyError" and root.message == "'amount'"
    assert [(f.line, f.code) for f in root.frames] == [(30, 'return df["amount"].sum()')]


def test_indentation_is_not_a_prefix() -> None:
    indented = "".join("    " + line + "\n" for line in _COLUMN_TB.splitlines())
    # Stripping indentation would unindent the code lines under the frames.
    assert _strip_line_prefix(indented) == indented
