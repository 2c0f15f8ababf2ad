#!/usr/bin/env python3
"""After `terraform destroy` of both layers, asserts moto holds nothing of the stack.

Usage: assert_empty.py <endpoint> <region> [--final-snapshot <id>]

Lists, in the environment's region: VPCs other than the default one and everything inside them
(subnets, security groups, route tables, internet and NAT gateways, endpoints, flow logs),
Elastic IPs, launch templates, EKS clusters, RDS instances, subnet and parameter groups and
snapshots, S3 buckets, customer KMS keys not pending deletion and their aliases, IAM roles,
OIDC providers and customer policies, secrets not scheduled for deletion, log groups, SNS
topics, CloudWatch alarms, and load balancers and target groups (the stand-in for the load
balancer controller's, e2e/stand_in_alb.py).
Prints one line per kind and exits 1 if anything is left. A final snapshot the configuration
keeps on purpose (skip_final_snapshot = false) is expected, reported, and must exist.
"""

import sys

from moto_client import clients

endpoint, region = sys.argv[1], sys.argv[2]
final_snapshot = sys.argv[4] if len(sys.argv) > 4 and sys.argv[3] == "--final-snapshot" else None

ec2, eks, rds, s3, kms, iam, sm, logs = clients(
    endpoint, region, "ec2", "eks", "rds", "s3", "kms", "iam", "secretsmanager", "logs")
sns, cloudwatch, elbv2 = clients(endpoint, region, "sns", "cloudwatch", "elbv2")
acm, wafv2 = clients(endpoint, region, "acm", "wafv2")

default_vpcs = {v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"] if v.get("IsDefault")}


def not_default(items, key="VpcId"):
    return [i for i in items if i.get(key) not in default_vpcs]


leftovers = {
    "VPCs (non-default)": [v["VpcId"] for v in not_default(ec2.describe_vpcs()["Vpcs"])],
    "subnets (non-default VPC)": [s["SubnetId"] for s in not_default(ec2.describe_subnets()["Subnets"])],
    "security groups (non-default VPC)": [
        f'{g["GroupId"]} {g["GroupName"]}' for g in not_default(ec2.describe_security_groups()["SecurityGroups"])],
    "route tables (non-default VPC)": [
        r["RouteTableId"] for r in not_default(ec2.describe_route_tables()["RouteTables"])],
    "internet gateways (not on the default VPC)": [
        g["InternetGatewayId"] for g in ec2.describe_internet_gateways()["InternetGateways"]
        if not any(a.get("VpcId") in default_vpcs for a in g.get("Attachments", []))],
    "NAT gateways (not deleted)": [
        g["NatGatewayId"] for g in ec2.describe_nat_gateways()["NatGateways"]
        if g["State"] not in ("deleted", "deleting")],
    "Elastic IPs": [a.get("AllocationId") for a in ec2.describe_addresses()["Addresses"]],
    "VPC endpoints (not deleted)": [
        e["VpcEndpointId"] for e in ec2.describe_vpc_endpoints()["VpcEndpoints"]
        if e["State"].lower() not in ("deleted", "deleting")],
    "flow logs": [f["FlowLogId"] for f in ec2.describe_flow_logs()["FlowLogs"]],
    "launch templates": [t["LaunchTemplateName"] for t in ec2.describe_launch_templates()["LaunchTemplates"]],
    "EKS clusters": eks.list_clusters()["clusters"],
    "RDS instances": [d["DBInstanceIdentifier"] for d in rds.describe_db_instances()["DBInstances"]],
    "DB subnet groups": [g["DBSubnetGroupName"] for g in rds.describe_db_subnet_groups()["DBSubnetGroups"]
                         if g["DBSubnetGroupName"] != "default"],
    "DB parameter groups (non-default)": [
        g["DBParameterGroupName"] for g in rds.describe_db_parameter_groups()["DBParameterGroups"]
        if not g["DBParameterGroupName"].startswith("default.")],
    "S3 buckets": [b["Name"] for b in s3.list_buckets().get("Buckets", [])],
    "KMS keys (customer, not pending deletion)": [
        k["KeyId"] for k in kms.list_keys()["Keys"]
        if (m := kms.describe_key(KeyId=k["KeyId"])["KeyMetadata"])["KeyManager"] == "CUSTOMER"
        and m["KeyState"] != "PendingDeletion"],
    "KMS aliases (customer)": [
        a["AliasName"] for a in kms.list_aliases()["Aliases"] if not a["AliasName"].startswith("alias/aws/")],
    "IAM roles": [r["RoleName"] for r in iam.list_roles()["Roles"]
                  if not r["Path"].startswith("/aws-service-role/")],
    "IAM OIDC providers": [p["Arn"] for p in iam.list_open_id_connect_providers()["OpenIDConnectProviderList"]],
    "IAM customer policies": [p["PolicyName"] for p in iam.list_policies(Scope="Local")["Policies"]],
    "secrets (not scheduled for deletion)": [
        s["Name"] for s in sm.list_secrets(IncludePlannedDeletion=True)["SecretList"]
        if not s.get("DeletedDate")],
    "log groups": [g["logGroupName"] for g in logs.describe_log_groups()["logGroups"]],
    "SNS topics": [t["TopicArn"] for t in sns.list_topics()["Topics"]],
    "SNS subscriptions": [s["SubscriptionArn"] for s in sns.list_subscriptions()["Subscriptions"]],
    "CloudWatch alarms": [a["AlarmName"] for a in cloudwatch.describe_alarms()["MetricAlarms"]],
    "ACM certificates": [c["CertificateArn"] for c in acm.list_certificates()["CertificateSummaryList"]],
    "WAF web ACLs": [a["Name"] for a in wafv2.list_web_acls(Scope="REGIONAL")["WebACLs"]],
    "load balancers": [lb["LoadBalancerName"] for lb in elbv2.describe_load_balancers()["LoadBalancers"]],
    "target groups": [g["TargetGroupName"] for g in elbv2.describe_target_groups()["TargetGroups"]],
}

snapshots = [s["DBSnapshotIdentifier"] for s in rds.describe_db_snapshots(SnapshotType="manual")["DBSnapshots"]]
unexpected_snapshots = [s for s in snapshots if s != final_snapshot]
leftovers["DB snapshots (other than the kept final one)"] = unexpected_snapshots

failed = False
for kind, items in leftovers.items():
    if items:
        failed = True
        print(f"  LEFT {kind}: {len(items)}: {', '.join(map(str, items))}")
    else:
        print(f"  ok   {kind}: none")
if final_snapshot:
    if final_snapshot in snapshots:
        print(f"  ok   final snapshot {final_snapshot} kept, as the configuration asks "
              f"(skip_final_snapshot = false)")
    else:
        failed = True
        print(f"  FAIL final snapshot {final_snapshot} missing (skip_final_snapshot = false)")
print("moto is empty" if not failed else "moto still holds resources of the stack")
sys.exit(1 if failed else 0)
