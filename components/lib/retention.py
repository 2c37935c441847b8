"""What a plain `pulumi destroy` must leave behind: every protected resource is also retained on delete.

`protect` alone does not save a resource from `pulumi destroy`: the engine continues past protected-delete errors
and Automation API destroys skip the preview (ecosystem review R3). `retain_on_delete` makes the engine drop the
resource from state without calling the provider's Delete, so prod's databases, buckets, keys, vaults and clusters
survive any destroy (pulumi/actions, the CLI, another Automation API caller); removing them takes a deliberate
`pulumi state unprotect` + `pulumi destroy` after `retainOnDelete` is switched off, or the cloud's console.
"""

from __future__ import annotations

import pulumi


def retain_protected(args: pulumi.ResourceTransformationArgs) -> pulumi.ResourceTransformationResult | None:
    """Stack transformation: a protected custom resource is retained on delete too."""
    if not args.opts.protect or args.opts.retain_on_delete is not None:
        return None
    return pulumi.ResourceTransformationResult(
        args.props, pulumi.ResourceOptions.merge(args.opts, pulumi.ResourceOptions(retain_on_delete=True))
    )
