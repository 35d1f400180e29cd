"""Static checks of the Helm chart in deploy/helm/baobab (no helm binary needed).

`make helm-check` runs `helm lint` and kubeconform where those tools are installed; these
tests run everywhere: the values against their JSON schema, every `.Values` path the
templates read, each service's workload templates, probes, hooks and secrets, and the
balance of the template blocks.
"""

from __future__ import annotations

import copy
import json
import os
import re
import stat
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from pydantic_settings import BaseSettings

from gateway.config import Settings as GatewaySettings
from model_store.config import Settings as ModelStoreSettings
from nlu_service.config import Settings as NluSettings
from shared import PROJECT_ROOT
from vision_service.config import Settings as VisionSettings

CHART = PROJECT_ROOT / "deploy" / "helm" / "baobab"
TEMPLATES = CHART / "templates"
CI_VALUES = sorted((CHART / "ci").glob("*-values.yaml"))
SCRIPT = PROJECT_ROOT / "scripts" / "helm_check.sh"

# values key, component (folder and resource suffix), the port the image's uvicorn listens on,
# and the service's settings class.
SERVICES: list[tuple[str, str, int, type[BaseSettings]]] = [
    ("gateway", "gateway", 8000, GatewaySettings),
    ("nlu", "nlu", 8001, NluSettings),
    ("vision", "vision", 8002, VisionSettings),
    ("modelStore", "model-store", 8003, ModelStoreSettings),
]
WORKLOAD_KINDS = ("deployment", "service", "hpa", "pdb")
ALL_SETTINGS = [settings for *_, settings in SERVICES]
# The vision trainer (vision image with torch, trains detectors): Deployment and PDB only.
TRAINER_KEY, TRAINER_COMPONENT, TRAINER_KINDS = (
    "visionTrainer",
    "vision-trainer",
    ("deployment", "pdb"),
)


def _read(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def _template_files() -> list[Path]:
    return sorted(p for p in TEMPLATES.rglob("*") if p.is_file())


def _define(name: str) -> str:
    """Return the body of the named template `define` in the chart's .tpl files."""
    for path in TEMPLATES.glob("_*.tpl"):
        text = _strip_comments(_read(path))
        start = re.search(r"\{\{-?\s*define\s+\"" + re.escape(name) + r"\"\s*-?\}\}", text)
        if start is None:
            continue
        depth, pos = 1, start.end()
        for action in re.finditer(r"\{\{-?\s*(if|range|with|define|block|end)\b", text[pos:]):
            depth += -1 if action.group(1) == "end" else 1
            if depth == 0:
                return text[pos : pos + action.start()]
    raise AssertionError(f"no define {name!r} in {TEMPLATES}")


def _strip_comments(text: str) -> str:
    return re.sub(r"\{\{-?\s*/\*.*?\*/\s*-?\}\}", "", text, flags=re.DOTALL)


def _merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    """Return `base` with `override` merged in as Helm merges `--values` (null deletes a key)."""
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _lookup(values: dict[str, Any], path: str) -> Any:
    node: Any = values
    for part in path.split("."):
        assert isinstance(node, dict) and part in node, f"{path!r}: no {part!r} in values.yaml"
        node = node[part]
    return node


def _setting_names(*classes: type[BaseSettings]) -> set[str]:
    return {f"BAOBAB_{name.upper()}" for cls in classes for name in cls.model_fields}


@pytest.fixture(scope="module")
def values() -> dict[str, Any]:
    loaded = yaml.safe_load(_read(CHART / "values.yaml"))
    assert isinstance(loaded, dict)
    return loaded


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    loaded = json.loads(_read(CHART / "values.schema.json"))
    assert isinstance(loaded, dict)
    return loaded


@pytest.fixture(scope="module")
def validator(schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(schema)


# --- Chart.yaml and the schema -------------------------------------------------------------


def test_chart_metadata() -> None:
    chart = yaml.safe_load(_read(CHART / "Chart.yaml"))
    assert chart["apiVersion"] == "v2"
    assert chart["name"] == "baobab"
    assert chart["type"] == "application"
    assert re.fullmatch(r"\d+\.\d+\.\d+", chart["version"])
    # No bundled database: PostgreSQL and Redis are external.
    assert "dependencies" not in chart


def test_schema_is_a_valid_draft_2020_12_schema(schema: dict[str, Any]) -> None:
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["additionalProperties"] is False
    assert set(schema["required"]) == set(schema["properties"])


def test_values_yaml_matches_the_schema(
    values: dict[str, Any], validator: jsonschema.Draft202012Validator
) -> None:
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(values)]
    assert errors == []


@pytest.mark.parametrize("path", CI_VALUES, ids=lambda p: p.name)
def test_ci_values_match_the_schema(
    path: Path, values: dict[str, Any], validator: jsonschema.Draft202012Validator
) -> None:
    merged = _merge(values, yaml.safe_load(_read(path)))
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(merged)]
    assert errors == []


