"""Entry point the Pulumi CLI runs for `--policy-pack policies`: builds (and serves) the pack, nothing else.

Constructing PolicyPack starts the analyzer's gRPC server and blocks, so nothing may import this module.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))  # the CLI runs this file with the pack folder as cwd

from pulumi_policy import PolicyPack
from rules import ALL_POLICIES, PACK_ENFORCEMENT, PACK_NAME  # type: ignore[import-not-found]

PolicyPack(name=PACK_NAME, policies=ALL_POLICIES, enforcement_level=PACK_ENFORCEMENT)
