"""Start the four Baobab services as real processes on loopback, with prefixed logs.

`make run` calls this (`python -m scripts.stack`); the end-to-end tests and `make bench`
use `Stack` to run the same processes on other ports. The NLU and vision services may run
as several replicas (`--replicas nlu=2`): replica n listens 10 * (n - 1) ports above the
first (NLU: 8001, 8011, ...) and the gateway is given every replica's URL.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from shared import PROJECT_ROOT, read_or_create_secret

SERVICES = ("model_store", "nlu", "vision", "gateway")
APP_FACTORIES = {
    "gateway": "gateway.app:create_app",
    "nlu": "nlu_service.app:create_app",
    "vision": "vision_service.app:create_app",
    "model_store": "model_store.app:create_app",
}
PORT_OFFSETS = {"gateway": 0, "nlu": 1, "vision": 2, "model_store": 3}
# Services the gateway can balance over; replica n (from 2) is the process named "nlu-n".
REPLICATED = ("nlu", "vision")
REPLICA_PORT_STEP = 10
COLOURS = {
    "gateway": "\033[36m",
    "nlu": "\033[32m",
    "vision": "\033[35m",
    "model_store": "\033[33m",
}
RESET = "\033[0m"


def service_of(name: str) -> str:
    """Return the service a process name belongs to: "nlu-2" is a replica of "nlu"."""
    return name.partition("-")[0]


def admin_key_for(var_dir: Path, env: Mapping[str, str]) -> str:
    """Return the admin key the gateway will use: the configured one, else the generated one."""
    configured = env.get("BAOBAB_ADMIN_API_KEY")
    if configured:
        return configured
    return read_or_create_secret(var_dir / "admin_api_key", prefix="bbk_admin_")


@dataclass
class Stack:
    """The four services as child processes; `start()` waits until each answers /health."""

    base_port: int = 8000
    var_dir: Path = PROJECT_ROOT / "var"
    env: dict[str, str] = field(default_factory=dict)
    log_prefix: bool = True
    log_file: Path | None = None
    # How many processes of the NLU or vision service to run, e.g. {"nlu": 2}; default one.
    replicas: dict[str, int] = field(default_factory=dict)
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    _threads: list[threading.Thread] = field(default_factory=list)

    def tls_files(self) -> tuple[str, str] | None:
        """Return the gateway's (certificate, key) files when TLS is configured, else None.

        `BAOBAB_TLS_CERT_FILE` and `BAOBAB_TLS_KEY_FILE` (PEM) make the gateway serve HTTPS;
        one without the other is an error. The internal services stay on plain loopback HTTP.
        """
        env = {**os.environ, **self.env}
        cert, key = env.get("BAOBAB_TLS_CERT_FILE", ""), env.get("BAOBAB_TLS_KEY_FILE", "")
        if bool(cert) != bool(key):
            raise RuntimeError("set both BAOBAB_TLS_CERT_FILE and BAOBAB_TLS_KEY_FILE, or neither")
        return (cert, key) if cert else None

    def __post_init__(self) -> None:
        for service, count in self.replicas.items():
            if service not in REPLICATED or count < 1:
                raise ValueError(
                    f"replicas: {service}={count}; only {' and '.join(REPLICATED)} may have "
                    "several, and at least one"
                )

    def replica_names(self, service: str) -> list[str]:
        """Return the process names of a service's replicas: "nlu", "nlu-2", ..."""
        count = self.replicas.get(service, 1)
        return [service] + [f"{service}-{n}" for n in range(2, count + 1)]

    def process_names(self) -> list[str]:
        """Return every process of the stack, the model store first and the gateway last."""
        return [
            "model_store",
            *self.replica_names("nlu"),
            *self.replica_names("vision"),
            "gateway",
        ]

    def url(self, service: str) -> str:
        """Return the URL of a service (its first replica) or of one replica ("nlu-2")."""
        base, _, nth = service.partition("-")
        port = self.base_port + PORT_OFFSETS[base] + REPLICA_PORT_STEP * (int(nth or 1) - 1)
        scheme = "https" if base == "gateway" and self.tls_files() else "http"
        return f"{scheme}://127.0.0.1:{port}"

    def urls(self, service: str) -> str:
        """Return the URLs of every replica of a service, comma-separated (`BAOBAB_NLU_URL`)."""
        return ",".join(self.url(name) for name in self.replica_names(service))

    def child_env(self) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if k.lower() not in ("http_proxy", "https_proxy", "all_proxy")
        }
        env.update(
            {
                "BAOBAB_VAR_DIR": str(self.var_dir),
                "BAOBAB_GATEWAY_URL": self.url("gateway"),
                "BAOBAB_NLU_URL": self.urls("nlu"),
                "BAOBAB_VISION_URL": self.urls("vision"),
                "BAOBAB_MODEL_STORE_URL": self.url("model_store"),
                "NO_PROXY": "127.0.0.1,localhost",
                "PYTHONUNBUFFERED": "1",
            }
        )
        env.update(self.env)
        env.setdefault(
            "BAOBAB_INTERNAL_SECRET", read_or_create_secret(self.var_dir / "internal_secret")
        )
        env.setdefault("BAOBAB_ADMIN_API_KEY", admin_key_for(self.var_dir, env))
        return env

    @property
    def admin_key(self) -> str:
        return self.child_env()["BAOBAB_ADMIN_API_KEY"]

    def _pump(self, name: str, stream: object) -> None:
        colour = COLOURS[service_of(name)]
        prefix = f"{colour}{name:>11}{RESET} | " if sys.stdout.isatty() else f"{name:>11} | "
        sink = open(self.log_file, "a", buffering=1) if self.log_file else None
        try:
            for raw in iter(stream.readline, b""):  # type: ignore[attr-defined]
                line = raw.decode("utf-8", "replace").rstrip("\n")
                if sink:
                    sink.write(f"{name} | {line}\n")
                if self.log_prefix:
                    print(prefix + line, flush=True)
        finally:
            if sink:
                sink.close()

    def start_service(self, name: str) -> None:
        """Start one process: a service, or one of its replicas ("nlu-2")."""
        port = httpx.URL(self.url(name)).port
        cmd = [
            sys.executable, "-m", "uvicorn", "--factory", APP_FACTORIES[service_of(name)],
            "--host", "127.0.0.1", "--port", str(port), "--no-access-log", "--timeout-graceful-shutdown", "5",
        ]  # fmt: skip
        tls = self.tls_files() if name == "gateway" else None
        if tls is not None:
            cmd += ["--ssl-certfile", tls[0], "--ssl-keyfile", tls[1]]
        proc = subprocess.Popen(
            cmd,
            cwd=PROJECT_ROOT,
            env=self.child_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
        )
        self.procs[name] = proc
        t = threading.Thread(target=self._pump, args=(name, proc.stdout), daemon=True)
        t.start()
        self._threads.append(t)

    def wait_healthy(self, names: tuple[str, ...] = SERVICES, timeout_s: float = 120.0) -> None:
        """Block until every named service answers /ready (or /health for probes-only services)."""
        deadline = time.monotonic() + timeout_s
        pending = list(names)
        # Our own loopback processes: a self-signed gateway certificate is not checked here.
        with httpx.Client(timeout=2.0, trust_env=False, verify=False) as client:
            while pending:
                for name in list(pending):
                    proc = self.procs.get(name)
                    if proc is not None and proc.poll() is not None:
                        raise RuntimeError(
                            f"{name} exited with code {proc.returncode} during start-up"
                        )
                    try:
                        if client.get(self.url(name) + "/ready").status_code == 200:
                            pending.remove(name)
                    except httpx.HTTPError:
                        pass
                if pending and time.monotonic() > deadline:
                    raise TimeoutError(
                        f"services not ready after {timeout_s:.0f}s: {', '.join(pending)}"
                    )
                if pending:
                    time.sleep(0.2)

    def start(self, timeout_s: float = 120.0) -> Stack:
        # The model store migrates first; the others need it.
        self.start_service("model_store")
        self.wait_healthy(("model_store",), timeout_s)
        names = self.process_names()
        for name in names[1:]:
            self.start_service(name)
        self.wait_healthy(tuple(names), timeout_s)
        return self

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        proc = self.procs.pop(name, None)
        if proc and proc.poll() is None:
            proc.send_signal(sig)
            proc.wait(timeout=30)

    def restart(self, name: str, timeout_s: float = 120.0) -> None:
        self.kill(name, signal.SIGTERM)
        self.start_service(name)
        self.wait_healthy((name,), timeout_s)

    def stop(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 15
        for proc in self.procs.values():
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        self.procs.clear()

    def __enter__(self) -> Stack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--base-port", type=int, default=int(os.environ.get("BAOBAB_BASE_PORT", "8000"))
    )
    parser.add_argument(
        "--replicas",
        action="append",
        default=[],
        metavar="SERVICE=N",
        help="run N processes of the nlu or vision service behind the gateway, e.g. nlu=2",
    )
    args = parser.parse_args()
    replicas: dict[str, int] = {}
    for spec in args.replicas:
        service, _, count = spec.partition("=")
        if not count.isdigit():
            parser.error(f"--replicas {spec}: expected SERVICE=N, e.g. nlu=2")
        replicas[service] = int(count)
    try:
        stack = Stack(
            base_port=args.base_port,
            var_dir=Path(os.environ.get("BAOBAB_VAR_DIR", PROJECT_ROOT / "var")),
            replicas=replicas,
        )
    except ValueError as exc:
        parser.error(str(exc))
    stopping = threading.Event()

    def on_signal(signum: int, _: object) -> None:
        stopping.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        stack.start()
    except (RuntimeError, TimeoutError) as exc:
        print(f"baobab: {exc}", file=sys.stderr)
        stack.stop()
        return 1
    gateway = stack.url("gateway")
    print(
        "\n"
        "  Baobab is running.\n"
        f"  Gateway:   {gateway}  (API docs: {gateway}/docs)\n"
        f"  Admin key: {stack.admin_key}\n"
        f"  Try:       curl -s -H 'X-Auth-Token: {stack.admin_key}' {gateway}/nlu/v2/health\n"
        "  Ctrl-C stops every service.\n",
        flush=True,
    )
    while not stopping.is_set():
        for name, proc in stack.procs.items():
            if proc.poll() is not None:
                print(
                    f"baobab: {name} exited with code {proc.returncode}; stopping the stack",
                    file=sys.stderr,
                )
                stopping.set()
                break
        stopping.wait(0.5)
    print("\nbaobab: stopping...", flush=True)
    stack.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