def test_ci_values_exist() -> None:
    # helm_check.sh lints and renders once per file: at least the full one and existingSecret.
    assert {p.name for p in CI_VALUES} >= {"test-values.yaml", "existing-secret-values.yaml"}


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        ("nlu.replicaCount", "two", "'two' is not of type 'integer'"),
        ("gateway.autoscaling.maxReplicas", 0, "less than the minimum of 1"),
        ("gateway.service.port", 70000, "greater than the maximum of 65535"),
        ("gateway.replicaCont", 2, "'replicaCont' was unexpected"),
        ("vision.rateLimit", {"burst": 5}, "'rateLimit' was unexpected"),
        ("databse", {"host": "db"}, "'databse' was unexpected"),
        ("config.environment", "prod", "is not one of"),
        ("secrets.adminApiKey", "too-short", "does not match"),
        ("database.url", "mysql://db/baobab", "does not match"),
        ("redis.url", "http://redis:6379", "does not match"),
        ("nlu.env", {"baobab_lower": "1"}, "does not match"),
        ("nlu.env", {"BAOBAB_ENCODER_THREADS": 2}, "is not of type 'string'"),
        ("modelStore.podDisruptionBudget.maxUnavailable", "half", "is not valid under any"),
        ("migrations.backoffLimit", -1, "less than the minimum of 0"),
    ],
)
def test_schema_refuses_bad_values(
    path: str,
    value: Any,
    expected: str,
    values: dict[str, Any],
    validator: jsonschema.Draft202012Validator,
) -> None:
    bad = copy.deepcopy(values)
    *parents, leaf = path.split(".")
    node = bad
    for part in parents:
        node = node[part]
    node[leaf] = value
    messages = [e.message for e in validator.iter_errors(bad)]
    assert any(expected in m for m in messages), messages


def test_schema_requires_every_service_key(
    values: dict[str, Any], validator: jsonschema.Draft202012Validator
) -> None:
    bad = copy.deepcopy(values)
    del bad["vision"]["readinessProbe"]
    del bad["ingress"]["tls"]
    messages = [e.message for e in validator.iter_errors(bad)]
    assert "'readinessProbe' is a required property" in messages
    assert "'tls' is a required property" in messages


# --- Templates read only values that exist -----------------------------------------------


def test_every_values_path_in_the_templates_exists(values: dict[str, Any]) -> None:
    paths = {
        match.group(1)[1:]
        for path in _template_files()
        for match in re.finditer(r"\.Values((?:\.[A-Za-z0-9_]+)+)", _strip_comments(_read(path)))
    }
    assert len(paths) > 30  # the regex really finds the templates' reads
    for path in sorted(paths):
        _lookup(values, path)


def test_every_service_path_in_the_workload_defines_exists(values: dict[str, Any]) -> None:
    # The shared defines read `$svc.x.y` from `index .root.Values .key`; each service has it.
    text = _strip_comments(_read(TEMPLATES / "_workload.tpl"))
    paths = {m.group(1)[1:] for m in re.finditer(r"\$svc((?:\.[A-Za-z0-9_]+)+)", text)}
    paths |= {
        "podDisruptionBudget" + m.group(1)
        for m in re.finditer(r"\$pdb((?:\.[A-Za-z0-9_]+)+)", text)
    }
    assert {"autoscaling.enabled", "startupProbe.enabled", "podDisruptionBudget.enabled"} <= paths
    for key, *_ in SERVICES:
        for path in sorted(paths):
            _lookup(values, f"{key}.{path}")
    # The vision trainer has the paths its two defines read (no service, no autoscaling).
    for define, prefix in (("baobab.deployment", "$svc"), ("baobab.pdb", "$pdb")):
        body = _define(define)
        found = {
            m.group(1)[1:] for m in re.finditer(re.escape(prefix) + r"((?:\.[A-Za-z0-9_]+)+)", body)
        }
        assert found, define
        for path in sorted(found):
            if prefix == "$pdb":
                path = f"podDisruptionBudget.{path}"
            _lookup(values, f"{TRAINER_KEY}.{path}")
    assert "autoscaling" not in values[TRAINER_KEY] and "service" not in values[TRAINER_KEY]


