"""GCP components: one region's KMS keys, VPC, GKE cluster, Cloud SQL for PostgreSQL and GCS buckets."""
