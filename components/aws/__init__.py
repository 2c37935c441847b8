"""AWS components: one region's network, keys, EKS cluster, RDS PostgreSQL and S3 buckets."""