# --- Each service's workload ---------------------------------------------------------------


@pytest.mark.parametrize(("key", "component", "port"), [s[:3] for s in SERVICES])
@pytest.mark.parametrize("kind", WORKLOAD_KINDS)
def test_each_service_has_its_workload_templates(
    key: str, component: str, port: int, kind: str, values: dict[str, Any]
) -> None:
    path = TEMPLATES / component / f"{kind}.yaml"
    assert path.is_file(), f"missing {path.relative_to(CHART)}"
    call = re.fullmatch(
        r'\{\{-? include "baobab\.(\w+)" \(dict "root" \. "key" "(\w+)" '
        r'"component" "([\w-]+)" "port" (\d+)\) -?\}\}\s*',
        _read(path),
    )
    assert call is not None, f"{path.name} does not include the shared define"
    assert call.groups() == (kind, key, component, str(port))
    assert values[key]["service"]["port"] == port


def test_deployments_probe_health_and_ready() -> None:
    body = _define("baobab.deployment")
    for probe, endpoint in [
        ("startupProbe", "/health"),
        ("livenessProbe", "/health"),
        ("readinessProbe", "/ready"),
    ]:
        assert re.search(rf"{probe}:\s*\n\s*httpGet:\s*\n\s*path: {endpoint}\n", body), probe
    assert "{{- if $svc.startupProbe.enabled }}" in body


@pytest.mark.parametrize("key", ["nlu", "vision"])
def test_model_services_have_a_long_startup_probe(key: str, values: dict[str, Any]) -> None:
    probe = values[key]["startupProbe"]
    assert probe["enabled"] is True
    # Loading and warming the models before /health answers can take minutes.
    assert probe["periodSeconds"] * probe["failureThreshold"] >= 180
    assert probe["failureThreshold"] > values[key]["livenessProbe"]["failureThreshold"]


def test_deployments_run_unprivileged_on_a_read_only_root(values: dict[str, Any]) -> None:
    assert values["podSecurityContext"]["runAsNonRoot"] is True
    assert values["podSecurityContext"]["runAsUser"] != 0
    assert values["securityContext"]["readOnlyRootFilesystem"] is True
    assert values["securityContext"]["allowPrivilegeEscalation"] is False
    assert values["securityContext"]["capabilities"]["drop"] == ["ALL"]
    body = _define("baobab.deployment")
    assert "readOnlyRootFilesystem" not in body  # from values, so it can't drift per service
    assert "toYaml $root.Values.securityContext" in body
    assert "toYaml $root.Values.podSecurityContext" in body
    # The app writes to /tmp (the CRF trainer) and BAOBAB_VAR_DIR: both are emptyDirs.
    var_dir = re.search(r'BAOBAB_VAR_DIR: "([^"]+)"', _read(TEMPLATES / "configmap.yaml"))
    assert var_dir is not None
    for name, mount in [("tmp", "/tmp"), ("var", var_dir.group(1))]:
        assert f"- name: {name}\n              mountPath: {mount}\n" in body
        assert re.search(rf"- name: {name}\n\s*emptyDir: \{{\}}", body)


def test_deployments_read_the_configmap_and_secret() -> None:
    body = _define("baobab.deployment")
    assert 'configMapRef:\n                name: {{ include "baobab.configMapName" $root }}' in body
    assert "secretKeyRef:" in body
    assert 'checksum/config: {{ include (print $root.Template.BasePath "/configmap.yaml")' in body
    for annotation in ('prometheus.io/scrape: "true"', "prometheus.io/path: /metrics"):
        assert annotation in body
    assert "prometheus.io/port: {{ .port | quote }}" in body
    assert "resources:\n            {{- toYaml $svc.resources | nindent 12 }}" in body


