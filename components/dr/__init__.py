"""Disaster recovery across clouds: bucket copies in the backup cloud, connection secrets in every cloud."""
