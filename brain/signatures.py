# ruff: noqa: E501  (regex catalog: long patterns read better unsplit)
"""The failure-signature catalog: what pipeline libraries really print, mapped to root causes.

Each `Signature` is data. A signature matches one exception of the chain when its
`types` (qualified-name suffixes, any of) match the exception type, its `message`
regex matches the message and its `code` regex matches the failing line's code; all
given conditions must hold. `text` is a regex used when only free text is available
(logs, a pasted error line) and is also tried against the whole input. `also` lists
secondary categories that stay plausible when the signature matches.

Confidence is calibrated per signature: ~0.9 when the match alone pins the root cause,
~0.5 when it is a hint.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from brain.models import Category as C
from brain.models import Severity

_FLAGS = re.IGNORECASE


@dataclass(frozen=True)
class Signature:
    id: str
    category: C
    cause: str
    confidence: float
    remediation: tuple[str, ...]
    types: tuple[str, ...] = ()
    message: re.Pattern[str] | None = None
    code: re.Pattern[str] | None = None
    frames: re.Pattern[str] | None = None
    # Source lines just above the failing user line (when the source is available).
    context: re.Pattern[str] | None = None
    text: re.Pattern[str] | None = None
    fix: str | None = None
    also: tuple[tuple[C, float], ...] = ()
    severity: Severity | None = None
    # Library/user wrappers that never are a root cause by themselves.
    generic: bool = False
    # Match when the type OR the message matches (instead of both).
    either: bool = False
    type_names: tuple[str, ...] = field(default=(), compare=False)


def _rx(pattern: str | None) -> re.Pattern[str] | None:
    return re.compile(pattern, _FLAGS) if pattern else None


def sig(
    id: str,
    category: C,
    cause: str,
    confidence: float,
    remediation: list[str],
    *,
    types: str | tuple[str, ...] = (),
    message: str | None = None,
    code: str | None = None,
    frames: str | None = None,
    context: str | None = None,
    text: str | None = None,
    fix: str | None = None,
    also: tuple[tuple[C, float], ...] = (),
    severity: Severity | None = None,
    generic: bool = False,
    either: bool = False,
) -> Signature:
    tps = (types,) if isinstance(types, str) else types
    return Signature(
        id=id,
        category=category,
        cause=cause,
        confidence=confidence,
        remediation=tuple(remediation),
        types=tps,
        message=_rx(message),
        code=_rx(code),
        frames=re.compile(frames) if frames else None,
        context=_rx(context),
        text=re.compile(text, _FLAGS | re.MULTILINE) if text else None,
        fix=fix,
        also=also,
        severity=severity,
        generic=generic,
        either=either,
        type_names=tuple(t.rsplit(".", 1)[-1] for t in tps),
    )


# Exception types that only wrap the real error: never judged on their own.
WRAPPER_TYPES: tuple[str, ...] = (
    "DagsterExecutionStepExecutionError",
    "DagsterUserCodeExecutionError",
    "DagsterExecutionLoadInputError",
    "DagsterExecutionHandleOutputError",
    "DagsterResourceFunctionError",
    "DagsterConfigMappingFunctionError",
    "DagsterTypeLoadingError",
    "DagsterUserCodeProcessError",
    "DagsterSubprocessError",
    "DagsterMaxRetriesExceededError",
    "RetryError",
    "StatementError",
    "DBAPIError",
    "ExceptionGroup",
    "BaseExceptionGroup",
)

ENV_CODE = r"os\.environ|getenv|environ\.get|\benv\[|ENV\[|settings\.|\bconfig\[|\bcfg\["

SIGNATURES: list[Signature] = [
    # ------------------------------------------------------------------ config_error
    sig(
        "env_var_keyerror",
        C.CONFIG_ERROR,
        "Required environment variable {q} is not set",
        0.94,
        [
            "Set the variable in the deployment (code location env, k8s secret, .env) "
            "and redeploy the code location.",
            "Read it once at startup with a clear error, e.g. `os.environ.get(NAME)` plus "
            "`raise RuntimeError('NAME must be set')`, or use dagster.EnvVar in resources.",
        ],
        types="KeyError",
        code=r"os\.environ\s*\[|environ\s*\[|getenv",
        fix="read the variable with os.environ.get() and fail early with a clear message, "
        "and make sure the variable is set where the run worker executes",
    ),
    sig(
        "env_var_keyerror_frames",
        C.CONFIG_ERROR,
        "Required environment variable {q} is not set",
        0.9,
        [
            "Set the variable where the run worker executes and redeploy.",
            "Use dagster.EnvVar / os.environ.get with an explicit error for missing settings.",
        ],
        types="KeyError",
        frames=r"[\\/]os\.py$|<frozen os>",
    ),
    sig(
        "none_from_env",
        C.CONFIG_ERROR,
        "A setting read with os.getenv/environ.get is unset, so the code got None",
        0.86,
        [
            "Set the variable in the deployment, or give it a default / fail early with a clear "
            "message when it is missing.",
        ],
        types=("AttributeError", "TypeError"),
        message=r"NoneType",
        context=r"getenv\(|environ\.get\(|EnvVar\(",
        fix="check the value read from the environment is not None and fail with a clear message",
    ),
    sig(
        "none_from_env_code",
        C.CONFIG_ERROR,
        "A setting read with os.getenv/environ.get is unset, so the code got None",
        0.88,
        ["Set the variable in the deployment, or fail early with a clear message when missing."],
        types=("AttributeError", "TypeError", "ValueError"),
        message=r"NoneType|not 'NoneType'|None",
        code=r"getenv\(|environ\.get\(",
    ),
    sig(
        "config_keyerror",
        C.CONFIG_ERROR,
        "A required configuration key {q} is missing",
        0.8,
        [
            "Add the key to the configuration (run config, YAML/TOML settings) for this "
            "deployment.",
            "Validate configuration at load time with a schema (Dagster Config, pydantic).",
        ],
        types="KeyError",
        code=r"\b(config|cfg|conf|settings|params|options|run_config|op_config|CONFIG|SETTINGS)\w*"
        r"(\[|\.get\b)",
        also=((C.CODE_ERROR, 0.45),),
    ),
    sig(
        "env_var_int_parse",
        C.CONFIG_ERROR,
        "Setting {env} read from the environment/config has an invalid value",
        0.9,
        [
            "Fix the value of the setting in the deployment environment or run config.",
            "Validate settings at startup (pydantic-settings / Dagster Config) with a clear message.",
        ],
        types=("ValueError", "TypeError"),
        message=r"invalid literal for int\(\)|could not convert string to float|"
        r"int\(\) argument must be|float\(\) argument must be",
        code=ENV_CODE,
    ),
    sig(
        "env_var_missing_msg",
        C.CONFIG_ERROR,
        "A required environment variable or setting is missing",
        0.86,
        [
            "Define the missing variable/setting for the code location and redeploy.",
            "List required settings in the README and validate them at startup.",
        ],
        message=r"(environment variable|env var|envvar)\b.{0,80}\b(not set|missing|required|"
        r"undefined|not defined|not provided|must be set|is empty)|"
        r"(missing|required|undefined)\b.{0,40}\b(environment variable|env var)|"
        r"\b[A-Z][A-Z0-9_]{2,}\b (is not set|must be set|is required)",
        text=r"(environment variable|env var)\b.{0,80}\b(not set|missing|required|must be set)|"
        r"(missing|undefined|unset)\s+(required\s+)?(environment variable|env var)",
    ),
    sig(
        "dagster_invalid_config",
        C.CONFIG_ERROR,
        "The run config does not match the job's config schema",
        0.94,
        [
            "Fix the run config (launchpad / schedule / sensor RunRequest) to match the "
            "schema quoted in the error: required entries, field names and types.",
            "Give config fields defaults or make them Optional when they are not always set.",
        ],
        types=("DagsterInvalidConfigError", "DagsterInvalidConfigDefinitionError"),
        text=r"DagsterInvalidConfigError|Error \d+: Missing required config entry|"
        r"Received unexpected config entry|Invalid scalar at path",
    ),
    sig(
        "dagster_config_text",
        C.CONFIG_ERROR,
        "The run config does not match the job's config schema",
        0.9,
        ["Fix the run config entries named in the error and relaunch."],
        message=r"Missing required config entry|Received unexpected config entry|"
        r"Invalid scalar at path|Error in config for (job|op|resource|pipeline)",
    ),
    sig(
        "dagster_home",
        C.CONFIG_ERROR,
        "DAGSTER_HOME is not set or invalid",
        0.92,
        ["Set DAGSTER_HOME to an absolute directory containing dagster.yaml."],
        types="DagsterHomeNotSetError",
        message=r"DAGSTER_HOME",
    ),
    sig(
        "dagster_unknown_resource",
        C.CONFIG_ERROR,
        "An op/asset requires a resource that is not provided in Definitions",
        0.85,
        [
            "Add the resource key to Definitions(resources=...) (or the job's resource_defs).",
            "Check the resource key spelling in required_resource_keys / the function signature.",
        ],
        types="DagsterUnknownResourceError",
        message=r"Unknown resource|resource with key .* (not|was not) (found|provided)",
        also=((C.CODE_ERROR, 0.5),),
    ),
    sig(
        "dagster_unknown_partition",
        C.CONFIG_ERROR,
        "The run targets a partition key that does not exist",
        0.8,
        ["Launch the run with a partition key from the asset's partitions definition."],
        types="DagsterUnknownPartitionError",
    ),
    sig(
        "settings_validation",
        C.CONFIG_ERROR,
        "The settings/config object failed validation (missing or invalid setting)",
        0.86,
        ["Provide the setting named in the validation error (env var, .env, run config)."],
        types=("ValidationError",),
        message=r"validation errors? for \w*(Settings|Config|Configuration|Resource|Credentials)\b",
    ),
    sig(
        "pydantic_settings",
        C.CONFIG_ERROR,
        "Application settings failed validation",
        0.85,
        [
            "Set the missing/invalid settings named in the validation error.",
            "Check the env prefix and .env file the settings class reads.",
        ],
        types="ValidationError",
        frames=r"pydantic_settings|[\\/]settings\.py$|[\\/]config\.py$",
    ),
    sig(
        "config_file_parse",
        C.CONFIG_ERROR,
        "A configuration file could not be parsed",
        0.82,
        [
            "Fix the syntax of the configuration file at the position given in the error.",
            "Validate config files in CI (yamllint / toml parse).",
        ],
        types=(
            "ScannerError",
            "ParserError",
            "ComposerError",
            "TOMLDecodeError",
            "MissingSectionHeaderError",
            "NoSectionError",
            "NoOptionError",
            "DuplicateSectionError",
            "InterpolationError",
        ),
        frames=r"yaml|tomllib|toml|configparser",
    ),
    sig(
        "config_file_missing",
        C.CONFIG_ERROR,
        "A configuration file the pipeline expects is missing",
        0.9,
        ["Ship the configuration file with the deployment or point the setting at it."],
        types=("FileNotFoundError", "IOError", "OSError"),
        message=r"(config|settings|profiles|\.env\b|credentials)[^'\"]*\.(ya?ml|toml|ini|cfg|conf|json|env)",
        also=((C.MISSING_INPUT, 0.5),),
    ),
    sig(
        "aws_profile_missing",
        C.CONFIG_ERROR,
        "The AWS profile named in the configuration does not exist",
        0.9,
        ["Fix AWS_PROFILE / profile_name, or provide the profile in ~/.aws/config."],
        types=("ProfileNotFound",),
        message=r"",
        text=r"The config profile \(.*\) could not be found",
    ),
    sig(
        "sqlalchemy_bad_url",
        C.CONFIG_ERROR,
        "The database connection URL is malformed or uses an unknown dialect",
        0.88,
        ["Fix the SQLAlchemy URL (dialect+driver://user:pass@host:port/db) in the settings."],
        types=("ArgumentError", "NoSuchModuleError"),
        message=r"Could not parse SQLAlchemy URL|Can't load plugin|Could not parse .*URL",
    ),
    sig(
        "tls_protocol_mismatch",
        C.CONFIG_ERROR,
        "TLS was spoken to a plain-text port (or vice versa): wrong scheme/port in the endpoint",
        0.78,
        ["Use the scheme the server speaks (http vs https) and the matching port in the config."],
        message=r"WRONG_VERSION_NUMBER|wrong version number|unknown protocol|http request to an https server",
        also=((C.DEPENDENCY_UNAVAILABLE, 0.45),),
    ),
    sig(
        "http_bad_url",
        C.CONFIG_ERROR,
        "The HTTP endpoint URL in the configuration is invalid",
        0.88,
        ["Fix the base URL setting: it needs a scheme (https://) and a valid host."],
        types=(
            "MissingSchema",
            "InvalidSchema",
            "InvalidURL",
            "UnsupportedProtocol",
            "LocationParseError",
            "LocationValueError",
        ),
        message=r"No scheme supplied|Invalid URL|No connection adapters|missing an 'http://' or 'https://'|"
        r"Unsupported protocol|Failed to parse|No host specified",
        text=r"Invalid URL '.*': No scheme supplied|Request URL is missing an 'http://' or 'https://' protocol",
    ),
    sig(
        "pg_bad_dsn",
        C.CONFIG_ERROR,
        "The PostgreSQL connection settings are invalid",
        0.85,
        ["Fix the connection string / DSN options in the resource configuration."],
        message=r"invalid dsn|invalid connection option|invalid sslmode value|"
        r"invalid integer value .* for connection option",
    ),
    sig(
        "pg_database_missing",
        C.CONFIG_ERROR,
        "The configured database does not exist on the server",
        0.82,
        ["Point the connection at an existing database or create it (CREATE DATABASE)."],
        message=r'FATAL:\s+database ".+" does not exist|Unknown database \'',
        also=((C.MISSING_INPUT, 0.5),),
    ),
    sig(
        "aws_no_region",
        C.CONFIG_ERROR,
        "The AWS client has no region configured",
        0.92,
        ["Set AWS_DEFAULT_REGION / region_name on the client or in the AWS profile."],
        types="NoRegionError",
        text=r"You must specify a region",
    ),
    sig(
        "aws_param_validation",
        C.CONFIG_ERROR,
        "An AWS API call received invalid parameters (e.g. empty bucket/key from config)",
        0.85,
        ["Check bucket/key/parameter values passed to the client; they come from config."],
        types=("ParamValidationError",),
        message=r"Parameter validation failed|Invalid bucket name",
        text=r"Parameter validation failed:",
    ),
    sig(
        "snowflake_no_warehouse",
        C.CONFIG_ERROR,
        "The Snowflake session has no warehouse/database selected",
        0.88,
        ["Set warehouse/database/schema in the Snowflake resource configuration."],
        message=r"No active warehouse selected|Please specify the warehouse|"
        r"does not have a current database|This session does not have a current",
    ),
    sig(
        "gcp_no_project",
        C.CONFIG_ERROR,
        "The Google Cloud client cannot determine the project",
        0.88,
        ["Pass project= to the client or set GOOGLE_CLOUD_PROJECT."],
        message=r"Project was not passed and could not be determined|project_id.*not (set|found)",
    ),
    sig(
        "dbt_profile",
        C.CONFIG_ERROR,
        "dbt cannot load its profile/project configuration",
        0.9,
        [
            "Check profiles.yml / DBT_PROFILES_DIR and the target named in the run.",
            "Provide the env vars profiles.yml references with env_var().",
        ],
        message=r"Could not find profile named|Env var required but not provided|"
        r"Credentials in profile .* invalid|dbt_project\.yml.*(not found|does not exist)|"
        r"Could not find a profile|The profile .* does not have a target",
        text=r"Could not find profile named|Env var required but not provided|"
        r"Credentials in profile \S+, target \S+ invalid",
    ),
    sig(
        "config_generic",
        C.CONFIG_ERROR,
        "A configuration value is missing or invalid",
        0.62,
        ["Check the setting named in the error against the documented configuration."],
        message=r"\b(invalid|missing|bad|unknown|unsupported|unrecognized)\b.{0,30}\b(config|configuration|"
        r"setting|option|parameter)\b|\b(config|configuration|setting)\b.{0,40}\b(invalid|missing|"
        r"not set|not found|required)\b|misconfigur",
        text=r"\b(invalid|missing)\b.{0,20}\b(configuration|config)\b",
    ),
    # ------------------------------------------------------------------ environment
    sig(
        "module_not_found",
        C.ENVIRONMENT,
        "Python package {q} is not installed in the runtime environment",
        0.93,
        [
            "Add the package to the code location's dependencies (pyproject/requirements) and "
            "rebuild the image / virtualenv.",
            "Check the run worker uses the same environment as development (python -m pip list).",
        ],
        types=("ModuleNotFoundError",),
        text=r"ModuleNotFoundError: No module named|ImportError: No module named",
    ),
    sig(
        "import_no_module",
        C.ENVIRONMENT,
        "Python package {q} is not installed in the runtime environment",
        0.9,
        ["Install the missing package in the deployment image and redeploy."],
        types="ImportError",
        message=r"No module named",
    ),
    sig(
        "import_circular",
        C.CODE_ERROR,
        "Circular import in the pipeline's modules",
        0.85,
        ["Move the shared import into a function or a separate module to break the cycle."],
        types="ImportError",
        message=r"partially initialized module|circular import",
    ),
    sig(
        "import_env",
        C.ENVIRONMENT,
        "A package failed to import in the runtime environment (broken or incompatible install)",
        0.86,
        ["Reinstall the package and its dependencies in the image from a lock file."],
        types=("ImportError", "OSError"),
        message=r"Unable to import required dependencies|Error importing|cannot open shared object file|"
        r"DLL load failed|undefined symbol|incompatible architecture|wrong ELF class",
    ),
    sig(
        "import_plain",
        C.ENVIRONMENT,
        "A package failed to import in the runtime environment",
        0.7,
        ["Check the package is installed and importable in the deployment image."],
        types=("ImportError",),
        message=r"",
        also=((C.CODE_ERROR, 0.45),),
    ),
    sig(
        "import_cannot_name",
        C.ENVIRONMENT,
        "An installed package version lacks a name the code imports (version mismatch)",
        0.82,
        [
            "Pin the package version the code was written for, or update the import.",
            "Compare `pip freeze` of the deployment with the lock file.",
        ],
        types="ImportError",
        message=r"cannot import name",
        also=((C.CODE_ERROR, 0.45),),
    ),
    sig(
        "shared_library",
        C.ENVIRONMENT,
        "A native shared library needed by a package is missing from the image",
        0.92,
        ["Install the system library (apt/yum) in the image, or use the manylinux wheel."],
        message=r"cannot open shared object file|DLL load failed|Library not loaded|"
        r"GLIBC_\d|GLIBCXX_\d|undefined symbol:|image not found",
        text=r"cannot open shared object file|DLL load failed|GLIBC_[\d.]+' not found|"
        r"Library not loaded",
    ),
    sig(
        "numpy_abi",
        C.ENVIRONMENT,
        "Binary incompatibility between numpy and a compiled package",
        0.93,
        [
            "Reinstall the compiled packages against the installed numpy (or pin numpy<2).",
            "Rebuild the environment from a lock file so versions match.",
        ],
        message=r"numpy\.dtype size changed|binary incompatibility|compiled using NumPy 1\.x|"
        r"_ARRAY_API not found|numpy\.core\.multiarray failed to import|"
        r"module compiled against (ABI|API) version",
        text=r"numpy\.dtype size changed|compiled using NumPy 1\.x cannot be run|_ARRAY_API not found",
    ),
    sig(
        "removed_kwarg",
        C.ENVIRONMENT,
        "The code passes an argument the installed library version no longer accepts",
        0.9,
        [
            "Pin the library version the code was written for, or port the call "
            "(e.g. pandas 2 / SQLAlchemy 2 migration notes).",
        ],
        types=("TypeError", "ArgumentError", "ObjectNotExecutableError"),
        message=r"unexpected keyword argument '(line_terminator|error_bad_lines|warn_bad_lines|squeeze|"
        r"date_parser|infer_datetime_format|mangle_dupe_cols|convert_dtype|inplace)'|"
        r"Not an executable object|should be explicitly declared as text",
        also=((C.CODE_ERROR, 0.5),),
    ),
    sig(
        "package_version_conflict",
        C.ENVIRONMENT,
        "Installed package versions are incompatible",
        0.88,
        ["Resolve the version conflict in the dependency pins and rebuild the environment."],
        types=(
            "VersionConflict",
            "DistributionNotFound",
            "PackageNotFoundError",
            "ContextualVersionConflict",
        ),
        message=r"requires .* but|version|not found|No package metadata",
        text=r"VersionConflict|DistributionNotFound|has requirement .* but you have|"
        r"is incompatible with|requires .*, but you have",
    ),
    sig(
        "removed_api_module",
        C.ENVIRONMENT,
        "Library API used by the code is missing from the installed version",
        0.86,
        [
            "Pin the library version the code targets, or port the call to the new API.",
            "Check the library's changelog for the removed attribute.",
        ],
        types="AttributeError",
        message=r"module '[\w.]+' has no attribute|"
        r"'(DataFrame|Series)' object has no attribute '(append|iteritems|ix|as_matrix|get_value|"
        r"set_value|swapaxes|is_copy|sort|to_sparse|mad|lookup|applymap|convert_objects)'|"
        r"'(Engine|Connection|OptionEngine)' object has no attribute '(execute|table_names|has_table)'",
        also=((C.CODE_ERROR, 0.5),),
    ),
    sig(
        "missing_binary",
        C.ENVIRONMENT,
        "An executable the pipeline runs is not installed or not on PATH",
        0.9,
        [
            "Install the executable in the image or give its absolute path.",
            "Check PATH of the run worker (it differs from the interactive shell).",
        ],
        types=("FileNotFoundError", "OSError"),
        frames=r"[\\/]subprocess\.py$|[\\/]shutil\.py$",
        text=r"^(?:/bin/sh: |sh: |bash: )?(?:line \d+: |\d+: )?[\w./-]+: (command )?not found\s*$|"
        r"executable .* not found|No such file or directory: '(dbt|java|spark-submit|psql|aws|gcloud|"
        r"bq|gsutil|node|docker|kubectl|git|ffmpeg)'",
    ),
    sig(
        "missing_binary_bare_name",
        C.ENVIRONMENT,
        "A program the pipeline runs (a bare command name, not a data path) is not installed or "
        "not on PATH",
        0.88,
        [
            "Install the executable in the image or give its absolute path.",
            "Check PATH of the run worker (it differs from the interactive shell).",
        ],
        types=("FileNotFoundError",),
        # A bare name with no directory and no extension is a command, not a data file.
        message=r"No such file or directory: '[A-Za-z][\w+-]*'\s*$",
        also=((C.MISSING_INPUT, 0.5),),
    ),
    sig(
        "java_missing",
        C.ENVIRONMENT,
        "Java is not installed or JAVA_HOME is not set for Spark",
        0.9,
        ["Install a supported JDK in the image and set JAVA_HOME."],
        message=r"JAVA_HOME is not set|Java gateway process exited|Unable to locate a Java Runtime",
        text=r"JAVA_HOME is not set|Java gateway process exited before sending its port number",
    ),
    sig(
        "ssl_certificate",
        C.ENVIRONMENT,
        "TLS certificate verification failed (missing CA bundle or intercepting proxy)",
        0.82,
        [
            "Install/update CA certificates in the image (ca-certificates, certifi).",
            "Point REQUESTS_CA_BUNDLE/SSL_CERT_FILE at the corporate CA if a proxy intercepts TLS.",
        ],
        message=r"CERTIFICATE_VERIFY_FAILED|certificate verify failed|self[- ]signed certificate|"
        r"unable to get local issuer certificate",
        also=((C.DEPENDENCY_UNAVAILABLE, 0.45), (C.CONFIG_ERROR, 0.4)),
    ),
    sig(
        "python_version",
        C.ENVIRONMENT,
        "A library requires a different Python version than the runtime's",
        0.75,
        ["Run the code location on the Python version the dependencies support."],
        message=r"requires a different Python|Python \d\.\d+ or (newer|later) is required|"
        r"not supported on this python version|unsupported Python version",
    ),
    # ------------------------------------------------------------------ timeout
    sig(
        "dagster_start_timeout",
        C.INFRASTRUCTURE,
        "The run worker did not start (or stop) in time: the launcher/cluster could not run it",
        0.86,
        [
            "Check the run launcher/cluster for pending pods, image pulls, quota or capacity "
            "problems at the run's start time.",
            "Raise run_monitoring start_timeout_seconds only if slow starts are expected.",
        ],
        message=r"Run timed out due to taking longer than .{0,40} to (start|cancel)",
        text=r"Run timed out due to taking longer than .{0,40} to (start|cancel)",
        also=((C.TIMEOUT, 0.6),),
    ),
    sig(
        "dagster_max_runtime",
        C.TIMEOUT,
        "The run exceeded its maximum runtime and was terminated by Dagster",
        0.94,
        [
            "Find the slow step (step durations in the run) and optimise it or split the job.",
            "Raise the dagster/max_runtime tag only if the longer runtime is expected.",
        ],
        message=r"exceed(?:ed|ing) (?:the )?maximum runtime",
        text=r"exceed(?:ed|ing) (?:the )?maximum runtime|max_runtime.*exceeded",
    ),
    sig(
        "statement_timeout",
        C.TIMEOUT,
        "A database query was cancelled by the statement timeout",
        0.93,
        [
            "Optimise the query (indexes, filters, incremental loads) or raise statement_timeout "
            "for this role/session deliberately.",
            "Check for lock contention or a missing index on the queried table.",
        ],
        message=r"canceling statement due to statement timeout|statement timeout|"
        r"reached its statement or warehouse timeout|Query execution was interrupted, maximum statement "
        r"execution time exceeded|Query exceeded (the )?(maximum )?(execution|query) time",
        text=r"canceling statement due to statement timeout|reached its statement or warehouse timeout",
    ),
    sig(
        "http_read_timeout",
        C.TIMEOUT,
        "An HTTP call to an external service timed out",
        0.9,
        [
            "Check the external service's latency/status; retry with backoff.",
            "Set an explicit, realistic timeout and page through large responses.",
        ],
        types=(
            "ReadTimeout",
            "ConnectTimeout",
            "WriteTimeout",
            "PoolTimeout",
            "ReadTimeoutError",
            "ConnectTimeoutError",
            "Timeout",
            "TimeoutException",
        ),
        text=r"Read timed out\. \(read timeout=|ReadTimeout(Error)?:|ConnectTimeout(Error)?:|"
        r"Read timeout on endpoint URL|Connect timeout on endpoint URL",
    ),
    sig(
        "timeout_in_message",
        C.TIMEOUT,
        "A call to an external service timed out",
        0.88,
        [
            "Check the service's latency/status; retry with backoff.",
            "Set explicit connect/read timeouts and reduce the work per call.",
        ],
        message=r"ConnectTimeoutError|ReadTimeoutError|Read timed out|read timeout=|connect timeout=|"
        r"Connection to .* timed out|Connection timed out|\[Errno 110\]|ETIMEDOUT",
        text=r"Connection timed out|\[Errno 110\]|ETIMEDOUT",
        also=((C.DEPENDENCY_UNAVAILABLE, 0.6),),
    ),
    sig(
        "timeout_builtin",
        C.TIMEOUT,
        "An operation timed out waiting for a remote service or process",
        0.86,
        [
            "Check the remote service's health/latency; add retries with backoff.",
            "Raise the timeout only if the operation is legitimately slow.",
        ],
        types=(
            "TimeoutError",
            "socket.timeout",
            "timeout",
            "TimeoutExpired",
            "DeadlineExceeded",
            "DEADLINE_EXCEEDED",
            "Timeout",
            "SoftTimeLimitExceeded",
            "TimeLimitExceeded",
            "StepTimeoutError",
            "ReadTimeout",
            "ConnectTimeout",
            "KafkaTimeoutError",
            "ServerSelectionTimeoutError",
            "LockTimeout",
            "OperationTimedOut",
        ),
    ),
    sig(
        "timed_out_msg",
        C.TIMEOUT,
        "An operation timed out",
        0.78,
        ["Check what the operation waited on; retry with backoff or raise the timeout."],
        message=r"timed out|timeout (expired|exceeded|reached|error)|deadline exceeded|"
        r"took too long|Futures timed out after|operation timed out|timeout after \d|"
        r"exceed(?:ed|s|ing) (?:its |the |a )?(?:\w+ )?(?:timeout|time ?limit)|"
        r"\btimeout of [\d.]+ ?(?:s|ms|sec|seconds|minutes)? ?(?:was )?exceeded",
        text=r"\b(timed out|deadline exceeded|Futures timed out after)\b|"
        r"exceed(?:ed|s|ing) (?:its |the |a )?(?:\w+ )?(?:timeout|time ?limit)|"
        r"\btimeout of [\d.]+ ?(?:s|ms|sec|seconds|minutes)? ?(?:was )?exceeded",
    ),
    sig(
        "http_504",
        C.DEPENDENCY_UNAVAILABLE,
        "The service's gateway timed out (HTTP 504): the service is failing or overloaded",
        0.88,
        ["Retry with backoff; check the service's latency and reduce request size."],
        message=r"\b504\b.{0,40}(Gateway Time-?out)|Gateway Time-?out",
        text=r"\b504\b.{0,30}Gateway Time-?out",
        also=((C.TIMEOUT, 0.7),),
    ),
    # ------------------------------------------------------------------ rate_limited
    sig(
        "http_429",
        C.RATE_LIMITED,
        "The external API rejected requests for exceeding its rate limit (HTTP 429)",
        0.94,
        [
            "Honour Retry-After and retry with exponential backoff.",
            "Reduce request concurrency / batch requests; ask the provider for a higher quota.",
        ],
        message=r"\b429\b.{0,40}(Too Many|rate|Client Error|GET|POST|RESOURCE_EXHAUSTED|quota)|Too Many Requests|"
        r"(status|code|HTTP)(_code| code)?\W{0,3}429\b",
        text=r"\b429\b.{0,40}(Too Many Requests|rate)|Too Many Requests|status(_code)?[=: ]+429\b|"
        r"\b(received|got|returned|HTTP|code|error)\W{0,3}429\b",
    ),
    sig(
        "rate_limit_msg",
        C.RATE_LIMITED,
        "The provider is throttling requests (rate limit or quota exceeded)",
        0.9,
        [
            "Back off and retry with jitter; limit concurrency to the provider's quota.",
            "Request a quota increase if the volume is expected.",
        ],
        message=r"rate[- ]?limit|Rate exceeded|throttl|SlowDown|Please reduce your request rate|"
        r"RequestLimitExceeded|ProvisionedThroughputExceeded|TooManyRequests|"
        r"Quota exceeded|quotaExceeded|rateLimitExceeded|userRateLimitExceeded|exceeded .*quota|"
        r"Requests? (is|are) being throttled|RESOURCE_EXHAUSTED|ratelimited",
        types=(),
        text=r"rate[- ]?limit(ed| exceeded)|Rate exceeded|ThrottlingException|SlowDown|"
        r"Quota exceeded|rateLimitExceeded|Too many requests",
    ),
    sig(
        "rate_limit_types",
        C.RATE_LIMITED,
        "The provider is throttling requests (rate limit or quota exceeded)",
        0.9,
        ["Back off and retry; lower concurrency; raise the quota."],
        types=(
            "ThrottlingException",
            "TooManyRequests",
            "RateLimitError",
            "ResourceExhausted",
            "SlowDown",
            "ProvisionedThroughputExceededException",
            "TooManyRequestsException",
        ),
    ),
    # ------------------------------------------------------------------ auth_failure
    sig(
        "http_401",
        C.AUTH_FAILURE,
        "The external service rejected the credentials (HTTP 401 Unauthorized)",
        0.93,
        [
            "Rotate/refresh the API token or key and update the secret the resource reads.",
            "Check the token has not expired and is sent in the expected header.",
        ],
        message=r"\b401\b.{0,40}(Unauthori|Client Error|GET|POST|PUT)|Unauthori[sz]ed|Unauthenticated|"
        r"(status|code|HTTP)(_code| code)?\W{0,3}401\b",
        text=r"\b401\b.{0,40}Unauthori[sz]ed|401 Client Error|status(_code)?[=: ]+401\b",
    ),
    sig(
        "pg_password",
        C.AUTH_FAILURE,
        "The database rejected the login (wrong or missing password)",
        0.95,
        [
            "Fix the database password in the secret/env var the resource uses.",
            "Check the user exists and the password was not rotated.",
        ],
        message=r"password authentication failed|no password supplied|fe_sendauth|"
        r"Peer authentication failed|Ident authentication failed|authentication failed for user|"
        r"Access denied for user .*\(using password|Login failed for user",
        text=r"password authentication failed for user|fe_sendauth: no password supplied|"
        r"Access denied for user '.*' \(using password",
    ),
    sig(
        "pg_role_missing",
        C.AUTH_FAILURE,
        "The database login role does not exist",
        0.94,
        ["Use an existing role in the connection settings or create the role."],
        message=r'role ".+" does not exist|role .* is not permitted to log in',
        also=((C.CONFIG_ERROR, 0.6),),
        text=r'role ".+" (does not exist|is not permitted to log in)',
    ),
    sig(
        "pg_hba",
        C.AUTH_FAILURE,
        "The database server does not accept logins from this host/user (pg_hba.conf)",
        0.75,
        ["Add a pg_hba.conf entry for the worker's host/user or connect with SSL as required."],
        message=r"no pg_hba\.conf entry",
        also=((C.PERMISSION_DENIED, 0.6),),
    ),
    sig(
        "aws_credentials",
        C.AUTH_FAILURE,
        "AWS credentials are missing, invalid or expired",
        0.93,
        [
            "Provide credentials to the run worker (IAM role / AWS_PROFILE / access key env vars).",
            "Refresh expired session tokens (SSO login, STS assume-role).",
        ],
        types=(
            "NoCredentialsError",
            "PartialCredentialsError",
            "CredentialRetrievalError",
            "UnauthorizedSSOTokenError",
            "TokenRetrievalError",
        ),
        message=r"",
        text=r"Unable to locate credentials|InvalidAccessKeyId|SignatureDoesNotMatch|ExpiredToken|"
        r"The security token included in the request is (invalid|expired)|InvalidClientTokenId|"
        r"UnrecognizedClientException|The AWS Access Key Id you provided does not exist",
    ),
    sig(
        "aws_credentials_msg",
        C.AUTH_FAILURE,
        "AWS credentials are missing, invalid or expired",
        0.93,
        ["Fix the AWS credentials of the run worker (role, profile or keys) and retry."],
        message=r"Unable to locate credentials|InvalidAccessKeyId|SignatureDoesNotMatch|ExpiredToken|"
        r"security token included in the request is (invalid|expired)|InvalidClientTokenId|"
        r"SSO session .{0,60} expired|Error loading SSO Token|"
        r"UnrecognizedClientException|Access Key Id you provided does not exist|"
        r"Token has expired|The provided token has expired",
    ),
    sig(
        "gcp_credentials",
        C.AUTH_FAILURE,
        "Google Cloud credentials are missing, invalid or expired",
        0.92,
        [
            "Provide credentials (GOOGLE_APPLICATION_CREDENTIALS / workload identity) to the worker.",
            "Re-create the service-account key if it was revoked.",
        ],
        types=("DefaultCredentialsError", "RefreshError", "Unauthenticated"),
        message=r"",
        text=r"Could not automatically determine credentials|invalid_grant|"
        r"Request had invalid authentication credentials|DefaultCredentialsError",
    ),
    sig(
        "snowflake_auth",
        C.AUTH_FAILURE,
        "Snowflake rejected the login",
        0.93,
        ["Fix the Snowflake user/password/key in the resource secret; check the key pair and MFA."],
        message=r"Incorrect username or password was specified|JWT token is invalid|"
        r"Authentication token has expired|Failed to authenticate|"
        r"390100|390144|390114|390318",
    ),
    sig(
        "auth_generic",
        C.AUTH_FAILURE,
        "Authentication failed: credentials are missing, invalid or expired",
        0.8,
        ["Check and rotate the credentials the resource uses; verify the secret is mounted."],
        types=(
            "AuthenticationError",
            "AuthenticationFailed",
            "AuthError",
            "InvalidCredentials",
            "NotAuthenticated",
            "ExpiredSignatureError",
            "InvalidTokenError",
            "AuthenticationException",
            "SMTPAuthenticationError",
            "ClientAuthenticationError",
            "BadCredentialsException",
        ),
        message=r"",
    ),
    sig(
        "auth_msg",
        C.AUTH_FAILURE,
        "Authentication failed: credentials are missing, invalid or expired",
        0.8,
        ["Check and rotate the credentials the resource uses; verify the secret is mounted."],
        message=r"authentication (failed|failure|required|error)|invalid (api[ _-]?key|token|"
        r"credentials|client|password)|(token|credentials?|session|api key) (has |have )?(expired|"
        r"is invalid|are invalid|revoked)|expired token|not authenticated|login failed|bad credentials|"
        r"incorrect password|missing (api[ _-]?key|token|credentials)|invalid_auth|not_authed|"
        r"token_revoked|token_expired|invalid_grant|Server failed to authenticate|"
        r"Username and Password not accepted|invalid username-password",
        text=r"authentication failed|invalid api[ _-]?key|invalid credentials|token (has )?expired|"
        r"bad credentials|login failed",
    ),
    # ------------------------------------------------------------------ permission_denied
    sig(
        "http_403",
        C.PERMISSION_DENIED,
        "The service authenticated the caller but denied access (HTTP 403 Forbidden)",
        0.92,
        [
            "Grant the service account/token the scope or role needed for this resource.",
            "Check the resource (bucket, project, dataset) is the intended one.",
        ],
        message=r"\b403\b.{0,40}(Forbidden|Client Error|GET|POST|PUT|DELETE|PATCH)|Forbidden|"
        r"(status|code|HTTP)(_code| code)?\W{0,3}403\b",
        text=r"\b403\b.{0,40}Forbidden|403 Client Error|status(_code)?[=: ]+403\b",
    ),
    sig(
        "os_permission",
        C.PERMISSION_DENIED,
        "The process is not allowed to access a file or directory",
        0.9,
        [
            "Fix ownership/permissions of the path for the run worker's user, or write elsewhere.",
            "Check the volume is mounted read-write for this container user.",
        ],
        types=("PermissionError",),
        message=r"",
        text=r"\[Errno 13\] Permission denied|PermissionError:",
    ),
    sig(
        "os_readonly",
        C.PERMISSION_DENIED,
        "The target is read-only for this process",
        0.88,
        ["Write to a writable location or mount the volume/database read-write."],
        message=r"Read-only file system|attempt to write a readonly database|read-only transaction|"
        r"\[Errno 30\]|database is read.only|cannot execute .* in a read-only transaction",
        text=r"Read-only file system|attempt to write a readonly database|read-only transaction",
    ),
    sig(
        "aws_access_denied",
        C.PERMISSION_DENIED,
        "The AWS principal lacks the IAM permission for this call",
        0.92,
        [
            "Add the missing action (named in the error) to the worker's IAM role policy.",
            "Check bucket policies / KMS key policies for explicit denies.",
        ],
        message=r"\(AccessDenied(Exception)?\)|AccessDenied|is not authorized to perform|"
        r"UnauthorizedOperation|AllAccessDisabled|explicit deny",
        text=r"An error occurred \(AccessDenied(Exception)?\)|is not authorized to perform:",
    ),
    sig(
        "gcp_permission",
        C.PERMISSION_DENIED,
        "The Google Cloud principal lacks the IAM permission for this resource",
        0.92,
        ["Grant the service account the role containing the permission named in the error."],
        types=("Forbidden", "PermissionDenied"),
        message=r"",
        text=r"does not have [\w.]+ (access|permission)|Permission '?[\w.]+'? denied on resource|"
        r"Access Denied: (Table|Dataset|Project)",
    ),
    sig(
        "db_privilege",
        C.PERMISSION_DENIED,
        "The database user lacks privileges on the object",
        0.93,
        [
            "GRANT the needed privilege (SELECT/INSERT/USAGE) on the object/schema to the role.",
            "Check the job runs as the intended role.",
        ],
        types=("InsufficientPrivilege",),
        message=r"permission denied for|must be owner of|Insufficient privileges|"
        r"SQL access control error|command denied to user",
        text=r"permission denied for (table|relation|schema|database|sequence)|"
        r"Insufficient privileges to operate on",
        either=True,
    ),
    sig(
        "permission_msg",
        C.PERMISSION_DENIED,
        "Access was denied to the requested resource",
        0.78,
        ["Grant the running identity access to the resource named in the error."],
        message=r"permission denied|access (is )?denied|not permitted|insufficient (permissions|privileges)|"
        r"not authorized|Operation not permitted|\[Errno 1\]|command denied to user|denied to user",
        text=r"permission denied|access denied|Operation not permitted|insufficient privileges|"
        r"command denied to user",
    ),
    # ------------------------------------------------------------------ resource_exhaustion
    sig(
        "memory_error",
        C.RESOURCE_EXHAUSTION,
        "The process ran out of memory",
        0.93,
        [
            "Process the data in chunks (read_csv(chunksize=...), partitions, pyarrow batches).",
            "Reduce memory per row (dtypes, category columns) or give the step more memory.",
        ],
        types=(
            "MemoryError",
            "_ArrayMemoryError",
            "OutOfMemoryErrorOutOfMemoryException",
            "SparkOutOfMemoryError",
        ),
        message=r"",
        text=r"MemoryError|Unable to allocate [\d.]+ [KMGT]?i?B",
    ),
    sig(
        "oom_text",
        C.RESOURCE_EXHAUSTION,
        "The worker was killed for exceeding its memory limit (OOM)",
        0.92,
        [
            "Raise the container/pod memory limit for this job or reduce the step's memory use.",
            "Stream or chunk the data instead of loading it all at once.",
        ],
        message=r"OOMKilled|out of memory|Cannot allocate memory|\[Errno 12\]|oom[- ]kill|"
        r"Java heap space|GC overhead limit exceeded|Memory limit exceeded|exceeding memory limits|"
        r"Unable to allocate|failed to allocate|std::bad_alloc|out of shared memory|"
        r"Unable to acquire \d+ bytes of memory|could not allocate block",
        text=r"OOMKilled|Out of memory: Killed process|oom[-_ ]kill|invoked oom-killer|"
        r"Memory cgroup out of memory|Cannot allocate memory|java\.lang\.OutOfMemoryError|"
        r"Container killed by YARN for exceeding memory limits|exceeded memory limit|"
        r"Reason:\s*OOMKilled|std::bad_alloc|MemoryError",
    ),
    sig(
        "disk_full",
        C.RESOURCE_EXHAUSTION,
        "The disk or volume is full",
        0.93,
        [
            "Free space on the volume (temp files, old partitions, logs) or enlarge it.",
            "Write intermediate data to object storage instead of local disk.",
        ],
        message=r"No space left on device|\[Errno 28\]|database or disk is full|could not extend file|"
        r"disk full|DiskFull|Disk quota exceeded|\[Errno 122\]|not enough space on the disk",
        text=r"No space left on device|database or disk is full|could not extend file|Disk quota exceeded",
    ),
    sig(
        "file_size_limit",
        C.RESOURCE_EXHAUSTION,
        "A write hit the maximum file size allowed for the process (ulimit -f / RLIMIT_FSIZE)",
        0.92,
        [
            "Split the output into smaller files/partitions, or raise the worker's file size limit.",
            "Check the filesystem's own maximum file size (e.g. FAT32/tmpfs limits).",
        ],
        message=r"File too large|\[Errno 27\]|EFBIG",
        text=r"File too large|File size limit exceeded",
    ),
    sig(
        "too_many_files",
        C.RESOURCE_EXHAUSTION,
        "The process hit its open-file-descriptor limit",
        0.93,
        [
            "Close files/connections (use context managers); look for a descriptor leak in a loop.",
            "Raise the nofile ulimit of the worker if the concurrency is intended.",
        ],
        message=r"Too many open files|\[Errno 24\]",
        text=r"Too many open files",
    ),
    sig(
        "threads_processes",
        C.RESOURCE_EXHAUSTION,
        "The process could not create more threads/processes",
        0.85,
        ["Reduce parallelism or raise the process/thread limit (ulimit -u, pids limit)."],
        message=r"can't start new thread|Resource temporarily unavailable|\[Errno 11\]",
        text=r"can't start new thread|fork: Resource temporarily unavailable",
    ),
    sig(
        "db_connections_exhausted",
        C.RESOURCE_EXHAUSTION,
        "The database or connection pool has no free connections",
        0.95,
        [
            "Lower per-worker pool size/concurrency or raise max_connections; close sessions.",
            "Use a connection pooler (pgbouncer) for many concurrent steps.",
        ],
        message=r"too many clients already|remaining connection slots are reserved|"
        r"QueuePool limit of size|too many connections|Too many connections",
        text=r"too many clients already|QueuePool limit of size \d+ overflow",
        also=((C.DEPENDENCY_UNAVAILABLE, 0.5), (C.CONCURRENCY, 0.45)),
    ),
    sig(
        "exit_137",
        C.RESOURCE_EXHAUSTION,
        "The container was SIGKILLed (exit 137), usually by the OOM killer",
        0.72,
        ["Check the pod/container events for OOMKilled and raise the memory limit."],
        message=r"exit(ed)?( with)?( status| code)? 137\b",
        text=r"exit(ed)?( with)?( status| code)?:? 137\b",
        also=((C.INFRASTRUCTURE, 0.6),),
    ),
    sig(
        "bare_killed",
        C.RESOURCE_EXHAUSTION,
        "The process was killed by the kernel, most likely the OOM killer",
        0.62,
        ["Check dmesg / pod events for an OOM kill and reduce memory or raise the limit."],
        text=r"^\s*Killed\s*$|: Killed\s*$|Killed\s+python",
        also=((C.INFRASTRUCTURE, 0.5),),
    ),
    # ------------------------------------------------------------------ concurrency
    sig(
        "deadlock",
        C.CONCURRENCY,
        "Concurrent transactions deadlocked on the same rows/tables",
        0.95,
        [
            "Access tables/rows in a consistent order in concurrent steps; keep transactions short.",
            "Retry the transaction on deadlock, and avoid running overlapping jobs on the same table.",
        ],
        types=("DeadlockDetected",),
        message=r"deadlock|Deadlock found when trying to get lock",
        text=r"deadlock detected|Deadlock found when trying to get lock",
        either=True,
    ),
    sig(
        "lock_timeout",
        C.CONCURRENCY,
        "Another transaction held a lock for too long (lock wait timeout)",
        0.93,
        [
            "Find the blocking session (pg_stat_activity / SHOW PROCESSLIST) and avoid overlapping "
            "runs writing the same table.",
            "Shorten transactions; add a Dagster concurrency limit/pool for this table.",
        ],
        types=("LockNotAvailable",),
        message=r"lock timeout|Lock wait timeout exceeded|could not obtain lock|"
        r"number of waiters for this lock exceeds|lock .* not available|Could not set lock on file|"
        r"Conflicting lock is held|could not acquire lock|Unable to acquire lock",
        text=r"canceling statement due to lock timeout|Lock wait timeout exceeded|could not obtain lock on",
        either=True,
    ),
    sig(
        "sqlite_locked",
        C.CONCURRENCY,
        "Another connection holds the SQLite database lock",
        0.93,
        [
            "Serialise writers (one writer at a time), commit promptly, or use WAL mode and a "
            "busy timeout.",
            "Use a client/server database for concurrent steps.",
        ],
        message=r"database is locked|database table is locked|SQLITE_BUSY",
        text=r"database is locked",
    ),
    sig(
        "serialization_failure",
        C.CONCURRENCY,
        "A concurrent transaction conflicted with this one (serialization failure)",
        0.93,
        ["Retry the transaction; avoid concurrent writes to the same rows from overlapping runs."],
        types=(
            "SerializationFailure",
            "TransactionRollbackError",
            "ConcurrentAppendException",
            "ConcurrentModificationException",
            "ConcurrentDeleteReadException",
            "TransactionConflict",
        ),
        message=r"could not serialize access|concurrent update|Transaction conflict|"
        r"concurrent (modification|transaction|write)|Concurrent",
        text=r"could not serialize access due to|ConcurrentAppendException|"
        r"Transaction was aborted due to a conflict",
        either=True,
    ),
    sig(
        "run_conflict",
        C.CONCURRENCY,
        "An overlapping run or process already holds the target",
        0.65,
        ["Add a concurrency limit/pool so overlapping runs do not touch the same target."],
        types=("DagsterRunAlreadyExists", "DagsterRunConflict", "ConditionalCheckFailedException"),
        message=r"already (exists|running|locked)|conditional request failed|lock",
    ),
    sig(
        "duplicate_object",
        C.CONCURRENCY,
        "The object already exists: an overlapping run or a previous attempt created it",
        0.6,
        [
            "Check for an overlapping run creating the same object; use CREATE ... IF NOT EXISTS "
            "or unique temp names per run.",
        ],
        types=("DuplicateTable", "DuplicateObject", "DuplicateSchema"),
        also=((C.CODE_ERROR, 0.5),),
    ),
    sig(
        "file_in_use",
        C.CONCURRENCY,
        "Another process holds the file/device",
        0.93,
        ["Find the other process using the file and serialise access to it."],
        message=r"being used by another process|Device or resource busy|\[Errno 16\]|"
        r"Text file busy|\[Errno 26\]",
    ),
    sig(
        "file_lock_busy",
        C.CONCURRENCY,
        "Another process holds the lock file",
        0.9,
        ["Check for an overlapping run holding the lock; serialise runs with a concurrency limit."],
        types=("BlockingIOError", "Timeout", "LockError", "AlreadyLocked"),
        code=r"flock|lockf|LOCK_EX|FileLock|acquire\(",
    ),
    sig(
        "resource_deadlock",
        C.CONCURRENCY,
        "A lock was requested that would deadlock",
        0.88,
        ["Review the locking order of the concurrent workers."],
        message=r"Resource deadlock avoided|\[Errno 35\]",
    ),
    # ------------------------------------------------------------------ infrastructure
    sig(
        "dagster_worker_crash",
        C.INFRASTRUCTURE,
        "The Dagster run/step worker process died unexpectedly",
        0.86,
        [
            "Check the worker's container/pod events and host logs around the failure time "
            "(eviction, node loss, segfault).",
            "Enable run retries / run monitoring so crashed workers are resumed.",
        ],
        message=r"Run worker.{0,80}(exited|crashed|unexpectedly|failed|lost)|"
        r"unexpectedly exited with code|process.{0,60}exited unexpectedly|"
        r"Detected run worker status|worker.{0,40}(crashed|died|lost)",
        text=r"Run worker.{0,80}(exited|crashed|unexpectedly|failed)|"
        r"unexpectedly exited with code|(child |execution |worker )process.{0,80}"
        r"(exited|terminated) unexpectedly|Detected run worker status|run worker.{0,40}(crash|died)",
    ),
    sig(
        "dagster_child_crash",
        C.INFRASTRUCTURE,
        "A Dagster step's child process crashed (killed or died without reporting)",
        0.8,
        [
            "Check how the child died: signal 9 usually means the OOM killer or the container "
            "runtime, other signals a crash or a termination.",
            "Enable step/run retries for transient worker losses.",
        ],
        types=("ChildProcessCrashException", "ChildProcessCrashed"),
        also=((C.RESOURCE_EXHAUSTION, 0.6),),
    ),
    sig(
        "signal_kill",
        C.INFRASTRUCTURE,
        "The process was killed by a signal",
        0.7,
        [
            "Check the host/pod events for who sent the signal (OOM killer, eviction, scale-down).",
            "Enable retries for transient worker losses.",
        ],
        types=(),
        message=r"killed by signal|signal \d+|SIG(KILL|TERM|SEGV|ABRT|BUS)|exited with code -\d+|"
        r"died with <Signals|returned non-zero exit status -\d+|exit code -\d+",
        text=r"killed by signal|terminated by signal|died with <Signals\.SIG|SIGKILL|SIGTERM|"
        r"exited with code -\d+|non-zero exit status -\d+|exit code -\d+",
        also=((C.RESOURCE_EXHAUSTION, 0.55),),
    ),
    sig(
        "storage_io",
        C.INFRASTRUCTURE,
        "The storage/mount under the worker failed (I/O error, lost mount, clock skew)",
        0.74,
        [
            "Check the volume/mount (NFS/FUSE/EBS) health on the node; reschedule the worker.",
            "Check the node clock (NTP) if the cloud API reports skew.",
        ],
        message=r"\[Errno 5\] Input/output error|Transport endpoint is not connected|Stale file handle|"
        r"disk I/O error|"
        r"RequestTimeTooSkewed|difference between the request time and the current time is too large",
        text=r"Input/output error|Transport endpoint is not connected|Stale file handle|RequestTimeTooSkewed",
    ),
    sig(
        "segfault",
        C.INFRASTRUCTURE,
        "The process crashed in native code (segmentation fault)",
        0.78,
        [
            "Check native libraries versions (pyarrow, numpy, drivers) for known crashes.",
            "Reproduce with `python -X faulthandler` to locate the crashing call.",
        ],
        message=r"Segmentation fault|SIGSEGV|core dumped|exit(ed)?( with)?( code| status)? 139\b|"
        r"Fatal Python error",
        text=r"Segmentation fault|SIGSEGV|core dumped|Fatal Python error",
        also=((C.ENVIRONMENT, 0.5),),
    ),
    sig(
        "k8s_evicted",
        C.INFRASTRUCTURE,
        "The pod/worker was evicted or its node was lost",
        0.85,
        [
            "Check node pressure and autoscaler/spot events; set resource requests realistically.",
            "Enable run retries so evicted runs restart automatically.",
        ],
        message=r"Evicted|The node was low on resource|node (was )?(lost|shut ?down|not ready)|"
        r"NodeLost|preempt|spot (instance )?(interruption|termination)|CrashLoopBackOff|"
        r"BackoffLimitExceeded|DeadlineExceeded.*pod|pod .* (deleted|terminated)",
        text=r"\bEvicted\b|The node was low on resource|NodeLost|node .{0,40}(lost|not ready)|"
        r"preempted|spot (instance )?interruption|CrashLoopBackOff|BackoffLimitExceeded|"
        r"reached the specified backoff limit",
    ),
    sig(
        "image_pull",
        C.INFRASTRUCTURE,
        "The worker container image could not be pulled",
        0.8,
        ["Check the image tag exists and the cluster can pull from the registry."],
        message=r"ImagePullBackOff|ErrImagePull|manifest unknown|pull access denied",
        text=r"ImagePullBackOff|ErrImagePull|pull access denied|manifest unknown",
        also=((C.ENVIRONMENT, 0.55),),
    ),
    sig(
        "interrupted",
        C.INFRASTRUCTURE,
        "The step was interrupted/terminated from outside (run terminated, worker shut down)",
        0.72,
        [
            "Check who terminated the run (UI, sensor, run monitoring, scale-down) in the event log.",
            "If a max runtime or deployment restart caused it, adjust those.",
        ],
        types=("DagsterExecutionInterruptedError", "KeyboardInterrupt", "SystemExit"),
        message=r"",
        text=r"DagsterExecutionInterruptedError|received termination signal|"
        r"Execution was interrupted|run was terminated|forwarding to active child process",
        also=((C.TIMEOUT, 0.45),),
    ),
    sig(
        "broken_pool",
        C.INFRASTRUCTURE,
        "A worker process of the pool died abruptly",
        0.75,
        ["Look for the child's crash (often an OOM kill) in host logs; reduce workers or memory."],
        types=("BrokenProcessPool", "WorkerLostError"),
        message=r"",
        text=r"A process in the process pool was terminated abruptly|BrokenProcessPool|WorkerLostError",
        also=((C.RESOURCE_EXHAUSTION, 0.6),),
    ),
    sig(
        "code_server_unreachable",
        C.INFRASTRUCTURE,
        "The Dagster user code server is unreachable",
        0.85,
        ["Check the code location server/pod is running and reachable from the daemon/webserver."],
        types=(
            "DagsterUserCodeUnreachableError",
            "DagsterUserCodeUnreachableTimeoutError",
            "DagsterLaunchFailedError",
        ),
        message=r"",
        text=r"Could not reach user code server|DagsterUserCodeUnreachableError",
    ),
    sig(
        "spark_executor_lost",
        C.INFRASTRUCTURE,
        "Spark lost executors or its context while running the job",
        0.85,
        ["Check cluster/executor logs for the lost executor; enable retries or more nodes."],
        message=r"ExecutorLostFailure|SparkContext (was|has been) shut down|Lost executor|"
        r"Cannot call methods on a stopped SparkContext|Slave lost|Worker lost",
        text=r"ExecutorLostFailure|SparkContext was shut down|Lost executor \d+",
    ),
    sig(
        "heartbeat",
        C.INFRASTRUCTURE,
        "The worker stopped heartbeating and was marked failed",
        0.78,
        ["Check the worker host for freezes/restarts; review run monitoring settings."],
        message=r"heartbeat",
        text=r"(missed|no|stopped|not sent a) heartbeat|heartbeat (timeout|lost|missed)",
    ),
    # ------------------------------------------------------------------ dependency_unavailable
    sig(
        "conn_refused",
        C.DEPENDENCY_UNAVAILABLE,
        "The external service refused the connection (not running or not listening)",
        0.92,
        [
            "Check the service is up and listening on the configured host/port "
            "(status page, `nc -vz host port`).",
            "Retry with backoff for transient outages; verify host/port in the configuration.",
        ],
        types=("ConnectionRefusedError",),
        message=r"Connection refused|\[Errno 111\]|\[Errno 61\]|actively refused|ECONNREFUSED",
        text=r"Connection refused|ECONNREFUSED|actively refused it",
        also=((C.CONFIG_ERROR, 0.35),),
        either=True,
    ),
    sig(
        "conn_refused_msg",
        C.DEPENDENCY_UNAVAILABLE,
        "The external service refused the connection (not running or not listening)",
        0.92,
        ["Check the service is up and listening on the configured host/port; retry with backoff."],
        message=r"Connection refused|\[Errno 111\]|\[Errno 61\]|actively refused|ECONNREFUSED|"
        r"Is the server running|Failed to establish a new connection|could not connect to server|"
        r"Could not connect to the endpoint URL|"
        r"failed to connect to all addresses|Could not connect to Snowflake backend|NoBrokersAvailable|"
        r"Can't connect to (MySQL|local MySQL) server|Connection could not be established|"
        r"Unable to connect to port|SSL connection has been closed unexpectedly|"
        r"Failed to get the response\. Hanging\?",
        also=((C.CONFIG_ERROR, 0.35),),
        text=r"could not connect to server|Failed to establish a new connection|"
        r"Could not connect to the endpoint URL|Is the server running on that host",
    ),
    sig(
        "pg_conn_failed",
        C.DEPENDENCY_UNAVAILABLE,
        "The connection to the database server failed",
        0.7,
        ["Check the database server is up and reachable; read the FATAL line for the reason."],
        message=r"connection to server at .* failed|connection to server on socket .* failed",
    ),
    sig(
        "dns",
        C.DEPENDENCY_UNAVAILABLE,
        "The service host name could not be resolved (DNS)",
        0.86,
        [
            "Check the host name in the configuration and the worker's DNS/network.",
            "Retry if the DNS failure is transient.",
        ],
        types=("gaierror", "herror"),
        message=r"Name or service not known|nodename nor servname|Temporary failure in name resolution|"
        r"getaddrinfo failed|Could not resolve host|No address associated with hostname|"
        r"could not translate host name|Name does not resolve|NameResolutionError|\[Errno -[23]\]",
        text=r"Name or service not known|Temporary failure in name resolution|"
        r"could not translate host name|Could not resolve host|getaddrinfo failed",
        also=((C.CONFIG_ERROR, 0.5),),
        either=True,
    ),
    sig(
        "http_5xx",
        C.DEPENDENCY_UNAVAILABLE,
        "The external service returned a server error (HTTP 5xx)",
        0.9,
        [
            "Check the provider's status; retry with exponential backoff for 502/503.",
            "Make the step idempotent so a retry is safe.",
        ],
        message=r"\b50[0-3]\b.{0,30}(Server Error|Internal Server Error|Bad Gateway|Service Unavailable)|"
        r"Server error '5\d\d|Service Unavailable|Bad Gateway|Internal Server Error|"
        r"\b5\d\d Server Error|status(_code)?[=: ]+5\d\d\b|HTTP (Error )?5\d\d|returned (status )?5\d\d\b|"
        r"too many 5\d\d error responses",
        text=r"\b50[0-3]\b.{0,30}(Server Error|Service Unavailable|Bad Gateway)|Server error '5\d\d|"
        r"HTTP(/1\.[01])? 50[0-3]\b|status(_code)?[=: ]+50[0-3]\b|too many 5\d\d error responses",
        also=((C.RATE_LIMITED, 0.3),),
    ),
    sig(
        "gcp_unavailable",
        C.DEPENDENCY_UNAVAILABLE,
        "The cloud service is unavailable or failing",
        0.88,
        ["Retry with backoff; check the cloud provider's status page."],
        types=(
            "ServiceUnavailable",
            "InternalServerError",
            "BadGateway",
            "GatewayTimeout",
            "EndpointConnectionError",
            "ServiceUnavailableError",
        ),
        message=r"",
    ),
    sig(
        "conn_dropped",
        C.DEPENDENCY_UNAVAILABLE,
        "The connection to the external service was dropped",
        0.85,
        [
            "Retry the call; check the service or a proxy/load balancer closing idle connections.",
            "Enable keep-alive/pre-ping (pool_pre_ping=True) for database pools.",
        ],
        types=(
            "ConnectionResetError",
            "RemoteDisconnected",
            "BrokenPipeError",
            "ChunkedEncodingError",
            "IncompleteRead",
            "ProtocolError",
            "RemoteProtocolError",
            "ServerDisconnectedError",
            "ConnectionAbortedError",
            "InterfaceError",
        ),
        message=r"",
        text=r"Connection reset by peer|Remote end closed connection without response|"
        r"the database system is (starting up|shutting down|in recovery mode)|"
        r"terminating connection due to administrator command|"
        r"server closed the connection unexpectedly|Connection aborted|Broken pipe|"
        r"connection already closed|SSL SYSCALL error",
    ),
    sig(
        "conn_dropped_msg",
        C.DEPENDENCY_UNAVAILABLE,
        "The connection to the external service was dropped",
        0.85,
        ["Retry the call; enable pool_pre_ping; check the service's restarts."],
        message=r"Connection reset by peer|Remote end closed connection|server closed the connection|"
        r"Connection aborted|Broken pipe|connection already closed|SSL SYSCALL error|"
        r"terminating connection due to administrator command|the database system is "
        r"(starting up|shutting down|in recovery mode)|Lost connection to MySQL server|"
        r"EOF occurred in violation of protocol|peer closed connection|Server disconnected",
    ),
    sig(
        "conn_generic",
        C.DEPENDENCY_UNAVAILABLE,
        "The external service could not be reached",
        0.78,
        ["Check the service's availability and network path from the worker; retry."],
        types=(
            "ConnectionError",
            "ConnectError",
            "NewConnectionError",
            "MaxRetryError",
            "OperationalError",
            "NetworkError",
            "ServiceRequestError",
            "TransportError",
            "ClientConnectorError",
            "UNAVAILABLE",
        ),
        message=r"connect|unreachable|unavailable|Max retries exceeded|network",
        text=r"Network is unreachable|No route to host|Max retries exceeded with url",
    ),
    sig(
        "unreachable_msg",
        C.DEPENDENCY_UNAVAILABLE,
        "The external service is unreachable",
        0.8,
        ["Check network routes/firewall from the worker to the service; retry."],
        message=r"Network is unreachable|No route to host|Host is unreachable|"
        r"service (is )?(unavailable|down)|\[Errno 113\]|\[Errno 101\]|upstream (connect )?error",
        text=r"service (is )?(unavailable|down)|connection (error|failed)|could not connect",
    ),
    # ------------------------------------------------------------------ missing_input
    sig(
        "file_not_found",
        C.MISSING_INPUT,
        "An input file the step reads does not exist (upstream did not produce it)",
        0.86,
        [
            "Check the upstream asset/job that writes this file ran successfully for this "
            "partition, and that the path/partition key is right.",
            "Declare the file as an upstream asset dependency so the run waits for it.",
        ],
        types=(
            "FileNotFoundError",
            "FileNotFoundException",
            "ArrowIOError",
            "NoSuchFile",
        ),
        message=r"",
        text=r"FileNotFoundError|No such file or directory",
        also=((C.CONFIG_ERROR, 0.4),),
    ),
    sig(
        "no_such_file_msg",
        C.MISSING_INPUT,
        "An input file the step reads does not exist",
        0.8,
        ["Check the upstream step produced the file and the path is right."],
        message=r"No such file or directory|\[Errno 2\]|Path does not exist|PATH_NOT_FOUND|"
        r"No files found that match|does not exist: (file|s3|gs|hdfs)|File .* does not exist|"
        r"No such file|file not found|IO Error: No files found",
    ),
    sig(
        "empty_parquet",
        C.MISSING_INPUT,
        "The input file exists but is empty (0 bytes): the upstream wrote nothing",
        0.86,
        ["Check the upstream writer for this partition; it produced an empty file."],
        message=r"Parquet file size is 0 bytes|file size is 0|empty file|File is empty|zero-length",
        text=r"Parquet file size is 0 bytes",
    ),
    sig(
        "sqlite_open",
        C.MISSING_INPUT,
        "The SQLite database file could not be opened (missing directory/file or no access)",
        0.68,
        ["Check the database path exists (the upstream creates it) and is writable."],
        message=r"unable to open database file",
        also=((C.PERMISSION_DENIED, 0.5), (C.CONFIG_ERROR, 0.45)),
    ),
    sig(
        "empty_data",
        C.MISSING_INPUT,
        "The input file is empty (upstream wrote no data)",
        0.88,
        [
            "Check why the upstream export produced an empty file (no rows for the partition?).",
            "Guard empty inputs explicitly (skip or fail with a clear message).",
        ],
        types=("EmptyDataError",),
        message=r"No columns to parse from file",
        text=r"EmptyDataError: No columns to parse from file",
        either=True,
    ),
    sig(
        "no_such_table",
        C.MISSING_INPUT,
        "The table the query reads does not exist (upstream did not create it)",
        0.9,
        [
            "Materialize the upstream asset that creates the table (or check the schema/search_path).",
            "Make the table an explicit upstream dependency of this asset.",
        ],
        types=("UndefinedTable", "NoSuchTableError"),
        message=r"no such table|relation .* does not exist|Table with name .* does not exist|"
        r"Table or view not found|TABLE_OR_VIEW_NOT_FOUND|Table .* (was )?not found|"
        r"Object '.*' does not exist|doesn't exist|Not found: (Table|Dataset)|Invalid object name|"
        r"Catalog Error: Table",
        text=r"no such table|relation \".+\" does not exist|Table or view not found|"
        r"TABLE_OR_VIEW_NOT_FOUND|Catalog Error: Table with name|Not found: Table",
        also=((C.CONFIG_ERROR, 0.4), (C.PERMISSION_DENIED, 0.3)),
        either=True,
    ),
    sig(
        "waiter_exists",
        C.MISSING_INPUT,
        "The expected object never appeared before the waiter gave up",
        0.74,
        ["Check the producer of the object ran; lengthen the wait only if it is just late."],
        types=("WaiterError",),
        message=r"ObjectExists|TableExists|Max attempts exceeded",
        also=((C.TIMEOUT, 0.55),),
    ),
    sig(
        "object_not_found",
        C.MISSING_INPUT,
        "The object/key the step reads does not exist in storage",
        0.88,
        [
            "Check the upstream job wrote this object for this partition/date, and the key prefix.",
            "Add a sensor or dependency so this step only runs once the object exists.",
        ],
        types=("NoSuchKey", "NotFound", "NoSuchBucket"),
        message=r"",
        text=r"NoSuchKey|The specified key does not exist|No such object:|"
        r"\(404\) when calling the (HeadObject|GetObject) operation|NoSuchBucket",
        also=((C.CONFIG_ERROR, 0.4),),
    ),
    sig(
        "object_not_found_msg",
        C.MISSING_INPUT,
        "The object/key the step reads does not exist in storage",
        0.86,
        ["Check the upstream producer of this object ran and the key/prefix is right."],
        message=r"NoSuchKey|specified key does not exist|No such object|\(404\) when calling|"
        r"\b404\b.{0,60}(Not Found|GET|HEAD|POST|Client Error)|Not Found for url|NoSuchBucket|"
        r"(file|object|key|blob|bucket|path|input|partition) .{0,60}does not exist",
        also=((C.CONFIG_ERROR, 0.45),),
    ),
    sig(
        "empty_index",
        C.MISSING_INPUT,
        "The step got an empty dataset where it expected rows",
        0.76,
        [
            "Check why the upstream produced no rows for this run/partition.",
            "Handle the empty case explicitly instead of indexing the first row.",
        ],
        message=r"index 0 is out of bounds for axis 0 with size 0|single positional indexer is out-of-bounds|"
        r"empty sequence|zero-size array|iterable argument is empty|attempt to get arg(max|min) of an empty|"
        r"cannot do a non-empty take from an empty axes|Length of values \(0\)|"
        r"empty (dataframe|data frame|dataset|result|file|input|table)|no (rows|data|records|files)|"
        r"No objects to concatenate|"
        r"\b(0|zero) (rows|records|files|lines|objects|partitions)\b|is empty|returned nothing|upstream .*(missing|not (found|materialized))",
        also=((C.CODE_ERROR, 0.5),),
        text=r"\b(0|zero) (rows|records|files|objects)\b|no (rows|records|data|files) (found|returned|loaded|were)|"
        r"\b(dataframe|file|input|result|table|partition) is empty\b",
    ),
    sig(
        "freshness",
        C.MISSING_INPUT,
        "The asset's data is stale: new upstream data or its refresh did not arrive",
        0.62,
        [
            "Check the last materialization of the asset and of its upstream sources.",
            "Check the schedule/sensor/automation condition that should refresh it is running.",
        ],
        text=r"\bstale\b|freshness (policy|check)|overdue|has not been (updated|materialized|refreshed)",
        also=((C.INFRASTRUCTURE, 0.45),),
    ),
    sig(
        "dagster_missing_output",
        C.MISSING_INPUT,
        "An upstream output/asset this step loads was never materialized",
        0.82,
        ["Materialize the upstream asset (or its partition) before this one; check its last run."],
        types=("DagsterStepOutputNotFoundError", "DagsterObjectStoreError"),
        message=r"",
        text=r"Upstream asset .* has not been materialized|DagsterStepOutputNotFoundError|"
        r"upstream .* (was not|has not been) materialized",
    ),
    # ------------------------------------------------------------------ schema_mismatch
    sig(
        "pandas_keyerror",
        C.SCHEMA_MISMATCH,
        "The data is missing column {q} that the code expects",
        0.88,
        [
            "Compare the columns of the input with what the code accesses (df.columns); the "
            "upstream schema changed or the column was renamed.",
            "Validate the schema at the asset boundary and fail with the missing column names.",
        ],
        types=("KeyError",),
        frames=r"pandas[\\/]core[\\/](indexes|frame|generic|series|indexing)|polars|pyarrow",
        fix="use the column name the upstream now provides (check df.columns), or rename the "
        "column upstream; consider validating required columns first",
    ),
    sig(
        "pandas_not_in_index",
        C.SCHEMA_MISMATCH,
        "Columns the code selects are not in the data",
        0.9,
        ["Check the input's columns against the selection; the upstream schema changed."],
        message=r"not in index|None of \[.*\] are in the \[(columns|index)\]|are in the \[columns\]|"
        r"Column\(s\) .* do not exist|columns? .* (not found|does not exist|is missing|are missing)|"
        r"ColumnNotFoundError|unable to find column|does not exist in (CSV|the )?(file|schema)|"
        r"columns expected but not found|Usecols do not match|Missing column provided to|NoSuchColumnError|"
        r"Field .{0,80} does not exist in schema|No match for FieldRef",
    ),
    sig(
        "keyerror_row_code",
        C.SCHEMA_MISMATCH,
        "The data is missing field {q} that the code expects",
        0.72,
        ["Check the records' fields against what the code accesses; the upstream schema changed."],
        types=("KeyError",),
        code=r"\b(df|frame|data|table|row|rec|record|item|payload|event|obj|result|batch|line|r|"
        r"x|d|entry|resp|response|json|body)\w*\s*\[\s*['\"]|\.loc\[|\[\[",
        also=((C.CODE_ERROR, 0.45),),
    ),
    sig(
        "db_undefined_column",
        C.SCHEMA_MISMATCH,
        "The query references a column the table does not have",
        0.92,
        [
            "Align the query with the table's current columns (the upstream table changed "
            "or a migration has not run).",
            "Add a schema check / migration step before this query.",
        ],
        types=("UndefinedColumn",),
        message=r"no such column|column .* does not exist|has no column named|Unknown column|"
        r"invalid identifier|Unrecognized name:|Referenced column .* not found|cannot resolve|"
        r"UNRESOLVED_COLUMN|No such field|Binder Error: .*column|Invalid column name",
        text=r"no such column|column \"?[\w.]+\"? does not exist|has no column named|"
        r"UNRESOLVED_COLUMN|invalid identifier|Unrecognized name:",
        either=True,
    ),
    sig(
        "db_type_mismatch",
        C.SCHEMA_MISMATCH,
        "A column's type differs from what the query/loader expects",
        0.85,
        ["Cast explicitly or align the table's column type with the data being written."],
        types=("DatatypeMismatch", "UndefinedFunction"),
        message=r"is of type .* but expression is of type|operator does not exist|No matching signature for operator|"
        r"Conversion Error: .*type|DATATYPE_MISMATCH|Cannot cast|incompatible types",
        either=True,
    ),
    sig(
        "db_values_count",
        C.SCHEMA_MISMATCH,
        "The insert's column count differs from the table's",
        0.88,
        ["Name the columns explicitly in the INSERT and align them with the table."],
        message=r"has \d+ columns but \d+ values were supplied|\d+ values for \d+ columns|"
        r"INSERT has more (expressions|target columns)|column count doesn't match",
    ),
    sig(
        "arrow_schema",
        C.SCHEMA_MISMATCH,
        "The data's schema differs from the expected/target schema",
        0.86,
        [
            "Reconcile the schema (column names/types) between writer and reader; add an explicit "
            "schema when reading/writing.",
        ],
        message=r"Schema at index \d+ was different|Unable to merge|schema (mismatch|does not match)|"
        r"Provided Schema does not match|Field .* not found|does not match (the )?(table|target) schema|"
        r"Incompatible schema|column count mismatch|Expected \d+ columns?,? (but )?got \d+|"
        r"Number of columns in file .{0,20} does not match|error_on_column_count_mismatch|"
        r"Length mismatch: Expected axis has|Columns must be same length as key|"
        r"cannot (merge|join) on .* (types|dtypes)|trying to merge on .* columns|"
        r"merge on (object|int64|float64|datetime64).* and .* columns",
        text=r"Schema at index \d+ was different|Provided Schema does not match|"
        r"trying to merge on \w+ and \w+ columns",
    ),
    sig(
        "schema_msg",
        C.SCHEMA_MISMATCH,
        "The input's columns/fields differ from what the code expects",
        0.8,
        ["Compare the upstream schema with the expected one and update the code or the producer."],
        message=r"missing (required )?(columns?|fields?)|unexpected (columns?|fields?)|"
        r"expected (columns?|fields?|schema)|schema (mismatch|changed|drift)|columns? (not found|missing)|"
        r"(no|unknown) (column|field) (named )?['\"]|is a required property|Field required|"
        r"field required|Additional properties are not allowed",
        text=r"schema mismatch|missing (required )?columns?|unexpected columns?",
    ),
    sig(
        "dataframe_attr_column",
        C.SCHEMA_MISMATCH,
        "The data lacks column {q} that the code accesses as an attribute",
        0.8,
        ["Check df.columns; the upstream schema changed or the column was renamed."],
        types="AttributeError",
        message=r"'(DataFrame|Series|Row)' object has no attribute",
        also=((C.CODE_ERROR, 0.5),),
    ),
    sig(
        "spark_analysis",
        C.SCHEMA_MISMATCH,
        "Spark could not analyse the query against the data (columns/tables/types)",
        0.6,
        ["Read the error class in brackets; compare the query with the DataFrame's schema."],
        types=("AnalysisException",),
        also=((C.MISSING_INPUT, 0.45), (C.CODE_ERROR, 0.4)),
    ),
    sig(
        "path_exists",
        C.CONFIG_ERROR,
        "The output path/table already exists and the write mode does not allow overwriting",
        0.84,
        ["Set the write mode (overwrite/append) deliberately, or write to a run-specific path."],
        message=r"PATH_ALREADY_EXISTS|already exists\. Set mode as|SaveMode\.ErrorIfExists|"
        r"TABLE_OR_VIEW_ALREADY_EXISTS",
        also=((C.CONCURRENCY, 0.5),),
    ),
    sig(
        "polars_schema",
        C.SCHEMA_MISMATCH,
        "The frame's schema differs from what the code expects",
        0.85,
        ["Check the frame's schema against the expected columns/types."],
        types=(
            "ColumnNotFoundError",
            "SchemaError",
            "SchemaFieldNotFoundError",
        ),
        message=r"",
        also=((C.DATA_QUALITY, 0.4), (C.MISSING_INPUT, 0.4)),
    ),
    # ------------------------------------------------------------------ data_quality
    sig(
        "parse_number",
        C.DATA_QUALITY,
        "The data contains values that are not valid numbers",
        0.86,
        [
            "Find the offending rows (the value is quoted in the error) and fix/quarantine them "
            "upstream.",
            "Parse with pd.to_numeric(errors='coerce') and count/fail on the coerced rows.",
        ],
        types=(
            "ValueError",
            "TypeError",
            "ArrowInvalid",
            "InvalidTextRepresentation",
            "DataError",
            "ConversionException",
            "ConversionError",
            "InvalidOperation",
            "ComputeError",
            "InvalidOperationError",
            "ValidationError",
            "ArrowTypeError",
        ),
        message=r"invalid literal for int\(\)|could not convert string to float|Unable to parse string|"
        r"invalid input syntax for (type )?\w+|Could not convert .* (to|with type)|"
        r"Numeric value .* is not recognized|NumberFormatException|Could not convert string|"
        r"Conversion Error: Could not convert|Failed to parse .* as|Invalid numeric|"
        r"cannot be converted to|could not convert string to|\[<class 'decimal\.ConversionSyntax'>\]|"
        r"could not parse .* as (dtype|type)|unable to parse string as a number|cannot be cast to|"
        r"CAST_INVALID_INPUT|"
        r"Input should be a valid (number|integer|decimal)",
        text=r"invalid literal for int\(\) with base 10|could not convert string to float|"
        r"invalid input syntax for type|Numeric value '.*' is not recognized",
    ),
    sig(
        "parse_date",
        C.DATA_QUALITY,
        "The data contains dates/timestamps that cannot be parsed",
        0.87,
        [
            "Fix or quarantine the malformed date values upstream; pin an explicit format.",
            "Parse with errors='coerce' and fail if too many values become NaT.",
        ],
        types=(
            "DateParseError",
            "OutOfBoundsDatetime",
            "ParserError",
            "ValueError",
            "DataError",
            "InvalidDatetimeFormat",
            "DatetimeFieldOverflow",
        ),
        message=r"time data .* does not match format|Unknown datetime string format|"
        r"Unknown string format|does not match format|Out of bounds nanosecond|"
        r"day is out of range for month|month must be in 1\.\.12|unconverted data remains|"
        r"invalid input syntax for type (date|timestamp)|date/time field value out of range|"
        r"Invalid (date|timestamp|datetime)|Can't parse .* as (date|timestamp)|Could not parse .*date|"
        r"is not a valid date|doesn't match format|Invalid isoformat string|Unable to parse date|"
        r"(Timestamp|Date) '.*' is not recognized|Fail to parse .* in the new parser|DATETIME_PATTERN",
        text=r"time data '.*' does not match format|Unknown datetime string format|"
        r"Out of bounds nanosecond timestamp|unconverted data remains",
    ),
    sig(
        "nan_to_int",
        C.DATA_QUALITY,
        "The data has null/NaN values in a column that must be complete",
        0.88,
        [
            "Find the rows with nulls in the column and fix them upstream, or fill/drop explicitly.",
            "Add a not-null check on this column at the asset boundary.",
        ],
        types=("IntCastingNaNError", "ValueError", "TypeError"),
        message=r"Cannot convert non-finite values \(NA or inf\) to integer|cannot convert float NaN "
        r"to integer|Input (X )?contains NaN|contains (null|NaN|missing) values|"
        r"Integer column has NA values|cannot convert NA to integer|"
        r"boolean value of NA is ambiguous",
        text=r"Cannot convert non-finite values \(NA or inf\) to integer|cannot convert float NaN to integer",
    ),
    sig(
        "not_null_violation",
        C.DATA_QUALITY,
        "Rows have NULLs in a column declared NOT NULL",
        0.9,
        [
            "Find the rows with NULLs in the named column and fix the producer or filter them.",
            "Add a not-null asset check before loading.",
        ],
        types=("NotNullViolation",),
        message=r"violates not-null constraint|NOT NULL constraint failed|cannot be null|"
        r"NULL result in a non-nullable column|null value in column",
        text=r"violates not-null constraint|NOT NULL constraint failed|NULL result in a non-nullable column",
        either=True,
    ),
    sig(
        "unique_violation",
        C.DATA_QUALITY,
        "The data has duplicate keys where keys must be unique",
        0.88,
        [
            "Deduplicate on the key before loading (drop_duplicates / QUALIFY ROW_NUMBER()=1), "
            "and find why the producer emits duplicates.",
            "Make the load idempotent (upsert/merge) if re-runs reload the same rows.",
        ],
        types=("UniqueViolation", "MergeError", "InvalidIndexError"),
        message=r"duplicate key|UNIQUE constraint failed|Duplicate entry|Merge keys are not unique|"
        r"not a (one|many)-to-(one|many) merge|duplicate labels|uniquely valued Index|"
        r"Index has duplicate|duplicate (values|rows|ids|keys)|Duplicate row|Duplicated|"
        r"Reindexing only valid with uniquely valued|unique constraint|PRIMARY KEY constraint",
        text=r"duplicate key value violates unique constraint|UNIQUE constraint failed|Duplicate entry '",
        either=True,
    ),
    sig(
        "check_violation",
        C.DATA_QUALITY,
        "Rows violate a CHECK/foreign-key constraint",
        0.86,
        ["Find the violating rows (the constraint is named in the error) and fix the producer."],
        types=("CheckViolation", "ForeignKeyViolation"),
        message=r"violates check constraint|CHECK constraint failed|violates foreign key constraint|"
        r"FOREIGN KEY constraint failed|foreign key constraint fails",
        text=r"violates (check|foreign key) constraint|(CHECK|FOREIGN KEY) constraint failed",
        either=True,
    ),
    sig(
        "numeric_out_of_range",
        C.DATA_QUALITY,
        "A value is out of the allowed range for its column",
        0.86,
        ["Find the out-of-range values and fix them or widen the column type deliberately."],
        types=("NumericValueOutOfRange", "StringDataRightTruncation", "OverflowError"),
        message=r"out of range for type|numeric field overflow|value too long for type|"
        r"Out of range value|integer out of range|Integer value .* not in range|"
        r"was truncated converting|value .* out of (range|bounds)|Python int too large|"
        r"String or binary data would be truncated",
        either=True,
    ),
    sig(
        "integrity_generic",
        C.DATA_QUALITY,
        "The data violates a database integrity constraint",
        0.74,
        ["Inspect the rows being written against the table's constraints."],
        types=("IntegrityError", "DataError"),
        message=r"",
    ),
    sig(
        "copy_format",
        C.DATA_QUALITY,
        "Rows of the loaded file do not fit the table (malformed lines in the input)",
        0.87,
        ["Inspect the line quoted in CONTEXT and fix the exporter; quarantine malformed lines."],
        types=("BadCopyFileFormat",),
        message=r"extra data after last expected column|missing data for column|"
        r"unterminated CSV quoted field|literal carriage return found in data",
        either=True,
        also=((C.SCHEMA_MISMATCH, 0.5),),
    ),
    sig(
        "csv_malformed",
        C.DATA_QUALITY,
        "The input file is malformed (rows with the wrong number of fields, bad quoting)",
        0.84,
        [
            "Find the malformed line (number in the error) in the input and fix the exporter.",
            "Read with on_bad_lines='warn' and count rejects if partial data is acceptable.",
        ],
        types=("ParserError", "Error", "CSVError", "BadRequest", "ValueError"),
        message=r"Error tokenizing data|Expected \d+ fields in line|saw \d+|EOF inside string|"
        r"encountered too many errors|Error while reading data|"
        r"new-line character seen in unquoted field|line contains NUL|field larger than field limit|"
        r"CSV Error|Could not convert .* CSV|malformed",
        text=r"Error tokenizing data\. C error: Expected \d+ fields",
    ),
    sig(
        "corrupt_file",
        C.DATA_QUALITY,
        "The input file is corrupt or not in the expected format",
        0.76,
        [
            "Re-fetch/re-export the file; check the producer wrote it completely (truncated upload?).",
            "Verify the file type matches the reader (parquet vs csv, compression).",
        ],
        types=("BadZipFile", "BadGzipFile"),
        message=r"magic bytes not found|not a zip file|Not a gzipped file|file is not a database|"
        r"Invalid parquet|corrupt|Couldn't deserialize thrift|Unexpected end of (stream|file)|"
        r"Compressed file ended before",
        either=True,
        also=((C.MISSING_INPUT, 0.45),),
    ),
    sig(
        "decode_error",
        C.DATA_QUALITY,
        "The input contains bytes/text that cannot be decoded",
        0.72,
        ["Find the file's real encoding (or corrupt bytes) and read with that encoding."],
        types=("UnicodeDecodeError", "UnicodeEncodeError"),
        message=r"",
        also=((C.CONFIG_ERROR, 0.4),),
    ),
    sig(
        "json_decode",
        C.DATA_QUALITY,
        "The input/response is not valid JSON",
        0.62,
        [
            "Log the raw payload: an empty body or an HTML error page from the API points to "
            "the service, malformed records to the producer.",
        ],
        types=("JSONDecodeError",),
        message=r"",
        also=((C.DEPENDENCY_UNAVAILABLE, 0.45),),
    ),
    sig(
        "dbt_test_failure",
        C.DATA_QUALITY,
        "A dbt data test failed on the model's data",
        0.92,
        ["Query the failing test's rows (dbt test --store-failures) and fix the data or model."],
        message=r"Failure in test|Got \d+ results?, configured to (fail|warn) if",
        text=r"Failure in test \w+|Got \d+ results?, configured to fail if",
    ),
    sig(
        "dagster_check_failed",
        C.DATA_QUALITY,
        "A data quality check on the asset failed",
        0.88,
        ["Inspect the check's metadata for the failing rows/values and fix the producer."],
        types=("DagsterAssetCheckFailedError",),
        message=r"",
        text=r"DagsterAssetCheckFailedError|Asset check .* failed|check .* did not pass",
    ),
    sig(
        "dagster_type_check_builtin",
        C.CODE_ERROR,
        "The op returned a value of the wrong Python type for its declared output",
        0.84,
        ["Return the declared type (or fix the output annotation/DagsterType) in the op."],
        types=("DagsterTypeCheckDidNotPass", "DagsterTypeCheckError"),
        message=r"of python type .* must be an? |must be an? (int|str|float|bool|dict|list)",
        also=((C.DATA_QUALITY, 0.5), (C.SCHEMA_MISMATCH, 0.45)),
    ),
    sig(
        "env_like_keyerror",
        C.CONFIG_ERROR,
        "Required setting {q} is missing (looks like an environment variable)",
        0.8,
        [
            "Set the variable/secret in the deployment and redeploy the code location.",
            "Read settings with a clear error at startup (dagster.EnvVar, pydantic-settings).",
        ],
        types="KeyError",
        message=r"^\s*['\"]?(?-i:[A-Z][A-Z0-9]*_[A-Z0-9_]+)['\"]?\s*$",
        also=((C.SCHEMA_MISMATCH, 0.5),),
    ),
    sig(
        "dagster_type_check",
        C.DATA_QUALITY,
        "The step's output failed its Dagster type check",
        0.8,
        [
            "Look at the type check's description/metadata for the failing values.",
            "Fix the data or the type's constraints if they are outdated.",
        ],
        types=("DagsterTypeCheckDidNotPass", "DagsterTypeCheckError"),
        message=r"",
        text=r"DagsterTypeCheckDidNotPass|Type check failed for step",
        also=((C.SCHEMA_MISMATCH, 0.55), (C.CODE_ERROR, 0.45)),
    ),
    sig(
        "pandera",
        C.DATA_QUALITY,
        "Data validation (pandera/great_expectations) failed",
        0.86,
        ["Inspect the failure cases in the validation report and fix the offending rows upstream."],
        types=("SchemaErrors", "ValidationException"),
        message=r"",
        frames=r"pandera|great_expectations",
        also=((C.SCHEMA_MISMATCH, 0.5),),
    ),
    sig(
        "pandera_dq_msg",
        C.DATA_QUALITY,
        "Data validation failed on the values",
        0.84,
        ["Inspect the failing values named in the error and fix the producer."],
        message=r"failed element-wise validator|failed series or dataframe validator|"
        r"failure cases|expectation .* failed|Validation failed for",
    ),
    sig(
        "dq_keywords",
        C.DATA_QUALITY,
        "The data failed a validation rule (nulls, duplicates, invalid or out-of-range values)",
        0.72,
        [
            "Look at the rows named by the validation message and fix them at the source.",
            "Quarantine bad rows instead of failing the whole load if that is acceptable.",
        ],
        message=r"\b(null|nulls|NaN|missing values|NA values)\b|\bduplicat|\bnegative\b|(?<!index )out of range|"
        r"\binvalid (value|values|row|rows|record|records|amount|price|date|email|id)|"
        r"\bunexpected value|\b(check|validation|quality) (failed|error)|must be (positive|non-negative|"
        r"unique|between|greater|less)|\bbad (rows|records|values)|\bexpected .* got\b|"
        r"\bnot (unique|valid)\b|malformed|inconsistent|\boutlier|\bexceeds? (the )?(threshold|limit)",
    ),
    # ------------------------------------------------------------------ code_error
    sig(
        "zero_division",
        C.CODE_ERROR,
        "Division by zero in the pipeline code",
        0.88,
        [
            "Guard the denominator (it can legitimately be 0 for empty groups/partitions).",
            "Check whether an empty input made it zero; if so, treat the empty case explicitly.",
        ],
        types=(
            "ZeroDivisionError",
            "DivisionByZero",
            "FloatingPointError",
        ),
        message=r"",
        fix="guard the denominator (e.g. `x / n if n else 0.0`) or handle the empty case explicitly",
        also=((C.MISSING_INPUT, 0.45), (C.DATA_QUALITY, 0.35)),
    ),
    sig(
        "name_error",
        C.CODE_ERROR,
        "The pipeline code references an undefined name",
        0.93,
        ["Fix the typo / missing import of the name in the failing line."],
        types=("NameError", "UnboundLocalError"),
        message=r"",
        fix="define or import the name before use (typo or missing import)",
    ),
    sig(
        "none_attribute",
        C.CODE_ERROR,
        "The code used a value that is None as if it were an object",
        0.74,
        [
            "Find where the value became None (a lookup that found nothing, a function without "
            "return) and handle that case.",
        ],
        types=("AttributeError", "TypeError"),
        message=r"'NoneType' object (has no attribute|is not subscriptable|is not iterable|"
        r"is not callable|cannot be interpreted)|unsupported operand type\(s\) for .*NoneType|"
        r"argument of type 'NoneType'|NoneType",
        fix="handle the None case before using the value (check the lookup/upstream that "
        "returned None)",
        also=((C.MISSING_INPUT, 0.5), (C.DATA_QUALITY, 0.3)),
    ),
    sig(
        "type_error",
        C.CODE_ERROR,
        "A type error in the pipeline code",
        0.84,
        ["Fix the types at the failing line (conversion, argument order, wrong object)."],
        types=("TypeError",),
        message=r"unsupported operand|not callable|missing \d+ required|unexpected keyword argument|"
        r"takes \d+ positional|can only concatenate|must be str|not supported between instances|"
        r"object is not (iterable|subscriptable)|unhashable type|argument must be|got multiple values|"
        r"object cannot be interpreted|expected .* got|not JSON serializable|cannot unpack",
        fix="convert or pass the right type at this line",
        also=((C.DATA_QUALITY, 0.4),),
    ),
    sig(
        "type_error_plain",
        C.CODE_ERROR,
        "A type error in the pipeline code",
        0.72,
        ["Fix the types at the failing line."],
        types=("TypeError",),
        message=r"",
        also=((C.DATA_QUALITY, 0.35),),
    ),
    sig(
        "attribute_error",
        C.CODE_ERROR,
        "The code accesses an attribute the object does not have",
        0.78,
        ["Fix the attribute name or the object type at the failing line."],
        types=("AttributeError",),
        message=r"",
        fix="use the correct attribute or method name for this object",
        also=((C.ENVIRONMENT, 0.35),),
    ),
    sig(
        "index_error",
        C.CODE_ERROR,
        "The code indexes past the end of a sequence",
        0.68,
        ["Check the length before indexing; an empty or short input may be the trigger."],
        types=("IndexError",),
        message=r"",
        also=((C.MISSING_INPUT, 0.5),),
    ),
    sig(
        "keyerror_plain",
        C.CODE_ERROR,
        "A dictionary/mapping lookup failed on key {q}",
        0.55,
        ["Check where the key should come from; use .get() with a default where it is optional."],
        types=("KeyError",),
        message=r"",
        also=((C.SCHEMA_MISMATCH, 0.45), (C.CONFIG_ERROR, 0.35)),
    ),
    sig(
        "recursion",
        C.CODE_ERROR,
        "Unbounded recursion in the pipeline code",
        0.86,
        ["Add/fix the recursion's base case or make it iterative."],
        types=("RecursionError",),
        message=r"",
    ),
    sig(
        "syntax_error",
        C.CODE_ERROR,
        "The pipeline code has a syntax error",
        0.9,
        ["Fix the syntax at the reported line; run the module's tests/ruff in CI."],
        types=("SyntaxError", "IndentationError", "TabError"),
        message=r"",
    ),
    sig(
        "not_implemented",
        C.CODE_ERROR,
        "The code reached an unimplemented branch",
        0.85,
        ["Implement the branch or route the input elsewhere."],
        types=("NotImplementedError",),
        message=r"",
    ),
    sig(
        "assertion",
        C.CODE_ERROR,
        "An assertion in the pipeline code failed",
        0.6,
        ["Read the assertion's condition: it encodes an assumption about the data or state."],
        types=("AssertionError",),
        message=r"",
        also=((C.DATA_QUALITY, 0.5),),
    ),
    sig(
        "pandas_ambiguous",
        C.CODE_ERROR,
        "The code uses a pandas Series/array where a single boolean is needed",
        0.88,
        ["Use .any()/.all(), `&`/`|` with parentheses, or compare scalars."],
        types=("ValueError",),
        message=r"truth value of an? (Series|DataFrame|array|Index).*is ambiguous",
    ),
    sig(
        "linalg",
        C.DATA_QUALITY,
        "The numeric data is degenerate for this computation (singular/NaN/constant values)",
        0.6,
        ["Inspect the input matrix/series for constant, duplicate or NaN columns/rows."],
        types=("LinAlgError",),
        also=((C.CODE_ERROR, 0.45),),
    ),
    sig(
        "pandas_api_misuse",
        C.CODE_ERROR,
        "The code calls pandas/numpy with arguments of the wrong shape or kind",
        0.72,
        ["Fix the call at the failing line (check the shapes/arguments passed)."],
        types=("ValueError", "TypeError"),
        message=r"If using all scalar values, you must pass an index|Cannot set a (DataFrame|frame) with "
        r"multiple columns|Grouper for .* not 1-dimensional|setting an array element with a sequence|"
        r"Cannot operate on a closed database|can't adapt type|Error binding parameter",
        also=((C.DATA_QUALITY, 0.4),),
    ),
    sig(
        "binding_count",
        C.SCHEMA_MISMATCH,
        "The rows have a different number of fields than the statement expects",
        0.66,
        ["Align the row tuples with the statement's placeholders (the upstream shape changed?)."],
        message=r"Incorrect number of bindings supplied|not all arguments converted during string formatting|"
        r"tuple index out of range",
        also=((C.CODE_ERROR, 0.55),),
    ),
    sig(
        "shape_mismatch",
        C.CODE_ERROR,
        "Arrays with incompatible shapes were combined",
        0.72,
        ["Check the shapes of the combined arrays (did a filter drop rows on one side?)."],
        types=("ValueError",),
        message=r"operands could not be broadcast|shapes .* not aligned|Length of values \(\d+\) "
        r"does not match length of index|must have the same length|all the input array dimensions|cannot reshape array",
        also=((C.SCHEMA_MISMATCH, 0.5), (C.DATA_QUALITY, 0.35)),
    ),
    sig(
        "dagster_definition",
        C.CODE_ERROR,
        "The Dagster definitions or op/asset code misuse the Dagster API",
        0.8,
        ["Fix the definition according to the error message (outputs, types, signatures)."],
        types=(
            "DagsterInvalidDefinitionError",
            "DagsterInvariantViolationError",
            "DagsterInvalidInvocationError",
            "DagsterInvalidPropertyError",
            "DagsterInvalidMetadata",
            "DagsterInvalidAssetKey",
        ),
        message=r"",
    ),
    sig(
        "sa_session_state",
        C.CODE_ERROR,
        "A database session was reused after an earlier failed statement",
        0.62,
        [
            "Find the first error in the transaction (logged earlier) and roll back before reusing "
            "the session/connection.",
        ],
        types=("PendingRollbackError", "InFailedSqlTransaction", "ResourceClosedError"),
        message=r"",
        text=r"current transaction is aborted, commands ignored until end of transaction block",
        also=((C.DATA_QUALITY, 0.45),),
    ),
    sig(
        "ufunc_types",
        C.CODE_ERROR,
        "A numpy operation got values of incompatible dtypes (often strings in a numeric column)",
        0.62,
        ["Check the dtypes of the operands (df.dtypes); cast or clean the column first."],
        types=("_UFuncNoLoopError", "UFuncTypeError", "_UFuncBinaryResolutionError"),
        message=r"",
        also=((C.DATA_QUALITY, 0.55), (C.SCHEMA_MISMATCH, 0.45)),
    ),
    sig(
        "dbt_missing_ref",
        C.CODE_ERROR,
        "A dbt model references a model/source that does not exist in the project",
        0.82,
        ["Fix the ref()/source() name or add the missing model/source definition."],
        message=r"depends on a (node|source) named .* which (was not found|is disabled)",
        text=r"depends on a (node|source) named .* which (was not found|is disabled)",
        also=((C.MISSING_INPUT, 0.45),),
    ),
    sig(
        "dagster_code_location",
        C.ENVIRONMENT,
        "The Dagster code location failed to load",
        0.55,
        ["Read the load error's cause (usually an import error) and fix the deployment image."],
        types=("DagsterCodeLocationLoadError", "DagsterUserCodeLoadError", "DagsterImportError"),
        message=r"",
        also=((C.CODE_ERROR, 0.5),),
    ),
    sig(
        "dagster_check_error",
        C.CODE_ERROR,
        "A Dagster API invariant was violated by the calling code",
        0.62,
        ["Read the invariant's description and fix the call that passes the bad value."],
        types=("CheckError", "ParameterCheckError", "ElementCheckError"),
        also=((C.MISSING_INPUT, 0.35),),
    ),
    sig(
        "secret_missing",
        C.CONFIG_ERROR,
        "A secret the pipeline reads does not exist in the secret store",
        0.86,
        ["Create the secret (or fix its name/region) in the secret manager the deployment uses."],
        message=r"can't find the specified secret|Secret .{0,80} (not found|does not exist)|"
        r"SecretNotFound|secret .{0,40} could not be found",
        text=r"can't find the specified secret",
    ),
    sig(
        "dagster_missing_output_code",
        C.CODE_ERROR,
        "The op/asset did not return/yield a declared output",
        0.85,
        ["Return/yield every non-optional output (or mark it is_required=False)."],
        message=r"did not (return|yield) an output|did not fire outputs|"
        r"has no output named|returned an output .* not defined",
    ),
    sig(
        "dbt_compilation",
        C.CODE_ERROR,
        "A dbt model has a compilation (SQL/Jinja) error",
        0.82,
        ["Fix the model's SQL/Jinja at the file and line shown; run `dbt compile` locally."],
        message=r"Compilation Error in (model|test|macro)|Parsing Error|syntax error at or near|"
        r"SQL compilation error:\s*syntax error",
        text=r"Compilation Error in (model|macro|test)|syntax error at or near",
        also=((C.SCHEMA_MISMATCH, 0.4),),
    ),
    sig(
        "value_error_plain",
        C.DATA_QUALITY,
        "A value in the data (or argument) was rejected",
        0.5,
        ["Look at the value quoted in the message and where it came from."],
        types=("ValueError",),
        message=r"",
        also=((C.CODE_ERROR, 0.45),),
    ),
    sig(
        "runtime_error_plain",
        C.CODE_ERROR,
        "The pipeline code raised an error",
        0.3,
        ["Read the error's message and the failing line."],
        types=("RuntimeError", "Exception"),
        message=r"",
        generic=True,
    ),
]

SIGNATURE_COUNT = len(SIGNATURES)
