"""The Jupyter kernel a report runs in: the interpreter that renders it, with no registration step.

Reports run in a kernel of ``sys.executable`` whatever the environment (a venv, a conda env, an
editable or a plain ``pip install``): :func:`runtime_kernel` writes a kernelspec at run time into a
private Jupyter directory under the project cache (``<cache_dir>/jupyter/kernels/kexie-<hash>/``,
argv ``[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]``) and the report's
kernel manager looks only there (:func:`kernel_config`). Nothing is installed into the user's Jupyter
paths. The named ``kexie-compare`` kernel that ``make install`` registers is for JupyterLab users;
asking for it (or for no kernel) renders with the running interpreter. Any other name is looked up
among the installed kernelspecs.
"""
from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
import threading
from pathlib import Path

from compare.core.errors import ReportError
from compare.core.io import atomic_write_text

log = logging.getLogger(__name__)

#: the kernel `make install` registers for JupyterLab; for reports it means "this interpreter"
DEFAULT_KERNEL = "kexie-compare"
REPORT_HASH_SEED = "0"  # every report kernel hashes str alike (reproducible bytes)
RUNTIME_DIR = "jupyter"  # under compare.core.paths.cache_dir(); holds kernels/<name>/kernel.json


#: held while the notebook machinery (jsonschema, nbformat, papermill, nbclient, jupyter_client, zmq,
#: nbconvert) is imported: render_report imports papermill while its export thread imports nbconvert,
#: a build renders in several threads, and these packages share modules; two threads importing them
#: at once can fail (a half-initialised jupyter_client.manager, Python's import-deadlock detection)
JUPYTER_IMPORTS = threading.RLock()


def import_jupyter(*modules: str) -> None:
    """Import `modules` (after jsonschema, :func:`light_jsonschema`) holding :data:`JUPYTER_IMPORTS`."""
    import importlib

    with JUPYTER_IMPORTS:
        light_jsonschema()
        for module in modules:
            importlib.import_module(module)


def light_jsonschema() -> None:
    """Import jsonschema (nbformat, papermill and nbconvert validate notebooks with it) without its
    optional ``rfc3987_syntax``, which compiles some forty Lark grammars at import: 1.4 s of CPU in
    every process that renders a report, for the "iri" string formats, which nbformat's schema
    never asks for (it validates without a format checker). A no-op once jsonschema is imported;
    later explicit imports of rfc3987_syntax work as usual."""
    if "jsonschema" in sys.modules:
        return
    blocked = "rfc3987_syntax" not in sys.modules
    if blocked:
        sys.modules["rfc3987_syntax"] = None  # type: ignore[assignment]  # import fails: jsonschema skips it
    try:
        import jsonschema  # noqa: F401
    finally:
        if blocked and sys.modules.get("rfc3987_syntax", 0) is None:
            del sys.modules["rfc3987_syntax"]


