#!/usr/bin/env bash
# `make compose-check`: build the four images and the vision trainer (vision_service/Dockerfile,
# target trainer) from the project's Dockerfiles, start docker-compose.yml, wait until every
# service answers /ready and the vision trainer's /ready says it trains image detectors (the
# vision replicas' that they do not), run the README's compose quick start through the gateway
# (admin key -> tenant key -> text classifier -> samples -> train -> retrieve), train an image
# detector (the vision trainer trains it, vision serves its retrieve), check that Prometheus
# loaded the alert rules and scrapes all five services, run the Grafana dashboard's queries on
# that Prometheus, and take the stack down again (`down -v`), also when a step fails. With
# podman it also stops the vision trainer and waits for Prometheus to fire BaobabServiceDown
# and Alertmanager to post it to a Slack-compatible webhook that the check serves on loopback.
# Prints the total time.
#
# Engines, first that applies:
#   1. ../shared/tools/podman-setup.sh exists (the team's sandbox): it is run, then podman and
#      podman-compose with deploy/compose.podman.yml (host networking, ports 18000-18003,
#      vision trainer 18012, Prometheus on 59090). Images are built with host networking.
#   2. `docker compose` works: docker-compose.yml alone, `up --wait`, gateway on 8000 and
#      Prometheus on 9090 (published on the host's loopback).
#   3. podman-compose on PATH: as 1, without the set-up script.
# torch for the models stage: a torch-2.13.0+cpu wheel in $TORCH_WHEEL_DIR (default
# /opt/wheels) is served to the build from a throw-away PEP 503 index on loopback; without
# one the Dockerfiles' default (download.pytorch.org/whl/cpu) is used.
# The stack runs as compose project $PROJECT (default baobab-compose-check) with its own
# generated secrets, so a user's .env and a running `baobab` stack are left alone.
set -euo pipefail

cd "$(dirname "$0")/.."
START=$(date +%s)
PROJECT=${PROJECT:-baobab-compose-check}
TORCH_WHEEL_DIR=${TORCH_WHEEL_DIR:-/opt/wheels}
SETUP=../shared/tools/podman-setup.sh
NICE=(nice -n "${COMPOSE_CHECK_NICE:-10}")
WORK=$(mktemp -d "${TMPDIR:-/tmp}/baobab-compose-check.XXXXXX")
INDEX_PID=""
WEBHOOK_PID=""
WEBHOOK_PORT=59099
TLS_CONTAINER="$PROJECT-gateway-tls"
STACK_UP=0

say() { echo "[compose-check $(($(date +%s) - START))s] $*"; }
fail() { say "FAILED: $*"; exit 1; }

# ------------------------------------------------------------------ engine
if [ -x "$SETUP" ] || [ -f "$SETUP" ]; then
    say "running $SETUP"
    bash "$SETUP" >"$WORK/podman-setup.log" 2>&1 || { tail -30 "$WORK/podman-setup.log"; fail "podman-setup.sh"; }
    ENGINE=podman
elif docker compose version >/dev/null 2>&1; then
    ENGINE=docker
elif command -v podman-compose >/dev/null 2>&1 && command -v podman >/dev/null 2>&1; then
    ENGINE=podman
else
    fail "needs ../shared/tools/podman-setup.sh, \`docker compose\` or podman-compose with podman"
fi

if [ "$ENGINE" = podman ]; then
    COMPOSE=(podman-compose -p "$PROJECT" --env-file "$WORK/compose.env" -f docker-compose.yml -f deploy/compose.podman.yml)
    BUILD=(podman build --format docker --network host)
    GATEWAY=http://127.0.0.1:18000
    PROMETHEUS=http://127.0.0.1:59090
    READY_URLS="gateway=$GATEWAY nlu=http://127.0.0.1:18001 vision=http://127.0.0.1:18002 model_store=http://127.0.0.1:18003 vision_trainer=http://127.0.0.1:18012"
    for port in 55432 56379 18000 18001 18002 18003 18012 59090 59093 "$WEBHOOK_PORT"; do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            fail "port $port is taken on this host; the podman override needs it"
        fi
    done
