"""multicloud-platform: Pulumi components for one multi-cloud platform per stack."""

from . import sdk_imports

sdk_imports.install()  # the provider SDKs load only the modules the program uses (see sdk_imports)
