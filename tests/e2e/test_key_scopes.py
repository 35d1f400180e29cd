"""Several keys per tenant, read-only keys and expiry, through the real gateway and services."""

from __future__ import annotations

import httpx

from scripts.stack import Stack


def test_a_read_only_key_of_the_same_tenant_retrieves_but_cannot_change(stack: Stack) -> None:
    gw = stack.url("gateway")
    admin = {"X-Auth-Token": stack.admin_key}
    with httpx.Client(base_url=gw, timeout=120) as http:
        owner = http.post("/nlu/v2/api_keys", json={"desc": "owner"}, headers=admin).json()
        bot = http.post(
            "/nlu/v2/api_keys",
            json={"desc": "bot", "tenant": owner["tenant"], "scope": "retrieve"},
            headers=admin,
        ).json()
        full = {"X-Auth-Token": owner["api_key"]}
        read_only = {"X-Auth-Token": bot["api_key"]}
        base = "/nlu/v2/text_classifiers"
        assert http.post(
            base, json={"name": "m", "load_from_store": False}, headers=full
        ).is_success
        samples = [
            {"text": t, "label": label}
            for label, texts in {"hi": ["hello", "hi there"], "bye": ["goodbye", "see you"]}.items()
            for t in texts
        ]
        assert http.post(f"{base}/m/training_samples", json=samples, headers=full).is_success
        assert http.post(f"{base}/m/train", json={"immediate_mode": True}, headers=full).is_success
        ranked = http.post(f"{base}/m/retrieve", json={"text": "hello friend"}, headers=read_only)
        assert ranked.status_code == 200 and ranked.json()[0]["label"] == "hi"
        assert [m["name"] for m in http.get(base, headers=read_only).json()] == ["m"]
        refused = http.post(f"{base}/m/training_samples", json=samples, headers=read_only)
        assert refused.status_code == 403
        assert http.delete(f"{base}/m", headers=read_only).status_code == 403
        assert http.get(f"{base}/m", headers=full).status_code == 200
