"""boto3 clients for the moto server scripts/e2e.sh starts: its endpoint, the environment's region
and moto's test credentials (the scripts never see real ones)."""

import boto3


def clients(endpoint, region, *services):
    """One client per service name, in order: `ec2, s3 = clients(endpoint, region, "ec2", "s3")`."""
    return [boto3.client(service, region_name=region, endpoint_url=endpoint,
                         aws_access_key_id="test", aws_secret_access_key="test")
            for service in services]
