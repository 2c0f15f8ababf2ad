#!/usr/bin/env python3
"""Proves, against the running moto, that each type in e2e/allowed-disabled.txt really cannot be
served: its API must answer HTTP 404/501 without a modelled AWS error (moto has no route for it).
If moto starts serving one, this fails so the override stops disabling it.

Usage: moto_probe.py <endpoint> <region> <allowed-disabled.txt>
Creates a throwaway cluster (no subnets) so "cluster not found" cannot pass for "no API", and
deletes it again.
"""

import sys
from pathlib import Path

from botocore.exceptions import ClientError

from check_overrides import read_list
from moto_client import clients

endpoint, region, listing = sys.argv[1:4]
[eks] = clients(endpoint, region, "eks")
CLUSTER = "e2e-moto-probe"
ADMIN = "arn:aws:iam::123456789012:role/e2e-probe"

PROBES = {
    "eks:CreateAddon": lambda: eks.create_addon(clusterName=CLUSTER, addonName="vpc-cni"),
    "eks:CreateAccessEntry": lambda: eks.create_access_entry(clusterName=CLUSTER, principalArn=ADMIN),
    "eks:AssociateAccessPolicy": lambda: eks.associate_access_policy(
        clusterName=CLUSTER, principalArn=ADMIN,
        policyArn="arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy",
        accessScope={"type": "cluster"}),
}

wanted = [(rtype, api) for rtype, (api, _reason) in read_list(Path(listing)).items()]

eks.create_cluster(name=CLUSTER, roleArn="arn:aws:iam::123456789012:role/e2e-probe",
                   resourcesVpcConfig={})
failed = False
try:
    for rtype, api in wanted:
        probe = PROBES.get(api)
        if probe is None:
            print(f"  FAIL {rtype}: no probe for {api} in e2e/moto_probe.py")
            failed = True
            continue
        try:
            probe()
            print(f"  FAIL {rtype}: moto now serves {api}; stop disabling it")
            failed = True
        except ClientError as err:
            status = err.response["ResponseMetadata"]["HTTPStatusCode"]
            code = err.response["Error"].get("Code", "")
            if status in (404, 501) and code in ("404", "501", "NotImplemented", ""):
                print(f"  ok   {rtype}: {api} -> HTTP {status} (no such API in moto)")
            else:
                print(f"  FAIL {rtype}: {api} -> HTTP {status} {code}: moto seems to serve it")
                failed = True
finally:
    eks.delete_cluster(name=CLUSTER)
sys.exit(1 if failed else 0)
