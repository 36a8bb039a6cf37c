"""Generate the brain's evaluation cases by running real library code that fails.

Every case runs real code (pandas, numpy, sqlite3, SQLAlchemy, psycopg2 against the local
PostgreSQL, requests/httpx/urllib3/botocore against a loopback HTTP server, subprocesses
killed by signals, resource limits, Dagster jobs executed in process) and captures the
failure exactly as it is printed: `traceback.format_exc()` (chains included), Dagster's
rendering of the step failure (`SerializableErrorInfo.to_string()`), or process output.

    .venv/bin/python -m scripts.gen_brain_cases [--only NAME_SUBSTRING] [--out DIR]

Writes <DIR>/<name>/failure.txt and expected.yaml (DIR defaults to tests/brain/cases).
Optional libraries for some cases (duckdb, pyarrow, boto3, httpx): `pip install -e .[gen]`;
cases whose library is missing are skipped.

Layout: `harness` (registry, session, capture helpers), `loopback` (the HTTP server), and
one module per `sentinel_brain.models.Category` value holding that category's cases. Importing any
of them starts nothing and writes nothing; `__main__.main()` opens the session.
"""
