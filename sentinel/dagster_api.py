"""A small client for the Dagster webserver's GraphQL API, with a FIXED set of operations.

`sentinel serve` (and later the remediation layer) changes Dagster state only through these
methods: nothing in a Slack request, a button value or a model answer can choose the URL or
the operation; they only supply ids that go in as GraphQL variables, never into query text.

Errors: `DagsterUnreachable` (connection refused, timeout, 5xx) and `DagsterApiError` (the
API answered, but with an error such as an unknown run or a Python error).
"""

from __future__ import annotations

from typing import Any, Literal

import requests
from pydantic import BaseModel, Field

from sentinel.errors import SentinelError

Strategy = Literal["FROM_FAILURE", "ALL_STEPS"]

TERMINAL_STATUSES = frozenset({"SUCCESS", "FAILURE", "CANCELED"})


class DagsterApiError(SentinelError):
    """The webserver answered with an error (unknown run, invalid step selection, …)."""


class DagsterUnreachable(DagsterApiError):
    """The webserver could not be reached (or answered 5xx): nothing was done."""


class RunInfo(BaseModel):
    run_id: str
    status: str
    job_name: str | None = None
    tags: dict[str, str] = Field(default_factory=dict)
    start_time: float | None = None
    end_time: float | None = None

    @property
    def finished(self) -> bool:
        return self.status in TERMINAL_STATUSES


_RUN_FIELDS = "runId status jobName startTime endTime tags { key value }"

_REEXECUTE = """
mutation SentinelReexecute($parentRunId: String!, $strategy: ReexecutionStrategy!,
                           $extraTags: [ExecutionTag!]) {
  launchPipelineReexecution(reexecutionParams: {
      parentRunId: $parentRunId, strategy: $strategy, extraTags: $extraTags}) {
    __typename
    ... on LaunchRunSuccess { run { __RUN_FIELDS__ } }
    ... on Error { message }
    ... on InvalidSubsetError { message }
    ... on PythonError { message }
  }
}
""".replace("__RUN_FIELDS__", _RUN_FIELDS)

_RUN = """
query SentinelRun($runId: ID!) {
  runOrError(runId: $runId) {
    __typename
    ... on Run { __RUN_FIELDS__ }
    ... on Error { message }
    ... on PythonError { message }
  }
}
""".replace("__RUN_FIELDS__", _RUN_FIELDS)

_RUNS_BY_TAG = """
query SentinelRunsByTag($key: String!, $value: String!, $limit: Int!) {
  runsOrError(filter: {tags: [{key: $key, value: $value}]}, limit: $limit) {
    __typename
    ... on Runs { results { __RUN_FIELDS__ } }
    ... on Error { message }
    ... on PythonError { message }
  }
}
""".replace("__RUN_FIELDS__", _RUN_FIELDS)

_TERMINATE = """
mutation SentinelTerminate($runId: String!) {
  terminateRun(runId: $runId) {
    __typename
    ... on TerminateRunSuccess { run { runId status } }
    ... on TerminateRunFailure { message }
    ... on Error { message }
    ... on PythonError { message }
  }
}
"""

_VERSION = "query SentinelVersion { version }"


def _run(data: dict[str, Any]) -> RunInfo:
    return RunInfo(
        run_id=data["runId"],
        status=data["status"],
        job_name=data.get("jobName"),
        tags={t["key"]: t["value"] for t in data.get("tags") or []},
        start_time=data.get("startTime"),
        end_time=data.get("endTime"),
    )


class DagsterClient:
    """The webserver's GraphQL API at one configured URL."""

    def __init__(self, graphql_url: str, timeout_s: float = 10.0) -> None:
        self.url = graphql_url
        self.timeout_s = timeout_s
        self._session = requests.Session()

    def close(self) -> None:
        self._session.close()

    def _execute(self, query: str, variables: dict[str, Any]) -> dict[str, Any]:
        try:
            resp = self._session.post(
                self.url, json={"query": query, "variables": variables}, timeout=self.timeout_s
            )
        except requests.RequestException as e:
            raise DagsterUnreachable(f"Dagster is unreachable at {self.url}: {e}") from e
        if resp.status_code >= 500:
            raise DagsterUnreachable(f"Dagster answered {resp.status_code} at {self.url}")
        try:
            body = resp.json()
        except ValueError as e:
            raise DagsterApiError(f"Dagster answered {resp.status_code}, not JSON") from e
        if body.get("errors"):
            raise DagsterApiError("; ".join(str(e.get("message")) for e in body["errors"]))
        data = body.get("data")
        if not isinstance(data, dict):
            raise DagsterApiError(f"Dagster answered {resp.status_code} without data")
        return data

    def version(self) -> str:
        """The webserver's Dagster version (a cheap reachability probe)."""
        return str(self._execute(_VERSION, {}).get("version"))

    def reexecute(self, parent_run_id: str, *, strategy: Strategy, tags: dict[str, str]) -> RunInfo:
        """`launchPipelineReexecution` of a finished run; the new run carries `tags`."""
        variables = {
            "parentRunId": parent_run_id,
            "strategy": strategy,
            "extraTags": [{"key": k, "value": v} for k, v in tags.items()],
        }
        result = self._execute(_REEXECUTE, variables)["launchPipelineReexecution"]
        if result.get("__typename") != "LaunchRunSuccess":
            raise DagsterApiError(
                f"re-execution refused ({result.get('__typename')}): {result.get('message')}"
            )
        return _run(result["run"])

    def run(self, run_id: str) -> RunInfo | None:
        """A run's status and tags; None when the run does not exist."""
        result = self._execute(_RUN, {"runId": run_id})["runOrError"]
        if result.get("__typename") == "RunNotFoundError":
            return None
        if result.get("__typename") != "Run":
            raise DagsterApiError(f"run {run_id}: {result.get('message')}")
        return _run(result)

    def runs_with_tag(self, key: str, value: str, limit: int = 20) -> list[RunInfo]:
        """Runs carrying a tag, newest first."""
        result = self._execute(_RUNS_BY_TAG, {"key": key, "value": value, "limit": limit})
        runs = result["runsOrError"]
        if runs.get("__typename") != "Runs":
            raise DagsterApiError(f"runs tagged {key}={value}: {runs.get('message')}")
        return [_run(r) for r in runs.get("results") or []]

    def terminate(self, run_id: str) -> RunInfo:
        result = self._execute(_TERMINATE, {"runId": run_id})["terminateRun"]
        if result.get("__typename") != "TerminateRunSuccess":
            raise DagsterApiError(f"terminate {run_id}: {result.get('message')}")
        return RunInfo(run_id=result["run"]["runId"], status=result["run"]["status"])
