"""A small client for the Dagster webserver's GraphQL API, with a FIXED set of operations.

`sentinel serve` (and later the remediation layer) changes Dagster state only through these
methods: nothing in a Slack request, a button value or a model answer can choose the URL or
the operation; they only supply ids that go in as GraphQL variables, never into query text.

Errors: `DagsterUnreachable` (connection refused, timeout, 5xx) and `DagsterApiError` (the
API answered, but with an error such as an unknown run or a Python error).
"""

from __future__ import annotations

import json
from typing import Any, Literal

import requests
from pydantic import BaseModel, Field

from dagster_sentinel.errors import SentinelError

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

_ASSET_METADATA = """
query SentinelAssetMetadata($path: [String!]!) {
  assetOrError(assetKey: {path: $path}) {
    __typename
    ... on Asset { assetMaterializations(limit: 1) { timestamp
        metadataEntries { label
          ... on JsonMetadataEntry { jsonString }
          ... on TextMetadataEntry { text }
          ... on IntMetadataEntry { intValue } } } }
  }
}
"""


def _run(data: dict[str, Any]) -> RunInfo:
    return RunInfo(
        run_id=data["runId"],
        status=data["status"],
        job_name=data.get("jobName"),
        tags={t["key"]: t["value"] for t in data.get("tags") or []},
        start_time=data.get("startTime"),
        end_time=data.get("endTime"),
    )


# --- remediation operations (dagster_sentinel.actions, dagster_sentinel.selfheal) ---------
# Added for the remediation layer; like the ones above, fixed texts with typed variables.

_RUN_ORIGIN = """
query SentinelRunOrigin($runId: ID!) {
  runOrError(runId: $runId) {
    __typename
    ... on Run { __RUN_FIELDS__
                 repositoryOrigin { repositoryLocationName repositoryName }
                 assetSelection { path } }
    ... on Error { message }
    ... on PythonError { message }
  }
}
""".replace("__RUN_FIELDS__", _RUN_FIELDS)

_ASSET_UPSTREAM = """
query SentinelAssetUpstream($path: [String!]!) {
  assetNodeOrError(assetKey: {path: $path}) {
    __typename
    ... on AssetNode { dependencyKeys { path } isPartitioned }
    ... on Error { message }
  }
}
"""

_LAUNCH_ASSETS = """
mutation SentinelLaunchAssets($location: String!, $repository: String!,
                              $assets: [AssetKeyInput!]!, $tags: [ExecutionTag!]) {
  launchRun(executionParams: {
      selector: {repositoryLocationName: $location, repositoryName: $repository,
                 jobName: "__ASSET_JOB", assetSelection: $assets},
      mode: "default", executionMetadata: {tags: $tags}}) {
    __typename
    ... on LaunchRunSuccess { run { __RUN_FIELDS__ } }
    ... on Error { message }
    ... on PythonError { message }
    ... on InvalidSubsetError { message }
    ... on RunConfigValidationInvalid { errors { message } }
  }
}
""".replace("__RUN_FIELDS__", _RUN_FIELDS)

_SCHEDULE_STATE = """
query SentinelScheduleState($location: String!, $repository: String!, $name: String!) {
  scheduleOrError(scheduleSelector: {repositoryLocationName: $location,
                                     repositoryName: $repository, scheduleName: $name}) {
    __typename
    ... on Schedule { scheduleState { id status } }
    ... on Error { message }
    ... on PythonError { message }
  }
}
"""

_SENSOR_STATE = """
query SentinelSensorState($location: String!, $repository: String!, $name: String!) {
  sensorOrError(sensorSelector: {repositoryLocationName: $location,
                                 repositoryName: $repository, sensorName: $name}) {
    __typename
    ... on Sensor { sensorState { id status } }
    ... on Error { message }
    ... on PythonError { message }
  }
}
"""

_STOP_SCHEDULE = """
mutation SentinelStopSchedule($id: String!) {
  stopRunningSchedule(id: $id) {
    __typename
    ... on ScheduleStateResult { scheduleState { status } }
    ... on Error { message }
    ... on PythonError { message }
  }
}
"""

_START_SCHEDULE = """
mutation SentinelStartSchedule($location: String!, $repository: String!, $name: String!) {
  startSchedule(scheduleSelector: {repositoryLocationName: $location,
                                   repositoryName: $repository, scheduleName: $name}) {
    __typename
    ... on ScheduleStateResult { scheduleState { status } }
    ... on Error { message }
    ... on PythonError { message }
  }
}
"""

_STOP_SENSOR = """
mutation SentinelStopSensor($id: String!) {
  stopSensor(id: $id) {
    __typename
    ... on StopSensorMutationResult { instigationState { status } }
    ... on Error { message }
    ... on PythonError { message }
  }
}
"""

