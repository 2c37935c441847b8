"""Cloudflare edge: health monitor, per-cloud pools, global load balancer and its DNS record."""
