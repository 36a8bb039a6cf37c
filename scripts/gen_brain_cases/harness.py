"""Case registry, the generation session and the capture helpers shared by every category.

A case is a function returning the failure text exactly as a pipeline would print it. The
`@case` decorator registers it under its name; it must live in the module named after its
category (`auth_failure.py` holds the `auth_failure` cases), so the taxonomy and the layout
cannot drift apart.

Nothing here acts at import. `session()` creates the scratch directory (the pipeline
modules the cases write are imported from it and rendered as
/opt/dagster/app/pipelines/<module>.py so their frames read as user frames), puts it on
`sys.path`, starts the loopback HTTP server, and undoes all of it on exit. Case bodies
reach the open session through `scratch()`, `pkg_dir()`, `api()` and `api_port()`.
"""

from __future__ import annotations

import importlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import textwrap
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sentinel_brain.models import Category

from . import loopback

ROOT = Path(__file__).resolve().parents[2]
CASES_DIR = ROOT / "tests" / "brain" / "cases"
PACKAGE = __name__.rpartition(".")[0]
SHOWN_DIR = "/opt/dagster/app/pipelines"
# Package name of the written pipeline modules; `pipelines` itself is taken by this repository.
GEN_PACKAGE = "pipelines_gen"
PG_DSN = "host=127.0.0.1 port=5432 user=postgres dbname=test connect_timeout=3"
PY = sys.executable
CATEGORIES: tuple[str, ...] = tuple(c.value for c in Category)

CaseFn = Callable[[], str]


class GenError(Exception):
    """Base of the generator's own errors."""


class RegistryError(GenError):
    """A case is registered with a bad name, category or home module."""


class NoSessionError(GenError):
    """A case helper was used outside `session()`."""


class CaseDidNotFail(GenError):
    """The code a case runs completed; there is no failure to capture."""


@dataclass(frozen=True)
class Case:
    name: str
    category: str
    mentions: tuple[str, ...]
    note: str
    fn: CaseFn
    # Other categories a careful reader could defend: top-3 credit only.
    also: tuple[str, ...] = ()


_REGISTRY: dict[str, Case] = {}


def check_registration(name: str, category: str, module_name: str, fn_qualname: str) -> None:
    """Raise RegistryError unless `name` can be registered for `category` from `module_name`."""
    if category not in CATEGORIES:
        raise RegistryError(f"case {name!r}: unknown category {category!r}")
    home = f"{PACKAGE}.{category}"
    if module_name != home:
        raise RegistryError(
            f"case {name!r} ({category}) must be defined in {home}, not {module_name}"
        )
    known = _REGISTRY.get(name)
    # Re-importing the same module re-registers the same function: that is not a duplicate.
    if known is not None and (known.fn.__module__, known.fn.__qualname__) != (
        module_name,
        fn_qualname,
    ):
        raise RegistryError(
            f"case {name!r} registered twice: {known.fn.__module__}.{known.fn.__qualname__} "
            f"and {module_name}.{fn_qualname}"
        )


def case(
    name: str,
    category: str,
    mentions: list[str],
    note: str = "",
    also: tuple[str, ...] = (),
) -> Callable[[CaseFn], CaseFn]:
    """Register the decorated function as the generator of case `name`.

    `also` names other categories a careful reader could defend (top-3 credit only).
    """

    def deco(fn: CaseFn) -> CaseFn:
        check_registration(name, category, fn.__module__, fn.__qualname__)
        bad = [a for a in also if a not in CATEGORIES or a == category]
        if bad:
            raise RegistryError(f"case {name!r}: bad `also` categories {bad}")
        _REGISTRY[name] = Case(name, category, tuple(mentions), note, fn, tuple(also))
        return fn

    return deco


def load_all() -> list[Case]:
    """Import every category module; return all cases in category order, then source order."""
    for category in CATEGORIES:
        importlib.import_module(f"{PACKAGE}.{category}")
    order = {c: i for i, c in enumerate(CATEGORIES)}
    return sorted(_REGISTRY.values(), key=lambda c: order[c.category])


# ----------------------------------------------------------------------- the session
@dataclass(frozen=True)
class Session:
    scratch: Path
    pkg_dir: Path
    port: int

    @property
    def api(self) -> str:
        return f"http://127.0.0.1:{self.port}"


_current: Session | None = None


def current() -> Session:
    if _current is None:
        raise NoSessionError("case helpers need an open generation session (harness.session())")
    return _current


@contextmanager
def restored_environ() -> Iterator[None]:
    """Give the block its own copy of os.environ: cases set variables to provoke failures."""
    saved = dict(os.environ)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@contextmanager
