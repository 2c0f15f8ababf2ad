"""moto_server with one fidelity fix, for scripts/e2e.sh.

Runs exactly `moto_server` (moto.server.main, same arguments) after patching one behaviour in
which moto 5.2.5 differs from AWS in a way the generated Terraform depends on:

  EKS CreateCluster: AWS creates the *cluster security group* (`eks-cluster-sg-<name>-<id>`) in
  the cluster's VPC and returns it as resourcesVpcConfig.clusterSecurityGroupId (with vpcId),
  DeleteCluster deletes it, and UpdateClusterConfig merges into the VPC config. moto stores
  resourcesVpcConfig as sent (and replaces it on update), so
  aws_eks_cluster.vpc_config[0].cluster_security_group_id is null and everything referencing
  that group fails: "InvalidGroup.NotFound: The security group '' does not exist" on the RDS
  ingress rule (modules/rds), and the launch template (modules/eks) silently loses the group.

The patch makes moto behave like AWS: it creates a real group in moto's EC2 backend (so the
emptiness check after destroy covers it too) and relaxes nothing. Everything else is the stock
server. If a future moto returns the group itself, the patch steps aside.
"""

import sys

from moto.ec2.models import ec2_backends
from moto.eks.models import EKSBackend
from moto.moto_api._internal import mock_random as random
from moto.server import main

_create_cluster = EKSBackend.create_cluster
_delete_cluster = EKSBackend.delete_cluster
_update_cluster_config = EKSBackend.update_cluster_config


def create_cluster(self, *args, **kwargs):
    cluster = _create_cluster(self, *args, **kwargs)
    vpc_config = dict(cluster.resources_vpc_config or {})
    subnet_ids = vpc_config.get("subnetIds") or []
    if subnet_ids and not vpc_config.get("clusterSecurityGroupId"):
        ec2 = ec2_backends[self.account_id][self.region_name]
        vpc_id = ec2.get_subnet(subnet_ids[0]).vpc_id
        group = ec2.create_security_group(
            name=f"eks-cluster-sg-{cluster.name}-{random.randint(10**9, 10**10 - 1)}",
            description=(
                "EKS created security group applied to ENI that is attached to EKS Control Plane "
                "master nodes, as well as any managed workloads."
            ),
            vpc_id=vpc_id,
            tags={
                f"kubernetes.io/cluster/{cluster.name}": "owned",
                "aws:eks:cluster-name": cluster.name,
            },
        )
        vpc_config.update(clusterSecurityGroupId=group.id, vpcId=vpc_id)
        cluster.resources_vpc_config = vpc_config
        cluster._e2e_cluster_security_group = (vpc_id, group.id)
    return cluster


def update_cluster_config(self, name, *args, **kwargs):
    # AWS merges an update (e.g. endpoint access) into the VPC config; moto replaces the whole
    # dict, which would drop the subnets and the group again.
    before = dict(getattr(self.clusters.get(name), "resources_vpc_config", None) or {})
    cluster = _update_cluster_config(self, name, *args, **kwargs)
    cluster.resources_vpc_config = {**before, **(cluster.resources_vpc_config or {})}
    return cluster


def delete_cluster(self, name):
    cluster = _delete_cluster(self, name)
    created = getattr(cluster, "_e2e_cluster_security_group", None)
    if created:
        ec2_backends[self.account_id][self.region_name].delete_security_group(group_id=created[1])
    return cluster


EKSBackend.create_cluster = create_cluster
EKSBackend.delete_cluster = delete_cluster
EKSBackend.update_cluster_config = update_cluster_config

if __name__ == "__main__":
    sys.exit(main())
