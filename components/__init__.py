"""multicloud-platform: Pulumi components for one multi-cloud platform per stack.

Importing it changes nothing in the import system: `pulumi up` runs the provider SDKs as generated. The offline
runtime (scripts/offline.py: plan, bench, tests) installs components.sdk_imports' hook itself.
"""
