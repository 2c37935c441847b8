"""Kubeconfigs that authenticate through an exec credential plugin: no static token or key inside."""

from __future__ import annotations

import json
from typing import Any


def exec_kubeconfig(cluster_name: str, server: str, ca_data: str, command: str, **exec_fields: Any) -> str:
    """A one-cluster kubeconfig whose user runs `command` (with `exec_fields` such as `args`) for a token."""
    return json.dumps(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": cluster_name, "cluster": {"server": server, "certificate-authority-data": ca_data}}],
            "contexts": [{"name": cluster_name, "context": {"cluster": cluster_name, "user": cluster_name}}],
            "current-context": cluster_name,
            "users": [
                {
                    "name": cluster_name,
                    "user": {
                        "exec": {
                            "apiVersion": "client.authentication.k8s.io/v1beta1",
                            "command": command,
                            **exec_fields,
                        }
                    },
                }
            ],
        }
    )
