"""Token audiences the clouds expect from a federated Kubernetes service-account token."""

AWS_AUDIENCE = "sts.amazonaws.com"
"""Audience AWS STS expects in a web-identity token (the projected token's `aud`)."""
AZURE_AUDIENCE = "api://AzureADTokenExchange"
"""Audience Entra ID expects in a token exchanged for a managed identity's token."""