_START_SENSOR = """
mutation SentinelStartSensor($location: String!, $repository: String!, $name: String!) {
  startSensor(sensorSelector: {repositoryLocationName: $location,
                               repositoryName: $repository, sensorName: $name}) {
    __typename
    ... on Sensor { sensorState { status } }
    ... on Error { message }
    ... on PythonError { message }
  }
}
"""


class RunOrigin(BaseModel):
    """A run with where its code lives (for actions that launch or toggle instigators)."""

    run: RunInfo
    location: str | None = None
    repository: str | None = None
    asset_keys: list[list[str]] = Field(default_factory=list)


InstigatorKind = Literal["schedule", "sensor"]


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

    def latest_metadata(self, asset_path: list[str]) -> dict[str, Any]:
        """The metadata of an asset's latest materialization ({} when it has none)."""
        result = self._execute(_ASSET_METADATA, {"path": asset_path})["assetOrError"]
        if result.get("__typename") != "Asset":
            return {}
        mats = result.get("assetMaterializations") or []
        if not mats:
            return {}
        out: dict[str, Any] = {}
        for entry in mats[0].get("metadataEntries") or []:
            if "jsonString" in entry:
                out[entry["label"]] = json.loads(entry["jsonString"])
            elif "text" in entry:
                out[entry["label"]] = entry["text"]
            elif "intValue" in entry:
                out[entry["label"]] = entry["intValue"]
        return out

    # -- remediation (dagster_sentinel.actions, dagster_sentinel.selfheal) --------------
    def run_origin(self, run_id: str) -> RunOrigin | None:
        """A run with its code location, repository and asset selection; None if unknown."""
        result = self._execute(_RUN_ORIGIN, {"runId": run_id})["runOrError"]
        if result.get("__typename") == "RunNotFoundError":
            return None
        if result.get("__typename") != "Run":
            raise DagsterApiError(f"run {run_id}: {result.get('message')}")
        origin = result.get("repositoryOrigin") or {}
        return RunOrigin(
            run=_run(result),
            location=origin.get("repositoryLocationName"),
            repository=origin.get("repositoryName"),
            asset_keys=[list(a["path"]) for a in result.get("assetSelection") or []],
        )

    def upstream_of(self, asset_key: list[str]) -> list[list[str]]:
        """The asset graph's direct upstream keys of an asset (empty if it has none)."""
        result = self._execute(_ASSET_UPSTREAM, {"path": asset_key})["assetNodeOrError"]
        if result.get("__typename") != "AssetNode":
            raise DagsterApiError(f"asset {'/'.join(asset_key)}: {result.get('message')}")
        return [list(d["path"]) for d in result.get("dependencyKeys") or []]

    def launch_assets(
        self,
        *,
        location: str,
        repository: str,
        asset_keys: list[list[str]],
        tags: dict[str, str],
    ) -> RunInfo:
        """Materialize assets (with `dagster/partition` in `tags` for one partition)."""
        variables = {
            "location": location,
            "repository": repository,
            "assets": [{"path": k} for k in asset_keys],
            "tags": [{"key": k, "value": v} for k, v in tags.items()],
        }
        result = self._execute(_LAUNCH_ASSETS, variables)["launchRun"]
        if result.get("__typename") != "LaunchRunSuccess":
            detail = result.get("message") or "; ".join(
                str(e.get("message")) for e in result.get("errors") or []
            )
            raise DagsterApiError(f"launch refused ({result.get('__typename')}): {detail}")
        return _run(result["run"])

    def set_instigator(
        self,
        kind: InstigatorKind,
        *,
        location: str,
        repository: str,
        name: str,
        running: bool,
    ) -> str:
        """Start or stop a schedule or sensor; returns its status afterwards (idempotent)."""
        selector = {"location": location, "repository": repository, "name": name}
        if running:
            query, field = (
                (_START_SCHEDULE, "startSchedule")
                if kind == "schedule"
                else (_START_SENSOR, "startSensor")
            )
            result = self._execute(query, selector)[field]
            state = result.get("scheduleState") or result.get("sensorState")
            if not state:
                raise DagsterApiError(f"start {kind} {name}: {result.get('message')}")
            return str(state["status"])
        query, field, state_key = (
            (_SCHEDULE_STATE, "scheduleOrError", "scheduleState")
            if kind == "schedule"
            else (_SENSOR_STATE, "sensorOrError", "sensorState")
        )
        found = self._execute(query, selector)[field]
        state = found.get(state_key)
        if not state:
            raise DagsterApiError(f"{kind} {name}: {found.get('message') or 'not found'}")
        if state["status"] == "STOPPED":
            return "STOPPED"
        stop, stop_field = (
            (_STOP_SCHEDULE, "stopRunningSchedule")
            if kind == "schedule"
            else (_STOP_SENSOR, "stopSensor")
        )
        result = self._execute(stop, {"id": state["id"]})[stop_field]
        after = result.get("scheduleState") or result.get("instigationState")
        if not after:
            raise DagsterApiError(f"stop {kind} {name}: {result.get('message')}")
        return str(after["status"])
