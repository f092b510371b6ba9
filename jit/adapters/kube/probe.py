"""``SelfSubjectAccessReview`` for ``jit doctor``: may jit's own credential do something?

Each answer is ``(status, body, error)``; nothing here creates or deletes a binding.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import requests

from jit.adapters.kube.http import KubeClient, TokenSource
from jit.errors import JitError
from jit.model import KubernetesCluster

REVIEWS = "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"
GROUP = "rbac.authorization.k8s.io"


def access_review(
    cluster: KubernetesCluster,
    token_for: TokenSource,
    verb: str,
    resource: str,
    namespace: str | None,
    *,
    session: requests.Session | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> tuple[int | None, dict[str, Any], str]:
    attributes: dict[str, Any] = {"verb": verb, "group": GROUP, "resource": resource}
    if namespace:
        attributes["namespace"] = namespace
    body = {
        "apiVersion": "authorization.k8s.io/v1",
        "kind": "SelfSubjectAccessReview",
        "spec": {"resourceAttributes": attributes},
    }
    try:
        client = KubeClient(cluster, token_for, session or requests.Session(), sleep)
        status, answer = client.request(
            "POST",
            REVIEWS,
            action=f"asking whether jit may {verb} {resource}",
            permission="create selfsubjectaccessreviews (every authenticated user may)",
            expect=(200, 201),
            body=body,
        )
    except JitError as exc:
        return None, {}, str(exc)
    return status, answer, ""
