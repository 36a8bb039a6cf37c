# ruff: noqa: E501  (log lines read better unsplit)
"""Failures without a Python traceback, diagnosed from the wording of their error lines.

Lines follow the documented shapes of each system's messages (server error formats,
SQLSTATE classes, SDK error codes, exit statuses); values are made up.
"""

from __future__ import annotations

import pytest

from sentinel_brain.analyzers import analyze
from sentinel_brain.evidence import from_text
from sentinel_brain.models import Category as C

CASES: list[tuple[str, C]] = [
    # databases
    (
        '2026-12-01 10:00:01 UTC [311] ERROR:  relation "sales.daily" does not exist at character 15',
        C.MISSING_INPUT,
    ),
    ("ERROR 1146 (42S02) at line 3: Table 'shop.orderz' doesn't exist", C.MISSING_INPUT),
    ("Msg 208, Level 16, State 1, Line 1\nInvalid object name 'dbo.Customers'.", C.MISSING_INPUT),
    ("ERROR 1054 (42S22): Unknown column 'cust_id' in 'field list'", C.SCHEMA_MISMATCH),
    ("Msg 207, Level 16, State 1, Line 2\nInvalid column name 'region_code'.", C.SCHEMA_MISMATCH),
    ("ERROR 1406 (22001): Data too long for column 'name' at row 7", C.DATA_QUALITY),
    (
        "psycopg2.errors.StringDataRightTruncation: value too long for type character varying(20)",
        C.DATA_QUALITY,
    ),
    ("Msg 8152, Level 16, State 30\nString or binary data would be truncated.", C.DATA_QUALITY),
    (
        "Msg 1205, Level 13: Transaction (Process ID 61) was deadlocked on lock resources with another process and has been chosen as the deadlock victim. Rerun the transaction.",
        C.CONCURRENCY,
    ),
    (
        "ERROR 2003 (HY000): Can't connect to MySQL server on 'db.internal:3306' (111)",
        C.DEPENDENCY_UNAVAILABLE,
    ),
    (
        'psql: error: connection to server at "10.0.0.5", port 5432 failed: Connection timed out',
        C.DEPENDENCY_UNAVAILABLE,
    ),
    ("Login failed for user 'etl_reader'. (Microsoft SQL Server, Error: 18456)", C.AUTH_FAILURE),
    (
        "250001 (08001): Failed to connect to DB: acme.snowflakecomputing.com:443. Incorrect username or password was specified.",
        C.AUTH_FAILURE,
    ),
    (
        "ERROR 1064 (42000): You have an error in your SQL syntax; check the manual near 'FORM orders' at line 1",
        C.CODE_ERROR,
    ),
    (
        "002003 (42S02): SQL compilation error:\nObject 'RAW.EVENTS' does not exist or not authorized.",
        C.MISSING_INPUT,
    ),
    (
        "google.api_core.exceptions.BadRequest: 400 Resources exceeded during query execution: The query could not be executed in the allotted memory.",
        C.RESOURCE_EXHAUSTION,
    ),
    (
        "ERROR: Load into table 'events' failed.  Check 'stl_load_errors' system table for details.",
        C.DATA_QUALITY,
    ),
    (
        "FATAL:  remaining connection slots are reserved for non-replication superuser connections",
        C.RESOURCE_EXHAUSTION,
    ),
    # JVM and Spark
    (
        "org.apache.spark.SparkException: Job aborted due to stage failure: Task 3 in stage 7.0 failed 4 times\nCaused by: java.lang.OutOfMemoryError: Java heap space",
        C.RESOURCE_EXHAUSTION,
    ),
    (
        'Exception in thread "main" java.lang.ClassNotFoundException: org.postgresql.Driver',
        C.ENVIRONMENT,
    ),
    (
        "java.lang.UnsupportedClassVersionError: com/acme/Job has been compiled by a more recent version of the Java Runtime (class file version 61.0)",
        C.ENVIRONMENT,
    ),
    (
        "org.apache.spark.sql.AnalysisException: [PATH_NOT_FOUND] Path does not exist: s3a://lake/raw/2026-12-01.",
        C.MISSING_INPUT,
    ),
    (
        "Caused by: java.net.UnknownHostException: metastore.internal: Name or service not known",
        C.DEPENDENCY_UNAVAILABLE,
    ),
    (
        "ExecutorLostFailure (executor 4 exited caused by one of the running tasks) Reason: Container killed by YARN for exceeding memory limits. 9.1 GB of 9 GB physical memory used.",
        C.RESOURCE_EXHAUSTION,
    ),
    ("Caused by: java.net.SocketTimeoutException: Read timed out", C.TIMEOUT),
    # cloud SDKs
    (
        "botocore.exceptions.ClientError: An error occurred (ThrottlingException) when calling the PutRecords operation: Rate exceeded",
        C.RATE_LIMITED,
    ),
    (
        "azure.core.exceptions.ClientAuthenticationError: Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly.\nErrorCode:AuthenticationFailed",
        C.AUTH_FAILURE,
    ),
    (
        "ErrorCode:AuthorizationPermissionMismatch\nMessage: This request is not authorized to perform this operation using this permission.",
        C.PERMISSION_DENIED,
    ),
    (
        '{"error": {"code": 403, "message": "The caller does not have permission", "status": "PERMISSION_DENIED"}}',
        C.PERMISSION_DENIED,
    ),
    (
        '{"error": {"code": 429, "message": "Quota exceeded for quota metric \'Read requests\'", "status": "RESOURCE_EXHAUSTED"}}',
        C.RATE_LIMITED,
    ),
    ("ErrorCode:BlobNotFound\nThe specified blob does not exist.", C.MISSING_INPUT),
    # orchestrators, workers, shells
    (
        "2026-12-01 10:00:00,001 - distributed.nanny.memory - WARNING - Worker tcp://10.0.0.7:4040 (pid=77) exceeded 95% memory budget. Restarting...",
        C.RESOURCE_EXHAUSTION,
    ),
    (
        "Warning  BackOff  pod/etl-7d9  Back-off restarting failed container etl in pod etl-7d9",
        C.INFRASTRUCTURE,
    ),
    ("Last State: Terminated\n  Reason: OOMKilled\n  Exit Code: 137", C.RESOURCE_EXHAUSTION),
    (
        'Error from server (Forbidden): pods is forbidden: User "system:serviceaccount:etl:runner" cannot list resource "pods"',
        C.PERMISSION_DENIED,
    ),
    (
        'Error: secret "warehouse-creds" not found\nReason: CreateContainerConfigError',
        C.CONFIG_ERROR,
    ),
    (
        "/entrypoint.sh: line 12: dbt: command not found\nProcess exited with code 127",
        C.ENVIRONMENT,
    ),
    ("[2026-12-01 10:00:00 +0000] [7] [CRITICAL] WORKER TIMEOUT (pid:19)", C.TIMEOUT),
    (
        "subprocess.CalledProcessError: Command '['bash', 'run.sh']' returned non-zero exit status 139.",
        C.INFRASTRUCTURE,
    ),
    (
        "Dec  1 10:00:00 worker3 kernel: Out of memory: Killed process 4242 (python) total-vm:9000000kB",
        C.RESOURCE_EXHAUSTION,
    ),
    ("run.sh: line 4: WAREHOUSE_URL: unbound variable", C.CONFIG_ERROR),
    (
        "dagster._core.errors.DagsterPipesExecutionError: External execution process failed with code 127",
        C.ENVIRONMENT,
    ),
    (
        "requests.exceptions.SSLError: HTTPSConnectionPool(host='api.example.com', port=443): Max retries exceeded with url: /v1 (Caused by SSLError(SSLCertVerificationError(1, '[SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: self-signed certificate in certificate chain')))",
        C.ENVIRONMENT,
    ),
    ("HTTP/1.1 413 Request Entity Too Large", C.RESOURCE_EXHAUSTION),
    (
        "docker: Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?",
        C.DEPENDENCY_UNAVAILABLE,
    ),
    (
        "redis.exceptions.ResponseError: OOM command not allowed when used memory > 'maxmemory'.",
        C.RESOURCE_EXHAUSTION,
    ),
    (
        "kafka.errors.TopicAuthorizationFailedError: [Error 29] TopicAuthorizationException: etl-events",
        C.PERMISSION_DENIED,
    ),
    (
        "pymongo.errors.DuplicateKeyError: E11000 duplicate key error collection: shop.orders index: _id_",
        C.DATA_QUALITY,
    ),
    (
        "google.api_core.exceptions.Forbidden: 403 Exceeded rate limits: too many table update operations for this table",
        C.RATE_LIMITED,
    ),
    ("ORA-00942: table or view does not exist", C.MISSING_INPUT),
    ("ORA-01017: invalid username/password; logon denied", C.AUTH_FAILURE),
    (
        "Code: 241. DB::Exception: Memory limit (for query) exceeded: would use 9.31 GiB. (MEMORY_LIMIT_EXCEEDED)",
        C.RESOURCE_EXHAUSTION,
    ),
    (
        "io.trino.spi.TrinoException: Query exceeded per-node memory limit of 1GB",
        C.RESOURCE_EXHAUSTION,
    ),
    (
        "ERROR: 1023 DETAIL: Serializable isolation violation on table - 100234, transactions forming the cycle are: 11, 12",
        C.CONCURRENCY,
    ),
    (
        "[2026-12-01 10:00:00 +0000] [1] [WARNING] Worker with pid 13 was terminated due to signal 9\n[2026-12-01 10:00:00 +0000] [1] [ERROR] Worker (pid:13) was sent SIGKILL! Perhaps out of memory?",
        C.RESOURCE_EXHAUSTION,
    ),
    # meaning over surface: a 403 whose body says the rate limit was exceeded
    (
        'HTTP/1.1 403 Forbidden\n{"message": "API rate limit exceeded for 10.0.0.1.", "documentation_url": "https://docs.example.com/rate-limits"}',
        C.RATE_LIMITED,
    ),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[f"{i}" for i in range(len(CASES))])
def test_wording_decides_category_and_is_quoted(text: str, expected: C) -> None:
    rep = analyze(from_text(text))
    assert rep.category is expected, (
        rep.summary,
        [(c.category.value, c.confidence) for c in rep.candidates],
    )
    assert rep.top is not None and rep.top.evidence
    assert all(q in text for q in rep.top.evidence), rep.top.evidence
