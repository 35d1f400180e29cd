"""Static checks of the container set-up: docker-compose.yml and its podman override, the four
Dockerfiles, .dockerignore, the .env generator and the monitoring configuration.

Nothing here builds an image or starts a container; `make compose-check` does that
(scripts/compose_check.sh). The metric names the alerts and the dashboard use are checked
against the series the services' code really registers.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import shlex
import stat
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client import CollectorRegistry
from prometheus_client.registry import REGISTRY

from shared import PROJECT_ROOT

COMPOSE = PROJECT_ROOT / "docker-compose.yml"
PODMAN = PROJECT_ROOT / "deploy" / "compose.podman.yml"
ENV_EXAMPLE = PROJECT_ROOT / "deploy" / "compose.env.example"
ENV_SCRIPT = PROJECT_ROOT / "deploy" / "compose.env.sh"
MONITORING = PROJECT_ROOT / "deploy" / "monitoring"
# The team's reference folder: beside the repository, or where BAOBAB_REFERENCE_DIR says
# (.ci/run points it beside the repository a CI clone was made from).
REFERENCE = Path(
    os.environ.get("BAOBAB_REFERENCE_DIR", PROJECT_ROOT.parent / "shared" / "reference")
)
COMPOSE_SPEC = REFERENCE / "compose-spec.json"

# service in docker-compose.yml -> (Dockerfile folder, image, port, app factory, job in Prometheus)
APPS = {
    "gateway": ("gateway", "baobab-gateway", 8000, "gateway.app:create_app", "gateway"),
    "nlu": ("nlu_service", "baobab-nlu", 8001, "nlu_service.app:create_app", "nlu"),
    "vision": ("vision_service", "baobab-vision", 8002, "vision_service.app:create_app", "vision"),
    "model-store": (
        "model_store",
        "baobab-model-store",
        8003,
        "model_store.app:create_app",
        "model_store",
    ),
}
# The services whose images install pyproject's inference extra on top of the common deps.
INFERENCE_APPS = ("nlu", "vision")
PODMAN_PORTS = {"gateway": 18000, "nlu": 18001, "vision": 18002, "model-store": 18003}
# The vision app with torch (vision_service/Dockerfile, target trainer): it trains image
# detectors, which the torch-free vision replicas leave queued. Not routed by the gateway.
TRAINER = "vision-trainer"
TRAINER_IMAGE = "baobab-vision-trainer"
TRAINER_JOB = "vision_trainer"
TRAINER_PODMAN_PORT = 18012
ALERTS = {
    "BaobabServiceDown",
    "BaobabNotReady",
    "BaobabHighErrorRate",
    "BaobabHighLatencyP99",
    "BaobabTrainingBacklog",
    "BaobabModelCacheHitRateLow",
}
# The modules that register Baobab's own series in the default registry at import.
METRIC_MODULES = (
    "shared._service",
    "shared._cache",
    "gateway.metrics",
    "model_store.jobs.metrics",
    "nlu_service.metrics",
)
# Every one of these has a panel on the dashboard.
DASHBOARD_METRICS = {
    "baobab_ready",
    "http_requests_total",
    "http_request_duration_seconds_bucket",
    "baobab_encoder_batches_total",
    "baobab_encoder_mean_batch_size",
    "baobab_encoder_busy_seconds_total",
    "baobab_model_cache_requests_total",
    "baobab_training_jobs",
    "baobab_training_job_duration_seconds_bucket",
    "baobab_tenant_calls_total",
    "baobab_inference_seconds_bucket",
    "baobab_encoder_batch_size_bucket",
}
METRIC_NAME = re.compile(r"\b(baobab_[a-z0-9_]+|http_[a-z0-9_]+|up)\b(?!\s*\()")


class ComposeLoader(yaml.SafeLoader):
    """`yaml.safe_load` plus compose's `!reset` tag (an override dropping the main file's
    value) and `!override` (an override replacing it instead of merging lists into it)."""


def _override(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    assert isinstance(node, yaml.ScalarNode), node
    return loader.construct_scalar(node)


RESET = "<!reset>"
ComposeLoader.add_constructor("!reset", lambda loader, node: RESET)
ComposeLoader.add_constructor("!override", _override)


def load(path: Path) -> Any:
    return yaml.load(path.read_text(), Loader=ComposeLoader)  # a SafeLoader subclass


def without_resets(doc: Any) -> Any:
    """Return `doc` with every `!reset` value as an empty list, as the schema sees the tag."""
    if doc == RESET:
        return []
    if isinstance(doc, dict):
        return {k: without_resets(v) for k, v in doc.items()}
    if isinstance(doc, list):
        return [without_resets(v) for v in doc]
    return doc


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return load(COMPOSE)  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def podman() -> dict[str, Any]:
    return load(PODMAN)  # type: ignore[no-any-return]


# ---------------------------------------------------------------------------- compose files


@pytest.mark.parametrize("path", [COMPOSE, PODMAN], ids=["docker-compose.yml", "podman override"])
def test_compose_file_is_valid_against_the_compose_spec_schema(path: Path) -> None:
    if not COMPOSE_SPEC.is_file():
        pytest.skip(f"{COMPOSE_SPEC} is absent (the team's reference folder): schema not checked")
    import jsonschema

    schema = json.loads(COMPOSE_SPEC.read_text())
    validator = jsonschema.Draft7Validator(schema)
    doc = without_resets(load(path))
    errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
    assert not errors, "\n".join(f"{list(e.absolute_path)}: {e.message}" for e in errors)


def test_the_schema_check_rejects_a_broken_compose_file() -> None:
    if not COMPOSE_SPEC.is_file():
        pytest.skip(f"{COMPOSE_SPEC} is absent (the team's reference folder): schema not checked")
    import jsonschema

    validator = jsonschema.Draft7Validator(json.loads(COMPOSE_SPEC.read_text()))
    broken = {"services": {"gateway": {"image": "x", "healthcheck": {"interval": 5}}}}
    assert list(validator.iter_errors(broken))


def test_every_long_running_service_has_a_healthcheck_and_a_restart_policy(
    compose: dict[str, Any],
) -> None:
    for name, service in compose["services"].items():
        if service.get("restart") == "no":
            continue  # one-shot (migrate): checked below
        check = service.get("healthcheck", {})
        assert check.get("test") and not check.get("disable"), f"{name} has no healthcheck"
        assert service.get("restart") == "unless-stopped", name


def test_migrate_runs_once_in_the_model_store_image_before_the_services(
    compose: dict[str, Any],
) -> None:
    services = compose["services"]
    migrate = services["migrate"]
    assert migrate["image"] == "baobab-model-store"
    assert "python -m scripts.migrate" in " ".join(migrate["command"])
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("gateway", "model-store"):
        assert services[name]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        )
    assert (PROJECT_ROOT / "scripts" / "migrate.py").is_file()


def test_depends_on_names_real_services_with_known_conditions(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name, service in services.items():
        for dep, spec in service.get("depends_on", {}).items():
            assert dep in services, f"{name} depends on unknown {dep}"
            assert spec["condition"] in ("service_healthy", "service_completed_successfully")
            if spec["condition"] == "service_healthy":
                assert "test" in services[dep].get("healthcheck", {}), f"{dep} has no healthcheck"


def test_apps_use_their_images_ports_and_the_service_urls(compose: dict[str, Any]) -> None:
    services = compose["services"]
    env = compose["x-baobab-env"]
    for name, (folder, image, _, _, _) in APPS.items():
        service = services[name]
        assert service["image"] == image
        assert service["build"] == {"context": ".", "dockerfile": f"{folder}/Dockerfile"}
        assert service["environment"]["BAOBAB_ENVIRONMENT"] == "production"
    assert env["BAOBAB_NLU_URL"] == "http://nlu:8001"
    assert env["BAOBAB_VISION_URL"] == "http://vision:8002"
    assert env["BAOBAB_MODEL_STORE_URL"] == "http://model-store:8003"
    assert env["BAOBAB_GATEWAY_URL"] == "http://gateway:8000"
    assert env["BAOBAB_DATABASE_URL"].startswith("postgresql://baobab:")
    assert env["BAOBAB_DATABASE_URL"].endswith("@postgres:5432/baobab")
    assert "BAOBAB_ADMIN_API_KEY" in services["gateway"]["environment"]
    # Only the gateway is published on every interface; monitoring on loopback.
    published = {n: s.get("ports", []) for n, s in services.items() if s.get("ports")}
    assert published["gateway"] == ["${BAOBAB_GATEWAY_PORT:-8000}:8000"]
    for name, ports in published.items():
        if name != "gateway":
            assert all(p.startswith("127.0.0.1:") for p in ports), name


def test_the_vision_trainer_is_the_vision_app_with_torch_and_not_routed(
    compose: dict[str, Any],
) -> None:
    services = compose["services"]
    trainer, vision = services[TRAINER], services["vision"]
    assert trainer["image"] == TRAINER_IMAGE
    assert trainer["build"] == {
        "context": ".",
        "dockerfile": "vision_service/Dockerfile",
        "target": "trainer",
    }
    # vision builds the Dockerfile's last stage: runtime, without torch.
    assert "target" not in vision["build"]
    # The vision service's settings; detector training required (an image without torch
    # fails at start rather than leaving detector jobs queued unnoticed).
    assert trainer["environment"] == {**vision["environment"], "BAOBAB_TRAIN_DETECTORS": "true"}
    assert trainer["healthcheck"] == vision["healthcheck"] == compose["x-baobab-healthcheck"]
    assert trainer["restart"] == "unless-stopped"
    assert trainer["depends_on"] == vision["depends_on"]
    assert "ports" not in trainer
    # The gateway routes image calls to the vision service only; nothing waits on the trainer.
    assert compose["x-baobab-env"]["BAOBAB_VISION_URL"] == "http://vision:8002"
    assert all(TRAINER not in str(s.get("environment", {})) for s in services.values())
    assert TRAINER not in services["gateway"]["depends_on"]


def test_vision_dockerfile_trainer_stage_adds_the_cpu_torch_to_the_runtime_app() -> None:
    parsed = stages(PROJECT_ROOT / "vision_service" / "Dockerfile")
    names = list(parsed)
    # runtime stays last (the default target); trainer and runtime share the app's stage.
    assert names[-1] == "runtime" and names.index("trainer") < names.index("runtime")
    base = parsed["trainer"][0][1].split(" AS ")[0]
    assert parsed["runtime"][0][1].split(" AS ")[0] == base
    trainer = resolved(parsed, "trainer")
    runtime = resolved(parsed, "runtime")
    # Everything the runtime image has (app, models, port, user, healthcheck, command)...
    assert trainer[: len(parsed[base])] == [
        ("FROM", "python:3.11-slim AS trainer"),
        *runtime[1 : len(parsed[base])],
    ]
    added = parsed["trainer"][1:]
    words = [w for w, _ in added]
    # ...plus torch, installed as root, then back to the unprivileged user.
    assert words[0] in ("ARG", "USER") and ("USER", "root") in added
    assert added[-1] == ("USER", "10001:10001")
    assert dict(runtime)["USER"] == "10001:10001"
    assert dict(added)["ARG"] == dict(parsed["models"])["ARG"]  # the same TORCH_INDEX_URL
    (install,) = [r for w, r in added if w == "RUN"]
    assert "['optional-dependencies']['build']" in install  # the version of pyproject's build extra
    assert '--index-url "$TORCH_INDEX_URL" "$torch"' in install
    assert "import torch; assert torch.version.cuda is None" in install
    assert not any(w in ("CMD", "EXPOSE", "HEALTHCHECK", "COPY") for w in words)
    # The runtime image refuses torch; the trainer's comes after the shared stage's check.
    assert any('import torch" 2>/dev/null; then' in r for w, r in parsed["runtime"] if w == "RUN")


def test_podman_override_moves_every_port_and_uses_host_networking(
    compose: dict[str, Any], podman: dict[str, Any]
) -> None:
    main, over = compose["services"], podman["services"]
    assert set(over) <= set(main)
    disabled = {n for n, s in over.items() if s.get("profiles") == ["disabled"]}
    assert disabled == {"grafana"}  # no local image of it
    hosts = {h.split(":")[0] for h in podman["x-host"]["extra_hosts"]}
    assert {"postgres", "redis", "prometheus", "alertmanager", *APPS} <= hosts
    for name in set(main) - disabled:
        assert over[name]["network_mode"] == "host", name
    # podman 4.3's --requires (from depends_on) breaks on chained dependencies: none here.
    for name in (*APPS, TRAINER, "migrate"):
        assert main[name]["depends_on"] and over[name]["depends_on"] == RESET, name
    assert "retrying" in " ".join(main["migrate"]["command"])
    for name, port in {**PODMAN_PORTS, TRAINER: TRAINER_PODMAN_PORT}.items():
        assert over[name]["environment"]["PORT"] == str(port)
    assert over[TRAINER]["environment"]["BAOBAB_VISION_URL"] == "http://vision:18002"
    env = podman["x-baobab-env"]
    assert env["BAOBAB_DATABASE_URL"].endswith("@postgres:55432/baobab")
    assert env["BAOBAB_REDIS_URL"] == "redis://redis:56379/0"
    for name, port in PODMAN_PORTS.items():
        key = f"BAOBAB_{name.upper().replace('-', '_')}_URL"
        assert env[key] == f"http://{name}:{port}"
    assert over["postgres"]["environment"]["PGPORT"] == "55432"
    assert "56379" in over["redis"]["command"]
    prom = over["prometheus"]["command"]
    assert "--web.listen-address=127.0.0.1:59090" in prom
    assert "--config.file=/etc/prometheus/prometheus.podman.yml" in prom
    # Alertmanager keeps the main file's entrypoint and webhook file, on a moved port.
    alerting = over["alertmanager"]
    (script,) = alerting["command"]
    assert script.startswith(main["alertmanager"]["command"][0].split(" --storage.path")[0])
    assert "--web.listen-address=127.0.0.1:59093" in script
    assert script.rstrip().endswith("--cluster.listen-address=")
    assert "http://127.0.0.1:59093/-/ready" in alerting["healthcheck"]["test"]


def compose_variables(path: Path) -> set[str]:
    return set(re.findall(r"\$\{([A-Z_][A-Z0-9_]*)", path.read_text()))


def test_every_variable_the_compose_files_read_is_in_the_env_example() -> None:
    example = {
        line.split("=", 1)[0]
        for line in ENV_EXAMPLE.read_text().splitlines()
        if line and not line.startswith("#")
    }
    used = compose_variables(COMPOSE) | compose_variables(PODMAN)
    assert used <= example, sorted(used - example)
    assert example <= used, sorted(example - used)


def test_env_script_writes_distinct_secrets_the_services_accept(tmp_path: Path) -> None:
    out = tmp_path / ".env"
    subprocess.run(["sh", str(ENV_SCRIPT), str(out)], check=True, capture_output=True)
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    values = dict(
        line.split("=", 1)
        for line in out.read_text().splitlines()
        if line and not line.startswith("#")
    )
    secrets = [v for k, v in values.items() if "PASSWORD" in k or "KEY" in k or "SECRET" in k]
    assert len(secrets) == 4 and len(set(secrets)) == 4
    assert all(re.fullmatch(r"[0-9a-f]{48}", s) for s in secrets)
    assert "=generate-me" not in out.read_text()
    # An existing .env is never overwritten.
    again = subprocess.run(["sh", str(ENV_SCRIPT), str(out)], capture_output=True, text=True)
    assert again.returncode == 1 and "not overwriting" in again.stderr
    assert out.read_text().count(values["BAOBAB_ADMIN_API_KEY"]) == 1

    from gateway.config import Settings

    settings = Settings(
        environment="production",
        admin_api_key=values["BAOBAB_ADMIN_API_KEY"],
        internal_secret=values["BAOBAB_INTERNAL_SECRET"],
        var_dir=tmp_path,
    )
    assert settings.admin_key == values["BAOBAB_ADMIN_API_KEY"]
    # Copied by hand without editing, the example is refused in production.
    with pytest.raises(ValueError, match="ADMIN_API_KEY"):
        Settings(
            environment="production",
            admin_api_key="generate-me",
            internal_secret=values["BAOBAB_INTERNAL_SECRET"],
            var_dir=tmp_path,
        )


# ---------------------------------------------------------------------------- Dockerfiles


def instructions(path: Path) -> list[tuple[str, str]]:
    """Return the Dockerfile's (INSTRUCTION, arguments) pairs, continuations joined."""
    out: list[tuple[str, str]] = []
    pending = ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line, pending = pending + line, ""
        word, _, rest = line.partition(" ")
        out.append((word.upper(), rest.strip()))
    return out