def test_deployment_leaves_replicas_to_the_autoscaler() -> None:
    body = _define("baobab.deployment")
    # `dig`: a workload without `autoscaling` values (the vision trainer) has replicaCount.
    assert re.search(
        r'\{\{- if not \(dig "autoscaling" "enabled" false \$svc\) \}\}\n'
        r"\s*replicas: \{\{ \$svc\.replicaCount \}\}",
        body,
    )


@pytest.mark.parametrize("key", [s[0] for s in SERVICES])
def test_autoscaling_and_disruption_values_are_consistent(key: str, values: dict[str, Any]) -> None:
    scaling = values[key]["autoscaling"]
    assert 1 <= scaling["minReplicas"] <= scaling["maxReplicas"]
    assert "cpu" in values[key]["resources"]["requests"]  # CPU utilisation needs a request
    pdb = values[key]["podDisruptionBudget"]
    # With maxUnavailable a single replica can still be drained.
    assert pdb["minAvailable"] or pdb["maxUnavailable"]


def test_hpa_scales_on_cpu_with_autoscaling_v2() -> None:
    body = _define("baobab.hpa")
    assert body.lstrip().startswith("{{- $svc := index .root.Values .key -}}")
    assert "{{- if $svc.autoscaling.enabled -}}" in body
    assert "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler" in body
    assert "minReplicas: {{ $svc.autoscaling.minReplicas }}" in body
    assert "maxReplicas: {{ $svc.autoscaling.maxReplicas }}" in body
    assert re.search(r"name: cpu\n\s*target:\n\s*type: Utilization\n", body)
    assert "kind: Deployment" in body


def test_pdb_uses_policy_v1_and_one_of_its_bounds() -> None:
    body = _define("baobab.pdb")
    assert "apiVersion: policy/v1\nkind: PodDisruptionBudget" in body
    assert "{{- if $pdb.enabled -}}" in body
    assert re.search(r"minAvailable: .*\n\s*\{\{- else \}\}\n\s*maxUnavailable:", body)


def test_service_targets_the_named_container_port() -> None:
    service = _define("baobab.service")
    assert "targetPort: http" in service
    assert "- name: http\n              containerPort: {{ .port }}" in _define("baobab.deployment")


# --- The vision trainer ----------------------------------------------------------------------


@pytest.mark.parametrize("kind", TRAINER_KINDS)
def test_the_vision_trainer_has_a_deployment_and_pdb_when_enabled(kind: str) -> None:
    path = TEMPLATES / TRAINER_COMPONENT / f"{kind}.yaml"
    call = re.fullmatch(
        r"\{\{- if \.Values\.visionTrainer\.enabled \}\}\n"
        r'\{\{- include "baobab\.(\w+)" \(dict "root" \. "key" "(\w+)" '
        r'"component" "([\w-]+)" "port" (\d+)\) \}\}\n'
        r"\{\{- end \}\}\n",
        _read(path),
    )
    assert call is not None, f"{path.name} does not include the shared define under enabled"
    assert call.groups() == (kind, TRAINER_KEY, TRAINER_COMPONENT, "8002")


def test_nothing_routes_to_the_vision_trainer() -> None:
    # No Service, HPA or Ingress backend: the gateway calls the vision Service, whose
    # selector (component vision) does not match the trainer's pods (component vision-trainer).
    made = {p.stem for p in (TEMPLATES / TRAINER_COMPONENT).iterdir()}
    assert made == set(TRAINER_KINDS)
    assert TRAINER_COMPONENT not in _read(TEMPLATES / "ingress.yaml")
    assert TRAINER_COMPONENT not in _read(TEMPLATES / "configmap.yaml")
    assert '"component" "vision" "port" .Values.vision.service.port' in _read(
        TEMPLATES / "configmap.yaml"
    )


