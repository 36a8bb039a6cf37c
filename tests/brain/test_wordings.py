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
    # runtimes, engines and stores out of memory, space or slots
    (
        "FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory",
        C.RESOURCE_EXHAUSTION,
    ),
    (
        "torch.OutOfMemoryError: CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 15.78 GiB total capacity)",
        C.RESOURCE_EXHAUSTION,
    ),
    ("ORA-01652: unable to extend temp segment by 128 in tablespace TEMP", C.RESOURCE_EXHAUSTION),
    (
        "Msg 9002, Level 17, State 2\nThe transaction log for database 'staging' is full due to 'ACTIVE_TRANSACTION'.",
        C.RESOURCE_EXHAUSTION,
    ),
    (
        "org.apache.hadoop.hbase.RegionTooBusyException: Over memstore limit=512.0 M, regionName=events,,17",
        C.RESOURCE_EXHAUSTION,
    ),
    (
        "org.apache.flink.runtime.jobmanager.scheduler.NoResourceAvailableException: Could not acquire the minimum required resources.",
        C.RESOURCE_EXHAUSTION,
    ),
    # timeouts of drivers and batch schedulers
    (
        "System.Data.SqlClient.SqlException (0x80131904): Timeout expired.  The timeout period elapsed prior to completion of the operation or the server is not responding.",
        C.TIMEOUT,
    ),
    (
        "slurmstepd: error: *** JOB 4242 ON node07 CANCELLED AT 2026-12-01T03:00:00 DUE TO TIME LIMIT ***",
        C.TIMEOUT,
    ),
    (
        "com.datastax.oss.driver.api.core.servererrors.WriteTimeoutException: Cassandra timeout during SIMPLE write query at consistency QUORUM (2 replica were required but only 1 acknowledged the write)",
        C.TIMEOUT,
    ),
    # throttling, stored types, lock conflicts
    (
        "2026-12-01 10:00:00 ERROR writer: code = ProvisionedThroughputExceeded, message = The level of configured provisioned throughput for the table was exceeded.",
        C.RATE_LIMITED,
    ),
    (
        'ERROR: {"error":"partial write: field type conflict: input field \\"rssi\\" on measurement \\"wifi\\" is type float, already exists as type integer dropped=4"}',
        C.SCHEMA_MISMATCH,
    ),
    (
        "HIVE_PARTITION_SCHEMA_MISMATCH: There is a mismatch between the table and partition schemas. The column 'qty' in table 'db.orders' is declared as type 'bigint', but partition 'dt=2026-12-01' declared column 'qty' as type 'string'.",
        C.SCHEMA_MISMATCH,
    ),
    (
        "Neo.TransientError.Transaction.DeadlockDetected: ForsetiClient[transactionId=7, clientId=3] can't acquire ExclusiveLock{owner=ForsetiClient[transactionId=6, clientId=1]} on NODE(42)",
        C.CONCURRENCY,
    ),
    ("ORA-08177: can't serialize access for this transaction", C.CONCURRENCY),
    # logins refused, endpoints unreachable, logs purged, records rejected
    (
        "pika.exceptions.ProbableAuthenticationError: ConnectionClosedByBroker: (403) 'ACCESS_REFUSED - Login was refused using authentication mechanism PLAIN. For details see the broker logfile.'",
        C.AUTH_FAILURE,
    ),
    (
        "redis.exceptions.AuthenticationError: WRONGPASS invalid username-password pair or user is disabled.",
        C.AUTH_FAILURE,
    ),
    (
        "org.apache.zookeeper.KeeperException$ConnectionLossException: KeeperErrorCode = ConnectionLoss for /brokers/ids",
        C.DEPENDENCY_UNAVAILABLE,
    ),
    (
        "Got fatal error 1236 from master when reading data from binary log: 'Could not find first log file name in binary log index file'",
        C.MISSING_INPUT,
    ),
    (
        "org.apache.kafka.clients.consumer.OffsetOutOfRangeException: Offsets out of range with no configured reset policy for partitions: {events-3=118220}",
        C.MISSING_INPUT,
    ),
    (
        "[2026-12-01 10:00:00,000] ERROR WorkerSinkTask{id=s3-sink-0} Task threw an uncaught and unrecoverable exception\norg.apache.kafka.connect.errors.ConnectException: Tolerance exceeded in error handler",
        C.DATA_QUALITY,
    ),
    # configuration rejected by a daemon, a scheduler or a command line
    (
        "Dec  1 10:00:00 host cron[812]: (*system*backup) INSECURE MODE (group/other writable) (/etc/cron.d/backup)",
        C.CONFIG_ERROR,
    ),
    (
        "sbatch: error: Batch job submission failed: Invalid partition name specified",
        C.CONFIG_ERROR,
    ),
    (
        'nginx: [emerg] unknown directive "proxy_passs" in /etc/nginx/conf.d/app.conf:12',
        C.CONFIG_ERROR,
    ),
    ("load.py: error: unrecognized arguments: --dry_run", C.CONFIG_ERROR),
    (
        'error: error validating "job.yaml": error validating data: ValidationError(CronJob.spec): unknown field "schedul" in io.k8s.api.batch.v1.CronJobSpec',
        C.CONFIG_ERROR,
    ),
    # the machine under the work went away
    (
        "##[error]The hosted runner: GitHub Actions 12 lost communication with the server. Anything in your workflow that terminates the runner process, starves it for CPU/Memory, or blocks its network access can cause this error.",
        C.INFRASTRUCTURE,
    ),
    # wrong endpoint, region, location, target or runtime
    (
        "botocore.exceptions.ClientError: An error occurred (PermanentRedirect) when calling the ListObjectsV2 operation: The bucket you are attempting to access must be addressed using the specified endpoint.",
        C.CONFIG_ERROR,
    ),
    (
        "google.api_core.exceptions.NotFound: 404 Not found: Dataset acme-prod:marts was not found in location EU",
        C.CONFIG_ERROR,
    ),
    (
        "[2026-12-01 10:00:00,000: ERROR/MainProcess] Received unregistered task of type 'etl.tasks.load_orders'.",
        C.CONFIG_ERROR,
    ),
    (
        "redis.exceptions.ReadOnlyError: READONLY You can't write against a read only replica.",
        C.CONFIG_ERROR,
    ),
    ("Failed to find attribute 'app' in 'service.main'.", C.CONFIG_ERROR),
    ("/opt/jobs/run.sh: /bin/bash^M: bad interpreter: No such file or directory", C.ENVIRONMENT),
    (
        'org.apache.hadoop.fs.UnsupportedFileSystemException: No FileSystem for scheme "s3"',
        C.ENVIRONMENT,
    ),
    # engine codes: memory, parts, lost nodes, dependencies, logins, misuse, values
    (
        "io.trino.ExceededMemoryLimitException: Query exceeded per-node memory limit of 8GB [Allocated: 7.99GB] (EXCEEDED_LOCAL_MEMORY_LIMIT)",
        C.RESOURCE_EXHAUSTION,
    ),
    (
        "org.apache.hadoop.hdfs.protocol.DSQuotaExceededException: The DiskSpace quota of /warehouse is exceeded: quota = 1099511627776 B = 1 TB but diskspace consumed = 1099645845504 B",
        C.RESOURCE_EXHAUSTION,
    ),
    (
        "Code: 252. DB::Exception: Too many parts (600). Merges are processing significantly slower than inserts. (TOO_MANY_PARTS)",
        C.RATE_LIMITED,
    ),
    (
        "File /tmp/out/part-0001 could only be written to 0 of the 1 minReplication nodes. There are 0 datanode(s) running and no node(s) are excluded in this operation.",
        C.INFRASTRUCTURE,
    ),
    (
        "Code: 225. DB::Exception: ZooKeeper session has expired. (NO_ZOOKEEPER)",
        C.DEPENDENCY_UNAVAILABLE,
    ),
    (
        "Code: 516. DB::Exception: default: Authentication failed: password is incorrect, or there is no user with such name. (AUTHENTICATION_FAILED)",
        C.AUTH_FAILURE,
    ),
    (
        "fatal: could not read Username for 'https://github.com': terminal prompts disabled",
        C.AUTH_FAILURE,
    ),
    (
        "ERROR: could not open relation with OID 884213 (SQLSTATE XX000)",
        C.CONCURRENCY,
    ),
    (
        "redis.exceptions.ResponseError: WRONGTYPE Operation against a key holding the wrong kind of value",
        C.SCHEMA_MISMATCH,
    ),
    ("org.apache.spark.SparkException: Task not serializable", C.CODE_ERROR),
    ("io.trino.spi.TrinoException: Division by zero (DIVISION_BY_ZERO)", C.DATA_QUALITY),
    (
        "250001 (08001): Failed to connect to DB: acme.snowflakecomputing.com:443. IP 203.0.113.9 is not allowed to access Snowflake.  Contact your local security administrator.",
        C.PERMISSION_DENIED,
    ),
    (
        "java.sql.SQLTransientConnectionException: HikariPool-1 - Connection is not available, request timed out after 30004ms.",
        C.RESOURCE_EXHAUSTION,
    ),
    (
        "paramiko.ssh_exception.PasswordRequiredException: Private key file is encrypted",
        C.AUTH_FAILURE,
    ),
    # platform setup, request limits, taken resources, query rules, parsers, casts
    (
        "azure.identity._exceptions.CredentialUnavailableError: EnvironmentCredential authentication unavailable. Environment variables are not fully configured.",
        C.CONFIG_ERROR,
    ),
    (
        'Warning  Failed  12s  kubelet  Failed to pull image "acme/loader:v42": rpc error: code = NotFound desc = failed to pull and unpack image "docker.io/acme/loader:v42": docker.io/acme/loader:v42: not found',
        C.CONFIG_ERROR,
    ),
    (
        "google.api_core.exceptions.BadRequest: 400 Query exceeded limit for bytes billed: 1000000000. 3000000000 or higher required.",
        C.RESOURCE_EXHAUSTION,
    ),
    (
        "google.api_core.exceptions.Conflict: 409 Already Exists: Table acme:staging.orders_tmp",
        C.CONCURRENCY,
    ),
    (
        "Error response from daemon: driver failed programming external connectivity on endpoint pg: Bind for 0.0.0.0:5432 failed: port is already allocated",
        C.CONCURRENCY,
    ),
    (
        "google.api_core.exceptions.BadRequest: 400 Cannot query over table 'acme.events.clicks' without a filter over column(s) 'day' that can be used for partition elimination",
        C.CODE_ERROR,
    ),
    (
        "org.apache.spark.SparkUpgradeException: [INCONSISTENT_BEHAVIOR_CROSS_VERSION.PARSE_DATETIME_BY_NEW_PARSER] You may get a different result due to the upgrading to Spark >= 3.0: Fail to parse '31/12/2026' in the new parser.",
        C.DATA_QUALITY,
    ),
    (
        "pyarrow.lib.ArrowNotImplementedError: Unsupported cast from string to list using function cast_list",
        C.SCHEMA_MISMATCH,
    ),
    # an unknown class whose name says what happened, with no message (JVM prints "null")
    ("com.acme.billing.InvoiceNotFoundException: null", C.MISSING_INPUT),
    ("Caused by: com.acme.gateway.UpstreamThrottledException: backing off", C.RATE_LIMITED),
    ("acme.client.FetchTimeoutError: gave up", C.TIMEOUT),
    (
        "2026-12-01 10:00:00 ERROR ledger: com.acme.ledger.LedgerConflictException: version 3",
        C.CONCURRENCY,
    ),
    ("Warning  Evicted  3m  kubelet  The node had condition: [DiskPressure].", C.INFRASTRUCTURE),
    (
        "ERROR: Job failed (system failure): prepare environment: waiting for pod running: timed out waiting for pod to start",
        C.INFRASTRUCTURE,
    ),
    (
        "kafka.errors.UnknownTopicOrPartitionError: [Error 3] UnknownTopicOrPartitionError",
        C.MISSING_INPUT,
    ),
    (
        'java.lang.NullPointerException: Cannot invoke "String.trim()" because "name" is null',
        C.CODE_ERROR,
    ),
    # meaning over surface: a 403 whose body says the rate limit was exceeded
    (
        'HTTP/1.1 403 Forbidden\n{"message": "API rate limit exceeded for 10.0.0.1.", "documentation_url": "https://docs.example.com/rate-limits"}',
        C.RATE_LIMITED,
    ),
    # configuration rejected by the service, client or platform (values made up)
    (
        "2026-12-01T10:00:01.000000Z 0 [ERROR] [MY-000067] [Server] unknown variable 'query_cache_type=1'.",
        C.CONFIG_ERROR,
    ),
    (
        '2026-12-01 10:00:01 UTC [9] LOG:  unrecognized configuration parameter "wal_keep_segments" in file "/etc/postgresql/16/main/postgresql.conf" line 12',
        C.CONFIG_ERROR,
    ),
    (
        "java.lang.IllegalArgumentException: unknown setting [xpack.monitoring.enabled] please check that any required plugins are installed, or check the breaking changes documentation for removed settings",
        C.CONFIG_ERROR,
    ),
    ("Unrecognized option: storage.journal.enabled", C.CONFIG_ERROR),
    (
        "org.apache.kafka.common.config.ConfigException: Invalid url in bootstrap.servers: broker-1",
        C.CONFIG_ERROR,
    ),
    (
        'psycopg2.ProgrammingError: invalid dsn: invalid connection option "sslmodes"',
        C.CONFIG_ERROR,
    ),
    ("botocore.exceptions.NoCredentialsError: Unable to locate credentials", C.CONFIG_ERROR),
    (
        "google.auth.exceptions.DefaultCredentialsError: Your default credentials were not found.",
        C.CONFIG_ERROR,
    ),
    (
        "botocore.exceptions.ClientError: An error occurred (InvalidAccessKeyId) when calling the GetObject operation: The AWS Access Key Id you provided does not exist in our records.",
        C.AUTH_FAILURE,
    ),
    (
        'botocore.exceptions.EndpointConnectionError: Could not connect to the endpoint URL: "https://glue.eu-north-9.amazonaws.com/"',
        C.CONFIG_ERROR,
    ),
    (
        "[ERROR] Runtime.ImportModuleError: Unable to import module 'app': No module named 'app'",
        C.CONFIG_ERROR,
    ),
    (
        "[ERROR] Runtime.ImportModuleError: Unable to import module 'app': No module named 'requests'",
        C.ENVIRONMENT,
    ),
    (
        "ResourceInitializationError: unable to pull secrets or registry auth: execution resource retrieval failed: unable to retrieve secret from asm",
        C.CONFIG_ERROR,
    ),
    (
        "java.lang.IllegalArgumentException: System memory 259522560 must be at least 471859200. Please increase heap size using the --driver-memory option or spark.driver.memory in Spark configuration.",
        C.CONFIG_ERROR,
    ),
    (
        "airflow.exceptions.AirflowNotFoundException: The conn_id `warehouse_pg` isn't defined",
        C.CONFIG_ERROR,
    ),
    (
        "pyodbc.InterfaceError: ('IM002', '[IM002] [unixODBC][Driver Manager]Data source name not found and no default driver specified (0) (SQLDriverConnect)')",
        C.CONFIG_ERROR,
    ),
    # a framework or compiler that says the code itself is wrong
    (
        "RuntimeError: Working outside of request context.\n\nThis typically means that you attempted to use functionality that needed\nan active HTTP request.",
        C.CODE_ERROR,
    ),
    (
        "numba.core.errors.TypingError: Failed in nopython mode pipeline (step: nopython frontend)\nUnknown attribute 'foo' of type Module",
        C.CODE_ERROR,
    ),
    (
        'ERROR:  unique constraint on partitioned table must include all partitioning columns\nDETAIL:  UNIQUE constraint on table "measurements" lacks column "logdate" which is part of the partition key.',
        C.CODE_ERROR,
    ),
    (
        "ERROR 1503 (HY000): A PRIMARY KEY must include all columns in the table's partitioning function",
        C.CODE_ERROR,
    ),
    # data a library loads that is installed separately from the package
    (
        "LookupError: \n**********************************************************************\n  Resource stopwords not found.\n  Please use the NLTK Downloader to obtain the resource:\n\n  >>> import nltk\n  >>> nltk.download('stopwords')",
        C.ENVIRONMENT,
    ),
    (
        "OSError: [E050] Can't find model 'en_core_web_sm'. It doesn't seem to be a Python package or a valid path to a data directory.",
        C.ENVIRONMENT,
    ),
    # a model hub that cannot be reached
    (
        "OSError: We couldn't connect to 'https://huggingface.co' to load this file, couldn't find it in the cached files and it looks like gpt2 is not the path to a directory containing a file named config.json.",
        C.DEPENDENCY_UNAVAILABLE,
    ),
    (
        "huggingface_hub.errors.LocalEntryNotFoundError: Connection error, and we cannot find the requested files in the disk cache. Please try again or make sure your Internet connection is on.",
        C.DEPENDENCY_UNAVAILABLE,
    ),
    # hardware or a mount under the worker that stopped responding (kernel log lines)
    ("[ 5021.123456] nfs: server filer01 not responding, still trying", C.INFRASTRUCTURE),
    (
        "[ 812.000001] NVRM: Xid (PCI:0000:3b:00): 79, pid=1234, GPU has fallen off the bus.",
        C.INFRASTRUCTURE,
    ),
    (
        "Unable to determine the device handle for GPU 0000:3B:00.0: GPU is lost.  Reboot the system to recover this GPU",
        C.INFRASTRUCTURE,
    ),
    # input that is not valid in its encoding
    (
        "lxml.etree.XMLSyntaxError: Input is not proper UTF-8, indicate encoding !\nBytes: 0xE9 0x74 0x65 0x20, line 3, column 12",
        C.DATA_QUALITY,
    ),
    # an input pattern or remote cache that matches no file
    (
        "java.io.IOException: Unable to match files in bucket acme-raw, prefix events/2026-12-01/",
        C.MISSING_INPUT,
    ),
    (
        "java.io.FileNotFoundException: No files matched spec: gs://acme-raw/events/2026-12-01/*.json",
        C.MISSING_INPUT,
    ),
    (
        "WARNING: Some of the cache files do not exist neither locally nor on remote. Missing cache files:\nname: data/train.csv, md5: 0123456789abcdef0123456789abcdef",
        C.MISSING_INPUT,
    ),
    # an ODBC driver name the driver manager cannot load
    (
        "pyodbc.Error: ('01000', \"[01000] [unixODBC][Driver Manager]Can't open lib 'ODBC Driver 17 for SQL Server' : file not found (0) (SQLDriverConnect)\")",
        C.CONFIG_ERROR,
    ),
    # a forwarder whose buffer is full
    (
        '2026-12-01 10:00:00 +0000 [warn]: #0 emit transaction failed: error_class=Fluent::Plugin::Buffer::BufferOverflowError error="buffer space has too many data" tag="app.access"',
        C.RESOURCE_EXHAUSTION,
    ),
    # a lock held by another process or run
    (
        "2026-12-01 10:00:00.000  INFO 4242 --- [main] liquibase.lockservice : Waiting for changelog lock....",
        C.CONCURRENCY,
    ),
    (
        "liquibase.exception.LockException: Could not acquire change log lock.  Currently locked by 10.0.0.3 (10.0.0.3) since 12/1/26, 10:00 AM",
        C.CONCURRENCY,
    ),
    (
        "Waiting for cache lock: Could not get lock /var/lib/dpkg/lock-frontend. It is held by process 1234 (apt-get)",
        C.CONCURRENCY,
    ),
    # a gated repository the account was not granted
    (
        "huggingface_hub.errors.GatedRepoError: 403 Client Error. (Request ID: Root=1-0000)\n\nCannot access gated repo for url https://huggingface.co/acme/model-7b/resolve/main/config.json.\nAccess to model acme/model-7b is restricted and you are not in the authorized list.",
        C.PERMISSION_DENIED,
    ),
    # data that does not fit the declared schema or encoding
    (
        "pandera.errors.SchemaError: expected series 'amount' to have type int64, got float64",
        C.SCHEMA_MISMATCH,
    ),
    (
        "pandera.errors.SchemaError: column 'customer_id' not in dataframe. Columns in dataframe: ['id', 'amount']",
        C.SCHEMA_MISMATCH,
    ),
    (
        "org.apache.avro.AvroTypeException: Expected start-union. Got VALUE_STRING",
        C.SCHEMA_MISMATCH,
    ),
    # a server that did not start in time
    (
        "[W 2026-12-01 10:00:00.000 JupyterHub base:1090] User alice is slow to start (timeout=10)",
        C.TIMEOUT,
    ),
    (
        "[E 2026-12-01 10:00:30.000 JupyterHub user:718] Unhandled error starting alice's server: Server at http://10.0.0.7:8888/user/alice/ didn't respond in 30 seconds",
        C.TIMEOUT,
    ),
    # a disk or block device failing under the worker (kernel log lines, any filesystem)
    (
        "[ 1021.000001] blk_update_request: I/O error, dev sdc, sector 2048 op 0x1:(WRITE) flags 0x0 phys_seg 1 prio class 0",
        C.INFRASTRUCTURE,
    ),
    (
        "[ 1021.000002] Buffer I/O error on dev sdc1, logical block 1024, lost async page write",
        C.INFRASTRUCTURE,
    ),
    ("[ 1022.000000] EXT4-fs (nvme1n1p1): Remounting filesystem read-only", C.INFRASTRUCTURE),
    (
        '[ 1023.000000] XFS (dm-3): metadata I/O error in "xfs_trans_read_buf_map" at daddr 0x10 len 8 error 5',
        C.INFRASTRUCTURE,
    ),
    # a cloud with no capacity left for the machine type or zone
    (
        "An error occurred (InsufficientInstanceCapacity) when calling the StartInstances operation: There is no Spot capacity available that matches your request.",
        C.INFRASTRUCTURE,
    ),
    (
        "ERROR: (gcloud.compute.instances.create) Could not fetch resource:\n - The zone 'projects/acme/zones/europe-west4-a' does not have enough resources available to fulfill the request.  Try a different zone, or try again later.",
        C.INFRASTRUCTURE,
    ),
    (
        "Code: ZonalAllocationFailed. Message: Allocation failed. We do not have sufficient capacity for the requested VM size in this zone.",
        C.INFRASTRUCTURE,
    ),
    # a cloud notice that the hardware under the instance degraded
    (
        "EC2 has detected degradation of the underlying hardware hosting your Amazon EC2 instance (instance-ID: i-0123456789abcdef0).",
        C.INFRASTRUCTURE,
    ),
    # another process, run or operation already holds the lock, device or object
    (
        "Existing lock /var/run/yum.pid: another copy is running as pid 4242.\nAnother app is currently holding the yum lock; waiting for it to exit...",
        C.CONCURRENCY,
    ),
    (
        "E: Could not get lock /var/lib/dpkg/lock-frontend - open (11: Resource temporarily unavailable)\nE: Unable to acquire the dpkg frontend lock (/var/lib/dpkg/lock-frontend), is another process using it?",
        C.CONCURRENCY,
    ),
    (
        "Error: UPGRADE FAILED: another operation (install/upgrade/rollback) is in progress",
        C.CONCURRENCY,
    ),
    (
        "error: failed to init transaction (unable to lock database)\nerror: could not lock database: File exists",
        C.CONCURRENCY,
    ),
    (
        "PermissionError: [WinError 32] The process cannot access the file because it is being used by another process: 'C:\\\\data\\\\out.parquet'",
        C.CONCURRENCY,
    ),
    (
        "I1201 10:00:00.000000 4242 tpu_initializer_helper.cc:116] The TPU is already in use by process with pid 4241. Not attempting to load libtpu.so in this process.",
        C.CONCURRENCY,
    ),
    # a package name that holds the word "concurrent" is no concurrency conflict
    ("java.util.concurrent.TimeoutException: Idle timeout expired: 30000/30000 ms", C.TIMEOUT),
    # an applied migration edited afterwards (migration tools' checksum validation)
    (
        "ERROR: Validate failed: Migrations have failed validation\nMigration checksum mismatch for migration version 3\n-> Applied to database : 1234567\n-> Resolved locally    : 7654321",
        C.SCHEMA_MISMATCH,
    ),
    (
        "liquibase.exception.ValidationFailedException: Validation Failed:\n     1 changesets check sum\n          db/changelog/001-init.yaml::1::alice was: 9:0123abcd but is now: 9:dcba3210",
        C.SCHEMA_MISMATCH,
    ),
    (
        "Error: checksum mismatch\n\nYou have a checksum error in your migration directory.",
        C.SCHEMA_MISMATCH,
    ),
    # a query over its memory limit (Doris/StarRocks wordings)
    (
        "ERROR 1064 (HY000): Memory of query_pool exceed limit. Pipeline Backend: 10.0.0.5, fragment: 0000-0001. Used: 4294967296, Limit: 4294967296.",
        C.RESOURCE_EXHAUSTION,
    ),
    (
        "ERROR 1064 (HY000): Mem usage has exceed the limit of BE, query id: 0000-0001",
        C.RESOURCE_EXHAUSTION,
    ),
    # a machine with fewer CPUs or less memory than the tool requires
    (
        "X Exiting due to RSRC_INSUFFICIENT_SYS_MEMORY: System only has 1024MiB available, less than the required 1800MiB for Kubernetes",
        C.RESOURCE_EXHAUSTION,
    ),
    (
        "docker: Error response from daemon: Range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available.",
        C.RESOURCE_EXHAUSTION,
    ),
    # Kafka brokers down or between leaders; a replication factor the cluster cannot hold
    (
        "org.apache.kafka.common.errors.NotEnoughReplicasException: Messages are rejected since there are fewer in-sync replicas than required.",
        C.DEPENDENCY_UNAVAILABLE,
    ),
    (
        "%3|1700000000.000|ERROR|rdkafka#producer-1| [thrd:main]: Message delivery failed: Broker: Not enough in-sync replicas",
        C.DEPENDENCY_UNAVAILABLE,
    ),
    (
        "[2026-12-01 10:00:00,000] WARN [Producer clientId=producer-1] Error while fetching metadata with correlation id 7 : {events=LEADER_NOT_AVAILABLE} (org.apache.kafka.clients.NetworkClient)",
        C.DEPENDENCY_UNAVAILABLE,
    ),
    (
        "Error while executing topic command : Replication factor: 3 larger than available brokers: 1.\norg.apache.kafka.common.errors.InvalidReplicationFactorException: Replication factor: 3 larger than available brokers: 1.",
        C.CONFIG_ERROR,
    ),
    # an MQTT broker refusing the login (CONNACK return codes 4 and 5)
    ("Connection Refused: bad user name or password.", C.AUTH_FAILURE),
    ("Error: Connection refused: Not authorized", C.AUTH_FAILURE),
    (
        "1700000000: Client sensor-17 disconnected, not authorised.",
        C.AUTH_FAILURE,
    ),
    # a native build missing a header (the development package is not installed)
    (
        "  src/binding.c:4:10: fatal error: libpq-fe.h: No such file or directory\n  compilation terminated.\n  error: command '/usr/bin/gcc' failed with exit code 1",
        C.ENVIRONMENT,
    ),
    (
        "src/ext.c:1:10: fatal error: 'openssl/ssl.h' file not found\n#include <openssl/ssl.h>\n         ^~~~~~~~~~~~~~~\n1 error generated.",
        C.ENVIRONMENT,
    ),
    # an installed major version that dropped what the code uses
    (
        "TypeError: Descriptors cannot be created directly.\nIf this call came from a _pb2.py file, your generated code is out of date and must be regenerated with protoc >= 3.19.0.",
        C.ENVIRONMENT,
    ),
    ("xlrd.biffh.XLRDError: Excel xlsx file; not supported", C.ENVIRONMENT),
    # a file that is not a decodable image; an image that was never read
    (
        "PIL.UnidentifiedImageError: cannot identify image file <_io.BytesIO object at 0x7f0000000000>",
        C.DATA_QUALITY,
    ),
    (
        "OSError: image file is truncated (12 bytes not processed)",
        C.DATA_QUALITY,
    ),
    (
        "cv2.error: OpenCV(4.8.0) /io/opencv/modules/imgproc/src/resize.cpp:4062: error: (-215:Assertion failed) !ssize.empty() in function 'resize'",
        C.MISSING_INPUT,
    ),
    # absent application-default credentials as Go's Google client library words it (Terraform, gcsfuse, Go SDK tools)
    (
        "Error: Attempted to load application default credentials since neither `credentials` nor `access_token` was set in the provider block.  No credentials loaded. To use your gcloud credentials, run 'gcloud auth application-default login'.  Original error: google: could not find default credentials. See https://cloud.google.com/docs/authentication/external/set-up-adc for more information",
        C.CONFIG_ERROR,
    ),
    # traced (jit) code that needs a concrete value (JAX's documented tracer errors)
    (
        "jax.errors.TracerBoolConversionError: Attempted boolean conversion of traced array with shape bool[].",
        C.CODE_ERROR,
    ),
    (
        "jax.errors.UnexpectedTracerError: Encountered an unexpected tracer. A function transformed by JAX had a side effect, allowing for a reference to an intermediate value with type float32[] to escape the scope of the transformation.",
        C.CODE_ERROR,
    ),
    # a named branch, repository or object the command reads is not found
    ("Error executing command: repository 'analytics' not found", C.MISSING_INPUT),
    # cluster members bootstrapped in conflicting ways
    (
        "2026/12/01 10:00:00 [ERR] consul: 'server-a' and 'server-b' are both in bootstrap mode. Only one node should be in bootstrap mode, not adding Raft peer.",
        C.CONFIG_ERROR,
    ),
    (
        "[2026-12-01T10:00:00,000][WARN ][o.e.c.c.ClusterFormationFailureHelper] [es-1] master not discovered yet, this node has not previously joined a bootstrapped cluster, and [cluster.initial_master_nodes] is empty on this node",
        C.CONFIG_ERROR,
    ),
    (
        "etcdserver: request cluster ID mismatch (got 1a2b3c4d5e6f7081 want 8f7e6d5c4b3a2910)",
        C.CONFIG_ERROR,
    ),
    # a GPU driver or native runtime other than the one the program was built for (CUDA runtime error text, PyTorch, TensorRT)
    (
        "RuntimeError: CUDA error: CUDA driver version is insufficient for CUDA runtime version",
        C.ENVIRONMENT,
    ),
    (
        "RuntimeError: The NVIDIA driver on your system is too old (found version 10010). Please update your GPU driver by downloading and installing a new version from the URL: http://www.nvidia.com/Download/index.aspx",
        C.ENVIRONMENT,
    ),
    (
        "[TRT] [E] 1: [stdArchiveReader.cpp::StdArchiveReader::42] Error Code 1: Serialization (Serialization assertion stdVersionRead == serializationVersion failed.Version tag does not match. Note: Current Version: 213, Serialized Engine Version: 205)\n[TRT] [E] 6: The engine plan file is not compatible with this version of TensorRT, expecting library version 8.5.1.7 got 8.4.3.1, please rebuild.",
        C.ENVIRONMENT,
    ),
    # vectors of another dimension than the vector index or collection (another embedding model)
    (
        "PineconeApiException: (400) Reason: Bad Request HTTP response body: Vector dimension 384 does not match the dimension of the index 1536",
        C.SCHEMA_MISMATCH,
    ),
    (
        "chromadb.errors.InvalidDimensionException: Embedding dimension 1024 does not match collection dimensionality 384",
        C.SCHEMA_MISMATCH,
    ),
    ("psycopg.errors.DataException: expected 1536 dimensions, not 768", C.SCHEMA_MISMATCH),
    # package solvers that find no set of versions satisfying the pins (conda/mamba libmamba, pip, npm)
    (
        "error    libmamba Could not solve for environment specs\n    The following packages are incompatible",
        C.ENVIRONMENT,
    ),
    (
        "ERROR: Cannot install pandas==2.2.0 and numpy==1.21.0 because these package versions have conflicting dependencies.",
        C.ENVIRONMENT,
    ),
    ("npm ERR! code ERESOLVE\nnpm ERR! ERESOLVE unable to resolve dependency tree", C.ENVIRONMENT),
    # an MPI launcher asked for more process slots than the allocation has (Open MPI's help text)
    (
        "There are not enough slots available in the system to satisfy the 4\nslots that were requested by the application:\n\n  ./train\n\nEither request fewer slots for your application, or make more slots\navailable for use.",
        C.RESOURCE_EXHAUSTION,
    ),
    # a call past its deadline, as the canonical gRPC status in a JSON log entry (Cloud Tasks, Pub/Sub, Firestore)
    (
        '{\n  "jsonPayload": {\n    "attemptResponseLog": {\n      "status": "DEADLINE_EXCEEDED",\n      "attemptDuration": "1800.0s"\n    }\n  },\n  "severity": "ERROR"\n}',
        C.TIMEOUT,
    ),
    # a JSON error body whose status is 503 (B2, GCS and other REST APIs)
    (
        '{\n  "code": "service_unavailable",\n  "message": "no tomes available",\n  "status": 503\n}',
        C.DEPENDENCY_UNAVAILABLE,
    ),
    # workflow code that does not replay deterministically (Temporal's TMPRL1100 in every SDK, Cadence)
    (
        "2026/12/01 10:00:00 ERROR Workflow panic Namespace default TaskQueue orders WorkerID 1@host@ WorkflowType OrderWorkflow WorkflowID o-1 RunID 3f2a Attempt 1 Error [TMPRL1100] During replay, a matching Timer command was expected in history event position 7. However, the replayed code did not produce that.",
        C.CODE_ERROR,
    ),
    (
        'temporalio.workflow.NondeterminismError: [TMPRL1100] Nondeterminism error: Activity type of scheduled event "send_email" does not match activity type of activity command "charge_card"',
        C.CODE_ERROR,
    ),
    (
        "BadRequestError{Message: nondeterministic workflow: history event is ActivityTaskScheduled, replay decision is ScheduleActivityTask}",
        C.CODE_ERROR,
    ),
    # unixODBC's driver manager words a missing DSN with a comma (Windows' ODBC without one)
    (
        "isql: [IM002][unixODBC][Driver Manager]Data source name not found, and no default driver specified",
        C.CONFIG_ERROR,
    ),
    # distributed SQL engines aborting the transaction that lost a conflict (YugabyteDB, CockroachDB)
    (
        "ERROR: Operation failed. Try again: Conflicts with committed transaction: 7d1c2e40-0000-4000-8000-000000000001",
        C.CONCURRENCY,
    ),
    (
        "ERROR: restart transaction: TransactionRetryWithProtoRefreshError: ReadWithinUncertaintyIntervalError",
        C.CONCURRENCY,
    ),
    # a template variable the rendering context lacks (Jinja2's UndefinedError)
    ("jinja2.exceptions.UndefinedError: 'customer_name' is undefined", C.CODE_ERROR),
    # a client's "Unable to connect to <service>" when the service is not up
    ("RuntimeError: Unable to connect to Redis at 'cache:6379'", C.DEPENDENCY_UNAVAILABLE),
    # a data set not downloaded or prepared (torchvision's datasets)
    (
        "RuntimeError: Dataset not found or corrupted. You can use download=True to download it",
        C.MISSING_INPUT,
    ),
    # ONNX Runtime's input checks against the model's declared inputs
    (
        "onnxruntime.capi.onnxruntime_pybind11_state.InvalidArgument: [ONNXRuntimeError] : 2 : INVALID_ARGUMENT : Invalid rank for input: x Got: 3 Expected: 2 Please fix either the inputs or the model.",
        C.SCHEMA_MISMATCH,
    ),
    # a quota on the number of resources of a kind used up (EC2, Redis)
    (
        "An error occurred (VpcLimitExceeded) when calling the CreateVpc operation: The maximum number of VPCs has been reached.",
        C.RESOURCE_EXHAUSTION,
    ),
    ("(error) ERR max number of clients reached", C.RESOURCE_EXHAUSTION),
    # NCCL's system and remote errors (sockets, interfaces, peers)
    (
        "RuntimeError: NCCL error in: ../torch/csrc/distributed/c10d/ProcessGroupNCCL.cpp:1191, unhandled system error, NCCL version 2.14.3",
        C.INFRASTRUCTURE,
    ),
    (
        "torch.distributed.DistBackendError: NCCL communicator was aborted: ncclRemoteError: remote process exited or there was a network error",
        C.INFRASTRUCTURE,
    ),
    # libtiff/GDAL reading a damaged raster
    (
        "ERROR 1: TIFFFillStrip:Read error at scanline 512; got 1000 bytes, expected 4096",
        C.DATA_QUALITY,
    ),
    ("ERROR 1: /data/dem.tif, band 1: IReadBlock failed at X offset 3, Y offset 7", C.DATA_QUALITY),
    # a malformed image reference (Docker CLI, registry NAME_INVALID)
    (
        "docker: invalid reference format: repository name must be lowercase.",
        C.CONFIG_ERROR,
    ),
    (
        'failed to push: unexpected status code 400 Bad Request: {"errors":[{"code":"NAME_INVALID","message":"invalid repository name"}]}',
        C.CONFIG_ERROR,
    ),
    # a token requested for another audience (Azure, JWT validators)
    (
        "IDX10214: Audience validation failed. Audiences: 'api://reports'. Did not match: validationParameters.ValidAudience: 'api://billing'",
        C.CONFIG_ERROR,
    ),
    # CoreDNS's loop plugin
    (
        '[FATAL] plugin/loop: Loop (127.0.0.1:41234 -> :53) detected for zone ".", see https://coredns.io/plugins/loop#troubleshooting. Query: "HINFO 123. 456."',
        C.CONFIG_ERROR,
    ),
    # a model file in a format version the installed llama.cpp runtime does not read
    (
        "error loading model: unknown (magic, version) combination: 67676d6c, 00000001; is this really a GGML file?",
        C.ENVIRONMENT,
    ),
    # SQL the job runs that sqlglot's parser rejects
    (
        "sqlglot.errors.ParseError: Required keyword: 'this' missing for <class 'sqlglot.expressions.Merge'>. Line 1, Col: 12.",
        C.CODE_ERROR,
    ),
    # programming faults as each language runtime reports them (Go, Rust, JS, .NET, Ruby, PHP, C++)
    ("panic: runtime error: slice bounds out of range [:12] with capacity 8", C.CODE_ERROR),
    (
        "panic: runtime error: invalid memory address or nil pointer dereference\n[signal SIGSEGV: segmentation violation code=0x1 addr=0x0 pc=0x4a1b2c]",
        C.CODE_ERROR,
    ),
    (
        "thread 'worker-2' panicked at 'called `Option::unwrap()` on a `None` value', src/sink.rs:88:14",
        C.CODE_ERROR,
    ),
    ("Uncaught ReferenceError: rowCount is not defined", C.CODE_ERROR),
    (
        "Unhandled exception. System.NullReferenceException: Object reference not set to an instance of an object.",
        C.CODE_ERROR,
    ),
    ("NoMethodError: undefined method `each' for nil:NilClass", C.CODE_ERROR),
    ("PHP Fatal error:  Uncaught Error: Call to a member function fetch() on null", C.CODE_ERROR),
    (
        "terminate called after throwing an instance of 'std::out_of_range'\n  what():  vector::_M_range_check",
        C.CODE_ERROR,
    ),
    # DB2's and sarama's documented "could not reach the server" errors
    (
        'SQL30081N  A communication error has been detected. Communication protocol being used: "TCP/IP".  Location where the error was detected: "10.0.0.8".  SQLSTATE=08001',
        C.DEPENDENCY_UNAVAILABLE,
    ),
    (
        "kafka: client has run out of available brokers to talk to: dial tcp 10.0.0.4:9092: i/o timeout",
        C.DEPENDENCY_UNAVAILABLE,
    ),
    # a memory quota is memory, not an API quota; a missing linker, interpreter or module is the environment
    (
        "2026-12-05T01:00:00+00:00 heroku[worker.1]: Error R14 (Memory quota exceeded)",
        C.RESOURCE_EXHAUSTION,
    ),
    (
        "error: linker `cc` not found\n  |\n  = note: No such file or directory (os error 2)",
        C.ENVIRONMENT,
    ),
    ("/usr/bin/env: 'python': No such file or directory", C.ENVIRONMENT),
    ("Error: Cannot find module 'express'\nRequire stack:\n- /app/server.js", C.ENVIRONMENT),
    # documented names of the same events in other runtimes and controllers
    (
        "Error: write EPIPE\n    at afterWriteDispatched (node:internal/stream_base_commons:160:15)",
        C.DEPENDENCY_UNAVAILABLE,
    ),
    (
        "distributed.worker - WARNING - Worker is at 81% memory usage. Pausing worker.  Process memory: 6.4 GiB -- Worker memory limit: 8.0 GiB",
        C.RESOURCE_EXHAUSTION,
    ),
    (
        "subprocess.CalledProcessError: Command '['spark-submit', 'load.py']' died with <Signals.SIGKILL: 9>.",
        C.INFRASTRUCTURE,
    ),
    (
        'Warning  Failed     12s   kubelet  Failed to pull image "registry.internal/etl:2.1": rpc error: code = NotFound desc = failed to resolve reference',
        C.INFRASTRUCTURE,
    ),
    (
        'Warning  FailedMount  3m  kubelet  MountVolume.SetUp failed for volume "data" : mount failed: exit status 32',
        C.INFRASTRUCTURE,
    ),
    (
        'Error: container has runAsNonRoot and image will run as root (pod: "etl-7f9c_jobs(1b2c)", container: etl)',
        C.CONFIG_ERROR,
    ),
    (
        "rpc error: code = ResourceExhausted desc = grpc: received message larger than max (5242880 vs. 4194304)",
        C.RESOURCE_EXHAUSTION,
    ),
    (
        "000625 (57014): Statement '01b2c3' has locked table 'EVENTS' in transaction 1712 and this lock has not yet been released.",
        C.CONCURRENCY,
    ),
    # a storage device overloaded and a client's connection cap (Aerospike), a used-up LFS data quota, the Erlang VM's system_limit, Bazel's server killed
    (
        "com.aerospike.client.AerospikeException: Error 18,1,0,30000,0,5,A1B2C3D4E5F6 10.0.3.7 3000: Device overload",
        C.RESOURCE_EXHAUSTION,
    ),
    (
        "com.aerospike.client.AerospikeException$Connection: Error -7,1,30000,0,3,A1B2C3D4E5F6 10.0.3.7 3000: Node A1B2C3D4E5F6 10.0.3.7 3000: Max connections 300 would be exceeded",
        C.RESOURCE_EXHAUSTION,
    ),
    (
        "Error downloading object: models/encoder.bin (4f2a9c1): Smudge error: Error downloading models/encoder.bin (4f2a9c1): batch response: This repository is over its data quota. Account responsible for LFS bandwidth should purchase more data packs to restore access.",
        C.RESOURCE_EXHAUSTION,
    ),
    (
        "2026-12-05 10:00:00.123 [error] <0.4120.0> Ranch acceptor failed: {'EXIT',{system_limit,[{erlang,spawn_opt,[proc_lib,init_p,[]]}]}}",
        C.RESOURCE_EXHAUSTION,
    ),
    (
        "FATAL: Server terminated abruptly (error code: 14, error message: 'Socket closed', log file: '/home/ci/.cache/bazel/_bazel_ci/8f3e/server/jvm.out')",
        C.RESOURCE_EXHAUSTION,
    ),
    # a setting behind the failure: ImageMagick's policy.xml, a Cognito client secret, kops' state store, Karpenter selectors, an ACME challenge blocked, a task subnet with no route to the registry, a missing Crossplane ProviderConfig
    (
        "convert: not authorized `invoice-2041.pdf' @ error/constitute.c/ReadImage/412.",
        C.CONFIG_ERROR,
    ),
    (
        "convert-im6.q16: attempt to perform an operation not allowed by the security policy `PS' @ error/constitute.c/IsCoderAuthorized/421.",
        C.CONFIG_ERROR,
    ),
    (
        "NotAuthorizedException: Unable to verify secret hash for client 5q1m2n3b4v5c6x7z8a9s0d1f2g",
        C.CONFIG_ERROR,
    ),
    (
        "An error occurred (NotAuthorizedException) when calling the InitiateAuth operation: Client 2h4j6k8l0p9o7i5u3y1t is configured for secret but secret was not received",
        C.CONFIG_ERROR,
    ),
    (
        'State store "file:///tmp/kops-state" is not cloud-reachable - please use an S3 bucket',
        C.CONFIG_ERROR,
    ),
    (
        '{"level":"ERROR","time":"2026-12-05T10:00:00.000Z","logger":"controller","message":"Reconciler error","error":"no subnets matched selector map[karpenter.sh/discovery:analytics-prod]"}',
        C.CONFIG_ERROR,
    ),
    (
        "Certbot failed to authenticate some domains (authenticator: webroot). The Certificate Authority reported these problems:\n  Domain: shop.example.net\n  Type: connection\n  Detail: 203.0.113.10: Fetching http://shop.example.net/.well-known/acme-challenge/Zx81kQ: Timeout during connect (likely firewall problem)",
        C.CONFIG_ERROR,
    ),
    (
        'CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref 111122223333.dkr.ecr.eu-west-1.amazonaws.com/etl:2.4: failed to do request: Head "https://111122223333.dkr.ecr.eu-west-1.amazonaws.com/v2/etl/manifests/2.4": dial tcp 10.0.8.14:443: i/o timeout',
        C.CONFIG_ERROR,
    ),
    (
        'Warning  CannotConnectToProvider  12s (x3 over 40s)  managed/bucket.s3.aws.upbound.io  connect failed: cannot get terraform setup: cannot get referenced ProviderConfig: ProviderConfig.aws.upbound.io "team-a" not found',
        C.CONFIG_ERROR,
    ),
    # kubectl without the v1alpha1 exec API, a drifted clock named as such (Chef), an OTP function gone from the installed Erlang
    (
        'E1205 10:00:00.000000    4121 memcache.go:265] couldn\'t get current server API group list: Get "https://4F2A.gr7.eu-west-1.eks.amazonaws.com/api?timeout=32s": getting credentials: exec plugin: invalid apiVersion "client.authentication.k8s.io/v1alpha1"',
        C.ENVIRONMENT,
    ),
    (
        "node-17.example.net Failed to authenticate to the chef server (http 401).\nnode-17.example.net The request failed because your clock has drifted by more than 15 minutes.",
        C.ENVIRONMENT,
    ),
    (
        "** (UndefinedFunctionError) function :http_uri.parse/1 is undefined (module :http_uri is not available)",
        C.ENVIRONMENT,
    ),
    # /dev/kvm not accessible to the user (QEMU, Firecracker)
    (
        "qemu-system-x86_64: Could not access KVM kernel module: Permission denied\nqemu-system-x86_64: failed to initialize kvm: Permission denied",
        C.PERMISSION_DENIED,
    ),
    (
        "thread 'main' panicked at 'Error creating the Kvm object: Error(13)', src/vmm/src/vstate.rs:120:9",
        C.PERMISSION_DENIED,
    ),
    # a repository lock held by another client (Borg, restic); an environment still busy with the previous deployment (Elastic Beanstalk)
    (
        "Failed to create/acquire the lock /srv/backup/borg-repo/lock.exclusive (timeout).",
        C.CONCURRENCY,
    ),
    (
        "unable to create lock in backend: repository is already locked by PID 2211 on backup-07 by root (UID 0, GID 0)",
        C.CONCURRENCY,
    ),
    (
        "ERROR: InvalidParameterValueError - Environment named shop-prod is in an invalid state for this operation. Must be Ready.",
        C.CONCURRENCY,
    ),
    # an unknown JSON property (Jackson), binlog rows wider than the table schema (Canal)
    (
        'com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException: Unrecognized field "discountCode" (class com.acme.orders.OrderDto), not marked as ignorable (5 known properties: "id", "items", "total", "currency", "customer"])',
        C.SCHEMA_MISMATCH,
    ),
    (
        "com.alibaba.otter.canal.parse.exception.CanalParseException: column size is not match for table:shop.orders,12 vs 11",
        C.SCHEMA_MISMATCH,
    ),
    # a value that cannot be cast (CrateDB), a damaged PDF (Ghostscript, pypdf)
    ("SQLParseException[Cannot cast value `twelve` to type `integer`]", C.DATA_QUALITY),
    (
        "   **** Error:  An error occurred while reading an XREF table.\n   **** Ghostscript will attempt to recover the data.",
        C.DATA_QUALITY,
    ),
    ("pypdf.errors.PdfReadError: EOF marker not found", C.DATA_QUALITY),
    # an empty CMake subdirectory (submodules not checked out), a COPY source missing from the build context (BuildKit)
    (
        "CMake Error at CMakeLists.txt:88 (add_subdirectory):\n  The source directory\n\n    /src/engine/third_party/glfw\n\n  does not contain a CMakeLists.txt file.",
        C.MISSING_INPUT,
    ),
    (
        'ERROR: failed to solve: failed to compute cache key: failed to calculate checksum of ref q8w7e6r5::u2i1o0p9: "/dist/config.json": not found',
        C.MISSING_INPUT,
    ),
    # a CI job stopped at its time limit (GitHub Actions, GitLab)
    (
        "##[error]The job running on runner GitHub Actions 12 has exceeded the maximum execution time of 360 minutes.",
        C.TIMEOUT,
    ),
    ("ERROR: Job failed: execution took longer than 1h0m0s seconds", C.TIMEOUT),
    # a CDN server error (CocoaPods), no Kafka broker reachable (librdkafka), no cluster node discovered (EventStoreDB), a Bazel download failing
    (
        "[!] CDN: trunk URL couldn't be downloaded: https://cdn.cocoapods.org/all_pods_versions_a_7_5.txt Response: 502",
        C.DEPENDENCY_UNAVAILABLE,
    ),
    (
        'cimpl.KafkaException: KafkaError{code=_TRANSPORT,val=-195,str="Failed to get metadata: Local: Broker transport failure"}',
        C.DEPENDENCY_UNAVAILABLE,
    ),
    (
        "EventStore.Client.DiscoveryException: Failed to discover candidate in 5 attempts.",
        C.DEPENDENCY_UNAVAILABLE,
    ),
    (
        "java.io.IOException: Error downloading [https://mirror.example.org/deps/zlib-1.3.tar.gz] to /home/ci/.cache/bazel/_bazel_ci/external/zlib/temp42/zlib-1.3.tar.gz: GET returned 410 Gone",
        C.DEPENDENCY_UNAVAILABLE,
    ),
    # a write that reached a read-only replica after a failover (MySQL/Aurora, Redis/ElastiCache), no cloud capacity to place a server (Hetzner)
    (
        "ERROR 1290 (HY000) at line 12: The MySQL server is running with the --read-only option so it cannot execute this statement",
        C.INFRASTRUCTURE,
    ),
    (
        "StackExchange.Redis.RedisServerException: READONLY You can't write against a read-only replica.",
        C.INFRASTRUCTURE,
    ),
    ("Error: error during placement (resource_unavailable, 7f3c2a91b04e5d66)", C.INFRASTRUCTURE),
    # jq's runtime type errors: the filter does not fit the input's shape
    ('jq: error (at <stdin>:14): Cannot index array with "name"', C.CODE_ERROR),
    ("jq: error (at orders.json:0): Cannot iterate over null (null)", C.CODE_ERROR),
    # batch 10 and 12: Dagster's explanation of a step process ended by a signal
    (
        "Multiprocess executor: child process for step load_orders was terminated by signal 9 (SIGKILL). This usually indicates that the process was killed by the operating system due to running out of memory.",
        C.INFRASTRUCTURE,
    ),
    # batch 10 and 12: a client too old for its service, an agent with no auth token configured
    (
        "Error response from daemon: client version 1.22 is too old. Minimum supported API version is 1.24, please upgrade your client to a newer version",
        C.ENVIRONMENT,
    ),
    (
        "Tunnel session failed: This looks like an ngrok 2.0 authtoken, but you're using ngrok v1.",
        C.ENVIRONMENT,
    ),
    (
        "ERROR:  authentication failed: Usage of ngrok requires a verified account and authtoken.\nERROR:  ERR_NGROK_4018",
        C.CONFIG_ERROR,
    ),
    # batch 10 and 12: "failed to allocate" is memory only when it says bytes or memory
    (
        "io.netty.util.internal.OutOfDirectMemoryError: failed to allocate 16777216 byte(s) of direct memory (used: 503316480, max: 510656512)",
        C.RESOURCE_EXHAUSTION,
    ),
    # batch 10 and 12: libpq had no password to send (none configured), not a rejected one
    (
        'psql: error: connection to server at "pg.example.internal" (10.1.2.3), port 5432 failed: fe_sendauth: no password supplied',
        C.CONFIG_ERROR,
    ),
    # batch 10 and 12: a failed RAID member or ZFS device, a VPN handshake that never completes
    (
        "This is an automatically generated mail message from mdadm\nrunning on db7.example.org\n\nA Fail event had been detected on md device /dev/md0.\n\nIt could be related to component device /dev/sdc1.",
        C.INFRASTRUCTURE,
    ),
    (
        "  pool: tank\n state: SUSPENDED\nstatus: One or more devices are faulted in response to IO failures.\n   see: http://zfsonlinux.org/msg/ZFS-8000-HC\nerrors: List of errors unavailable: pool I/O is currently suspended",
        C.INFRASTRUCTURE,
    ),
    (
        "2026-12-06 09:12:44 TLS Error: TLS key negotiation failed to occur within 60 seconds (check your network connectivity)\n2026-12-06 09:12:44 TLS Error: TLS handshake failed",
        C.INFRASTRUCTURE,
    ),
    (
        "[  812.331] wireguard: wg0: Handshake for peer 3 (198.51.100.7:51820) did not complete after 5 seconds, retrying (try 2)",
        C.INFRASTRUCTURE,
    ),
    # batch 10 and 12: PHP's memory_limit, SBCL's dynamic space, a redo log that wrapped during a backup
    (
        "PHP Fatal error:  Allowed memory size of 536870912 bytes exhausted (tried to allocate 4096 bytes) in /srv/app/vendor/acme/lib/Parser.php on line 212",
        C.RESOURCE_EXHAUSTION,
    ),
    (
        "Heap exhausted during allocation: 1048576 bytes available, 2097168 requested.\nfatal error encountered in SBCL pid 4242: Heap exhausted, game over.",
        C.RESOURCE_EXHAUSTION,
    ),
    (
        "xtrabackup: error: it looks like InnoDB log has wrapped around before xtrabackup could process all records due to either log copying being too slow, or  log files being too small.",
        C.RESOURCE_EXHAUSTION,
    ),
    # batch 10 and 12: what the host or image lacks (a kernel module, a server extension, browsers, a driver for this browser, a host limit, a runtime module)
    (
        "modprobe: FATAL: Module nbd not found in directory /lib/modules/6.1.0-18-cloud-amd64",
        C.ENVIRONMENT,
    ),
    (
        "iscsiadm: Could not insert module tcp. Kmod error -2\niscsiadm: iSCSI driver tcp is not loaded. Load the module then retry the command.",
        C.ENVIRONMENT,
    ),
    (
        'ERROR:  could not open extension control file "/usr/share/postgresql/15/extension/postgis.control": No such file or directory',
        C.ENVIRONMENT,
    ),
    (
        "Error: browserType.launch: Executable doesn't exist at /home/ci/.cache/ms-playwright/firefox-1440/firefox/firefox",
        C.ENVIRONMENT,
    ),
    (
        "Error: Could not find Chrome (ver. 121.0.6167.85). This can occur if either\n 1. you did not perform an installation before running the script (e.g. `npx puppeteer browsers install chrome`) or",
        C.ENVIRONMENT,
    ),
    (
        "selenium.common.exceptions.SessionNotCreatedException: Message: session not created: This version of ChromeDriver only supports Chrome version 118",
        C.ENVIRONMENT,
    ),
    (
        '[2026/12/06 08:00:01.117 +00:00] [FATAL] [server.rs:311] ["the maximum number of open file descriptors is too small, got 4096, expect greater or equal to 82920"]',
        C.ENVIRONMENT,
    ),
    (
        "ERROR: [1] bootstrap checks failed\n[1]: max virtual memory areas vm.max_map_count [65530] is too low, increase to at least [262144]",
        C.ENVIRONMENT,
    ),
    (
        "ERROR 2026-12-06 08:00:02,311 [shard 0] seastar - Could not setup Async I/O: Resource temporarily unavailable. The most common cause is not enough request capacity in /proc/sys/fs/aio-max-nr.",
        C.ENVIRONMENT,
    ),
    (
        "Can't locate Text/CSV_XS.pm in @INC (you may need to install the Text::CSV_XS module) (@INC contains: /etc/perl /usr/share/perl5) at /opt/etl/load.pl line 9.",
        C.ENVIRONMENT,
    ),
    (
        "ERROR: The Python ssl extension was not compiled. Missing the OpenSSL lib?\nBUILD FAILED (Debian 12 using python-build 2.3.35)",
        C.ENVIRONMENT,
    ),
    # batch 10 and 12: a committed lockfile out of step with the manifest in a frozen install
    (
        ' ERR_PNPM_OUTDATED_LOCKFILE  Cannot install with "frozen-lockfile" because pnpm-lock.yaml is not up to date with packages/api/package.json',
        C.CONFIG_ERROR,
    ),
    (
        "npm ERR! `npm ci` can only install packages when your package.json and package-lock.json or npm-shrinkwrap.json are in sync. Please update your lock file with `npm install` before continuing.",
        C.CONFIG_ERROR,
    ),
    (
        "error Your lockfile needs to be updated, but yarn was run with `--frozen-lockfile`.",
        C.CONFIG_ERROR,
    ),
    (
        "pyproject.toml changed significantly since poetry.lock was last generated. Run `poetry lock [--no-update]` to fix the lock file.",
        C.CONFIG_ERROR,
    ),
    # batch 10 and 12: no NATS server to connect to; an ADO.NET reader used after close
    ("[ERROR] connect: nats: no servers available for connection", C.DEPENDENCY_UNAVAILABLE),
    (
        "System.InvalidOperationException: Invalid attempt to call FieldCount when reader is closed.",
        C.CODE_ERROR,
    ),
    # batch 10 and 12: names that do not resolve (and an empty one), feeds, databases, replicas and masters that cannot be reached, a server error received
    (
        'level=error msg="sync failed" err="Get \\"https://registry.internal:5000/v2/\\": dial tcp: lookup registry.internal on 10.96.0.10:53: no such host"',
        C.DEPENDENCY_UNAVAILABLE,
    ),
    (
        'level=warn msg="peer join failed: lookup : no such host" component=gossip',
        C.CONFIG_ERROR,
    ),
    (
        "error NU1301: Unable to load the service index for source https://pkgs.example.com/nuget/v3/index.json.",
        C.DEPENDENCY_UNAVAILABLE,
    ),
    ("Error: P1001: Can't reach database server at `postgres`:`5432`", C.DEPENDENCY_UNAVAILABLE),
    (
        'ReqlOpFailedError: Cannot perform read: primary replica for shard ["", +inf) not available',
        C.DEPENDENCY_UNAVAILABLE,
    ),
    (
        "cassandra.Unavailable: Error from server: code=1000 [Unavailable exception] message=\"Cannot achieve consistency level QUORUM\" info={'consistency': 'QUORUM', 'required_replicas': 2, 'alive_replicas': 1}",
        C.DEPENDENCY_UNAVAILABLE,
    ),
    (
        "[ERROR   ] Error while bringing up minion for multi-master. Is master at salt.example.lan responding? The error message was Unable to sign_in to master: Attempt to authenticate with the salt master failed with timeout error",
        C.DEPENDENCY_UNAVAILABLE,
    ),
    ("2026-12-06 03:10:44,120 - WARNING: received 502 HTTP response", C.DEPENDENCY_UNAVAILABLE),
    # batch 10 and 12: a per-second call limit, a daily API quota, a per-tenant write limit
    (
        '{"errors":"Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service."}',
        C.RATE_LIMITED,
    ),
    (
        'googleapiclient.errors.HttpError: <HttpError 403 when requesting https://www.googleapis.com/youtube/v3/search?part=snippet returned "The request cannot be completed because you have exceeded your <a href="/youtube/v3/getting-started#quota">quota</a>.">',
        C.RATE_LIMITED,
    ),
    (
        'level=error ts=2026-12-06T02:00:00Z caller=distributor.go:310 msg="pusher failed to consume trace data" err="rpc error: code = FailedPrecondition desc = LIVE_TRACES_EXCEEDED: max live traces per tenant exceeded: per-user traces limit (local: 5000 global: 0 actual local: 5000) exceeded"',
        C.RATE_LIMITED,
    ),
    # batch 10 and 12: manifests that do not compile, a Puppet template missing from its module
    (
        "Error: Could not retrieve catalog from remote server: Error 500 on SERVER: Server Error: Evaluation Error: Error while evaluating a Resource Statement, Package[nginx]: has no parameter named 'enable' (file: /etc/puppetlabs/code/environments/production/manifests/site.pp, line: 12, column: 3) on node web1.example.net",
        C.CODE_ERROR,
    ),
    (
        "Error: Could not retrieve catalog from remote server: Error 500 on SERVER: Server Error: Duplicate declaration: File[/etc/motd] is already declared at (file: /etc/puppetlabs/code/modules/base/manifests/init.pp, line: 4); cannot redeclare",
        C.CODE_ERROR,
    ),
    (
        "Error: Could not retrieve catalog from remote server: Error 500 on SERVER: Server Error: Evaluation Error: Error while evaluating a Function Call, Could not find template 'ntp/ntp.conf.rhel9.erb' (file: /etc/puppetlabs/code/modules/ntp/manifests/config.pp, line: 7, column: 16) on node db2.example.net",
        C.MISSING_INPUT,
    ),
    # batch 10 and 12: blocking code on an event-loop thread (Vert.x, Quarkus)
    (
        "WARN  [io.vertx.core.impl.BlockedThreadChecker] Thread Thread[vert.x-eventloop-thread-3,5,main] has been blocked for 4312 ms, time limit is 2000 ms\nio.vertx.core.VertxException: Thread blocked",
        C.CODE_ERROR,
    ),
    (
        "java.lang.IllegalStateException: You have attempted to perform a blocking operation on a IO thread. This is not allowed, as blocking the IO thread will cause major performance issues with your application.",
        C.CODE_ERROR,
    ),
    # batch 10 and 12: a control character in an XML input
    ("lxml.etree.XMLSyntaxError: PCDATA invalid Char value 27, line 4, column 88", C.DATA_QUALITY),
    # batch 10 and 12: inputs that cannot be read (an encrypted document, a truncated archive)
    (
        "Caused by: org.apache.pdfbox.pdmodel.encryption.InvalidPasswordException: Cannot decrypt PDF, the password is incorrect",
        C.DATA_QUALITY,
    ),
    ("pypdf.errors.FileNotDecryptedError: File has not been decrypted", C.DATA_QUALITY),
    (
        "Archive:  exports-2026-12.zip\n  End-of-central-directory signature not found.  Either this file is not\n  a zipfile, or it constitutes one disk of a multi-part archive.",
        C.DATA_QUALITY,
    ),
    (
        "gzip: stdin: unexpected end of file\ntar: Unexpected EOF in archive\ntar: Error is not recoverable: exiting now",
        C.DATA_QUALITY,
    ),
    # batch 10 and 12: values or documents that do not fit the declared schema; an undefined column inside a JSON body
    (
        "There was a problem with the database: Couldn't coerce value for field `roles` of `account:ada`: Expected `set<string>` but found `['admin', 'admin']`",
        C.SCHEMA_MISMATCH,
    ),
    (
        '2026-12-06T05:00:00.000Z  WARN quickwit_indexing::actors::doc_processor: doc mapper parse error: the document must contain field "event_time" index_id="app-logs"',
        C.SCHEMA_MISMATCH,
    ),
    (
        '{"code": "DB_ERROR", "message": "error returned from database: column \\"tenant_id\\" of relation \\"invoices\\" does not exist"}',
        C.SCHEMA_MISMATCH,
    ),
    # batch 10 and 12: an SMTP server rejecting the login (reply 535)
    (
        "mailer: send failed: 535 5.7.3 Authentication unsuccessful [DB8PR04CA0011.eurprd04.prod.example.com]",
        C.AUTH_FAILURE,
    ),
    (
        "SMTP Error: 535-5.7.8 Username and Password not accepted. For more information, go to",
        C.AUTH_FAILURE,
    ),
    # batch 10 and 12: files refused for their owner or mode (logrotate, Nagios, OpenSSH), a gem directory the user cannot write
    (
        'Dec  6 00:00:01 host7 logrotate[811]: error: skipping "/var/log/app/worker.log" because parent directory has insecure permissions (It\'s world writable or writable by group which is not "root") Set "su" directive in config file to tell logrotate which user/group should be used for rotation.',
        C.PERMISSION_DENIED,
    ),
    (
        "Error: Could not open command file '/usr/local/nagios/var/rw/nagios.cmd' for update!\nThe permissions on the external command file and/or directory may be incorrect.",
        C.PERMISSION_DENIED,
    ),
    (
        "Permissions 0644 for '/home/deploy/.ssh/id_ed25519' are too open.\nIt is required that your private key files are NOT accessible by others.",
        C.PERMISSION_DENIED,
    ),
    (
        "ERROR:  While executing gem ... (Gem::FilePermissionError)\n    You don't have write permissions for the /usr/lib/ruby/gems/3.1.0 directory.",
        C.PERMISSION_DENIED,
    ),
    # batch 10 and 12: a build step past its time limit, a volume attachment that timed out
    (
        "Error: Static page generation for /blog/archive is still timing out after 3 attempts. See more info here https://nextjs.org/docs/messages/static-page-generation-timeout",
        C.TIMEOUT,
    ),
    (
        'Warning  FailedAttachVolume  2m  attachdetach-controller  AttachVolume.Attach failed for volume "pvc-0a1b2c3d" : attachdetachment timeout for volume pvc-0a1b2c3d',
        C.TIMEOUT,
    ),
    # batch 10 and 12: a make prerequisite that does not exist, a component a toolchain release does not ship
    (
        "make[1]: *** No rule to make target 'vendor/libfoo/src/foo.c', needed by 'build/foo.o'.  Stop.",
        C.MISSING_INPUT,
    ),
    (
        "error: component 'clippy' for target 'aarch64-unknown-linux-gnu' is unavailable for download for channel 'nightly-2026-11-30'",
        C.MISSING_INPUT,
    ),
    # batch 10 and 12: a client blocked for lacking an identifying User-Agent; SeaweedFS with no free volume slot
    (
        "403 Client Error: Forbidden for url: https://api.example.org/search\nRequest forbidden by administrative rules. Please make sure your request has a User-Agent header",
        C.CONFIG_ERROR,
    ),
    (
        '{"error":"rpc error: code = Unknown desc = no free volumes left for {\\"replication\\":{\\"node\\":1}}"}',
        C.CONFIG_ERROR,
    ),
    # batch 10 and 12: a Proxmox VM configuration lock held by another task
    (
        "TASK ERROR: can't lock file '/var/lock/qemu-server/lock-211.conf' - got timeout",
        C.CONCURRENCY,
    ),
    # batch 10 and 12: an export record that does not parse; a Tailscale auth key rejected
    (
        "2026-12-06 01:00:00,000 ERROR [main] mapreduce.TextExportMapper: Exception:\njava.lang.RuntimeException: Can't parse input data: 'N/A'",
        C.DATA_QUALITY,
    ),
    (
        "2026/12/06 01:00:00 control: TryLogin: register request: http 400: invalid key: invalid API token",
        C.AUTH_FAILURE,
    ),
    # batch 10 and 12: tools rejecting their own settings (Terragrunt, SonarQube scanner, pnpm, Vercel); an LVM volume group too small
    (
        "Error parsing Terragrunt config file terragrunt.hcl: remote_state bucket cannot be empty",
        C.CONFIG_ERROR,
    ),
    (
        "ERROR: The preview mode, along with the 'sonar.analysis.mode' parameter, is no more supported. You should stop using this parameter.",
        C.CONFIG_ERROR,
    ),
    (
        'Error: No Output Directory named "public" found after the Build completed. You can configure the Output Directory in your Project Settings.',
        C.CONFIG_ERROR,
    ),
    (
        '  Volume group "vg_data" has insufficient free space (1279 extents): 2560 required.',
        C.RESOURCE_EXHAUSTION,
    ),
    # documented codes: runtimes and services
    (
        "RuntimeError: CUDA error: device-side assert triggered\nCUDA kernel errors might be asynchronously reported at some other API call, so the stacktrace below might be incorrect.",
        C.CODE_ERROR,
    ),
    ("RuntimeError: CUDA error: an illegal memory access was encountered", C.CODE_ERROR),
    (
        "RuntimeError: Expected all tensors to be on the same device, but found at least two devices, cuda:0 and cpu!",
        C.CODE_ERROR,
    ),
    (
        "torch.distributed.DistBackendError: NCCL error in: ../torch/csrc/distributed/c10d/ProcessGroupNCCL.cpp:1275, invalid usage, NCCL version 2.18.1\nncclInvalidUsage: This usually reflects invalid usage of NCCL library.",
        C.CODE_ERROR,
    ),
    (
        'Exception in thread "main" java.lang.StackOverflowError\n\tat com.acme.Tree.walk(Tree.java:42)\n\tat com.acme.Tree.walk(Tree.java:42)',
        C.CODE_ERROR,
    ),
    ("AttributeError: Can't pickle local object 'main.<locals>.work'", C.CODE_ERROR),
    ("RuntimeError: dictionary changed size during iteration", C.CODE_ERROR),
    (
        'Error: Reference to undeclared resource\n\n  on main.tf line 3, in output "ip":\n   3:   value = aws_instance.web.public_ip\n\nA managed resource "aws_instance" "web" has not been declared in the root module.',
        C.CODE_ERROR,
    ),
    (
        "An error occurred (ValidationError) when calling the CreateStack operation: Template format error: Unresolved resource dependencies [RawBucket] in the Resources block of the template",
        C.CODE_ERROR,
    ),
    (
        "Error: Error acquiring the state lock\n\nError message: resource temporarily unavailable\nLock Info:\n  ID:        4f2c9a1e-0b7d-4c55-9e0a-1d2b3c4d5e6f\n  Path:      terraform.tfstate\n  Operation: OperationTypeApply",
        C.CONCURRENCY,
    ),
    (
        "An error occurred (ValidationError) when calling the UpdateStack operation: Stack:arn:aws:cloudformation:eu-west-1:123456789012:stack/etl-core/4d5e is in UPDATE_IN_PROGRESS state and can not be updated.",
        C.CONCURRENCY,
    ),
    ("Error: INSTALLATION FAILED: cannot re-use a name that is still in use", C.CONCURRENCY),
    (
        '2026/12/01 10:00:01 [error] 3121#3121: *77 upstream sent too big header while reading response header from upstream, client: 10.0.0.1, server: api.internal, request: "GET /login HTTP/1.1", upstream: "http://10.0.0.9:8000/login"',
        C.CONFIG_ERROR,
    ),
    (
        '2026/12/01 10:00:01 [emerg] 1#1: host not found in upstream "app:8000" in /etc/nginx/conf.d/default.conf:12',
        C.CONFIG_ERROR,
    ),
    (
        "2026/12/01 10:00:01 [emerg] 1#1: could not build server_names_hash, you should increase server_names_hash_bucket_size: 64",
        C.CONFIG_ERROR,
    ),
    (
        '[2026-12-01T10:00:01.123Z] "GET /v2/orders HTTP/1.1" 404 NR 0 0 0 - "10.0.0.1" "python-requests/2.32" "7c1e" "orders.internal" "-"',
        C.CONFIG_ERROR,
    ),
    (
        "AH00526: Syntax error on line 12 of /etc/apache2/sites-enabled/app.conf:\nInvalid command 'RewriteEngine', perhaps misspelled or defined by a module not included in the server configuration",
        C.CONFIG_ERROR,
    ),
    ("RuntimeError: CUDA error: invalid device ordinal", C.CONFIG_ERROR),
    (
        'Planning failed. Terraform encountered an error while generating this plan.\nError: No valid credential sources found\n  with provider["registry.terraform.io/hashicorp/aws"],',
        C.CONFIG_ERROR,
    ),
    (
        'Error: No value for required variable\n\n  on variables.tf line 1:\n   1: variable "db_password" {',
        C.CONFIG_ERROR,
    ),
    (
        "An error occurred (InsufficientCapabilitiesException) when calling the CreateStack operation: Requires capabilities : [CAPABILITY_NAMED_IAM]",
        C.CONFIG_ERROR,
    ),
    ("Error: Input required and not supplied: token", C.CONFIG_ERROR),
    (
        "ERROR: Couldn't find any revision to build. Verify the repository and branch configuration for this job.",
        C.CONFIG_ERROR,
    ),
    (
        'org.apache.kafka.connect.errors.DataException: JsonConverter with schemas.enable requires "schema" and "payload" fields and may not contain additional fields. If you are trying to deserialize plain JSON data, set schemas.enable=false in your converter configuration.',
        C.CONFIG_ERROR,
    ),
    (
        'time="2026-12-01T10:00:01Z" level=error msg="middleware \\"auth@file\\" does not exist" entryPointName=web routerName=api@docker',
        C.CONFIG_ERROR,
    ),
    (
        "2026/12/01 10:00:01 [error] 3121#3121: *77 upstream prematurely closed connection while reading response header from upstream, client: 10.0.0.1, server: api.internal",
        C.DEPENDENCY_UNAVAILABLE,
    ),
    (
        'Dec  1 10:00:01 lb haproxy[123]: 10.0.0.1:4242 [01/Dec/2026:10:00:01.123] fe_http be_app/app1 0/0/-1/-1/3002 503 212 - - SC-- 3/3/1/1/3 0/0 "GET /report HTTP/1.1"',
        C.DEPENDENCY_UNAVAILABLE,
    ),
    (
        "Dec  1 10:00:01 lb haproxy[123]: backend be_app has no server available!",
        C.DEPENDENCY_UNAVAILABLE,
    ),
    (
        '[2026-12-01T10:00:01.123Z] "POST /v1/ingest HTTP/1.1" 503 UF,URX 0 91 3 - "10.0.0.1" "python-requests/2.32" "abc" "ingest.internal" "10.0.0.9:8080"',
        C.DEPENDENCY_UNAVAILABLE,
    ),
    (
        "[Mon Dec 01 10:00:01.123456 2026] [proxy:error] [pid 4242:tid 1401] (111)Connection refused: AH00957: HTTP: attempt to connect to 127.0.0.1:8080 (localhost) failed",
        C.DEPENDENCY_UNAVAILABLE,
    ),
    (
        "RuntimeError: CUDA error: no kernel image is available for execution on the device\nCUDA kernel errors might be asynchronously reported at some other API call.",
        C.ENVIRONMENT,
    ),
    ("AssertionError: Torch not compiled with CUDA enabled", C.ENVIRONMENT),
    ("RuntimeError: cuDNN error: CUDNN_STATUS_VERSION_MISMATCH", C.ENVIRONMENT),
    (
        "Error: state snapshot was created by Terraform v1.6.2, which is newer than current v1.5.7; upgrade to Terraform v1.6.2 or greater to work with this state",
        C.ENVIRONMENT,
    ),
    ('Error: Backend initialization required, please run "terraform init"', C.ENVIRONMENT),
    (
        "org.apache.flink.table.api.ValidationException: Could not find any factory for identifier 'kafka' that implements 'org.apache.flink.table.factories.DynamicTableFactory' in the classpath.",
        C.ENVIRONMENT,
    ),
    (
        "org.apache.kafka.connect.errors.ConnectException: Failed to find any class that implements Connector and which name matches io.debezium.connector.postgresql.PostgresConnector, available connectors are: FileStreamSinkConnector",
        C.ENVIRONMENT,
    ),
    (
        "Error: INSTALLATION FAILED: chart requires kubeVersion: >=1.25.0-0 which is incompatible with Kubernetes v1.23.17",
        C.ENVIRONMENT,
    ),
    (
        "requests.exceptions.SSLError: HTTPSConnectionPool(host='legacy.example.com', port=443): Max retries exceeded with url: /export (Caused by SSLError(SSLError(1, '[SSL: UNSAFE_LEGACY_RENEGOTIATION_DISABLED] unsafe legacy renegotiation disabled (_ssl.c:1006)')))",
        C.ENVIRONMENT,
    ),
    (
        "java.util.concurrent.TimeoutException: Heartbeat of TaskManager with id 10.0.0.5:40123-abc timed out.",
        C.INFRASTRUCTURE,
    ),
    ("Diagnostics: Container preempted by scheduler", C.INFRASTRUCTURE),
    (
        'hudson.remoting.ChannelClosedException: Channel "hudson.remoting.Channel@6b2c:agent-7": Remote call on agent-7 failed. The channel is closing down or has closed down',
        C.INFRASTRUCTURE,
    ),
    (
        "This request was automatically failed because there were no enabled runners online to process the request for more than 1 days.",
        C.INFRASTRUCTURE,
    ),
    ("RuntimeError: CUDA error: uncorrectable ECC error encountered", C.INFRASTRUCTURE),
    (
        "RuntimeError: CUDA error: all CUDA-capable devices are busy or unavailable",
        C.INFRASTRUCTURE,
    ),
    ("Error: Resource not accessible by integration", C.PERMISSION_DENIED),
    (
        "org.jenkinsci.plugins.scriptsecurity.sandbox.RejectedAccessException: Scripts not permitted to use method java.lang.String execute",
        C.PERMISSION_DENIED,
    ),
    (
        "[Mon Dec 01 10:00:01.123456 2026] [authz_core:error] [pid 4242:tid 1401] [client 10.0.0.1:52312] AH01630: client denied by server configuration: /var/www/html/admin",
        C.PERMISSION_DENIED,
    ),
    (
        '[2026-12-01T10:00:01.123Z] "GET /admin HTTP/1.1" 403 UAEX 0 0 2 - "10.0.0.1" "curl/8.0" "abc" "admin.internal" "-"',
        C.PERMISSION_DENIED,
    ),
    (
        '2026/12/01 10:00:01 [error] 3121#3121: *77 limiting requests, excess: 20.500 by zone "api", client: 10.0.0.1, server: api.internal',
        C.RATE_LIMITED,
    ),
    (
        '[2026-12-01T10:00:01.123Z] "GET /api HTTP/1.1" 429 RL 0 18 0 - "10.0.0.1" "curl/8.0" "abc" "api" "-"',
        C.RATE_LIMITED,
    ),
    (
        "Container [pid=4242,containerID=container_1701424242_0007_01_000003] is running beyond physical memory limits. Current usage: 4.1 GB of 4 GB physical memory used; 6.2 GB of 8.4 GB virtual memory used. Killing container.",
        C.RESOURCE_EXHAUSTION,
    ),
    (
        "WARN TaskSchedulerImpl: Initial job has not accepted any resources; check your cluster UI to ensure that workers are registered and have sufficient resources",
        C.RESOURCE_EXHAUSTION,
    ),
    (
        'Dec  1 10:00:01 lb haproxy[123]: 10.0.0.1:4242 [01/Dec/2026:10:00:01.123] fe_http be_app/<NOSRV> 0/30001/-1/-1/30001 503 212 - - sQ-- 90/90/88/0/0 0/57 "GET /report HTTP/1.1"',
        C.RESOURCE_EXHAUSTION,
    ),
    (
        '[2026-12-01T10:00:01.123Z] "GET /api HTTP/1.1" 503 UO 0 81 0 - "10.0.0.1" "curl/8.0" "abc" "api" "-"',
        C.RESOURCE_EXHAUSTION,
    ),
    (
        "2026/12/01 10:00:01 [alert] 3121#3121: 1024 worker_connections are not enough",
        C.RESOURCE_EXHAUSTION,
    ),
    (
        "[Mon Dec 01 10:00:01.123456 2026] [mpm_event:error] [pid 4242:tid 1401] AH00484: server reached MaxRequestWorkers setting, consider raising the MaxRequestWorkers setting",
        C.RESOURCE_EXHAUSTION,
    ),
    ("RuntimeError: cuDNN error: CUDNN_STATUS_ALLOC_FAILED", C.RESOURCE_EXHAUSTION),
    ("RuntimeError: cuDNN error: CUDNN_STATUS_NOT_INITIALIZED", C.RESOURCE_EXHAUSTION),
    (
        "W tensorflow/core/common_runtime/bfc_allocator.cc:479] Allocator (GPU_0_bfc) ran out of memory trying to allocate 2.25GiB (rounded to 2415919104)requested by op MatMul",
        C.RESOURCE_EXHAUSTION,
    ),
    (
        "RuntimeError: DataLoader worker (pid 4242) is killed by signal: Killed.",
        C.RESOURCE_EXHAUSTION,
    ),
    (
        "Shutting down JVM after 8 consecutive periods of measured GC thrashing. Memory is used/total/max = 3300/3500/3500 MB, GC last/max = 97.0/97.0 %, #pushbacks=0, gc thrashing=true.",
        C.RESOURCE_EXHAUSTION,
    ),
    (
        "java.io.IOException: Insufficient number of network buffers: required 65, but only 12 available. The total number of network buffers is currently set to 2048 of 32768 bytes each.",
        C.RESOURCE_EXHAUSTION,
    ),
    (
        "[2026-12-01, 10:00:01 UTC] {taskinstance.py:1157} INFO - Dependencies not met for <TaskInstance: etl.load scheduled__2026-12-01T00:00:00+00:00 [queued]>, dependency 'Pool Slots Available' FAILED: Not scheduling since there are 0 open slots in pool default_pool",
        C.RESOURCE_EXHAUSTION,
    ),
    (
        "Error: Failed to CreateArtifact: Artifact storage quota has been hit. Unable to upload any new artifacts. Usage is recalculated every 6-12 hours.",
        C.RESOURCE_EXHAUSTION,
    ),
    (
        'Dec  1 10:00:01 lb haproxy[123]: 10.0.0.1:4242 [01/Dec/2026:10:00:01.123] fe_http be_app/app1 0/0/1/-1/30001 504 194 - - sH-- 3/3/1/1/0 0/0 "GET /report HTTP/1.1"',
        C.TIMEOUT,
    ),
    (
        "Dec  1 10:00:01 lb haproxy[123]: 10.0.0.1:4242 [01/Dec/2026:10:00:01.123] fe_tcp be_db/db1 1/0/50001 1024 cD 12/12/10/10/0 0/0",
        C.TIMEOUT,
    ),
    (
        '[2026-12-01T10:00:01.123Z] "GET /api HTTP/1.1" 504 UT 0 24 15001 - "10.0.0.1" "curl/8.0" "abc" "api" "10.0.0.9:8080"',
        C.TIMEOUT,
    ),
    (
        "org.apache.spark.SparkException: Could not execute broadcast in 300 secs. You can increase the timeout for broadcasts via spark.sql.broadcastTimeout or disable broadcast join by setting spark.sql.autoBroadcastJoinThreshold to -1",
        C.TIMEOUT,
    ),
    (
        "org.apache.flink.runtime.checkpoint.CheckpointException: Checkpoint expired before completing.",
        C.TIMEOUT,
    ),
    (
        "[rank3]:[E1201 10:00:01.000 ProcessGroupNCCL.cpp:629] [Rank 3] Watchdog caught collective operation timeout: WorkNCCL(SeqNum=812, OpType=ALLREDUCE, NumelIn=1024, NumelOut=1024, Timeout(ms)=600000) ran for 600041 milliseconds before timing out.",
        C.TIMEOUT,
    ),
    (
        "[Mon Dec 01 10:00:01.123456 2026] [proxy_http:error] [pid 4242:tid 1401] (70007)The timeout specified has expired: [client 10.0.0.1:52312] AH01102: error reading status line from remote server 127.0.0.1:8080",
        C.TIMEOUT,
    ),
    (
        "WARNING: Operation ongoing in step s3 for at least 05m00s without outputting or completing in state process in thread DataflowWorkUnits-11 with id 1891593",
        C.TIMEOUT,
    ),
    (
        "jaxlib.xla_extension.XlaRuntimeError: RESOURCE_EXHAUSTED: Out of memory while trying to allocate 4294967296 bytes.",
        C.RESOURCE_EXHAUSTION,
    ),
    (
        "org.apache.spark.sql.execution.OutOfMemorySparkException: Not enough memory to build and broadcast the table to all worker nodes. As a workaround, you can either disable broadcast by setting spark.sql.autoBroadcastJoinThreshold to -1 or increase the spark driver memory by setting spark.driver.memory to a higher value.",
        C.RESOURCE_EXHAUSTION,
    ),
    (
        "(raylet) Warning: The following resource request cannot be scheduled right now: {'GPU': 1.0}. This is likely due to all cluster resources being claimed by actors. Consider creating fewer actors or adding more nodes to this Ray cluster.",
        C.RESOURCE_EXHAUSTION,
    ),
    (
        "[01-Dec-2026 10:00:01] WARNING: [pool www] server reached pm.max_children setting (5), consider raising it",
        C.RESOURCE_EXHAUSTION,
    ),
    (
        "ActiveRecord::ConnectionTimeoutError: could not obtain a connection from the pool within 5.000 seconds (waited 5.001 seconds); all pooled connections were in use",
        C.RESOURCE_EXHAUSTION,
    ),
    (
        "Application application_1701424242_0007 failed 2 times due to AM Container for appattempt_1701424242_0007_000002 exited with  exitCode: -104",
        C.RESOURCE_EXHAUSTION,
    ),
    (
        'Error: INSTALLATION FAILED: template: etl/templates/deployment.yaml:12:24: executing "etl/templates/deployment.yaml" at <.Values.image.tag>: nil pointer evaluating interface {}.tag',
        C.CONFIG_ERROR,
    ),
    (
        "Error: Unable to resolve action `actions/checkout@v9`, unable to find version `v9`",
        C.CONFIG_ERROR,
    ),
    (
        "Still waiting to schedule task\nThere are no nodes with the label ‘gpu-large’",
        C.CONFIG_ERROR,
    ),
    (
        "2026/12/01 10:00:01 [error] 31#31: *5 upstream sent no valid HTTP/1.0 header while reading response header from upstream, client: 10.0.0.1, server: api.internal",
        C.CONFIG_ERROR,
    ),
    (
        '2026/12/01 10:00:01 [emerg] 1#1: "proxy_pass" directive is not allowed here in /etc/nginx/conf.d/default.conf:7',
        C.CONFIG_ERROR,
    ),
    (
        "[Mon Dec 01 10:00:01.123456 2026] [autoindex:error] [pid 4242] [client 10.0.0.1:52312] AH01276: Cannot serve directory /var/www/html/: No matching DirectoryIndex (index.html,index.php) found, and server-generated directory index forbidden by Options directive",
        C.CONFIG_ERROR,
    ),
    (
        "Error: error configuring S3 Backend: no valid credential sources for S3 Backend found.",
        C.CONFIG_ERROR,
    ),
    (
        "_pickle.UnpicklingError: Weights only load failed. This file can still be loaded, to do so you have two options, do those steps only if you trust the source of the checkpoint.",
        C.ENVIRONMENT,
    ),
    (
        "java.lang.IllegalAccessError: class org.apache.spark.storage.StorageUtils$ (in unnamed module @0x1b) cannot access class sun.nio.ch.DirectBuffer (in module java.base) because module java.base does not export sun.nio.ch to unnamed module @0x1b",
        C.ENVIRONMENT,
    ),
    (
        "Unrecognized VM option 'UseConcMarkSweepGC'\nError: Could not create the Java Virtual Machine.\nError: A fatal exception has occurred. Program will exit.",
        C.ENVIRONMENT,
    ),
    (
        "Error: error:0308010C:digital envelope routines::unsupported\n    at new Hash (node:internal/crypto/hash:69:19)\n  code: 'ERR_OSSL_EVP_UNSUPPORTED'",
        C.ENVIRONMENT,
    ),
    (
        "fatal error: all goroutines are asleep - deadlock!\n\ngoroutine 1 [chan receive]:\nmain.main()",
        C.CODE_ERROR,
    ),
    (
        "airflow.exceptions.AirflowException: dag_id could not be found: etl_daily. Either the dag did not exist or it failed to parse.",
        C.CODE_ERROR,
    ),
    ("RuntimeError: cannot schedule new futures after interpreter shutdown", C.CODE_ERROR),
    (
        "RuntimeError: Error(s) in loading state_dict for ResNet:\n\tsize mismatch for fc.weight: copying a param with shape torch.Size([10, 512]) from checkpoint, the shape in current model is torch.Size([100, 512]).",
        C.SCHEMA_MISMATCH,
    ),
    (
        "Workflow failed. Causes: The Dataflow job appears to be stuck because no worker activity has been seen in the last 1h. Please check the worker logs in Stackdriver Logging.",
        C.INFRASTRUCTURE,
    ),
    (
        "airflow.providers.cncf.kubernetes.utils.pod_manager.PodLaunchFailedException: Pod took longer than 120 seconds to start. Check the pod events in kubernetes to determine why.",
        C.INFRASTRUCTURE,
    ),
    (
        "Error: Saved plan is stale\n\nThe given plan file can no longer be applied because the state was changed by another operation after the plan was created.",
        C.CONCURRENCY,
    ),
    ("[2026-12-01 10:00:01 +0000] [1] [ERROR] Connection in use: ('0.0.0.0', 8000)", C.CONCURRENCY),
    (
        "2026/12/01 10:00:01 [crit] 31#31: *5 connect() to unix:/run/php/php8.2-fpm.sock failed (2: No such file or directory) while connecting to upstream, client: 10.0.0.1",
        C.DEPENDENCY_UNAVAILABLE,
    ),
    (
        "RuntimeError: Cannot re-initialize CUDA in forked subprocess. To use CUDA with multiprocessing, you must use the 'spawn' start method",
        C.CODE_ERROR,
    ),
    (
        "ValueError: The model's max seq len (32768) is larger than the maximum number of tokens that can be stored in KV cache (12345). Try increasing `gpu_memory_utilization` or decreasing `max_model_len` when initializing the engine.",
        C.RESOURCE_EXHAUSTION,
    ),
    (
        "The job was not started because recent account payments have failed or your spending limit needs to be increased. Please check the 'Billing & plans' section in your settings",
        C.RESOURCE_EXHAUSTION,
    ),
    (
        'CREATE_FAILED  AWS::EC2::EIP  NatEip  Resource handler returned message: "The maximum number of addresses has been reached." (RequestToken: 4a1b2c3d, HandlerErrorCode: ServiceLimitExceeded)',
        C.RESOURCE_EXHAUSTION,
    ),
    (
        'UPDATE_FAILED  AWS::Lambda::Permission  InvokePermission  Resource handler returned message: "No policy is found for: arn:aws:lambda:eu-west-1:123456789012:function:etl" (RequestToken: 4a1b2c3d, HandlerErrorCode: NotFound)',
        C.MISSING_INPUT,
    ),
    (
        'org.apache.spark.sql.streaming.StreamingQueryException: Cannot fetch offset 1234 (GroupId: spark-kafka-source-1, TopicPartition: events-0).\nSome data may have been lost because they are not available in Kafka any more; either the data was aged out by Kafka or the topic may have been deleted before all the data in the topic was processed. If you don\'t want your streaming query to fail on such cases, set the source option "failOnDataLoss" to "false".',
        C.MISSING_INPUT,
    ),
    (
        "org.apache.flink.util.StateMigrationException: The new state serializer (org.apache.flink.api.common.typeutils.base.LongSerializer) must not be incompatible with the old state serializer (org.apache.flink.api.common.typeutils.base.StringSerializer).",
        C.SCHEMA_MISMATCH,
    ),
    (
        "java.lang.IllegalStateException: Failed to rollback to checkpoint/savepoint s3://ckpt/savepoint-1. Cannot map checkpoint/savepoint state for operator 7a1b2c3d to the new program, because the operator is not available in the new program. If you want to allow to skip this, you can set the --allowNonRestoredState option on the CLI.",
        C.SCHEMA_MISMATCH,
    ),
    (
        "The scheduler does not appear to be running. Last heartbeat was received 12 minutes ago.\nThe DAGs list may not update, and new tasks will not be scheduled.",
        C.INFRASTRUCTURE,
    ),
    (
        "Still waiting to schedule task\nAll nodes of label ‘linux-large’ are offline",
        C.INFRASTRUCTURE,
    ),
    (
        'CREATE_FAILED  AWS::ECS::Service  ApiService  Resource handler returned message: "Exceeded attempts to wait" (RequestToken: 4a1b2c3d, HandlerErrorCode: NotStabilized)',
        C.INFRASTRUCTURE,
    ),
    (
        'UPDATE_FAILED  AWS::RDS::DBInstance  Db  Resource handler returned message: "Invalid request provided: Cannot modify DBName" (RequestToken: 4a1b2c3d, HandlerErrorCode: NotUpdatable)',
        C.CONFIG_ERROR,
    ),
    (
        "Error: Unable to locate executable file: pnpm. Please verify either the file path exists or the file can be found within a directory specified by the PATH environment variable. Also check the file mode to verify the file is executable.",
        C.ENVIRONMENT,
    ),
    (
        'CREATE_FAILED  AWS::Glue::Job  LoadJob  Resource handler returned message: "Internal service error" (RequestToken: 4a1b2c3d, HandlerErrorCode: ServiceInternalError)',
        C.DEPENDENCY_UNAVAILABLE,
    ),
    (
        'CREATE_FAILED  AWS::S3::Bucket  Raw  Resource handler returned message: "raw-data-bucket already exists" (RequestToken: 4a1b2c3d, HandlerErrorCode: AlreadyExists)',
        C.CONCURRENCY,
    ),
    (
        "org.apache.spark.SparkException: Job aborted due to stage failure: Task 12 in stage 4.0 failed 4 times, most recent failure: java.lang.IllegalArgumentException: Size exceeds Integer.MAX_VALUE\n\tat sun.nio.ch.FileChannelImpl.map(FileChannelImpl.java:869)",
        C.RESOURCE_EXHAUSTION,
    ),
    ("nbclient.exceptions.DeadKernelError: Kernel died", C.RESOURCE_EXHAUSTION),
    (
        "Error: org.apache.hadoop.mapreduce.task.reduce.Shuffle$ShuffleError: error in shuffle in fetcher#3\nCaused by: java.io.IOException: Exceeded MAX_FAILED_UNIQUE_FETCHES; bailing-out.",
        C.INFRASTRUCTURE,
    ),
    (
        "10:00:01.123 | ERROR   | Flow run 'calm-otter' - Crash detected! Execution was cancelled by the runtime environment.",
        C.INFRASTRUCTURE,
    ),
    (
        "org.apache.kafka.streams.errors.MissingSourceTopicException: One or more source topics were missing during rebalance",
        C.MISSING_INPUT,
    ),
    (
        "26/12/01 10:00:01 ERROR TaskSchedulerImpl: Lost executor 3 on 10.0.0.5: The executor with id 3 exited with exit code 137(SIGKILL, possible container OOM).",
        C.RESOURCE_EXHAUSTION,
    ),
    (
        "org.apache.hadoop.yarn.exceptions.YarnException: Failed to submit application_1701424242_0007 to YARN : org.apache.hadoop.security.AccessControlException: Queue root.etl is STOPPED. Cannot accept submission of application: application_1701424242_0007",
        C.CONFIG_ERROR,
    ),
    (
        "Error: No runner matching the specified labels was found: self-hosted, gpu-large",
        C.CONFIG_ERROR,
    ),
    (
        "Invalid workflow file: .github/workflows/ci.yml#L12\nThe workflow is not valid. .github/workflows/ci.yml (Line: 12, Col: 9): Unexpected value 'run-on'",
        C.CONFIG_ERROR,
    ),
    (
        "Error: INSTALLATION FAILED: chart \"postgresql\" matching 99.1.0 not found in bitnami index. (try 'helm repo update'): no chart version found for postgresql-99.1.0",
        C.CONFIG_ERROR,
    ),
    # documented codes: platform
    ("io.grpc.StatusRuntimeException: UNAVAILABLE: io exception", C.DEPENDENCY_UNAVAILABLE),
    ("Error: 14 UNAVAILABLE: No connection established", C.DEPENDENCY_UNAVAILABLE),
    (
        'KafkaError{code=NOT_LEADER_FOR_PARTITION,val=6,str="Broker: Not leader for partition"}',
        C.DEPENDENCY_UNAVAILABLE,
    ),
    (
        "org.apache.kafka.common.errors.CoordinatorNotAvailableException: The coordinator is not available.",
        C.DEPENDENCY_UNAVAILABLE,
    ),
    ("curl: (52) Empty reply from server", C.DEPENDENCY_UNAVAILABLE),
    ("curl: (18) transfer closed with 1024 bytes remaining to read", C.DEPENDENCY_UNAVAILABLE),
    ("curl: (22) The requested URL returned error: 503", C.DEPENDENCY_UNAVAILABLE),
    ("OSError: [Errno 112] Host is down", C.DEPENDENCY_UNAVAILABLE),
    ("Error: connect ENETUNREACH 10.1.2.3:443", C.DEPENDENCY_UNAVAILABLE),
    (
        "org.apache.hadoop.ipc.RemoteException(org.apache.hadoop.ipc.StandbyException): Operation category READ is not supported in state standby",
        C.DEPENDENCY_UNAVAILABLE,
    ),
    ('KafkaError{code=_MSG_TIMED_OUT,val=-192,str="Local: Message timed out"}', C.TIMEOUT),
    ("read tcp 10.0.0.2:51234->10.0.0.5:5432: i/o timeout", C.TIMEOUT),
    ('Get "https://registry.acme.dev/v2/": net/http: TLS handshake timeout', C.TIMEOUT),
    ("systemd[1]: etl.service: Failed with result 'timeout'.", C.TIMEOUT),
    (
        "systemd[1]: etl.service: Watchdog timeout (limit 30s)!\nsystemd[1]: etl.service: Failed with result 'watchdog'.",
        C.TIMEOUT,
    ),
    (
        'KafkaError{code=UNKNOWN_TOPIC_OR_PART,val=3,str="Subscribed topic not available: orders: Broker: Unknown topic or partition"}',
        C.MISSING_INPUT,
    ),
    (
        "[Consumer clientId=c-1, groupId=g] Error while fetching metadata with correlation id 7 : {orders=UNKNOWN_TOPIC_OR_PARTITION}",
        C.MISSING_INPUT,
    ),
    (
        'KafkaError{code=OFFSET_OUT_OF_RANGE,val=1,str="Broker: Offset out of range"}',
        C.MISSING_INPUT,
    ),
    ("curl: (22) The requested URL returned error: 404", C.MISSING_INPUT),
    ('Error from server (NotFound): deployments.apps "etl" not found', C.MISSING_INPUT),
    ('"reason": "RESOURCE_QUOTA_EXCEEDED"', C.RATE_LIMITED),
    (
        "An error occurred (IncompleteSignature) when calling the ListQueues operation: The request signature does not conform to AWS standards.",
        C.AUTH_FAILURE,
    ),
    (
        "An error occurred (RequestExpired) when calling the DescribeInstances operation: Request has expired.",
        C.AUTH_FAILURE,
    ),
    ('"reason": "API_KEY_INVALID"', C.AUTH_FAILURE),
    ("(InvalidAuthenticationToken) The access token is invalid.", C.AUTH_FAILURE),
    ("error:0A000418:SSL routines::tlsv1 alert unknown ca", C.AUTH_FAILURE),
    ("remote error: tls: bad certificate", C.AUTH_FAILURE),
    (
        'KafkaError{code=SASL_AUTHENTICATION_FAILED,val=58,str="Broker: SASL Authentication failed"}',
        C.AUTH_FAILURE,
    ),
    (
        "rpc error: code = PermissionDenied desc = caller does not have permission",
        C.PERMISSION_DENIED,
    ),
    (
        'KafkaError{code=TOPIC_AUTHORIZATION_FAILED,val=29,str="Broker: Topic authorization failed"}',
        C.PERMISSION_DENIED,
    ),
    (
        "org.apache.kafka.common.errors.ClusterAuthorizationException: Cluster authorization failed.",
        C.PERMISSION_DENIED,
    ),
    ('"reason": "ACCESS_TOKEN_SCOPE_INSUFFICIENT"', C.PERMISSION_DENIED),
    ("(RequestDisallowedByPolicy) Resource 'vm1' was disallowed by policy.", C.PERMISSION_DENIED),
    ("curl: (22) The requested URL returned error: 403", C.PERMISSION_DENIED),
    ("java.io.FileNotFoundException: /var/log/app.log (Permission denied)", C.PERMISSION_DENIED),
    (
        "google.api_core.exceptions.PermissionDenied: 403 BigQuery API has not been used in project 123456 before or it is disabled. Enable it by visiting https://console.developers.google.com/apis/api/bigquery.googleapis.com/overview?project=123456 then retry.",
        C.CONFIG_ERROR,
    ),
    (
        "google.api_core.exceptions.Forbidden: 403 Billing has not been enabled for this project. Enable billing at https://console.cloud.google.com/billing.",
        C.CONFIG_ERROR,
    ),
    (
        "An error occurred (MissingAuthenticationToken) when calling the DescribeStacks operation: Request is missing Authentication Token",
        C.CONFIG_ERROR,
    ),
    (
        "An error occurred (OptInRequired) when calling the RunInstances operation: You are not subscribed to this service.",
        C.CONFIG_ERROR,
    ),
    (
        "An error occurred (InvalidAMIID.NotFound) when calling the RunInstances operation: The image id '[ami-0abc]' does not exist",
        C.CONFIG_ERROR,
    ),
    (
        "(MissingSubscriptionRegistration) The subscription is not registered to use namespace 'Microsoft.DataFactory'.",
        C.CONFIG_ERROR,
    ),
    (
        "An error occurred (BucketAlreadyExists) when calling the CreateBucket operation: The requested bucket name is not available.",
        C.CONFIG_ERROR,
    ),
    (
        "Warning  FailedScheduling  10s  default-scheduler  0/4 nodes are available: 4 node(s) didn't match Pod's node affinity/selector.",
        C.CONFIG_ERROR,
    ),
    (
        "Warning  FailedScheduling  10s  default-scheduler  0/9 nodes are available: 3 Insufficient memory, 6 node(s) didn't match Pod's node affinity/selector.",
        C.RESOURCE_EXHAUSTION,
    ),
    (
        'Error from server (Forbidden): error when creating "job.yaml": pods "etl" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false',
        C.CONFIG_ERROR,
    ),
    (
        "org.apache.kafka.common.errors.UnsupportedSaslMechanismException: Client SASL mechanism 'SCRAM-SHA-512' not enabled in the server, enabled mechanisms are [PLAIN]",
        C.CONFIG_ERROR,
    ),
    (
        'KafkaError{code=MSG_SIZE_TOO_LARGE,val=10,str="Broker: Message size too large"}',
        C.CONFIG_ERROR,
    ),
    ("http: server gave HTTP response to HTTPS client", C.CONFIG_ERROR),
    ("tls: first record does not look like a TLS handshake", C.CONFIG_ERROR),
    ("curl: (5) Could not resolve proxy: proxy.acme.internal", C.CONFIG_ERROR),
    ("Failed to start etl.service: Unit etl.service not found.", C.CONFIG_ERROR),
    (
        "systemd[1]: etl.service: Service has no ExecStart=, ExecStop=, or SuccessAction=. Refusing.",
        C.CONFIG_ERROR,
    ),
    (
        "org.apache.hadoop.security.AccessControlException: Client cannot authenticate via:[TOKEN, KERBEROS]",
        C.CONFIG_ERROR,
    ),
    ("Error: spawn ENOMEM", C.RESOURCE_EXHAUSTION),
    ("OSError: [Errno 105] No buffer space available", C.RESOURCE_EXHAUSTION),
    ("OSError: [Errno 7] Argument list too long: '/usr/bin/gsutil'", C.RESOURCE_EXHAUSTION),
    (
        'Error from server (Forbidden): pods "etl-1" is forbidden: exceeded quota: compute-resources, requested: limits.memory=4Gi, used: limits.memory=14Gi, limited: limits.memory=16Gi',
        C.RESOURCE_EXHAUSTION,
    ),
    (
        "(QuotaExceeded) Operation could not be completed as it results in exceeding approved standardDSv3Family Cores quota.",
        C.RESOURCE_EXHAUSTION,
    ),
    (
        "Code=OperationNotAllowed Message=Operation results in exceeding quota limits of Core. Maximum allowed: 4, Current in use: 4, Additional requested: 2.",
        C.RESOURCE_EXHAUSTION,
    ),
    (
        "An error occurred (VcpuLimitExceeded) when calling the RunInstances operation: You have requested more vCPU capacity than your current vCPU limit of 32 allows",
        C.RESOURCE_EXHAUSTION,
    ),
    (
        "An error occurred (SubnetIPAddressLimitReachedException) when calling the Invoke operation: Lambda was not able to set up VPC access for the Lambda function because one or more configured subnets has no available IP addresses.",
        C.RESOURCE_EXHAUSTION,
    ),
    ('KafkaError{code=_QUEUE_FULL,val=-184,str="Local: Queue full"}', C.RESOURCE_EXHAUSTION),
    (
        "java.util.concurrent.RejectedExecutionException: Task java.util.concurrent.FutureTask@1a2b rejected from java.util.concurrent.ThreadPoolExecutor@3c4d[Running, pool size = 8, active threads = 8, queued tasks = 1000, completed tasks = 10]",
        C.RESOURCE_EXHAUSTION,
    ),
    ("kernel: nf_conntrack: nf_conntrack: table full, dropping packet", C.RESOURCE_EXHAUSTION),
    (
        "Warning  SystemOOM  kubelet  System OOM encountered, victim process: java, pid: 1234",
        C.RESOURCE_EXHAUSTION,
    ),
    (
        'KafkaError{code=REBALANCE_IN_PROGRESS,val=27,str="Broker: Group rebalance in progress"}',
        C.CONCURRENCY,
    ),
    (
        "org.apache.kafka.common.errors.ProducerFencedException: There is a newer producer with the same transactionalId which fences the current one.",
        C.CONCURRENCY,
    ),
    (
        "org.apache.kafka.common.errors.IllegalGenerationException: Specified group generation id is not valid.",
        C.CONCURRENCY,
    ),
    ("rpc error: code = Aborted desc = transaction aborted due to conflict", C.CONCURRENCY),
    ("Error: 10 ABORTED: Too much contention on these documents. Please try again.", C.CONCURRENCY),
    (
        "(AnotherOperationInProgress) Another operation on this or dependent resource is in progress.",
        C.CONCURRENCY,
    ),
    (
        'Warning  FailedAttachVolume  1m  attachdetach-controller  Multi-Attach error for volume "pvc-123" Volume is already exclusively attached to one node and can\'t be attached to another',
        C.CONCURRENCY,
    ),
    ("kernel: INFO: task kworker/u8:2:1234 blocked for more than 120 seconds.", C.INFRASTRUCTURE),
    ("kernel: watchdog: BUG: soft lockup - CPU#3 stuck for 22s! [java:4242]", C.INFRASTRUCTURE),
    ("kernel: XFS (sdb1): Corruption detected. Unmount and run xfs_repair", C.INFRASTRUCTURE),
    ("OSError: [Errno 117] Structure needs cleaning: '/mnt/data/part-0001'", C.INFRASTRUCTURE),
    (
        "kernel: EDAC MC0: 1 UE memory read error on CPU_SrcID#0_Ha#0_Chan#1_DIMM#0",
        C.INFRASTRUCTURE,
    ),
    ("systemd[1]: etl.service: Main process exited, code=dumped, status=11/SEGV", C.INFRASTRUCTURE),
    ("systemd[1]: etl.service: Failed with result 'core-dump'.", C.INFRASTRUCTURE),
    (
        "org.apache.kafka.common.errors.KafkaStorageException: Disk error when trying to access log file on the disk.",
        C.INFRASTRUCTURE,
    ),
    (
        "org.apache.hadoop.fs.ChecksumException: Checksum error: /data/orders/part-0 at 0 exp: 123 got: 456",
        C.INFRASTRUCTURE,
    ),
    (
        "Error: unable to verify the first certificate\n  code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE'",
        C.ENVIRONMENT,
    ),
    ("curl: (60) SSL certificate problem: certificate has expired", C.ENVIRONMENT),
    (
        "curl: (77) error setting certificate verify locations:  CAfile: /etc/ssl/certs/ca-certificates.crt CApath: none",
        C.ENVIRONMENT,
    ),
    (
        "tls: failed to verify certificate: x509: certificate is valid for a.acme.dev, not b.acme.dev",
        C.ENVIRONMENT,
    ),
    (
        "javax.net.ssl.SSLPeerUnverifiedException: Certificate for <db.internal> doesn't match any of the subject alternative names: [x.internal]",
        C.ENVIRONMENT,
    ),
    (
        "[ERROR] Failed to execute goal on project etl: Could not resolve dependencies for project com.acme:etl:jar:1.0: Could not find artifact com.acme:core:jar:2.0 in central (https://repo.maven.apache.org/maven2)",
        C.ENVIRONMENT,
    ),
    (
        "> Could not resolve all files for configuration ':app:runtimeClasspath'.\n   > Could not find com.acme:core:2.0.",
        C.ENVIRONMENT,
    ),
    ("E: Unable to locate package python3.13-venv", C.ENVIRONMENT),
    ("E: Unable to correct problems, you have held broken packages.", C.ENVIRONMENT),
    ("No package postgresql16-server available.", C.ENVIRONMENT),
    (
        "npm ERR! code ETARGET\nnpm ERR! notarget No matching version found for left-pad@9.9.9.",
        C.ENVIRONMENT,
    ),
    ("rpc error: code = Unimplemented desc = unknown service acme.v1.Orders", C.ENVIRONMENT),
    (
        "org.apache.kafka.common.errors.UnsupportedVersionException: The broker does not support INIT_PRODUCER_ID",
        C.ENVIRONMENT,
    ),
    (
        'TypeError [ERR_INVALID_ARG_TYPE]: The "path" argument must be of type string. Received undefined',
        C.CODE_ERROR,
    ),
    (
        "Error [ERR_HTTP_HEADERS_SENT]: Cannot set headers after they are sent to the client",
        C.CODE_ERROR,
    ),
    ("rpc error: code = FailedPrecondition desc = the index is not ready", C.CONFIG_ERROR),
    (
        "io.grpc.StatusRuntimeException: FAILED_PRECONDITION: The query requires an index.",
        C.CONFIG_ERROR,
    ),
    ("rpc error: code = NotFound desc = table not found", C.MISSING_INPUT),
    (
        "An error occurred (ValidationException) when calling the GetItem operation: The provided key element does not match the schema",
        C.SCHEMA_MISMATCH,
    ),
    (
        "azure.core.exceptions.ResourceExistsError: There is currently a lease on the blob and no lease ID was specified in the request.\nErrorCode:LeaseIdMissing",
        C.CONCURRENCY,
    ),
    (
        "ErrorCode:ConditionNotMet The condition specified using HTTP conditional header(s) is not met.",
        C.CONCURRENCY,
    ),
    (
        "javax.net.ssl.SSLHandshakeException: Received fatal alert: handshake_failure",
        C.CONFIG_ERROR,
    ),
    (
        "javax.net.ssl.SSLHandshakeException: No appropriate protocol (protocol is disabled or cipher suites are inappropriate)",
        C.CONFIG_ERROR,
    ),
    ("javax.net.ssl.SSLHandshakeException: Received fatal alert: bad_certificate", C.AUTH_FAILURE),
    (
        "org.apache.hadoop.security.authorize.AuthorizationException: User: etl@ACME.COM is not allowed to impersonate alice",
        C.PERMISSION_DENIED,
    ),
    ("curl: (22) The requested URL returned error: 401", C.AUTH_FAILURE),
    (
        "kernel: java: page allocation failure: order:4, mode:0x40cc0(GFP_KERNEL|__GFP_COMP), nodemask=(null)",
        C.RESOURCE_EXHAUSTION,
    ),
    ("OSError: [Errno 99] Cannot assign requested address", C.CONFIG_ERROR),
    (
        "org.apache.kafka.common.errors.InvalidTopicException: Invalid topics: [orders events]",
        C.CONFIG_ERROR,
    ),
    ("Error [ERR_SOCKET_CONNECTION_TIMEOUT]: Socket connection timeout", C.TIMEOUT),
    (
        "An error occurred (DisabledException) when calling the Decrypt operation: arn:aws:kms:us-east-1:1:key/abc is disabled.",
        C.CONFIG_ERROR,
    ),
    (
        "An error occurred (KMSInvalidStateException) when calling the Decrypt operation: arn:aws:kms:us-east-1:1:key/abc is pending deletion.",
        C.CONFIG_ERROR,
    ),
    (
        'Warning  FailedScheduling  default-scheduler  0/3 nodes are available: persistentvolumeclaim "data" not found.',
        C.CONFIG_ERROR,
    ),
    ('"Error": "States.Permissions"', C.PERMISSION_DENIED),
    (
        '"Error": "States.DataLimitExceeded", "Cause": "The state/task \'Load\' returned a result with a size exceeding the maximum number of bytes service limit."',
        C.RESOURCE_EXHAUSTION,
    ),
    (
        "(DeploymentQuotaExceeded) Creating the deployment 'x' would exceed the quota of '800'. The current deployment count is '800'.",
        C.RESOURCE_EXHAUSTION,
    ),
    ('"Error": "States.ResultPathMatchFailure"', C.CODE_ERROR),
    ('"reason": "invalidQuery"', C.CODE_ERROR),
    ('"reason": "tableUnavailable"', C.DEPENDENCY_UNAVAILABLE),
    ('"reason": "jobInternalError"', C.DEPENDENCY_UNAVAILABLE),
    (
        "CannotPullContainerError: pull image manifest has been retried 5 time(s): failed to resolve ref docker.io/acme/etl:1.2",
        C.INFRASTRUCTURE,
    ),
    ('"Error": "States.HeartbeatTimeout"', C.TIMEOUT),
    (
        "(ResourceGroupBeingDeleted) The resource group 'rg-etl' is in deprovisioning state and cannot perform this operation.",
        C.CONCURRENCY,
    ),
    ("Error: listen EAFNOSUPPORT: address family not supported ::1:8080", C.ENVIRONMENT),
    ("OSError: [Errno 6] No such device or address: '/dev/tty'", C.ENVIRONMENT),
    ('error: the server doesn\'t have a resource type "cronjobs"', C.ENVIRONMENT),
    ("OSError: [Errno 9] Bad file descriptor", C.CODE_ERROR),
    (
        "org.apache.hadoop.security.token.SecretManager$InvalidToken: token (HDFS_DELEGATION_TOKEN token 1234 for etl) is expired, current time: 2026-12-01 10:00:00,000+0000 expected renewal time: 2026-11-30 10:00:00,000+0000",
        C.AUTH_FAILURE,
    ),
    (
        "org.apache.hadoop.ipc.RemoteException(org.apache.hadoop.security.token.SecretManager$InvalidToken): token (HDFS_DELEGATION_TOKEN token 77 for etl) can't be found in cache",
        C.AUTH_FAILURE,
    ),
    (
        "Error: Cannot create a string longer than 0x1fffffe8 characters\n  code: 'ERR_STRING_TOO_LONG'",
        C.RESOURCE_EXHAUSTION,
    ),
    (
        "RangeError [ERR_CHILD_PROCESS_STDIO_MAXBUFFER]: stdout maxBuffer length exceeded",
        C.RESOURCE_EXHAUSTION,
    ),
    (
        'Error from server (InternalError): error when creating "job.yaml": Internal error occurred: failed calling webhook "validate.kyverno.svc-fail": failed to call webhook: Post "https://kyverno-svc.kyverno.svc:443/validate/fail?timeout=10s": context deadline exceeded',
        C.DEPENDENCY_UNAVAILABLE,
    ),
    (
        'Error from server: error when creating "job.yaml": admission webhook "validation.gatekeeper.sh" denied the request: [require-labels] you must provide labels: {"team"}',
        C.CONFIG_ERROR,
    ),
    (
        "An error occurred (InvalidObjectState) when calling the GetObject operation: The operation is not valid for the object's storage class",
        C.MISSING_INPUT,
    ),
    (
        "An error occurred (ValidationException) when calling the PutItem operation: One or more parameter values were invalid: Missing the key order_id in the item",
        C.SCHEMA_MISMATCH,
    ),
    (
        "An error occurred (ValidationException) when calling the PutItem operation: Item size has exceeded the maximum allowed size",
        C.RESOURCE_EXHAUSTION,
    ),
    (
        "An error occurred (ExpiredIteratorException) when calling the GetRecords operation: Iterator expired. The iterator was created at time Mon Dec 01 10:00:00 UTC 2026 while right now it is Mon Dec 01 10:06:00 UTC 2026 which is further in the future than the tolerated delay of 300000 milliseconds.",
        C.TIMEOUT,
    ),
    (
        "An error occurred (InvalidParameterValue) when calling the DeleteMessage operation: Value AQEBx for parameter ReceiptHandle is invalid. Reason: The receipt handle has expired.",
        C.TIMEOUT,
    ),
    ("IsADirectoryError: [Errno 21] Is a directory: '/data/out'", C.CODE_ERROR),
    ("Error: ENOTDIR: not a directory, open '/data/in.csv/part-0'", C.CODE_ERROR),
    ("FileExistsError: [Errno 17] File exists: '/data/out/2026-12-01'", C.CONCURRENCY),
    ("Error: ENOTEMPTY: directory not empty, rmdir '/data/tmp'", C.CONCURRENCY),
    (
        "kernel: oom_reaper: reaped process 4242 (java), now anon-rss:0kB, file-rss:0kB, shmem-rss:0kB",
        C.RESOURCE_EXHAUSTION,
    ),
    ("systemd[1]: Dependency failed for ETL nightly load.", C.DEPENDENCY_UNAVAILABLE),
    (
        "An error occurred (ConcurrentRunsExceededException) when calling the StartJobRun operation: Concurrent runs exceeded for etl_job",
        C.RATE_LIMITED,
    ),
    ("curl: (3) URL rejected: Malformed input to a URL function", C.CONFIG_ERROR),
    # documented codes: data stores
    (
        "2026-12-01 03:10:44 UTC [8812] FATAL:  terminating connection due to idle-in-transaction timeout",
        C.TIMEOUT,
    ),
    (
        "psycopg.errors.IdleSessionTimeout: terminating connection due to idle-session timeout",
        C.TIMEOUT,
    ),
    (
        "psycopg2.errors.QueryCanceled: canceling statement due to user request",
        C.TIMEOUT,
    ),
    (
        'ERROR:  database "analytics" is being accessed by other users\nDETAIL:  There are 3 other sessions using the database.',
        C.CONCURRENCY,
    ),
    (
        "ERROR:  ON CONFLICT DO UPDATE command cannot affect row a second time\nHINT:  Ensure that no rows proposed for insertion within the same command have duplicate constrained values.",
        C.DATA_QUALITY,
    ),
    (
        'ERROR:  character with byte sequence 0xe2 0x80 0x9c in encoding "UTF8" has no equivalent in encoding "LATIN1"',
        C.DATA_QUALITY,
    ),
    ("2026-12-01 04:00:00 UTC [311] ERROR:  division by zero", C.DATA_QUALITY),
    (
        "psycopg2.errors.DependentObjectsStillExist: cannot drop table staging.orders because other objects depend on it\nDETAIL:  view reporting.daily_orders depends on table staging.orders",
        C.CODE_ERROR,
    ),
    (
        'ERROR:  nextval: reached maximum value of sequence "events_id_seq" (2147483647)',
        C.RESOURCE_EXHAUSTION,
    ),
    (
        "ERROR:  temporary file size exceeds temp_file_limit (1048576kB)",
        C.RESOURCE_EXHAUSTION,
    ),
    (
        "2026-12-01 02:14:09 UTC [1] LOG:  server process (PID 4242) was terminated by signal 9: Killed",
        C.RESOURCE_EXHAUSTION,
    ),
    (
        "ERROR:  invalid page in block 1234 of relation base/16384/16390",
        C.INFRASTRUCTURE,
    ),
    (
        "WARNING:  terminating connection because of crash of another server process\nDETAIL:  The postmaster has commanded this server process to roll back the current transaction and exit.",
        C.INFRASTRUCTURE,
    ),
    ("ERROR 1242 (21000) at line 12: Subquery returns more than 1 row", C.DATA_QUALITY),
    (
        "pymysql.err.IntegrityError: (1452, 'Cannot add or update a child row: a foreign key constraint fails (`shop`.`orders`, CONSTRAINT `fk_cust` FOREIGN KEY (`customer_id`) REFERENCES `customers` (`id`))')",
        C.DATA_QUALITY,
    ),
    (
        "ERROR 1226 (42000): User 'etl' has exceeded the 'max_user_connections' resource (current value: 10)",
        C.RESOURCE_EXHAUSTION,
    ),
    ("ERROR 1030 (HY000): Got error 28 from storage engine", C.RESOURCE_EXHAUSTION),
    (
        "ERROR 1130 (HY000): Host '10.0.4.17' is not allowed to connect to this MySQL server",
        C.PERMISSION_DENIED,
    ),
    (
        "ERROR 2005 (HY000): Unknown MySQL server host 'db-primary.intrnal' (-2)",
        C.CONFIG_ERROR,
    ),
    (
        "(3159, 'Connections using insecure transport are prohibited while --require_secure_transport=ON.')",
        C.CONFIG_ERROR,
    ),
    (
        "ERROR 1251 (08004): Client does not support authentication protocol requested by server; consider upgrading MySQL client",
        C.ENVIRONMENT,
    ),
    ("ERROR 1273 (HY000) at line 25: Unknown collation: 'utf8mb4_0900_ai_ci'", C.ENVIRONMENT),
    (
        "ERROR 1055 (42000): Expression #2 of SELECT list is not in GROUP BY clause and contains nonaggregated column 'shop.o.status' which is not functionally dependent on columns in GROUP BY clause; this is incompatible with sql_mode=only_full_group_by",
        C.CODE_ERROR,
    ),
    (
        "ERROR 1093 (HY000): You can't specify target table 'orders' for update in FROM clause",
        C.CODE_ERROR,
    ),
    (
        "ERROR 1071 (42000): Specified key was too long; max key length is 767 bytes",
        C.SCHEMA_MISMATCH,
    ),
    (
        "pymysql.err.OperationalError: (1364, \"Field 'created_at' doesn't have a default value\")",
        C.SCHEMA_MISMATCH,
    ),
    (
        "ERROR 1267 (HY000): Illegal mix of collations (utf8mb4_0900_ai_ci,IMPLICIT) and (utf8mb4_unicode_ci,IMPLICIT) for operation '='",
        C.SCHEMA_MISMATCH,
    ),
    (
        "mysqldump: Error 1412: Table definition has changed, please retry transaction when dumping table `orders` at row: 0",
        C.CONCURRENCY,
    ),
    (
        "ERROR 4031 (HY000): The client was disconnected by the server because of inactivity. See wait_timeout and interactive_timeout for configuring this behavior.",
        C.TIMEOUT,
    ),
    ("ERROR 1053 (08S01): Server shutdown in progress", C.DEPENDENCY_UNAVAILABLE),
    (
        "ERROR 1194 (HY000): Table 'events' is marked as crashed and should be repaired",
        C.INFRASTRUCTURE,
    ),
    ("Msg 8134, Level 16, State 1, Line 4\nDivide by zero error encountered.", C.DATA_QUALITY),
    (
        "Msg 8672, Level 16, State 1, Line 1\nThe MERGE statement attempted to UPDATE or DELETE the same row more than once. This happens when a target row matches more than one source row.",
        C.DATA_QUALITY,
    ),
    (
        'Msg 547, Level 16, State 0, Line 1\nThe INSERT statement conflicted with the FOREIGN KEY constraint "FK_Orders_Customers". The conflict occurred in database "Sales", table "dbo.Customers", column \'CustomerID\'.',
        C.DATA_QUALITY,
    ),
    ("Msg 1222, Level 16, State 45, Line 1\nLock request time out period exceeded.", C.CONCURRENCY),
    (
        "Msg 2714, Level 16, State 6, Line 1\nThere is already an object named 'stg_orders' in the database.",
        C.CONCURRENCY,
    ),
    (
        "Msg 40501, Level 20, State 1, Line 1\nThe service is currently busy. Retry the request after 10 seconds. Incident ID: {3F2A}. Code: 4325376.",
        C.RATE_LIMITED,
    ),
    (
        "Msg 40613, Level 20, State 1, Line 1\nDatabase 'sales' on server 'acme-sql' is not currently available. Please retry the connection later.",
        C.DEPENDENCY_UNAVAILABLE,
    ),
    (
        "Msg 10928, Level 20, State 1, Line 1\nResource ID : 1. The request limit for the database is 200 and has been reached.",
        C.RESOURCE_EXHAUSTION,
    ),
    (
        "Msg 2812, Level 16, State 62, Line 1\nCould not find stored procedure 'dbo.usp_load_orders'.",
        C.MISSING_INPUT,
    ),
    (
        'Msg 4104, Level 16, State 1, Line 3\nThe multi-part identifier "o.CustomerID" could not be bound.',
        C.SCHEMA_MISMATCH,
    ),
    (
        "Msg 4064, Level 16, State 1, Server acme\nCannot open user default database. Login failed.",
        C.CONFIG_ERROR,
    ),
    (
        "Msg 824, Level 24, State 2\nSQL Server detected a logical consistency-based I/O error: incorrect checksum (expected: 0x1a2b; actual: 0x3c4d). It occurred during a read of page (1:123) in database ID 5",
        C.INFRASTRUCTURE,
    ),
    (
        'ORA-01555: snapshot too old: rollback segment number 12 with name "_SYSSMU12_1234$" too small',
        C.RESOURCE_EXHAUSTION,
    ),
    ("ORA-00020: maximum number of processes (300) exceeded", C.RESOURCE_EXHAUSTION),
    (
        "cx_Oracle.IntegrityError: ORA-02291: integrity constraint (APP.FK_ORD_CUST) violated - parent key not found",
        C.DATA_QUALITY,
    ),
    ("ORA-01427: single-row subquery returns more than one row", C.DATA_QUALITY),
    ("oracledb.exceptions.DatabaseError: ORA-00933: SQL command not properly ended", C.CODE_ERROR),
    ("ORA-00932: inconsistent datatypes: expected NUMBER got DATE", C.SCHEMA_MISMATCH),
    ("ORA-01034: ORACLE not available", C.DEPENDENCY_UNAVAILABLE),
    ("ORA-12154: TNS:could not resolve the connect identifier specified", C.CONFIG_ERROR),
    (
        "ORA-01045: user ETL_READER lacks CREATE SESSION privilege; logon denied",
        C.PERMISSION_DENIED,
    ),
    (
        "ORA-00600: internal error code, arguments: [kdsgrp1], [], [], [], [], [], [], [], [], [], [], []",
        C.INFRASTRUCTURE,
    ),
    ("ORA-04021: timeout occurred while waiting to lock object APP.PKG_LOAD", C.CONCURRENCY),
    (
        'ibm_db_dbi::ProgrammingError: SQLNumResultCols failed: [IBM][CLI Driver][DB2/LINUXX8664] SQL0204N  "ETL.ORDERS" is an undefined name.  SQLSTATE=42704',
        C.MISSING_INPUT,
    ),
    (
        '[IBM][CLI Driver] SQL30082N  Security processing failed with reason "24" ("USERNAME AND/OR PASSWORD INVALID").  SQLSTATE=08001',
        C.AUTH_FAILURE,
    ),
    ("SQL0968C  The file system is full.  SQLSTATE=57011", C.RESOURCE_EXHAUSTION),
    (
        'SQL1013N  The database alias name or database name "SALESDB" could not be found.  SQLSTATE=42705',
        C.CONFIG_ERROR,
    ),
    (
        "[IBM][CLI Driver] SQL1032N  No start database manager command was issued.  SQLSTATE=57019",
        C.DEPENDENCY_UNAVAILABLE,
    ),
    ("sqlite3.DatabaseError: database disk image is malformed", C.INFRASTRUCTURE),
    ("sqlite3.OperationalError: too many SQL variables", C.CODE_ERROR),
    (
        "snowflake.connector.errors.ProgrammingError: 100016 (22000): Field delimiter ',' found while expecting record delimiter '\\n'\n  File 'orders_2026-12-01.csv', line 42, character 118",
        C.DATA_QUALITY,
    ),
    ('100069 (22P02): Error parsing JSON: unknown keyword "nul", pos 4', C.DATA_QUALITY),
    (
        "snowflake.connector.errors.ProgrammingError: 000604 (57014): SQL execution canceled",
        C.TIMEOUT,
    ),
    (
        "090073 (22000): Warehouse 'ETL_WH' cannot be resumed because resource monitor 'ETL_MONITOR' has exceeded its quota.",
        C.RESOURCE_EXHAUSTION,
    ),
    (
        "000603 (XX000): SQL execution internal error: Processing aborted due to error 300010:391167117; incident 1234567.",
        C.DEPENDENCY_UNAVAILABLE,
    ),
    (
        "250001 (08001): Failed to connect to DB: acme.snowflakecomputing.com:443. The requested warehouse does not exist or not authorized.",
        C.CONFIG_ERROR,
    ),
    (
        "001044 (42P13): SQL compilation error: error line 3 at position 9\nInvalid argument types for function 'DATEADD': (VARCHAR(3), NUMBER(1,0), DATE)",
        C.CODE_ERROR,
    ),
    (
        "google.api_core.exceptions.BadRequest: 400 UPDATE/MERGE must match at most one source row for each target row",
        C.DATA_QUALITY,
    ),
    (
        "google.api_core.exceptions.BadRequest: 400 Scalar subquery produced more than one element",
        C.DATA_QUALITY,
    ),
    (
        "google.api_core.exceptions.Forbidden: 403 Billing has not been enabled for this project. Enable billing at https://console.cloud.google.com/billing. DML queries are not allowed in the free tier.",
        C.CONFIG_ERROR,
    ),
    (
        "google.api_core.exceptions.BadRequest: 400 Cannot read and write in different locations: source: EU, destination: US",
        C.CONFIG_ERROR,
    ),
    (
        '{"error": {"code": 500, "errors": [{"reason": "internalError", "message": "An internal error occurred and the request could not be completed."}]}}',
        C.DEPENDENCY_UNAVAILABLE,
    ),
    (
        '{"errors": [{"reason": "resourceInUse", "message": "The resource is in use."}]}',
        C.CONCURRENCY,
    ),
    (
        "pyspark.errors.exceptions.captured.AnalysisException: [UNRESOLVED_ROUTINE] Cannot resolve routine `to_dat` on search path [`system`.`builtin`, `system`.`session`, `spark_catalog`.`default`].",
        C.CODE_ERROR,
    ),
    (
        "Query 20261201_083012_00042_abcde failed: line 1:8: Function 'to_dat' not registered",
        C.CODE_ERROR,
    ),
    (
        "Code: 46. DB::Exception: Unknown function toDat. Maybe you meant: ['toDate']. (UNKNOWN_FUNCTION) (version 24.8.4.13 (official build))",
        C.CODE_ERROR,
    ),
    ("redis.exceptions.NoScriptError: NOSCRIPT No matching script. Please use EVAL.", C.CODE_ERROR),
    (
        'cassandra.InvalidRequest: Error from server: code=2200 [Invalid query] message="Cannot execute this query as it might involve data filtering and thus may have unpredictable performance. If you want to execute this query despite the performance unpredictability, use ALLOW FILTERING"',
        C.CODE_ERROR,
    ),
    (
        "elasticsearch.BadRequestError: BadRequestError(400, 'search_phase_execution_exception', 'Result window is too large, from + size must be less than or equal to: [10000] but was [20000].')",
        C.CODE_ERROR,
    ),
    (
        'duckdb.duckdb.CatalogException: Catalog Error: Scalar Function with name to_dat does not exist!\nDid you mean "to_days"?',
        C.CODE_ERROR,
    ),
    ('Compilation Error\n  dbt found two models with the name "orders".', C.CODE_ERROR),
    (
        "Found a cycle: model.shop.stg_orders --> model.shop.fct_orders --> model.shop.stg_orders",
        C.CODE_ERROR,
    ),
    (
        "ERROR:  This type of correlated subquery pattern is not supported due to internal error",
        C.CODE_ERROR,
    ),
    (
        "pyspark.errors.exceptions.captured.AnalysisException: [UNABLE_TO_INFER_SCHEMA] Unable to infer schema for Parquet. It must be specified manually.",
        C.MISSING_INPUT,
    ),
    (
        "pymongo.errors.OperationFailure: ns not found, full error: {'ok': 0.0, 'errmsg': 'ns not found', 'code': 26, 'codeName': 'NamespaceNotFound'}",
        C.MISSING_INPUT,
    ),
    (
        "elasticsearch.NotFoundError: NotFoundError(404, 'document_missing_exception', '[_doc][42]: document missing')",
        C.MISSING_INPUT,
    ),
    (
        "org.apache.spark.sql.delta.DeltaUnsupportedOperationException: [DELTA_MULTIPLE_SOURCE_ROW_MATCHING_TARGET_ROW_IN_MERGE] Cannot perform Merge as multiple source rows matched and attempted to modify the same target row in the Delta table in possibly conflicting ways.",
        C.DATA_QUALITY,
    ),
    (
        "Query 20261201_083012_00042_abcde failed: Scalar sub-query has returned multiple rows",
        C.DATA_QUALITY,
    ),
    (
        "pymongo.errors.WriteError: Document failed validation, full error: {'index': 0, 'code': 121, 'errmsg': 'Document failed validation'}",
        C.DATA_QUALITY,
    ),
    ("  error:  Invalid digit, Value 'N', Pos 0, Type: Integer", C.DATA_QUALITY),
    (
        "Query 20261201_083012_00042_abcde failed: line 3:9: Cannot apply operator: varchar = integer",
        C.SCHEMA_MISMATCH,
    ),
    (
        "elasticsearch.BadRequestError: BadRequestError(400, 'illegal_argument_exception', 'Limit of total fields [1000] has been exceeded while adding new fields [3]')",
        C.SCHEMA_MISMATCH,
    ),
    (
        "Compilation Error in model fct_orders (models/marts/fct_orders.sql)\n  The source and target schemas on this incremental model are out of sync!",
        C.SCHEMA_MISMATCH,
    ),
    (
        "Query 20261201_083012_00042_abcde failed: line 1:15: Catalog 'hivee' not found",
        C.CONFIG_ERROR,
    ),
    (
        "pymongo.errors.OperationFailure: Transaction numbers are only allowed on a replica set member or mongos, full error: {'ok': 0.0, 'errmsg': 'Transaction numbers are only allowed on a replica set member or mongos', 'code': 20, 'codeName': 'IllegalOperation'}",
        C.CONFIG_ERROR,
    ),
    (
        "elasticsearch.ApiError: ApiError(403, 'cluster_block_exception', 'index [orders] blocked by: [FORBIDDEN/8/index write (api)];')",
        C.CONFIG_ERROR,
    ),
    ("Package dbt-labs/dbt_utilz was not found in the package index", C.CONFIG_ERROR),
    (
        "Code: 201. DB::Exception: Quota for user `etl` for 3600s has been exceeded: queries = 1001/1000. Interval will end at 2026-12-01 11:00:00. (QUOTA_EXCEEDED)",
        C.RATE_LIMITED,
    ),
    (
        'cassandra.OverloadedException: Error from server: code=1001 [Coordinator node overloaded] message="Too many in flight hints: 10485760"',
        C.RATE_LIMITED,
    ),
    (
        "Code: 158. DB::Exception: Limit for rows (controlled by 'max_rows_to_read' setting) exceeded, max rows: 1.00 billion, current rows: 1.20 billion. (TOO_MANY_ROWS)",
        C.RESOURCE_EXHAUSTION,
    ),
    (
        "ERROR [ReadStage-2] 2026-12-01 10:00:00,000 StorageProxy.java:2000 - Scanned over 100001 tombstones during query 'SELECT * FROM shop.events WHERE id = ?' (last scanned row token was 123); query aborted",
        C.RESOURCE_EXHAUSTION,
    ),
    (
        "elasticsearch.BadRequestError: BadRequestError(400, 'validation_exception', 'Validation Failed: 1: this action would add [2] shards, but this cluster currently has [1000]/[1000] maximum normal shards open;')",
        C.RESOURCE_EXHAUSTION,
    ),
    (
        "ERROR:  Canceling query because of high VMEM usage. Used: 7000MB, available 600MB, red zone: 6800MB (runaway_cleaner.c:202)  (seg3 slice2 10.0.0.4:6000 pid=1234)",
        C.RESOURCE_EXHAUSTION,
    ),
    (
        "ERROR:  tuple decompression limit exceeded by operation\nDETAIL:  current limit: 100000, tuples decompressed: 100829",
        C.RESOURCE_EXHAUSTION,
    ),
    (
        "pymongo.errors.DocumentTooLarge: BSON document too large (17000000 bytes) - the connected server supports BSON document sizes up to 16793598 bytes.",
        C.RESOURCE_EXHAUSTION,
    ),
    (
        "pymongo.errors.CursorNotFound: cursor id 7283649123 not found, full error: {'ok': 0.0, 'errmsg': 'cursor id 7283649123 not found', 'code': 43, 'codeName': 'CursorNotFound'}",
        C.TIMEOUT,
    ),
    (
        "redis.exceptions.BusyLoadingError: BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN NOSAVE.",
        C.TIMEOUT,
    ),
    (
        "elasticsearch.ApiError: ApiError(503, 'process_cluster_event_timeout_exception', 'failed to process cluster event (put-mapping [orders/abc]) within 30s')",
        C.TIMEOUT,
    ),
    (
        'ERROR:  Query (123456) cancelled by WLM abort action of Query Monitoring Rule "long_running".',
        C.TIMEOUT,
    ),
    (
        "Code: 164. DB::Exception: etl: Cannot execute query in readonly mode. (READONLY)",
        C.PERMISSION_DENIED,
    ),
    (
        'cassandra.Unauthorized: Error from server: code=2100 [Unauthorized] message="User etl has no SELECT permission on <table shop.orders> or any of its parents"',
        C.PERMISSION_DENIED,
    ),
    (
        "pymongo.errors.NotPrimaryError: not primary, full error: {'ok': 0.0, 'errmsg': 'not primary', 'code': 10107, 'codeName': 'NotWritablePrimary'}",
        C.DEPENDENCY_UNAVAILABLE,
    ),
    (
        "redis.exceptions.ResponseError: MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.",
        C.DEPENDENCY_UNAVAILABLE,
    ),
    (
        "Code: 242. DB::Exception: Table is in readonly mode (replica path: /clickhouse/tables/01/orders/replicas/r1). (TABLE_IS_READ_ONLY)",
        C.INFRASTRUCTURE,
    ),
    (
        'cassandra.ReadFailure: Error from server: code=1300 [Replica(s) failed to execute read] message="Operation failed - received 0 responses and 1 failures: UNKNOWN from /10.0.0.7:7000"',
        C.INFRASTRUCTURE,
    ),
    (
        "elasticsearch.TransportError: TransportError(503, 'no_shard_available_action_exception', 'No shard available for [get [orders][_doc][1]: routing [null]]')",
        C.INFRASTRUCTURE,
    ),
    ("Query 20261201_083012_00042_abcde failed: No nodes available to run query", C.INFRASTRUCTURE),
    (
        "io.trino.spi.TrinoException: ICEBERG_COMMIT_ERROR: Failed to commit Iceberg update to table: sales.orders",
        C.CONCURRENCY,
    ),
    (
        'duckdb.duckdb.IOException: IO Error: Extension "/root/.duckdb/extensions/v1.1.0/linux_amd64/httpfs.duckdb_extension" not found.\nInstall it first using "INSTALL httpfs".',
        C.ENVIRONMENT,
    ),
    (
        "redis.exceptions.ReadOnlyError: You can't write against a read only replica.",
        C.INFRASTRUCTURE,
    ),
    (
        "redis.exceptions.BusyLoadingError: Redis is loading the dataset in memory",
        C.DEPENDENCY_UNAVAILABLE,
    ),
    ('ERROR:  relation "stg_orders" already exists', C.CONCURRENCY),
    (
        "psycopg2.errors.SerializationFailure: canceling statement due to conflict with recovery\nDETAIL:  User query might have needed to see row versions that must be removed.",
        C.CONCURRENCY,
    ),
    (
        'pg_basebackup: error: could not create temporary replication slot "pg_basebackup_4242": ERROR:  all replication slots are in use\nHINT:  Free one or increase max_replication_slots.',
        C.RESOURCE_EXHAUSTION,
    ),
    (
        "psycopg2.OperationalError: FATAL:  no more connections allowed (max_client_conn)",
        C.RESOURCE_EXHAUSTION,
    ),
    ("psycopg2.OperationalError: ERROR:  query_wait_timeout", C.TIMEOUT),
    ("ORA-02396: exceeded maximum idle time, please connect again", C.TIMEOUT),
    (
        "FATAL:  the database system is not yet accepting connections\nDETAIL:  Consistent recovery state has not been yet reached.",
        C.DEPENDENCY_UNAVAILABLE,
    ),
    ("ERROR:  pgbouncer cannot connect to server", C.DEPENDENCY_UNAVAILABLE),
    (
        "oracledb.exceptions.DatabaseError: ORA-03135: connection lost contact",
        C.DEPENDENCY_UNAVAILABLE,
    ),
    (
        "[Microsoft][ODBC Driver 18 for SQL Server]The connection is broken and recovery is not possible. The connection is marked by the client driver as unrecoverable.",
        C.DEPENDENCY_UNAVAILABLE,
    ),
    (
        "Msg 213, Level 16, State 1, Line 1\nColumn name or number of supplied values does not match table definition.",
        C.SCHEMA_MISMATCH,
    ),
    (
        "Msg 206, Level 16, State 2, Line 1\nOperand type clash: int is incompatible with date",
        C.SCHEMA_MISMATCH,
    ),
    (
        "Msg 544, Level 16, State 1, Line 1\nCannot insert explicit value for identity column in table 'Orders' when IDENTITY_INSERT is set to OFF.",
        C.CODE_ERROR,
    ),
    (
        'ERROR:  cannot insert a non-DEFAULT value into column "id"\nDETAIL:  Column "id" is an identity column defined as GENERATED ALWAYS.',
        C.CODE_ERROR,
    ),
    (
        "Msg 242, Level 16, State 3, Line 1\nThe conversion of a varchar data type to a datetime data type resulted in an out-of-range value.",
        C.DATA_QUALITY,
    ),
    ("ORA-16000: database or pluggable database open for read-only access", C.INFRASTRUCTURE),
    ("ORA-02391: exceeded simultaneous SESSIONS_PER_USER limit", C.RESOURCE_EXHAUSTION),
    (
        "Msg 1101, Level 17, State 12, Line 1\nCould not allocate a new page for database 'tempdb' because of insufficient disk space in filegroup 'PRIMARY'.",
        C.RESOURCE_EXHAUSTION,
    ),
    (
        "google.api_core.exceptions.BadRequest: 400 The query is too large. The maximum standard SQL query length is 1024.00K characters, including comments and white space characters.",
        C.CODE_ERROR,
    ),
    (
        "duckdb.duckdb.InvalidInputException: Invalid Input Error: CSV Error on Line: 42\nExpected Number of Columns: 5 Found: 6",
        C.DATA_QUALITY,
    ),
    ("cx_Oracle.DatabaseError: ORA-28040: No matching authentication protocol", C.ENVIRONMENT),
    (
        "sqlalchemy.exc.OperationalError: (pymysql.err.OperationalError) (1524, \"Plugin 'mysql_native_password' is not loaded\")",
        C.ENVIRONMENT,
    ),
    ("java.sql.SQLException: ORA-01882: timezone region not found", C.ENVIRONMENT),
    (
        'ERROR:  could not access file "$libdir/postgis-3": No such file or directory',
        C.ENVIRONMENT,
    ),
    (
        "Query 20261201_083012_00042_abcde failed: Insufficient active worker nodes. Waited 5.00m for at least 1 workers, but only 0 workers are active",
        C.INFRASTRUCTURE,
    ),
    (
        'org.apache.spark.SparkArithmeticException: [CAST_OVERFLOW] The value 3000000000L of the type "BIGINT" cannot be cast to "INT" due to an overflow.',
        C.DATA_QUALITY,
    ),
    (
        "pyspark.errors.exceptions.captured.AnalysisException: [NUM_COLUMNS_MISMATCH] UNION can only be performed on inputs with the same number of columns, but the first input has 3 columns and the second input has 4 columns.",
        C.SCHEMA_MISMATCH,
    ),
    (
        "elasticsearch.BadRequestError: BadRequestError(400, 'illegal_argument_exception', 'mapper [amount] cannot be changed from type [long] to [float]')",
        C.SCHEMA_MISMATCH,
    ),
    (
        "F261201 10:00:00.000000 2763 server/server.go:276 [n1] clock synchronization error: this node is more than 500ms away from at least half of the known nodes (0 of 3 are within the offset)",
        C.ENVIRONMENT,
    ),
    (
        "ERROR: split failed while applying backpressure to Put [/Table/53/1/42/0,/Min) on range r123:/Table/53/1/{0-100}: range 123 is too large; are rows updated in a tight loop?",
        C.RESOURCE_EXHAUSTION,
    ),
    (
        "redis.exceptions.ResponseError: MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. Commands that may modify the data set are disabled, because this instance is configured to report errors during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs for details about the RDB error.",
        C.RESOURCE_EXHAUSTION,
    ),
    (
        "elasticsearch.ApiError: ApiError(503, 'cluster_block_exception', 'blocked by: [SERVICE_UNAVAILABLE/1/state not recovered / initialized];')",
        C.DEPENDENCY_UNAVAILABLE,
    ),
    (
        "psycopg2.errors.ActiveSqlTransaction: VACUUM cannot run inside a transaction block",
        C.CODE_ERROR,
    ),
    (
        'ERROR:  column "o.status" must appear in the GROUP BY clause or be used in an aggregate function\nLINE 1: SELECT o.status, count(*) FROM orders o',
        C.CODE_ERROR,
    ),
    (
        "ERROR:  there is no unique or exclusion constraint matching the ON CONFLICT specification",
        C.SCHEMA_MISMATCH,
    ),
    (
        'ERROR:  conflicting key value violates exclusion constraint "bookings_room_during_excl"',
        C.DATA_QUALITY,
    ),
    (
        'ERROR:  invalid byte sequence for encoding "UTF8": 0x00\nCONTEXT:  COPY events, line 1042',
        C.DATA_QUALITY,
    ),
    (
        "pymysql.err.OperationalError: (1047, 'WSREP has not yet prepared node for application use')",
        C.DEPENDENCY_UNAVAILABLE,
    ),
    (
        "ERROR 3101 (HY000): Plugin instructed the server to rollback the current transaction.",
        C.CONCURRENCY,
    ),
    (
        "ERROR:  Query error: Restart read required at: { read: { physical: 1656351408684482 } local_limit: { physical: 1656351408684482 } }",
        C.CONCURRENCY,
    ),
    # batch 13-14: a queue job over the server's size limit; a CLI with no target; repo metadata a release no longer serves
    (
        "2026/12/06 01:00:00 enqueue failed: Put() error: job too big",
        C.RESOURCE_EXHAUSTION,
    ),
    ("Expected non-empty Director URL\n\nExit code 1", C.CONFIG_ERROR),
    (
        "Error: Failed to download metadata for repo 'appstream': Cannot prepare internal mirrorlist: No URLs in mirrorlist",
        C.CONFIG_ERROR,
    ),
    # batch 13-14: a memory limit below what the thread count needs; Go modules switched off; a kind the cluster does not serve
    (
        "E20261206 01:00:00.000100     1 dfly_main.cc:168] There are 16 threads, so 4.00GiB are required. Exiting...",
        C.CONFIG_ERROR,
    ),
    ("go: modules disabled by GO111MODULE=off; see 'go help modules'", C.CONFIG_ERROR),
    (
        'error: resource mapping not found for name: "web-cert" namespace: "shop" from "cert.yaml": no matches for kind "Certificate" in version "cert-manager.io/v1"\nensure CRDs are installed first',
        C.CONFIG_ERROR,
    ),
    # batch 13-14: an option value a client rejects; a signature that does not verify
    (
        "Error: invalid connection string: invalid value for option `target_session_attrs`",
        C.CONFIG_ERROR,
    ),
    (
        "Error: no matching signatures:\nsignature not found in transparency log",
        C.CONFIG_ERROR,
    ),
    # batch 13-14: a stack left failed by an earlier create; a storage engine error; too few cluster servers
    (
        "An error occurred (ValidationError) when calling the UpdateStack operation: Stack:arn:aws:cloudformation:eu-west-1:123456789012:stack/orders-api/1a2b3c4d is in ROLLBACK_COMPLETE state and can not be updated.",
        C.INFRASTRUCTURE,
    ),
    (
        "ERROR 1030 (HY000): Got error 168 - 'Unknown (generic) error from engine' from storage engine",
        C.INFRASTRUCTURE,
    ),
    (
        'Severity="40" Type="ClusterRecoveryRetrying" Error="no_more_servers" ErrorDescription="Not enough physical servers available" ErrorCode="1008"',
        C.INFRASTRUCTURE,
    ),
    # batch 13-14: no RPC provider registered; an iSCSI portal unreachable; a database closing the connection mid-operation
    (
        "java.lang.IllegalStateException: Failed to check the status of the service com.acme.OrderService. No provider available for the service com.acme.OrderService:1.0.0 from the url nacos://10.0.0.8:8848/org.apache.dubbo.registry.RegistryService",
        C.DEPENDENCY_UNAVAILABLE,
    ),
    (
        "iscsiadm: Connection to Discovery Address 10.20.0.15 failed\niscsiadm: Login I/O error, failed to receive a PDU",
        C.DEPENDENCY_UNAVAILABLE,
    ),
    (
        "Error applying statement: ClientConnectionEosError\nRolling back last operation...",
        C.DEPENDENCY_UNAVAILABLE,
    ),
    # batch 13-14: a Ruby library not installed; a parser older than the configured language; a binary without a driver
    (
        "/usr/lib/ruby/3.2.0/rubygems/core_ext/kernel_require.rb:85:in `require': cannot load such file -- pg (LoadError)",
        C.ENVIRONMENT,
    ),
    (
        "src/app.js\n  0:0  error  Parsing error: ecmaVersion must be 3, 5, 6, or 7.",
        C.ENVIRONMENT,
    ),
    (
        "2026/12/06 01:00:00 [FATAL] Failed to initialize ORM engine: this binary version does not build support for SQLite3",
        C.ENVIRONMENT,
    ),
    # batch 13-14: an agent older than its server; a TLS handshake aborted for want of a common protocol
    (
        'level=error msg="unable to create environment" error="Agent Platform Header is missing"',
        C.ENVIRONMENT,
    ),
    (
        "curl: (35) error:14094410:SSL routines:ssl3_read_bytes:sslv3 alert handshake failure",
        C.ENVIRONMENT,
    ),
    # batch 13-14: a linter's parser stopping; native-image unsupported features; SQL a dialect cannot parse
    ("/app/src/util.js\n  12:7  error  Parsing error: Unexpected token =>", C.CODE_ERROR),
    (
        "Error: Unsupported features in 3 methods\nDetailed message:\nError: com.oracle.svm.hosted.substitute.DeletedElementException: Unsupported method java.lang.ClassLoader.defineClass is reachable",
        C.CODE_ERROR,
    ),
    (
        "L:  12 | P:   5 |  PRS | Line 12, Position 5: Found unparsable section: 'QUALIFY ROW_NUMBER() OVER'",
        C.CODE_ERROR,
    ),
    # batch 13-14: a transaction past its time limit; a package missing from vendor/; an image not in local storage
    (
        "FoundationDB error 1007: Transaction is too old to perform reads or be committed",
        C.TIMEOUT,
    ),
    (
        "cmd/api/main.go:9:2: cannot find module providing package github.com/acme/metrics: import lookup disabled by -mod=vendor",
        C.MISSING_INPUT,
    ),
    (
        'Error: reference "[overlay@/var/lib/containers/storage]localhost/app:dev" does not resolve to an image ID',
        C.MISSING_INPUT,
    ),
    # batch 13-14: a migration adding a column the table already has
    ('ERROR:  column "created_at" of relation "orders" already exists', C.SCHEMA_MISMATCH),
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


@pytest.mark.parametrize(
    ("text", "foreign"),
    [
        ("ERROR: Failed to authenticate some domains (authenticator: nginx)", "Snowflake"),
        ('ERROR:  syntax error at or near "FORM" at character 15', "dbt"),
        (
            "ray.exceptions.OutOfMemoryError: Task was killed due to the node running low on memory.",
            "JVM",
        ),
        ("upstream request failed: connect timed out after 10s", "JVM"),
        ("urllib3: Connection to minio.internal refused", "JVM"),
    ],
)
def test_a_generic_wording_names_no_system_it_does_not_see(text: str, foreign: str) -> None:
    """A wording every system uses must not claim one system: the cause would mislead."""
    rep = analyze(from_text(text))
    assert rep.top is not None and rep.category is not C.UNKNOWN
    assert foreign not in rep.top.cause, rep.top.cause