def stages(path: Path) -> dict[str, list[tuple[str, str]]]:
    result: dict[str, list[tuple[str, str]]] = {}
    current: list[tuple[str, str]] = []
    for word, rest in instructions(path):
        if word == "FROM":
            current = [(word, rest)]
            result[rest.split(" AS ")[-1].strip()] = current
        else:
            current.append((word, rest))
    return result


def resolved(parsed: dict[str, list[tuple[str, str]]], name: str) -> list[tuple[str, str]]:
    """Return the stage's instructions with those of the earlier stages it is built FROM.

    The first is the FROM of the base image, named as the stage (`FROM python:3.11-slim AS
    runtime`), so a stage split in two (vision's serve -> runtime) reads as one.
    """
    stage = parsed[name]
    base = stage[0][1].split(" AS ")[0].strip()
    if base not in parsed:
        return [("FROM", f"{base} AS {name}"), *stage[1:]]
    assert list(parsed).index(base) < list(parsed).index(name), (base, name)
    (_, root), *inherited = resolved(parsed, base)
    return [("FROM", f"{root.split(' AS ')[0]} AS {name}"), *inherited, *stage[1:]]


@pytest.mark.parametrize("service", APPS)
def test_dockerfile_runtime_stage_is_slim_non_root_healthchecked_and_torch_free(
    service: str,
) -> None:
    folder, _, port, factory, _ = APPS[service]
    parsed = stages(PROJECT_ROOT / folder / "Dockerfile")
    # The last stage is what a plain `docker build` (and compose without a target) builds.
    assert list(parsed)[-1] == "runtime"
    runtime = resolved(parsed, "runtime")
    assert runtime[0] == ("FROM", "python:3.11-slim AS runtime")
    words = dict(runtime)
    user = words["USER"].split(":")[0]
    assert user not in ("", "0", "root"), "the runtime stage must run as a non-root user"
    assert any(w == "ENV" and r.split()[0] == f"PORT={port}" for w, r in runtime)
    assert words["EXPOSE"] == str(port)
    assert "/health" in words["HEALTHCHECK"] and "os.environ['PORT']" in words["HEALTHCHECK"]
    cmd = json.loads(words["CMD"])
    assert cmd[:2] == ["sh", "-c"]
    argv = shlex.split(cmd[2])
    assert argv[:4] == ["exec", "uvicorn", "--factory", factory]
    assert argv[argv.index("--host") + 1] == "0.0.0.0"
    assert argv[argv.index("--port") + 1] == "$PORT"
    assert "--proxy-headers" in argv
    module, attr = factory.split(":")
    assert callable(getattr(importlib.import_module(module), attr))
    # Runtime dependencies only: torch is refused, and nothing installs it there.
    runs = [r for w, r in runtime if w == "RUN"]
    assert any('import torch" 2>/dev/null; then' in r and "exit 1" in r for r in runs)
    assert not any("pip install" in r for r in runs)
    copies = [r for w, r in runtime if w == "COPY"]
    # The gateway and model store take the common dependencies only; the NLU and vision
    # images take them with pyproject's inference extra (ONNX Runtime, OCR, ...).
    venv = "inference" if service in INFERENCE_APPS else "deps"
    assert f"--from={venv} /opt/venv /opt/venv" in copies
    froms = {c.split()[0] for c in copies if c.startswith("--from=")}
    assert froms == {f"--from={venv}"} | ({"--from=models"} if "models" in parsed else set())
    if "models" in parsed:
        assert "--from=models /models /models" in copies
        assert "BAOBAB_MODELS_DIR=/models" in " ".join(r for w, r in runtime if w == "ENV")
    # The migrations (model store's and gateway's) are in every image.
    for package in ("shared", "gateway", "model_store", "scripts"):
        assert f"{package} /app/{package}" in copies