else
    COMPOSE=(docker compose -p "$PROJECT" --env-file "$WORK/compose.env" -f docker-compose.yml)
    BUILD=(docker build)
    GATEWAY=http://127.0.0.1:8000
    PROMETHEUS=http://127.0.0.1:9090
    READY_URLS="gateway=$GATEWAY"  # `up --wait` has waited for every healthcheck (/ready)
fi
say "engine: $ENGINE; compose: ${COMPOSE[*]}"

cleanup() {
    local rc=$?
    set +e
    if [ "$STACK_UP" = 1 ]; then
        if [ "$rc" != 0 ]; then
            say "logs of the last lines of each service:"
            "${COMPOSE[@]}" logs --tail 30 >"$WORK/logs.txt" 2>&1
            tail -150 "$WORK/logs.txt"
        fi
        say "taking the stack down"
        [ "$ENGINE" = podman ] && podman rm -f "$TLS_CONTAINER" >/dev/null 2>&1
        "${COMPOSE[@]}" down -v >"$WORK/down.log" 2>&1 || tail -20 "$WORK/down.log"
        [ "$ENGINE" = podman ] && podman volume prune -f >/dev/null 2>&1
    fi
    [ -n "$INDEX_PID" ] && kill "$INDEX_PID" 2>/dev/null
    [ -n "$WEBHOOK_PID" ] && kill "$WEBHOOK_PID" 2>/dev/null
    rm -rf "$WORK"
    if [ "$rc" = 0 ]; then
        say "PASSED in $(($(date +%s) - START))s"
    else
        say "FAILED (exit $rc) after $(($(date +%s) - START))s"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ------------------------------------------------------------------ secrets for this run
sh deploy/compose.env.sh "$WORK/compose.env" >/dev/null
ADMIN_KEY=$(sed -n 's/^BAOBAB_ADMIN_API_KEY=//p' "$WORK/compose.env")

# ------------------------------------------------------------------ alert webhook (podman)
# A Slack-compatible incoming webhook on loopback: it stores each POST's body and answers
# "ok" as Slack does. Alertmanager (host networking) is pointed at it through .env.
if [ "$ENGINE" = podman ]; then
    mkdir -p "$WORK/webhook"
    python3 - "$WEBHOOK_PORT" "$WORK/webhook" >"$WORK/webhook.log" 2>&1 <<'PY' &
import http.server
import itertools
import pathlib
import sys

port, folder = int(sys.argv[1]), pathlib.Path(sys.argv[2])
count = itertools.count()


class Hook(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        (folder / f"{next(count):03d}.json").write_bytes(body)
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(b"ok")


http.server.ThreadingHTTPServer(("127.0.0.1", port), Hook).serve_forever()
PY
    WEBHOOK_PID=$!
    sed -i "s|^ALERT_WEBHOOK_URL=.*|ALERT_WEBHOOK_URL=http://127.0.0.1:$WEBHOOK_PORT/services/compose-check|" "$WORK/compose.env"
fi

# ------------------------------------------------------------------ torch index for the build
BUILD_ARGS=()
wheel=$(ls "$TORCH_WHEEL_DIR"/torch-2.13.0+cpu-cp311-*.whl 2>/dev/null | head -1 || true)
if [ -n "$wheel" ]; then
    mkdir -p "$WORK/index/simple/torch"
    name=$(basename "$wheel")
    ln -s "$wheel" "$WORK/index/simple/torch/$name"
    sha=$(sha256sum "$wheel" | cut -d' ' -f1)
    printf '<!DOCTYPE html><html><body><a href="torch/">torch</a></body></html>\n' >"$WORK/index/simple/index.html"
    printf '<!DOCTYPE html><html><body><a href="%s#sha256=%s">%s</a></body></html>\n' \
        "${name//+/%2B}" "$sha" "$name" >"$WORK/index/simple/torch/index.html"
    # A fixed port when free: the index URL is a build argument, so a new one would rebuild
    # the models stage.
    port=${TORCH_INDEX_PORT:-18998}
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    fi
    python3 -m http.server "$port" --bind 127.0.0.1 --directory "$WORK/index" >"$WORK/index.log" 2>&1 &
    INDEX_PID=$!
    for _ in $(seq 50); do
        curl -fs "http://127.0.0.1:$port/simple/torch/" >/dev/null 2>&1 && break
        sleep 0.1
    done
    BUILD_ARGS=(--build-arg "TORCH_INDEX_URL=http://127.0.0.1:$port/simple")
    say "serving $name to the build at http://127.0.0.1:$port/simple"
fi

# ------------------------------------------------------------------ alertmanager stand-in
# No registry is reachable here and podman-setup.sh builds no Alertmanager: on its Debian
# base, build one from Debian's package (Alertmanager 0.25), tagged as the podman override
# names it, with the upstream image's layout (/bin/alertmanager, /alertmanager, nobody).
AM_IMAGE=docker.io/prom/alertmanager:latest
if [ "$ENGINE" = podman ] && ! podman image exists "$AM_IMAGE"; then
    podman image exists localhost/debian:bookworm || fail "no $AM_IMAGE and no Debian base to build one"
    mkdir -p "$WORK/alertmanager"
    cat >"$WORK/alertmanager/Containerfile" <<'EOF'
FROM localhost/debian:bookworm
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends prometheus-alertmanager wget \
 && rm -rf /var/lib/apt/lists/* \
 && ln -sf /usr/bin/prometheus-alertmanager /bin/alertmanager \
 && mkdir -p /alertmanager /etc/alertmanager && chown nobody:nogroup /alertmanager
USER nobody
WORKDIR /alertmanager
EXPOSE 9093
ENTRYPOINT ["/bin/alertmanager"]
CMD ["--config.file=/etc/alertmanager/alertmanager.yml", "--storage.path=/alertmanager"]
EOF
    t=$(date +%s)
    "${NICE[@]}" podman build --network host -t "$AM_IMAGE" "$WORK/alertmanager" >"$WORK/build-alertmanager.log" 2>&1 \
        || { tail -30 "$WORK/build-alertmanager.log"; fail "build of the Alertmanager stand-in"; }
    say "built the Alertmanager stand-in $AM_IMAGE in $(($(date +%s) - t))s"
fi

# ------------------------------------------------------------------ images
# folder:service[:target]; without a target, the Dockerfile's last stage (runtime).
for spec in gateway:gateway model_store:model-store nlu_service:nlu vision_service:vision \
    vision_service:vision-trainer:trainer; do
    folder=${spec%%:*}
    rest=${spec#*:}
    image=baobab-${rest%%:*}
    target=()
    [ "$rest" != "${rest#*:}" ] && target=(--target "${rest#*:}")
    t=$(date +%s)
    say "building $image from $folder/Dockerfile ${target[*]+"${target[*]}"}"
    "${NICE[@]}" "${BUILD[@]}" ${BUILD_ARGS[@]+"${BUILD_ARGS[@]}"} ${target[@]+"${target[@]}"} -f "$folder/Dockerfile" -t "$image" . \
        >"$WORK/build-$image.log" 2>&1 || { tail -40 "$WORK/build-$image.log"; fail "build of $image"; }
    say "built $image in $(($(date +%s) - t))s"
done

# ------------------------------------------------------------------ stack
say "starting the stack"
STACK_UP=1
if [ "$ENGINE" = podman ]; then
    "${COMPOSE[@]}" up -d >"$WORK/up.log" 2>&1 || { tail -40 "$WORK/up.log"; fail "compose up"; }
else
    "${COMPOSE[@]}" up -d --wait --wait-timeout 600 >"$WORK/up.log" 2>&1 || { tail -40 "$WORK/up.log"; fail "compose up --wait"; }
fi

export GATEWAY PROMETHEUS ADMIN_KEY READY_URLS

python3 - <<'PY' || fail "the stack did not answer as the README says"
"""Ready checks, the README compose quick start, and Prometheus: stdlib only."""
import base64
import json
import os
import random
import re
import struct
import sys
import time
import urllib.error
import urllib.request
import zlib

GW = os.environ["GATEWAY"]
PROM = os.environ["PROMETHEUS"]
ADMIN = os.environ["ADMIN_KEY"]
READY = dict(item.split("=", 1) for item in os.environ["READY_URLS"].split())
NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def call(method, url, body=None, key=None, timeout=30.0):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method=method)
    if body is not None:
        req.add_header("Content-Type", "application/json")
    if key:
        req.add_header("X-Auth-Token", key)
    try:
        with NO_PROXY.open(req, timeout=timeout) as resp:
            return resp.status, json.loads(resp.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode(errors="replace")


def step(what):
    print(f"  - {what}", flush=True)


def wait_for(what, check, timeout_s):
    deadline = time.monotonic() + timeout_s
    last = None
    while time.monotonic() < deadline:
        try:
            ok, last = check()
            if ok:
                return last
        except (OSError, ValueError) as exc:
            last = repr(exc)
        time.sleep(1)
    sys.exit(f"{what}: not after {timeout_s}s (last: {last})")


t = time.monotonic()
for name, base in sorted(READY.items()):
    wait_for(f"{name} /ready", lambda base=base: (call("GET", base + "/ready", timeout=5)[0] == 200, None), 600)
step(f"all of {', '.join(sorted(READY))} answer /ready ({time.monotonic() - t:.0f}s)")

# Detector training needs torch: the trainer image trains image detectors, vision does not.
if "vision_trainer" in READY:
    trains = {name: call("GET", READY[name] + "/ready", timeout=5)[1]["trains"] for name in ("vision", "vision_trainer")}
    assert "image_detector" in trains["vision_trainer"], trains
    assert "image_detector" not in trains["vision"] and "image_classifier" in trains["vision"], trains
    step(f"the vision trainer trains {', '.join(trains['vision_trainer'])}; vision trains {', '.join(trains['vision'])}")

# The README's compose quick start.
status, body = call("POST", GW + "/nlu/v2/api_keys", {"desc": "compose check"}, ADMIN)
assert status == 200, (status, body)
key = body["api_key"]
step("admin key created a tenant key")
status, body = call("POST", GW + "/nlu/v2/text_classifiers",
                    {"name": "support", "long_name": "Support bot", "load_from_store": False}, key)
assert status == 200, (status, body)
samples = [
    {"text": "hello there", "label": "greeting"}, {"text": "good morning", "label": "greeting"},
    {"text": "hi", "label": "greeting"}, {"text": "goodbye", "label": "goodbye"},
    {"text": "see you later", "label": "goodbye"}, {"text": "bye bye", "label": "goodbye"},
    {"text": "I want my money back", "label": "refund"}, {"text": "refund my order", "label": "refund"},
    {"text": "can I get a refund", "label": "refund"},
]
status, body = call("POST", GW + "/nlu/v2/text_classifiers/support/training_samples", samples, key)
assert status == 200, (status, body)
status, body = call("POST", GW + "/nlu/v2/text_classifiers/support/train", {"immediate_mode": True}, key, timeout=300)
assert status == 200, (status, body)
status, body = call("POST", GW + "/nlu/v2/text_classifiers/support/retrieve", {"text": "please refund me"}, key)
assert status == 200 and body and body[0]["label"] == "refund", (status, body)
step(f"text classifier trained through the gateway; retrieve: {body[0]}")
status, body = call("GET", GW + "/vision/v2/image_classifiers", key=key)
assert status == 200 and body == [], (status, body)
step("the vision service answers through the gateway")


def png_b64(side, boxes, seed):
    """A PNG (stdlib only) of grey noise with solid rectangles (x, y, w, h, rgb), base64."""
    rng = random.Random(seed)
    rows = bytearray()
    for y in range(side):
        rows.append(0)
        for x in range(side):
            rgb = next((c for bx, by, bw, bh, c in boxes if bx <= x < bx + bw and by <= y < by + bh), None)
            rows += bytes(rgb or (rng.randint(60, 190), rng.randint(60, 190), rng.randint(60, 190)))

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", side, side, 8, 2, 0, 0, 0)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(bytes(rows))) + chunk(b"IEND", b"")
    return base64.b64encode(data).decode()


def detector_sample(seed, side=160):
    rng = random.Random(seed)
    w, h = rng.randint(40, 70), rng.randint(40, 70)
    x, y = rng.randint(0, side - w), rng.randint(0, side - h)
    box = {"label": "red", "box_x": x / side, "box_y": y / side, "box_w": w / side, "box_h": h / side, "id": 0}
    return {"image": png_b64(side, [(x, y, w, h, (220, 30, 30))], seed), "detections": [box]}


# An image detector: the vision replicas (no torch) leave its job queued, the vision trainer
# trains it, and vision serves its retrieve (without torch).
t = time.monotonic()
DETECTORS = GW + "/vision/v2/image_detectors"
status, body = call("POST", DETECTORS, {"name": "boxes", "load_from_store": False}, key)
assert status == 200, (status, body)
status, body = call("POST", DETECTORS + "/boxes/training_samples", [detector_sample(i) for i in range(6)], key)
assert status == 200, (status, body)
status, body = call("POST", DETECTORS + "/boxes/train", {"num_epochs": 10}, key)
assert status == 200, (status, body)


def detector_trained():
    status, body = call("GET", DETECTORS + "/boxes", key=key)
    assert status == 200 and not body.get("training_error"), (status, body)
    return bool(body["training_stamp"]), body


details = wait_for("the vision trainer training the detector", detector_trained, 300)
status, body = call("POST", DETECTORS + "/boxes/retrieve", {"image": detector_sample(99)["image"]}, key)
assert status == 200 and isinstance(body["scored_detections"], list), (status, body)
step(f"image detector trained by the vision trainer ({time.monotonic() - t:.0f}s, training mAP {details.get('training_map')}); retrieve answers through vision")

# Prometheus: rules loaded, the four services and the vision trainer scraped, their series there.
wait_for("Prometheus /-/ready", lambda: (NO_PROXY.open(PROM + "/-/ready", timeout=5).status == 200, None), 120)
status, body = call("GET", PROM + "/api/v1/rules")
assert status == 200, (status, body)
alerts = {r["name"] for g in body["data"]["groups"] for r in g["rules"] if r["type"] == "alerting"}
expected = {"BaobabServiceDown", "BaobabNotReady", "BaobabHighErrorRate", "BaobabHighLatencyP99",
            "BaobabTrainingBacklog", "BaobabModelCacheHitRateLow"}
assert expected <= alerts, f"alert rules missing in Prometheus: {sorted(expected - alerts)}"
bad = [(r["name"], r.get("lastError")) for g in body["data"]["groups"] for r in g["rules"] if r.get("health") == "err"]
assert not bad, f"rules failing to evaluate: {bad}"
step(f"Prometheus loaded {len(alerts)} alert rules")
jobs = {"gateway", "nlu", "vision", "vision_trainer", "model_store"}


def targets_up():
    status, body = call("GET", PROM + "/api/v1/targets")
    up = {t["labels"]["job"] for t in body["data"]["activeTargets"] if t["health"] == "up"}
    return jobs <= up, {t["labels"]["job"]: t["health"] for t in body["data"]["activeTargets"]}


wait_for("Prometheus scraping the four services and the vision trainer", targets_up, 120)
step("Prometheus scrapes gateway, nlu, vision, vision_trainer and model_store: all up")


def series(query, count):
    status, body = call("GET", PROM + "/api/v1/query?query=" + urllib.request.quote(query))
    result = body["data"]["result"] if status == 200 else []
    return len(result) >= count, result


wait_for("baobab_ready == 1 for the five", lambda: series('baobab_ready{job=~"gateway|nlu|vision|vision_trainer|model_store"} == 1', 5), 60)
wait_for("the gateway's tenant calls", lambda: series("baobab_tenant_calls_total", 1), 60)
wait_for("the NLU encoder's batches", lambda: series('baobab_encoder_batches_total{job="nlu"} > 0', 1), 60)
step("baobab_ready, baobab_tenant_calls_total and baobab_encoder_batches_total are in Prometheus")

# The provisioned Grafana dashboard (Grafana itself has no local image here): every panel's
# query is valid PromQL on this Prometheus, and every metric the panels read has series.
with open("deploy/monitoring/grafana/dashboards/baobab.json") as fh:
    dashboard = json.load(fh)
queries = [t["expr"] for p in dashboard["panels"] for t in p.get("targets", []) if t.get("expr")]
with_data, names = 0, set()
for expr in queries:
    status, body = call("GET", PROM + "/api/v1/query?query=" + urllib.request.quote(expr))
    assert status == 200 and body["status"] == "success", f"dashboard query {expr!r}: {status} {body}"
    with_data += bool(body["data"]["result"])
    names |= set(re.findall(r"\b(?:baobab|http)_[a-z_]+\b|\bup\b", expr))
missing = sorted(n for n in names if not series(f'count({{__name__="{n}"}})', 1)[0])
assert not missing, f"the dashboard reads metrics Prometheus has no series of: {missing}"
step(f"the Grafana dashboard's {len(queries)} queries run on Prometheus ({with_data} with data now); "
     f"all {len(names)} metrics they read have series")
PY

if [ "$ENGINE" = docker ]; then
    # Only the gateway is published: ask the two vision services' /ready from inside.
    trains_of() {
        "${COMPOSE[@]}" exec -T "$1" python -c 'import json, os, urllib.request; print(" ".join(json.load(urllib.request.urlopen("http://127.0.0.1:" + os.environ["PORT"] + "/ready", timeout=5))["trains"]))'
    }
    trainer=$(trains_of vision-trainer) || fail "vision-trainer /ready"
    vision=$(trains_of vision) || fail "vision /ready"
    case " $trainer " in *" image_detector "*) ;; *) fail "vision-trainer trains only: $trainer" ;; esac
    case " $vision " in *" image_detector "*) fail "vision (no torch) trains image_detector" ;; esac
    say "the vision trainer trains $trainer; vision trains $vision"
fi

# ------------------------------------------------------------------ healthchecks (podman)
if [ "$ENGINE" = podman ]; then
    # podman-compose does not run healthchecks on a timer here: run each one once by hand.
    for c in $(podman ps --filter "label=io.podman.compose.project=$PROJECT" --format '{{.Names}}'); do
        case "$c" in *prometheus*) continue ;; esac
        podman healthcheck run "$c" >/dev/null 2>&1 || fail "healthcheck of $c"
    done
    say "every container's compose healthcheck passes"

    migrate=$(podman ps -a --filter "label=io.podman.compose.project=$PROJECT" \
        --filter label=com.docker.compose.service=migrate --format '{{.Names}}')
    [ -n "$migrate" ] || fail "no migrate container"
    state=$(podman inspect --format '{{.State.Status}} {{.State.ExitCode}}' "$migrate")
    [ "$state" = "exited 0" ] || fail "migrate: $state (expected exited 0)"
    say "the one-shot migrate container finished with exit code 0"

    # The gateway image serving HTTPS (BAOBAB_TLS_CERT_FILE/KEY_FILE), and its own HEALTHCHECK.
    mkdir -p "$WORK/tls"
    openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=localhost \
        -keyout "$WORK/tls/key.pem" -out "$WORK/tls/cert.pem" >/dev/null 2>&1 || fail "openssl"
    chmod 644 "$WORK/tls/key.pem"
    env_arg() { sed -n "s/^$1=//p" "$WORK/compose.env"; }
    podman run -d --name "$TLS_CONTAINER" --network host -v "$WORK/tls:/tls:ro" \
        -e PORT=18443 -e BAOBAB_ENVIRONMENT=production \
        -e BAOBAB_TLS_CERT_FILE=/tls/cert.pem -e BAOBAB_TLS_KEY_FILE=/tls/key.pem \
        -e "BAOBAB_ADMIN_API_KEY=$(env_arg BAOBAB_ADMIN_API_KEY)" \
        -e "BAOBAB_INTERNAL_SECRET=$(env_arg BAOBAB_INTERNAL_SECRET)" \
        -e "BAOBAB_DATABASE_URL=postgresql://baobab@127.0.0.1:55432/baobab" \
        -e BAOBAB_REDIS_URL=redis://127.0.0.1:56379/0 \
        -e BAOBAB_NLU_URL=http://127.0.0.1:18001 -e BAOBAB_VISION_URL=http://127.0.0.1:18002 \
        -e BAOBAB_MODEL_STORE_URL=http://127.0.0.1:18003 \
        baobab-gateway >/dev/null 2>"$WORK/tls-run.log" || { cat "$WORK/tls-run.log"; fail "podman run of the TLS gateway"; }
    for _ in $(seq 60); do
        curl -fsk --noproxy '*' https://127.0.0.1:18443/ready >/dev/null 2>&1 && break
        sleep 1
    done
    curl -fs --noproxy '*' --cacert "$WORK/tls/cert.pem" https://localhost:18443/ready >/dev/null \
        || { podman logs --tail 30 "$TLS_CONTAINER"; fail "the gateway image over HTTPS"; }
    podman healthcheck run "$TLS_CONTAINER" >/dev/null 2>&1 || fail "the gateway image's HEALTHCHECK over HTTPS"
    podman rm -f "$TLS_CONTAINER" >/dev/null 2>&1
    say "the gateway image serves HTTPS with BAOBAB_TLS_CERT_FILE/KEY_FILE; its HEALTHCHECK passes"

    # No torch in any runtime image; non-root user.
    for image in baobab-gateway baobab-model-store baobab-nlu baobab-vision; do
        user=$(podman image inspect --format '{{.Config.User}}' "$image")
        [ -n "$user" ] && [ "${user%%:*}" != 0 ] && [ "${user%%:*}" != root ] || fail "$image runs as root"
        podman run --rm --network host --entrypoint python "$image" -c \
            'import importlib.util, sys; sys.exit(importlib.util.find_spec("torch") is not None)' \
            2>"$WORK/torch-check.log" || { cat "$WORK/torch-check.log"; fail "$image has torch"; }
    done
    say "runtime images: non-root, no torch"
    user=$(podman image inspect --format '{{.Config.User}}' baobab-vision-trainer)
    [ -n "$user" ] && [ "${user%%:*}" != 0 ] && [ "${user%%:*}" != root ] || fail "baobab-vision-trainer runs as root"
    podman run --rm --network host --entrypoint python baobab-vision-trainer -c \
        'import torch; assert torch.version.cuda is None, torch.version.cuda' \
        2>"$WORK/torch-check.log" || { cat "$WORK/torch-check.log"; fail "baobab-vision-trainer lacks the CPU torch"; }
    say "the vision trainer image: non-root, CPU torch"

    # Alerts end to end: Prometheus -> Alertmanager -> the Slack-compatible webhook. Stop the
    # vision trainer: BaobabServiceDown fires after its `for: 2m`, Alertmanager waits its 30 s
    # group_wait and posts the Slack message that alertmanager.yml templates.
    trainer=$(podman ps --filter "label=io.podman.compose.project=$PROJECT" \
        --filter label=com.docker.compose.service=vision-trainer --format '{{.Names}}')
    [ -n "$trainer" ] || fail "no running vision-trainer container"
    t=$(date +%s)
    podman stop "$trainer" >/dev/null 2>&1 || fail "podman stop $trainer"
    say "stopped $trainer; waiting for BaobabServiceDown to reach the webhook"
    WEBHOOK_DIR="$WORK/webhook" python3 - <<'PY' || fail "the alert did not reach the webhook"
import glob
import json
import os
import sys
import time
import urllib.request

PROM, FOLDER = os.environ["PROMETHEUS"], os.environ["WEBHOOK_DIR"]
NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))
with NO_PROXY.open(PROM + "/api/v1/alertmanagers", timeout=10) as resp:
    active = [a["url"] for a in json.load(resp)["data"]["activeAlertmanagers"]]
assert any("//127.0.0.1:59093/" in url for url in active), f"Prometheus sends alerts to {active}"
print(f"  - Prometheus sends its alerts to {', '.join(active)}", flush=True)
deadline = time.monotonic() + 300
while time.monotonic() < deadline:
    for path in sorted(glob.glob(FOLDER + "/*.json")):
        message = json.load(open(path))
        for part in message.get("attachments", []):
            if part.get("title") == "[FIRING] BaobabServiceDown (vision_trainer)":
                assert message.get("channel") == "#baobab-alerts", message
                assert "vision_trainer" in part.get("text", ""), part
                print(f"  - the webhook got {part['title']!r} for {message['channel']}: {part['text'].strip()[:160]!r}")
                sys.exit(0)
    time.sleep(2)
got = [open(p).read()[:400] for p in sorted(glob.glob(FOLDER + "/*.json"))]
sys.exit(f"no BaobabServiceDown for vision_trainer after 300 s; the webhook got {got}")
PY
    say "the alert went from Prometheus through Alertmanager to the webhook in $(($(date +%s) - t))s"
fi
