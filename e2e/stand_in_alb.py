#!/usr/bin/env python3
"""Stands in for the AWS Load Balancer Controller on moto, where Helm never runs: creates (or
deletes) the ALB and Kong target group the controller would create for the Supabase Ingress, so
the monitoring layer's `data "aws_lb"` / `data "aws_lb_target_group"` lookups find them.

Usage: stand_in_alb.py <endpoint> <region> create|delete <monitoring root dir>

Everything it needs comes from the generated root's terraform.tfvars (load_balancer_name,
target_group_tags) and the networking layer's local state next to it (VPC and public subnets):
the same name and tags the committed output looks up, nothing restated here. `delete` removes
exactly the load balancer of that name and the target groups carrying those tags, and is a no-op
when they are already gone.
"""

import json
import re
import sys
from pathlib import Path

from moto_client import clients

endpoint, region, action, root = sys.argv[1], sys.argv[2], sys.argv[3], Path(sys.argv[4])
elbv2, = clients(endpoint, region, "elbv2")


def tfvars(path):
    """`load_balancer_name = "..."` and the `target_group_tags = { "k" = "v" ... }` map."""
    text = path.read_text()
    name = re.search(r'^load_balancer_name\s*=\s*"([^"]+)"', text, re.M).group(1)
    block = re.search(r'^target_group_tags\s*=\s*\{(.*?)^\}', text, re.M | re.S).group(1)
    tags = dict(re.findall(r'"([^"]+)"\s*=\s*"([^"]*)"', block))
    return name, tags


name, tags = tfvars(root / "terraform.tfvars")
if not tags:
    raise SystemExit(f"{root}/terraform.tfvars: no target_group_tags")


def tagged_target_groups():
    groups = elbv2.describe_target_groups()["TargetGroups"]
    if not groups:
        return []
    arns = [g["TargetGroupArn"] for g in groups]
    found = []
    for d in elbv2.describe_tags(ResourceArns=arns)["TagDescriptions"]:
        have = {t["Key"]: t["Value"] for t in d["Tags"]}
        if all(have.get(k) == v for k, v in tags.items()):
            found.append(d["ResourceArn"])
    return found


def load_balancers():
    try:
        return elbv2.describe_load_balancers(Names=[name])["LoadBalancers"]
    except elbv2.exceptions.LoadBalancerNotFoundException:
        return []


if action == "create":
    state = json.loads((root.parent / "networking" / "terraform.tfstate").read_text())
    outputs = state["outputs"]
    vpc_id = outputs["vpc_id"]["value"]
    subnets = outputs["public_subnet_ids"]["value"]
    lb = elbv2.create_load_balancer(Name=name, Subnets=subnets, Scheme="internet-facing", Type="application",
                                    Tags=[{"Key": k, "Value": v} for k, v in tags.items() if k == "elbv2.k8s.aws/cluster"])
    lb_arn = lb["LoadBalancers"][0]["LoadBalancerArn"]
    # The controller names target groups k8s-<namespace>-<service>-<hash>; the lookup uses tags only.
    tg = elbv2.create_target_group(Name="k8s-supabase-kong-e2e", Protocol="HTTP", Port=8000, VpcId=vpc_id,
                                   TargetType="ip", HealthCheckPort="8100", HealthCheckPath="/status",
                                   Tags=[{"Key": k, "Value": v} for k, v in tags.items()])
    tg_arn = tg["TargetGroups"][0]["TargetGroupArn"]
    elbv2.create_listener(LoadBalancerArn=lb_arn, Protocol="HTTP", Port=80,
                          DefaultActions=[{"Type": "forward", "TargetGroupArn": tg_arn}])
    print(f"   created ALB {name} and target group with tags {sorted(tags)}")
elif action == "delete":
    for lb in load_balancers():
        for listener in elbv2.describe_listeners(LoadBalancerArn=lb["LoadBalancerArn"])["Listeners"]:
            elbv2.delete_listener(ListenerArn=listener["ListenerArn"])
        elbv2.delete_load_balancer(LoadBalancerArn=lb["LoadBalancerArn"])
        print(f"   deleted ALB {name}")
    for arn in tagged_target_groups():
        elbv2.delete_target_group(TargetGroupArn=arn)
        print(f"   deleted target group {arn.rsplit(':', 1)[-1]}")
else:
    raise SystemExit(f"unknown action {action}: create or delete")
