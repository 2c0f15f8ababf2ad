# Emulator-only override of modules/eks (copied next to the module in scripts/e2e.sh's temp dir;
# the committed module is never touched). Two kinds of change only, both checked by
# e2e/check_overrides.py against e2e/allowed-disabled.txt and e2e/allowed-ignores.txt:
#   - resource types moto 5.2.5 cannot serve are disabled (count = 0 / empty for_each);
#   - attributes moto does not store faithfully are ignored on the re-plan.

# moto has no EKS add-on API: CreateAddon and DescribeAddonVersions answer 404
# (e2e/moto_probe.py shows it on every run).
resource "aws_eks_addon" "vpc_cni" {
  count = 0
}

resource "aws_eks_addon" "kube_proxy" {
  count = 0
}

resource "aws_eks_addon" "coredns" {
  count = 0
}

resource "aws_eks_addon" "ebs_csi" {
  count = 0
}

resource "aws_eks_addon" "cloudwatch_observability" {
  count = 0
}

# moto has no access entry API: CreateAccessEntry and AssociateAccessPolicy answer 404.
resource "aws_eks_access_entry" "admin" {
  for_each = toset([])
}

resource "aws_eks_access_policy_association" "admin" {
  for_each = toset([])
}

resource "aws_eks_cluster" "this" {
  lifecycle {
    # moto does not store accessConfig: DescribeCluster omits it, so the re-plan wants to
    # replace the cluster (bootstrap_cluster_creator_admin_permissions forces replacement).
    # Nor upgradePolicy (moto 5.2 models no support type): the re-plan would set it again.
    ignore_changes = [access_config, upgrade_policy]
  }
}

resource "aws_eks_node_group" "this" {
  lifecycle {
    # Kept from the module: the cluster autoscaler owns the desired size (an override's
    # ignore_changes replaces the original list, so it is restated here).
    # moto invents a remoteAccess block (ec2_ssh_key "eksKeypair": forces replacement) and does
    # not store updateConfig.
    ignore_changes = [scaling_config[0].desired_size, remote_access, update_config]
  }
}

resource "aws_launch_template" "node" {
  lifecycle {
    # moto returns an extra "launch-template" tag specification it made up from the tags.
    ignore_changes = [tag_specifications]
  }
}
