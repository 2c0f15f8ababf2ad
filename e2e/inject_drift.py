#!/usr/bin/env python3
"""Negative control of scripts/e2e.sh: changes the applied stack behind Terraform's back, the way
a console click would, so the re-plan gate has something it must catch.

Usage: inject_drift.py <endpoint> <region> <name> <bucket>

  networking: the VPC's Environment tag is overwritten;
  core:       the storage bucket's TLS-only policy is deleted (a security regression), and
              rotation of the secrets KMS key is switched off.
"""

import sys

from moto_client import clients

endpoint, region, name, bucket = sys.argv[1:5]
ec2, s3, kms = clients(endpoint, region, "ec2", "s3", "kms")

vpcs = ec2.describe_vpcs(Filters=[{"Name": "tag:Name", "Values": [name]}])["Vpcs"]
assert len(vpcs) == 1, f"expected one VPC tagged Name={name}, found {len(vpcs)}"
vpc_id = vpcs[0]["VpcId"]
ec2.create_tags(Resources=[vpc_id], Tags=[{"Key": "Environment", "Value": "drifted-by-hand"}])
print(f"  injected: networking: VPC {vpc_id} tag Environment=drifted-by-hand")

s3.delete_bucket_policy(Bucket=bucket)
print(f"  injected: core: deleted the TLS-only bucket policy of {bucket}")

key_id = kms.describe_key(KeyId=f"alias/{name}-secrets")["KeyMetadata"]["KeyId"]
kms.disable_key_rotation(KeyId=key_id)
assert not kms.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"]
print(f"  injected: core: disabled rotation of KMS key {key_id} (alias/{name}-secrets)")