def runtime_kernel(python: str | None = None) -> tuple[str, Path]:
    """(name, kernels directory) of a kernelspec running `python` (default sys.executable), written
    (atomically, only when it changed) into the project cache. The name carries a hash of the
    interpreter path, so several environments sharing one project never overwrite each other's spec."""
    from compare.core.paths import cache_dir

    python = python or sys.executable
    name = f"kexie-{hashlib.sha256(python.encode('utf-8')).hexdigest()[:12]}"
    kernels = cache_dir() / RUNTIME_DIR / "kernels"
    spec = {
        "argv": [python, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": f"Python (kexie-compare, {python})",
        "language": "python",
        "metadata": {"debugger": False},
    }
    text = json.dumps(spec, ensure_ascii=False, indent=1, sort_keys=True) + "\n"
    path = kernels / name / "kernel.json"
    try:
        current = path.read_text(encoding="utf-8")
    except OSError:
        current = None
    if current != text:
        atomic_write_text(path, text)
    return name, kernels


def resolve_kernel(kernel_name: str | None) -> tuple[str, list[str] | None]:
    """(kernel name, kernel directories to search or None for Jupyter's own paths) for a report.

    None or DEFAULT_KERNEL: the runtime kernel of this interpreter. Any other name must be an installed
    kernelspec; ReportError says how to list them otherwise."""
    if kernel_name is None or kernel_name == DEFAULT_KERNEL:
        name, kernels = runtime_kernel()
        return name, [str(kernels)]
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec(kernel_name)
    except NoSuchKernel:
        raise ReportError(
            f"the Jupyter kernel {kernel_name!r} is not installed (see `jupyter kernelspec list`); "
            f"leave the kernel unset to render with this interpreter, or run `make install` for "
            f"{DEFAULT_KERNEL!r}"
        ) from None
    return kernel_name, None


def kernel_config(kernel_log: Path, kernel_dirs: list[str] | None = None):
    """nbclient/jupyter_client configuration for one report's kernel.

    The kernel process's own stdout/stderr (start-up notices, the "KeyboardInterrupt caught" that
    jupyter_client's shutdown interrupt can provoke) go to kernel_log instead of the build's log;
    cell output is captured in the notebook as usual. kernel_dirs (from :func:`resolve_kernel`)
    restricts the kernelspec search to the runtime directory. ZeroMQ traffic is encrypted (CurveZMQ)
    when pyzmq supports it."""
    import_jupyter("zmq", "traitlets.config")
    import zmq
    from traitlets.config import Config

    km: dict = {"kernel_log": str(kernel_log)}
    if kernel_dirs:
        km["kernel_dirs"] = list(kernel_dirs)
    if zmq.has("curve"):
        km["transport_encryption"] = "auto"
    return Config({"NotebookClient": {"kernel_manager_class": kernel_manager_class()}, "KernelManager": km})


_KM_CLASS = None


def kernel_manager_class():
    """An AsyncKernelManager whose kernel writes its stdout/stderr to the `kernel_log` file and whose
    kernelspecs come from `kernel_dirs` when given."""
    global _KM_CLASS
    if _KM_CLASS is None:
        import_jupyter("jupyter_client.kernelspec", "jupyter_client.manager", "traitlets")
        from jupyter_client.kernelspec import KernelSpecManager
        from jupyter_client.manager import AsyncKernelManager
        from traitlets import List, Unicode, default

        class LoggedKernelManager(AsyncKernelManager):
            kernel_log = Unicode("", config=True, help="file receiving the kernel process's stdout and stderr")
            kernel_dirs = List(Unicode(), config=True, help="search only these kernelspec directories")

            @default("kernel_spec_manager")
            def _private_kernel_spec_manager(self):
                if self.kernel_dirs:
                    return KernelSpecManager(kernel_dirs=list(self.kernel_dirs), ensure_native_kernel=False)
                return KernelSpecManager(data_dir=self.data_dir)

            async def _async_launch_kernel(self, kernel_cmd, **kw):
                # a report is the same bytes whichever kernel renders it: with a random str hash seed,
                # set and dict-of-set orders (and so float sums and label draw order in charts) vary
                kw["env"] = {**(kw.get("env") or os.environ), "PYTHONHASHSEED": REPORT_HASH_SEED}
                if not self.kernel_log:
                    return await super()._async_launch_kernel(kernel_cmd, **kw)
                with open(self.kernel_log, "ab") as fh:
                    kw.setdefault("stdout", fh)
                    kw.setdefault("stderr", fh)
                    return await super()._async_launch_kernel(kernel_cmd, **kw)

        _KM_CLASS = LoggedKernelManager
    return _KM_CLASS


def installed_kernel(name: str = DEFAULT_KERNEL) -> Path | None:
    """The directory of an installed kernelspec (Jupyter's own paths), or None: e.g. to skip a test
    that needs the JupyterLab kernel."""
    from jupyter_client.kernelspec import KernelSpecManager

    found = KernelSpecManager().find_kernel_specs().get(name)
    return Path(found) if found else None


# --------------------------------------------------------------------------------------------------
# kept kernels: one per worker thread of a build, reused across its reports with the state reset
# --------------------------------------------------------------------------------------------------

KEPT_ENGINE = "kexie-kept-kernel"
#: run in a kept kernel before each report: the previous report's names, figures and garbage go
#: (pyplot is closed only when a report imported it: importing it here would change the next report)
RESET_CODE = ("%reset -f\nimport sys as _sys\nif 'matplotlib.pyplot' in _sys.modules:\n"
              "    _sys.modules['matplotlib.pyplot'].close('all')\nimport gc as _gc\n_gc.collect()\ndel _gc, _sys")


class KernelPool:
    """One kept Jupyter kernel per thread that renders (a build's worker threads), so that the reports
    of a build pay for kernel start-up and the heavy imports (pandas, matplotlib, compare) once per
    worker instead of once per report. Before each report the kernel's namespace is reset
    (:data:`RESET_CODE`); the notebook itself, its parameters cell, papermill's record of them and the
    HTML are exactly those of a fresh kernel. A report that fails discards its kernel (the next one
    starts afresh). :meth:`close` shuts every kernel down (the build calls it at the end)."""

    def __init__(self, kernel_name: str | None, log_dir: Path):
        self.name, self.dirs = resolve_kernel(kernel_name)
        self.log_dir = Path(log_dir)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._managers: list = []
        self.started = 0  # kernels started (for tests and the benchmark: at most one per worker)

    def manager(self):
        """(kernel manager, its log file) of this thread: created on first use; nbclient starts the kernel
        with the first report (in that report's working directory) and leaves it running."""
        km = getattr(self._local, "km", None)
        if km is None:
            warm = claim_warm(self.name)  # a kernel started ahead by prewarm(), if any
            with self._lock:
                if warm is not None:
                    km, log = warm
                else:
                    log = self.log_dir / f"kernel-{len(self._managers)}.log"
                    log.parent.mkdir(parents=True, exist_ok=True)
                    km = kernel_manager_class()(kernel_name=self.name, config=kernel_config(log, self.dirs))
                self._managers.append(km)
                self.started += 1
            self._local.km, self._local.log = km, log
        return km, self._local.log

    def discard(self) -> None:
        """Shut down this thread's kernel (after a failure: its state is unknown)."""
        km = getattr(self._local, "km", None)
        self._local.km = None
        if km is not None:
            _shutdown(km)

    def close(self) -> None:
        """Shut down the pool's kernels and any kernel started ahead for it and never used."""
        with self._lock:
            managers, self._managers = self._managers, []
        for km in managers:
            _shutdown(km)
        discard_warm(self.name)


# --------------------------------------------------------------------------------------------------
# kernels started ahead: a build starts its workers' kernels while its first steps run
# --------------------------------------------------------------------------------------------------

#: run in a kernel started ahead: the imports of the report templates and what their first report
#: would load on first use (compare.pipeline.kept.warm); the names go with the first report's reset
WARM_CODE = "import compare.pipeline.kept as _kept\n_kept.warm()\ndel _kept"
WARM_TIMEOUT = 300  # seconds a kernel may take to start and import

_WARM: dict[str, list] = {}  # kernel name -> [(thread, [km, log, ok])] started ahead, not yet claimed
_WARM_LOCK = threading.Lock()


def prewarm(kernel_name: str | None, n: int, log_dir: Path) -> int:
    """Start `n` report kernels now, each importing what the reports import (:data:`WARM_CODE`), in
    background threads: a build calls this when it knows reports will be rendered, so that kernel
    start-up and the heavy imports (2-3 s a kernel) overlap its other steps, which leave a core idle.
    :class:`KernelPool` then hands them to its worker threads (:func:`claim_warm`). A kernel started
    ahead is the same interpreter as any report kernel and its namespace is reset before the first
    report, so the reports are the same. Returns the number started (0 for an unknown kernel)."""
    import atexit

    try:
        name, dirs = resolve_kernel(kernel_name)
    except ReportError:
        return 0  # an unknown kernel: each report fails with that message in its own step
    log_dir = Path(log_dir)
    log_dir.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        log = log_dir / f"kernel-ahead-{i}.log"
        km = kernel_manager_class()(kernel_name=name, config=kernel_config(log, dirs))
        slot = [km, log, False]
        thread = threading.Thread(target=_start_warm, args=(slot,), name=f"kexie-warm-{i}", daemon=True)
        with _WARM_LOCK:
            if not _WARM:
                atexit.register(discard_warm)
            _WARM.setdefault(name, []).append((thread, slot))
        thread.start()
    return n


def _start_warm(slot: list) -> None:
    from jupyter_core.utils import run_sync

    from compare.core.paths import project_root

    km = slot[0]

    async def start() -> bool:
        with JUPYTER_IMPORTS:  # starting imports the provisioner: not beside another thread's imports
            await km.start_kernel(cwd=str(project_root()))  # the working directory every report kernel has
        kc = km.client()
        kc.start_channels()
        try:
            await kc.wait_for_ready(timeout=WARM_TIMEOUT)
            reply = await kc.execute_interactive(WARM_CODE, silent=True, store_history=False, timeout=WARM_TIMEOUT)
        finally:
            kc.stop_channels()
        return reply["content"]["status"] == "ok"

    try:
        slot[2] = run_sync(start)()
        km._kexie_used = True  # the first report resets the namespace first
    except Exception as exc:  # noqa: BLE001 - the report then starts its own kernel and says what fails
        log.warning("a report kernel started ahead failed: %s: %s", type(exc).__name__, exc)
        slot[2] = False


def start_one(kernel_name: str | None, log: Path):
    """Start one report kernel now, in a background thread, importing what the reports import
    (:data:`WARM_CODE`), for a single render (no build, no pool): the render starts it before it reads
    the corpus and checks the parameters, which then overlap the kernel's start-up and imports instead
    of preceding them. Its namespace is reset before the report (as a kept kernel's), so the report is
    a fresh kernel's. Returns a handle for :func:`take_one`; the caller shuts it down (:func:`stop_one`)."""
    name, dirs = resolve_kernel(kernel_name)
    km = kernel_manager_class()(kernel_name=name, config=kernel_config(log, dirs))
    slot = [km, log, False]
    thread = threading.Thread(target=_start_warm, args=(slot,), name="kexie-report-kernel", daemon=True)
    thread.start()
    return thread, slot


def take_one(handle):
    """The kernel manager of a kernel from :func:`start_one` once it has started and imported, or None
    when it failed (it is then shut down: the report starts its own kernel as usual)."""
    thread, (km, _log, _) = handle
    thread.join(WARM_TIMEOUT)
    if handle[1][2] and not thread.is_alive() and km.has_kernel:
        return km
    stop_one(handle)
    return None


def stop_one(handle) -> None:
    """Shut down a kernel from :func:`start_one` (waiting for its start first: never left running)."""
    thread, (km, _log, _) = handle
    thread.join(WARM_TIMEOUT)
    _shutdown(km)


def has_warm() -> bool:
    """Whether kernels started ahead are waiting for reports."""
    with _WARM_LOCK:
        return any(_WARM.values())


def claim_warm(name: str):
    """(kernel manager, log file) of a kernel started ahead for kernel `name` (waiting for it to finish
    its imports), or None when there is none or it failed (then it is shut down)."""
    while True:
        with _WARM_LOCK:
            waiting = _WARM.get(name) or []
            if not waiting:
                return None
            thread, slot = waiting.pop(0)
        thread.join(WARM_TIMEOUT)
        km, log, ok = slot
        if ok and not thread.is_alive() and km.has_kernel:
            return km, log
        _shutdown(km)


def discard_warm(name: str | None = None) -> None:
    """Shut down the kernels started ahead (for kernel `name`, default all) that no report claimed."""
    with _WARM_LOCK:
        names = [name] if name is not None else list(_WARM)
        dropped = [entry for n in names for entry in _WARM.pop(n, [])]
    for thread, slot in dropped:
        thread.join(WARM_TIMEOUT)
        _shutdown(slot[0])


def _shutdown(km) -> None:
    from jupyter_core.utils import run_sync

    try:
        if km.has_kernel:
            run_sync(km.shutdown_kernel)(now=True)
    except Exception:  # noqa: BLE001 - a kernel that is gone already is what we want
        pass


_ENGINE_REGISTERED = False


def register_kept_engine() -> str:
    """Register (once) the papermill engine that executes in a kept kernel; returns its name."""
    global _ENGINE_REGISTERED
    if not _ENGINE_REGISTERED:
        import_jupyter("papermill.clientwrap", "papermill.engines")
        from papermill.clientwrap import PapermillNotebookClient
        from papermill.engines import NBClientEngine, papermill_engines

        class KeptKernelClient(PapermillNotebookClient):
            def papermill_execute_cells(self):
                if self.km is not None and getattr(self.km, "_kexie_used", False):
                    self.wait_for_reply(self.kc.execute(RESET_CODE, silent=True, store_history=False))
                self.km._kexie_used = True
                return super().papermill_execute_cells()

            def execute(self, **kwargs):
                try:
                    return super().execute(**kwargs)
                finally:
                    if self.kc is not None:
                        self.kc.stop_channels()

        class KeptKernelEngine(NBClientEngine):
            @classmethod
            def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, stdout_file=None,
                                         stderr_file=None, start_timeout=60, execution_timeout=None, **kwargs):
                kwargs.pop("input_path", None)
                kwargs.pop("timeout", None)
                kwargs.pop("startup_timeout", None)
                return KeptKernelClient(nb_man, timeout=execution_timeout, startup_timeout=start_timeout,
                                        kernel_name=kernel_name, log_output=log_output, stdout_file=stdout_file,
                                        stderr_file=stderr_file, **kwargs).execute()

        papermill_engines.register(KEPT_ENGINE, KeptKernelEngine)
        _ENGINE_REGISTERED = True
    return KEPT_ENGINE
