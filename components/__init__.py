"""multicloud-platform: Pulumi components for one multi-cloud platform per stack."""
