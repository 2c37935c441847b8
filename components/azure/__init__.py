"""Azure components: one region's resource group and network, Key Vault keys, AKS, Flexible Server and Storage."""