def test_the_vision_trainer_runs_like_vision_with_torch(values: dict[str, Any]) -> None:
    trainer, vision = values[TRAINER_KEY], values["vision"]
    assert trainer["enabled"] is True and trainer["replicaCount"] == 1
    assert trainer["image"] == {"repository": "baobab-vision-trainer", "tag": ""}
    for probe in ("startupProbe", "livenessProbe", "readinessProbe"):
        assert trainer[probe] == vision[probe], probe
    assert trainer["terminationGracePeriodSeconds"] == vision["terminationGracePeriodSeconds"]
    # The vision settings, and detector training required: an image without torch fails.
    assert trainer["env"] == {**vision["env"], "BAOBAB_TRAIN_DETECTORS": "true"}
    assert VisionSettings.model_validate({"train_detectors": "true"}).train_detectors is True
    assert trainer["podDisruptionBudget"]["maxUnavailable"] == 1
    for path in CI_VALUES:
        merged = _merge(values, yaml.safe_load(_read(path)))
        assert set(merged[TRAINER_KEY]["env"]) <= _setting_names(VisionSettings)
    # One CI values file renders the chart without it.
    assert any(
        yaml.safe_load(_read(p)).get(TRAINER_KEY, {}).get("enabled") is False for p in CI_VALUES
    )


@pytest.mark.parametrize(
    ("path", "value", "expected"),
    [
        ("visionTrainer.enabled", "yes", "'yes' is not of type 'boolean'"),
        ("visionTrainer.autoscaling", {"enabled": True}, "'autoscaling' was unexpected"),
        ("visionTrainer.service", {"port": 8002}, "'service' was unexpected"),
        ("visionTrainer.replicaCount", -1, "less than the minimum of 0"),
        ("visionTrainer.env", {"BAOBAB_TRAIN_DETECTORS": True}, "is not of type 'string'"),
        ("visionTrainer.image", {"repository": ""}, "'tag' is a required property"),
    ],
)
def test_schema_refuses_bad_vision_trainer_values(
    path: str,
    value: Any,
    expected: str,
    values: dict[str, Any],
    validator: jsonschema.Draft202012Validator,
) -> None:
    bad = copy.deepcopy(values)
    *parents, leaf = path.split(".")
    node = bad
    for part in parents:
        node = node[part]
    node[leaf] = value
    messages = [e.message for e in validator.iter_errors(bad)]
    assert any(expected in m for m in messages), messages


# --- Settings, secrets, ingress, migrations -----------------------------------------------


def test_configmap_sets_only_real_settings(values: dict[str, Any]) -> None:
    names = set(re.findall(r"^\s*(BAOBAB_[A-Z0-9_]+):", _read(TEMPLATES / "configmap.yaml"), re.M))
    assert {"BAOBAB_ENVIRONMENT", "BAOBAB_LOG_JSON", "BAOBAB_NLU_URL", "BAOBAB_VISION_URL"} <= names
    assert {"BAOBAB_MODEL_STORE_URL", "BAOBAB_GATEWAY_URL", "BAOBAB_RATE_LIMIT_BURST"} <= names
    unknown = names - _setting_names(*ALL_SETTINGS)
    assert unknown == set()
    # Every service reads the ConfigMap: a per-service default (such as max_body_bytes) must
    # not be overridden there for all of them.
    assert "BAOBAB_MAX_BODY_BYTES" not in names
    assert "BAOBAB_MAX_SAMPLES_PER_CALL" not in names


@pytest.mark.parametrize(("key", "settings"), [(s[0], s[3]) for s in SERVICES])
def test_service_env_names_are_that_services_settings(
    key: str, settings: type[BaseSettings], values: dict[str, Any]
) -> None:
    for path in CI_VALUES:
        merged = _merge(values, yaml.safe_load(_read(path)))
        assert set(merged[key]["env"]) <= _setting_names(settings)


def test_workload_and_job_env_names_are_settings() -> None:
    for path in (TEMPLATES / "_workload.tpl", TEMPLATES / "migrations" / "job.yaml"):
        names = set(re.findall(r"- name: (BAOBAB_[A-Z0-9_]+)", _read(path)))
        assert names, path
        assert names <= _setting_names(*ALL_SETTINGS)


def test_secret_holds_every_key_the_pods_read() -> None:
    secret = _read(TEMPLATES / "secret.yaml")
    held = set(re.findall(r"^  ([a-z-]+): \{\{ include", secret.split("\ndata:\n")[1], re.M))
    assert held == {"admin-api-key", "internal-secret", "database-url", "redis-url"}
    read = set(re.findall(r"key: ([a-z-]+)", _read(TEMPLATES / "_workload.tpl")))
    assert read == held
    # existingSecret: the chart makes none and its keys are documented in values.yaml.
    assert secret.startswith("{{- if not .Values.secrets.existingSecret }}")
    documented = _read(CHART / "values.yaml")
    for name in held:
        assert f"`{name}`" in documented