def test_dockerfile_stages_share_their_leading_instructions() -> None:
    parsed = {s: stages(PROJECT_ROOT / APPS[s][0] / "Dockerfile") for s in APPS}
    first = parsed["gateway"]
    first_runtime = resolved(first, "runtime")
    venv = next(n for n, (w, r) in enumerate(first_runtime) if r.endswith(" /opt/venv /opt/venv"))
    port = next(n for n, (w, r) in enumerate(first_runtime) if w == "ENV" and "PORT=" in r)
    inference = resolved(parsed["nlu"], "runtime")
    # The leading instructions up to the one that differs between the two kinds of image
    # (the venv with or without the inference extra), then the same up to the port again.
    assert first_runtime[:venv] == inference[:venv] and venv >= 3
    assert inference[venv] == ("COPY", "--from=inference /opt/venv /opt/venv")
    assert port > 10
    for service, st in parsed.items():
        assert st["deps"] == first["deps"], service
        runtime = resolved(st, "runtime")
        kind = inference if service in INFERENCE_APPS else first_runtime
        # The runtime stage is the same up to its service-specific tail (models, ENV PORT...).
        assert runtime[:port] == kind[:port], service
        assert ("inference" in st) == (service in INFERENCE_APPS), service
    # Only the common dependencies in deps; the inference extra in its own shared stage,
    # which the models stage builds on (the export scripts check with ONNX Runtime).
    (install,) = [r for w, r in first["deps"] if w == "RUN" and "pip install -r" in r]
    assert "p['dependencies']" in install and "optional-dependencies" not in install
    assert parsed["nlu"]["inference"] == parsed["vision"]["inference"]
    extra = " ".join(r for w, r in parsed["nlu"]["inference"] if w == "RUN")
    assert "['optional-dependencies']['inference']" in extra
    assert "opencv-python-headless" in extra
    assert parsed["nlu"]["inference"][0] == ("FROM", "deps AS inference")
    assert parsed["nlu"]["models"][0] == ("FROM", "inference AS models")
    nlu, vision = parsed["nlu"]["models"], parsed["vision"]["models"]
    assert nlu[:-1] == vision[:-1]
    assert "torch.version.cuda is None" in " ".join(r for _, r in nlu)
    assert "TORCH_INDEX_URL=https://download.pytorch.org/whl/cpu" in dict(nlu)["ARG"]
    # The NLU image builds the text encoder only, the vision image the three image models.
    assert "build_models import build" in nlu[-1][1]
    for module in ("build_image_backbone", "build_image_features", "build_image_detector"):
        assert f"python -m scripts.{module} --out /models" in vision[-1][1]
        assert module not in nlu[-1][1]