def session() -> Iterator[Session]:
    """Scratch directory on sys.path, DAGSTER_HOME, loopback server; all undone on exit."""
    global _current
    if _current is not None:
        raise GenError("a generation session is already open")
    scratch = Path(tempfile.mkdtemp(prefix="sentinel_gen_"))
    pkg = scratch / GEN_PACKAGE
    path_entry = str(scratch)
    try:
        pkg.mkdir()
        (pkg / "__init__.py").write_text("")
        sys.path.insert(0, path_entry)
        with restored_environ(), loopback.serve() as port:
            os.environ.setdefault("DAGSTER_HOME", str(scratch / "dagster_home"))
            Path(os.environ["DAGSTER_HOME"]).mkdir(parents=True, exist_ok=True)
            _current = Session(scratch, pkg, port)
            yield _current
    finally:
        _current = None
        if path_entry in sys.path:
            sys.path.remove(path_entry)
        for mod in [m for m in sys.modules if m == GEN_PACKAGE or m.startswith(GEN_PACKAGE + ".")]:
            del sys.modules[mod]
        importlib.invalidate_caches()
        shutil.rmtree(scratch, ignore_errors=True)


def scratch() -> Path:
    return current().scratch


def pkg_dir() -> Path:
    return current().pkg_dir


def api() -> str:
    return current().api


def api_port() -> int:
    return current().port


# ----------------------------------------------------------------------- capture helpers
def module(name: str, source: str) -> Any:
    """Write a pipeline module into the scratch package and import it fresh."""
    path = pkg_dir() / f"{name}.py"
    path.write_text(textwrap.dedent(source).lstrip())
    modname = f"{GEN_PACKAGE}.{name}"
    sys.modules.pop(modname, None)
    importlib.invalidate_caches()
    return importlib.import_module(modname)


def capture(fn: Callable[[], Any]) -> str:
    """Run `fn` and return its traceback as Python prints it (chains included)."""
    try:
        fn()
    except BaseException:  # noqa: BLE001 - we want the printed failure, whatever it is
        return traceback.format_exc()
    raise CaseDidNotFail("case did not fail")


def scrub(text: str, sess: Session) -> str:
    """Replace this machine's paths, home and host name by the deployment-looking ones."""
    text = text.replace(str(sess.pkg_dir), SHOWN_DIR).replace(str(sess.scratch), "/opt/dagster/app")
    text = text.replace(tempfile.gettempdir() + "/", "/tmp/").replace(GEN_PACKAGE, "pipelines")
    home = os.path.expanduser("~")
    if home not in ("/", ""):
        text = text.replace(home, "/home/dagster")
    host = socket.gethostname()
    if len(host) > 3:
        text = text.replace(host, "worker-1")
    return text


def closed_port() -> int:
    """A loopback port nothing listens on (bound, read, released)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    free = int(s.getsockname()[1])
    s.close()
    return free


def pg_exec(sql: str) -> None:
    """Run setup SQL on the local PostgreSQL in autocommit."""
    import psycopg2

    conn = psycopg2.connect(PG_DSN)
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(sql)
    conn.close()


def subproc_failure(code: str, *, timeout: float = 60, prelude: str = "") -> str:
    """Run a pipeline script in a subprocess and return its output (stdout + stderr)."""
    script = pkg_dir() / "job_script.py"
    script.write_text(textwrap.dedent(prelude) + textwrap.dedent(code))
    proc = subprocess.run(
        [PY, str(script)], capture_output=True, text=True, timeout=timeout, cwd=scratch()
    )
    return (proc.stdout + proc.stderr).strip() + "\n"


def render_dagster_failures(result: Any) -> str:
    """Dagster's own rendering of the step failures, check results and run failure."""
    out: list[str] = []
    for ev in result.all_events:
        if ev.is_step_failure:
            out.append(ev.message or "")
            err = ev.step_failure_data.error
            if err is not None:
                out.append("")
                out.append(err.to_string())
        elif ev.event_type_value == "ASSET_CHECK_EVALUATION":
            out.append(ev.message or "")
            data = ev.event_specific_data
            out.append(
                f"Asset check '{data.check_name}' on {data.asset_key.to_user_string()} "
                f"{'passed' if data.passed else 'failed'}; metadata: "
                + ", ".join(f"{k}={v.value}" for k, v in data.metadata.items())
            )
        elif ev.event_type_value in ("STEP_SKIPPED", "RUN_FAILURE"):
            out.append(ev.message or "")
    return "\n".join(x for x in out if x is not None).strip() + "\n"


def dagster_step_failure(modname: str, source: str, job_name: str) -> str:
    """Write a module defining `job_name`, execute it in process, render its failure."""
    m = module(modname, source)
    job_def = getattr(m, job_name)
    res = job_def.execute_in_process(raise_on_error=False)
    return render_dagster_failures(res)