def test_only_the_gateway_and_model_store_get_the_database() -> None:
    body = _define("baobab.deployment")
    database = re.search(
        r'\{\{- if has \.key \(list "gateway" "modelStore"\) \}\}\n'
        r"\s*- name: BAOBAB_DATABASE_URL\n",
        body,
    )
    assert database is not None
    assert re.search(r'\{\{- if eq \.key "gateway" \}\}\n\s*- name: BAOBAB_ADMIN_API_KEY\n', body)


def test_secret_refuses_missing_or_short_credentials() -> None:
    helpers = _read(TEMPLATES / "_helpers.tpl")
    assert 'required "secrets.adminApiKey is required' in helpers
    assert "(lt (len $key) 32)" in helpers
    assert 'required "secrets.internalSecret is required' in helpers
    assert 'required "database.host or database.url is required' in helpers
    # User and password go through urlquery so '@', ':' or '/' in them keep the URL whole.
    assert "(urlquery $db.password)" in helpers


def test_ingress_terminates_tls_in_front_of_the_gateway() -> None:
    ingress = _read(TEMPLATES / "ingress.yaml")
    assert "apiVersion: networking.k8s.io/v1\nkind: Ingress" in ingress
    assert "ingressClassName: {{ . }}" in ingress
    assert "{{- with .Values.ingress.className }}" in ingress
    tls = re.search(r"\n  tls:\n    - hosts:\n        - \{\{ \$host \| quote \}\}\n(.*)\n", ingress)
    assert tls is not None
    assert "secretName: {{ required" in tls.group(1)
    assert ".Values.ingress.tls.secretName" in tls.group(1)
    backends = re.findall(
        r'"baobab\.componentFullname" \(dict "root" \. "component" "(\w+)"\)', ingress
    )
    assert backends[-1] == "gateway"
    assert "port:\n                  name: http" in ingress


def test_migration_job_is_a_pre_install_and_pre_upgrade_hook(values: dict[str, Any]) -> None:
    job = _read(TEMPLATES / "migrations" / "job.yaml")
    secret = _read(TEMPLATES / "migrations" / "secret.yaml")

    def annotations(text: str) -> dict[str, str]:
        return dict(re.findall(r"^\s*(helm\.sh/hook[a-z-]*): \"?([^\"\n]+)\"?$", text, re.M))

    job_hook = annotations(job)
    assert job_hook["helm.sh/hook"] == "pre-install,pre-upgrade"
    assert "before-hook-creation" in job_hook["helm.sh/hook-delete-policy"]
    assert "kind: Job" in job
    assert "backoffLimit: {{ .Values.migrations.backoffLimit }}" in job
    assert values["migrations"]["backoffLimit"] >= 1
    assert 'command: ["python", "-m", "scripts.migrate"]' in job
    assert '(dict "root" . "svc" .Values.modelStore)' in job  # the model-store image
    assert "restartPolicy: Never" in job
    # The release's Secret doesn't exist yet at pre-install: the job's own hook Secret must
    # be created first (a lower weight), with the same keys the job reads.
    secret_hook = annotations(secret)
    assert secret_hook["helm.sh/hook"] == job_hook["helm.sh/hook"]
    assert int(secret_hook["helm.sh/hook-weight"]) < int(job_hook["helm.sh/hook-weight"])
    read = set(re.findall(r"key: ([a-z-]+)", job))
    held = set(re.findall(r"^  ([a-z-]+): \{\{ include", secret.split("\ndata:\n")[1], re.M))
    assert read == held == {"database-url", "internal-secret"}
    assert "serviceAccountName" not in job  # the release's account isn't there yet either


def test_notes_tell_how_to_reach_the_api() -> None:
    notes = _read(TEMPLATES / "NOTES.txt")
    assert "https://{{ .Values.ingress.host }}/docs" in notes
    assert "port-forward" in notes


# --- Template syntax ---------------------------------------------------------------------