def test_dockerignore_keeps_local_state_out_of_the_build_context() -> None:
    ignored = {
        line.strip()
        for line in (PROJECT_ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".venv", "var", ".git", "tests", "notebooks", ".env", "**/__pycache__"} <= ignored


# ---------------------------------------------------------------------------- monitoring


def registered_metric_names() -> set[str]:
    """Return the series names the services' code exposes (as a scrape shows them)."""
    for module in METRIC_MODULES:
        importlib.import_module(module)
    from prometheus_fastapi_instrumentator import metrics as instrumentator_metrics

    from nlu_service.metrics import _EncoderCollector

    instrumentator = CollectorRegistry()
    instrumentator_metrics.default(registry=instrumentator)
    families = [*REGISTRY.collect(), *_EncoderCollector().collect(), *instrumentator.collect()]
    names: set[str] = set()
    for family in families:
        if family.type == "counter":
            names.add(family.name + "_total")
        elif family.type == "histogram":
            names.update(family.name + s for s in ("_bucket", "_count", "_sum"))
        else:
            names.add(family.name)
    return names


def metric_names(promql: str) -> set[str]:
    return set(METRIC_NAME.findall(promql))


def dashboard() -> dict[str, Any]:
    return json.loads((MONITORING / "grafana" / "dashboards" / "baobab.json").read_text())  # type: ignore[no-any-return]


def test_the_metric_name_check_sees_the_services_own_series() -> None:
    names = registered_metric_names()
    assert {"baobab_ready", "baobab_tenant_calls_total", "http_requests_total"} <= names
    assert "baobab_made_up_total" not in names


def test_prometheus_scrapes_the_four_services_and_loads_the_rules(
    compose: dict[str, Any],
) -> None:
    for path, ports, host in (
        (MONITORING / "prometheus.yml", {n: a[2] for n, a in APPS.items()}, None),
        (MONITORING / "prometheus.podman.yml", PODMAN_PORTS, "127.0.0.1"),
    ):
        config = load(path)
        assert config["rule_files"] == ["/etc/prometheus/alerts.yml"]
        jobs = {j["job_name"]: j["static_configs"][0]["targets"] for j in config["scrape_configs"]}
        for name, port in ports.items():
            assert jobs[APPS[name][4]] == [f"{host or name}:{port}"], path.name
        trainer = f"{host}:{TRAINER_PODMAN_PORT}" if host else f"{TRAINER}:{APPS['vision'][2]}"
        assert jobs[TRAINER_JOB] == [trainer], path.name
    for path, target in (
        (MONITORING / "prometheus.yml", "alertmanager:9093"),
        (MONITORING / "prometheus.podman.yml", "127.0.0.1:59093"),
    ):
        targets = load(path)["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"]
        assert targets == [target], path.name
    mounts = compose["services"]["prometheus"]["volumes"]
    assert "./deploy/monitoring/prometheus.yml:/etc/prometheus/prometheus.yml:ro" in mounts
    assert "./deploy/monitoring/alerts.yml:/etc/prometheus/alerts.yml:ro" in mounts


def test_alert_rules_are_complete_and_use_real_metric_names() -> None:
    known = registered_metric_names() | {"up"}
    rules = [r for g in load(MONITORING / "alerts.yml")["groups"] for r in g["rules"]]
    assert {r["alert"] for r in rules} == ALERTS
    for rule in rules:
        assert rule["labels"]["severity"] in ("critical", "warning"), rule["alert"]
        assert rule["annotations"]["summary"] and rule["annotations"]["description"]
        assert re.fullmatch(r"\d+m", rule["for"]), rule["alert"]
        expr = rule["expr"]
        assert expr.count("(") == expr.count(")"), rule["alert"]
        used = metric_names(expr)
        assert used and used <= known, (rule["alert"], sorted(used - known))
    by_name = {r["alert"]: r for r in rules}
    assert 'status="5xx"' in by_name["BaobabHighErrorRate"]["expr"]
    assert by_name["BaobabHighErrorRate"]["for"] == "5m"
    assert 'state="queued"' in by_name["BaobabTrainingBacklog"]["expr"]
    assert by_name["BaobabNotReady"]["for"] == "2m"


def test_alertmanager_sends_every_alert_to_the_configured_webhook(
    compose: dict[str, Any],
) -> None:
    config = load(MONITORING / "alertmanager.yml")
    receivers = {r["name"]: r for r in config["receivers"]}
    assert config["route"]["receiver"] in receivers
    assert all(r["receiver"] in receivers for r in config["route"].get("routes", []))
    (slack,) = receivers[config["route"]["receiver"]]["slack_configs"]
    assert slack["send_resolved"] is True and slack["channel"].startswith("#")
    assert "api_url" not in slack  # the URL is a secret: read from the file the entrypoint writes
    service = compose["services"]["alertmanager"]
    script = service["command"][0]
    assert f"> {slack['api_url_file']}" in script
    assert '"$${ALERT_WEBHOOK_URL' in script
    assert service["environment"]["ALERT_WEBHOOK_URL"] == "${ALERT_WEBHOOK_URL:-}"
    assert (
        "./deploy/monitoring/alertmanager.yml:/etc/alertmanager/alertmanager.yml:ro"
        in (service["volumes"])
    )


def test_grafana_provisions_the_datasource_and_the_dashboard(compose: dict[str, Any]) -> None:
    provisioning = MONITORING / "grafana" / "provisioning"
    (datasource,) = load(provisioning / "datasources" / "prometheus.yml")["datasources"]
    assert datasource["url"] == "http://prometheus:9090" and datasource["type"] == "prometheus"
    (provider,) = load(provisioning / "dashboards" / "baobab.yml")["providers"]
    mounts = compose["services"]["grafana"]["volumes"]
    assert f"./deploy/monitoring/grafana/dashboards:{provider['options']['path']}:ro" in mounts
    assert "./deploy/monitoring/grafana/provisioning:/etc/grafana/provisioning:ro" in mounts

    board = dashboard()
    panels = [p for p in board["panels"] if p["type"] != "row"]
    ids = [p["id"] for p in board["panels"]]
    assert len(ids) == len(set(ids))
    known = registered_metric_names() | {"up"}
    used: set[str] = set()
    for panel in panels:
        assert panel["datasource"]["uid"] == datasource["uid"], panel["title"]
        assert panel["gridPos"]["x"] + panel["gridPos"]["w"] <= 24
        assert panel["targets"], panel["title"]
        for target in panel["targets"]:
            assert target["datasource"]["uid"] == datasource["uid"]
            names = metric_names(target["expr"])
            assert names and names <= known, (panel["title"], sorted(names - known))
            used |= names
    assert DASHBOARD_METRICS <= used, sorted(DASHBOARD_METRICS - used)


def test_compose_check_script_is_wired_into_make() -> None:
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    assert re.search(r"^compose-check:\n\tbash scripts/compose_check\.sh$", makefile, re.M)
    assert "compose-check" in makefile.split(".PHONY:", 1)[1].splitlines()[0]
    script = PROJECT_ROOT / "scripts" / "compose_check.sh"
    assert os.access(script, os.X_OK)
    subprocess.run(["bash", "-n", str(script)], check=True)
