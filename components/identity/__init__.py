"""Identity: the Cognito user pool and cross-cloud workload identity federation."""
