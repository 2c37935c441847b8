"""Cross-cloud connectivity: the VPN mesh (one leg component per cloud pair) and its per-cloud IPsec profile."""
