"""CrossGuard policy pack of the platform: rules in `policies.rules`, the pack built only in `__main__.py`."""