def _block_errors(template: str) -> list[str]:
    """Return what is wrong with the nesting of a template's actions (empty: nothing)."""
    text = _strip_comments(template)
    errors = []
    if text.count("{{") != text.count("}}"):
        errors.append("unbalanced {{ }}")
    if "/*" in text or "*/" in text:
        errors.append("comment not closed as {{/* ... */}}")
    stack: list[str] = []
    for action in re.finditer(r"\{\{-?\s*(if|range|with|define|block|else|end)\b", text):
        word = action.group(1)
        line = text.count("\n", 0, action.start()) + 1
        if word == "end":
            if not stack:
                errors.append(f"line {line}: end without an opening block")
            else:
                stack.pop()
        elif word == "else":
            if not stack or stack[-1] not in {"if", "with", "range"}:
                errors.append(f"line {line}: stray else")
        else:
            stack.append(word)
    if stack:
        errors.append(f"unclosed blocks: {stack}")
    return errors


@pytest.mark.parametrize("path", _template_files(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_template_blocks_are_balanced(path: Path) -> None:
    assert _block_errors(_read(path)) == []


@pytest.mark.parametrize(
    ("template", "error"),
    [
        ("{{- if .Values.a }}\n{{- range .Values.b }}\n{{ . }}\n{{- end }}\n", "unclosed blocks"),
        ("{{ .Values.a }}\n{{- end }}\n", "end without an opening block"),
        ('{{- define "x" }}{{- else }}{{- end }}', "stray else"),
        ("{{- if .Values.a }}\n{{ .Values.b }\n{{- end }}", "unbalanced"),
        ("{{/* open comment }}", "comment not closed"),
    ],
)
def test_balance_check_catches_broken_templates(template: str, error: str) -> None:
    assert any(error in e for e in _block_errors(template))


# --- make helm-check ---------------------------------------------------------------------


def _fake_tool(folder: Path, name: str, body: str) -> None:
    path = folder / name
    path.write_text("#!/bin/bash\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


def _bin_without_helm(tmp_path: Path) -> Path:
    folder = tmp_path / "bin"
    folder.mkdir()
    for tool in ("dirname", "cat"):
        found = subprocess.run(["bash", "-c", f"command -v {tool}"], capture_output=True, text=True)
        (folder / tool).symlink_to(found.stdout.strip())
    return folder


def test_helm_check_skips_cleanly_without_helm(tmp_path: Path) -> None:
    folder = _bin_without_helm(tmp_path)
    result = subprocess.run(
        ["/bin/bash", str(SCRIPT)],
        env={"PATH": str(folder)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert (
        "helm-check: skipped, helm not installed (static checks run in make test)" in result.stdout
    )


def test_helm_check_lints_and_validates_every_ci_values_file(tmp_path: Path) -> None:
    folder = _bin_without_helm(tmp_path)
    log = tmp_path / "calls.log"
    _fake_tool(
        folder,
        "helm",
        f'echo "helm $*" >> {log}\nif [[ $1 == template ]]; then echo "kind: Service"; fi\n',
    )
    _fake_tool(folder, "kubeconform", f'echo "kubeconform $* stdin=$(cat)" >> {log}\n')
    env = {"PATH": str(folder), "KUBECONFORM_ARGS": "-schema-location default"}
    result = subprocess.run(
        ["/bin/bash", str(SCRIPT)], env=env, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    calls = _read(log).splitlines()
    for path in CI_VALUES:
        relative = path.relative_to(PROJECT_ROOT)
        assert f"helm lint --strict deploy/helm/baobab --values {relative}" in calls
        assert f"helm template baobab deploy/helm/baobab --values {relative}" in calls
    validations = [c for c in calls if c.startswith("kubeconform")]
    assert validations == [
        "kubeconform -strict -summary -schema-location default stdin=kind: Service"
    ] * len(CI_VALUES)


def test_helm_check_fails_when_lint_fails(tmp_path: Path) -> None:
    folder = _bin_without_helm(tmp_path)
    _fake_tool(folder, "helm", 'if [[ $1 == lint ]]; then echo "[ERROR] bad" >&2; exit 1; fi\n')
    result = subprocess.run(
        ["/bin/bash", str(SCRIPT)],
        env={"PATH": str(folder)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "helm-check: ok" not in result.stdout
    assert os.access(SCRIPT, os.X_OK)
