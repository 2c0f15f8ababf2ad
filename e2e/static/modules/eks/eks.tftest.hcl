# Static test of modules/eks with one environment's values (scripts/static-tests.sh prepends that
# environment's core/terraform.tfvars as the file-level variables block); inputs wired from other
# modules get stand-in values in the run. Offline, mocked AWS provider.

mock_provider "aws" {
  source = "./tests/mocks/aws"
}

run "cluster" {
  command = apply

  variables {
    vpc_id              = "vpc-0test0000000000"
    subnet_ids          = ["subnet-0a000000000000", "subnet-0b000000000000", "subnet-0c000000000000"]
    secrets_kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/eks-secrets"
    logs_kms_key_arn    = "arn:aws:kms:eu-west-1:123456789012:key/logs"
    ebs_kms_key_arn     = "arn:aws:kms:eu-west-1:123456789012:key/ebs"
  }

  override_resource {
    target = aws_security_group.node
    values = { id = "sg-0node0000000000" }
  }

  # --- control plane -------------------------------------------------------------------------
  assert {
    condition = (length(aws_eks_cluster.this.encryption_config) == 1 &&
      toset(aws_eks_cluster.this.encryption_config[0].resources) == toset(["secrets"]) &&
    aws_eks_cluster.this.encryption_config[0].provider[0].key_arn == var.secrets_kms_key_arn)
    error_message = "Kubernetes secrets must be envelope-encrypted with the environment's EKS key."
  }
  assert {
    condition     = aws_cloudwatch_log_group.cluster.kms_key_id == var.logs_kms_key_arn && aws_cloudwatch_log_group.cluster.name == "/aws/eks/${var.name}/cluster" && aws_cloudwatch_log_group.cluster.retention_in_days == var.cluster_log_retention_days
    error_message = "The control-plane log group (the one EKS writes to) must be KMS-encrypted with the configured retention."
  }
  assert {
    condition     = toset(aws_eks_cluster.this.enabled_cluster_log_types) == toset(["api", "audit", "authenticator", "controllerManager", "scheduler"])
    error_message = "All five control-plane log types must be enabled."
  }
  assert {
    condition     = aws_eks_cluster.this.version == var.cluster_version && toset(aws_eks_cluster.this.vpc_config[0].subnet_ids) == toset(var.subnet_ids)
    error_message = "Version and subnets must come from the tier and the networking layer."
  }
  assert {
    condition = (aws_eks_cluster.this.vpc_config[0].endpoint_private_access == var.endpoint_private_access &&
      aws_eks_cluster.this.vpc_config[0].endpoint_public_access == var.endpoint_public_access &&
      (!var.endpoint_public_access || toset(aws_eks_cluster.this.vpc_config[0].public_access_cidrs) == toset(var.public_access_cidrs)) &&
    !contains(var.endpoint_public_access ? var.public_access_cidrs : [], "0.0.0.0/0"))
    error_message = "The public endpoint must follow the tier and admit only its CIDRs, never 0.0.0.0/0."
  }
  assert {
    condition     = aws_eks_cluster.this.access_config[0].authentication_mode == "API_AND_CONFIG_MAP" && aws_eks_cluster.this.access_config[0].bootstrap_cluster_creator_admin_permissions == false
    error_message = "Access must come only from reviewable access entries (no implicit creator admin)."
  }
  assert {
    condition = (toset(keys(aws_eks_access_entry.admin)) == toset(var.cluster_admin_arns) &&
      alltrue([for arn in var.cluster_admin_arns : endswith(aws_eks_access_policy_association.admin[arn].policy_arn, ":cluster-access-policy/AmazonEKSClusterAdminPolicy")
    ]))
    error_message = "Every cluster admin (and only them) must get an access entry with the cluster admin policy."
  }

  # --- nodes: IMDSv2 with hop limit 1, encrypted root volume, no SSH -----------------------------
  assert {
    condition = length(aws_launch_template.node) == length(var.node_groups) && alltrue([for lt in values(aws_launch_template.node) :
      lt.metadata_options[0].http_tokens == "required" && lt.metadata_options[0].http_put_response_hop_limit == 1 && lt.metadata_options[0].http_endpoint == "enabled"
    ])
    error_message = "Every node launch template must require IMDSv2 with a hop limit of 1."
  }
  assert {
    condition = alltrue([for k, lt in aws_launch_template.node :
      lt.key_name == null && alltrue([for b in lt.block_device_mappings : b.ebs[0].encrypted == "true" && b.ebs[0].kms_key_id == var.ebs_kms_key_arn && b.ebs[0].volume_size == var.node_groups[k].disk_size_gib])
    ])
    error_message = "Node root volumes must be encrypted with the environment's EBS key and sized from the tier; no SSH key."
  }
  assert {
    condition = alltrue([for lt in values(aws_launch_template.node) :
      toset(lt.vpc_security_group_ids) == toset([aws_eks_cluster.this.vpc_config[0].cluster_security_group_id, aws_security_group.node.id])
    ])
    error_message = "Nodes must carry the cluster security group and the node security group (the database admits both)."
  }
  assert {
    condition = alltrue([for k, g in aws_eks_node_group.this :
      g.launch_template[0].id == aws_launch_template.node[k].id && length(g.remote_access) == 0 &&
      g.capacity_type == var.node_groups[k].capacity_type && toset(g.instance_types) == toset(var.node_groups[k].instance_types) &&
      g.scaling_config[0].min_size == var.node_groups[k].min_size && g.scaling_config[0].max_size == var.node_groups[k].max_size
    ])
    error_message = "Each node group must use its launch template, the tier's sizes and no remote access."
  }
  assert {
    condition = alltrue([for k, g in aws_eks_node_group.this :
      g.capacity_type != "SPOT" || anytrue([for t in g.taint : t.key == "spot" && t.value == "true" && t.effect == "NO_SCHEDULE"])
    ]) && anytrue([for k, g in aws_eks_node_group.this : g.capacity_type == "ON_DEMAND" && length(g.taint) == 0 && g.scaling_config[0].min_size >= 1])
    error_message = "Spot groups must be tainted, and an untainted on-demand group must exist (CoreDNS)."
  }

  # --- upgrades: nodes follow the control plane, add-ons pinned, no billed extended support ----
  assert {
    condition = alltrue([for k, g in aws_eks_node_group.this :
      g.version == aws_eks_cluster.this.version && (var.node_ami_release == null || g.release_version == var.node_ami_release)
    ]) && alltrue([for lt in values(aws_launch_template.node) : lt.image_id == null])
    error_message = "Every node group must run the cluster's version (and the pinned AMI release, if any) from a launch template without a custom AMI, or a version bump leaves the nodes behind."
  }
  assert {
    condition     = aws_eks_cluster.this.upgrade_policy[0].support_type == var.support_type
    error_message = "The cluster's upgrade policy must come from the config (STANDARD unless extended support is chosen)."
  }
  assert {
    condition = (aws_eks_addon.vpc_cni.addon_version == var.addon_versions["vpc-cni"] &&
      aws_eks_addon.kube_proxy.addon_version == var.addon_versions["kube-proxy"] &&
      aws_eks_addon.coredns.addon_version == var.addon_versions["coredns"] &&
      aws_eks_addon.ebs_csi.addon_version == var.addon_versions["aws-ebs-csi-driver"] &&
      alltrue([for a in aws_eks_addon.cloudwatch_observability : a.addon_version == var.addon_versions["amazon-cloudwatch-observability"]]) &&
    startswith(var.addon_versions["kube-proxy"], "v${var.cluster_version}."))
    error_message = "Every managed add-on must run the version pinned for the cluster's minor (kube-proxy of that very minor), not one resolved at apply time."
  }

  # --- IRSA of the add-ons ---------------------------------------------------------------------
  assert {
    condition = (
      toset(one([for c in data.aws_iam_policy_document.vpc_cni_assume.statement[0].condition : c.values if c.variable == "${local.oidc_issuer}:sub"])) == toset(["system:serviceaccount:kube-system:aws-node"]) &&
      toset(one([for c in data.aws_iam_policy_document.ebs_csi_assume.statement[0].condition : c.values if c.variable == "${local.oidc_issuer}:sub"])) == toset(["system:serviceaccount:kube-system:ebs-csi-controller-sa"])
    )
    error_message = "The VPC CNI and EBS CSI roles must trust exactly their own service accounts."
  }

  assert {
    condition = alltrue([for s in data.aws_iam_policy_document.ebs_csi_kms.statement : toset(s.resources) == toset([var.ebs_kms_key_arn])]) && anytrue([for s in data.aws_iam_policy_document.ebs_csi_kms.statement :
      contains(s.actions, "kms:CreateGrant") && anytrue([for c in s.condition : c.test == "Bool" && c.variable == "kms:GrantIsForAWSResource" && toset(c.values) == toset(["true"])])
    ]) && aws_iam_role_policy.ebs_csi_kms.role == aws_iam_role.ebs_csi.id
    error_message = "The EBS CSI driver may use only the EBS key, and create grants only for AWS resources."
  }

  # --- Container Insights and pod logs ---------------------------------------------------------
  assert {
    condition = (var.container_insights ? length(aws_cloudwatch_log_group.container_insights) == 4 : length(aws_cloudwatch_log_group.container_insights) == 0) && alltrue([
      for g, lg in aws_cloudwatch_log_group.container_insights :
      lg.name == "/aws/containerinsights/${var.name}/${g}" && lg.kms_key_id == var.logs_kms_key_arn && lg.retention_in_days == var.container_insights_log_retention_days
    ])
    error_message = "The four Container Insights log groups (application, dataplane, host, performance) must exist, KMS-encrypted with the tier's retention."
  }
  assert {
    condition = (
      toset(one([for c in data.aws_iam_policy_document.cloudwatch_observability_assume.statement[0].condition : c.values if c.variable == "${local.oidc_issuer}:sub"])) == toset(["system:serviceaccount:amazon-cloudwatch:cloudwatch-agent"]) &&
      toset(keys(aws_iam_role_policy_attachment.cloudwatch_observability)) == toset(["CloudWatchAgentServerPolicy"])
    )
    error_message = "The CloudWatch observability role must trust only amazon-cloudwatch:cloudwatch-agent and carry CloudWatchAgentServerPolicy."
  }

  assert {
    condition     = output.cluster_name == var.name && output.oidc_issuer == "oidc.eks.eu-west-1.amazonaws.com/id/MOCK" && output.node_security_group_id == aws_security_group.node.id && output.oidc_provider_arn == aws_iam_openid_connect_provider.cluster.arn
    error_message = "The module outputs must expose the cluster, its OIDC issuer (no scheme) and the node security group."
  }
}

# One minor up (what the runbook's "Upgrade Kubernetes" does), with an AMI release pinned: the
# control plane, the add-ons and every node group change together in one plan.
run "upgrade_one_minor" {
  command = plan

  variables {
    vpc_id              = "vpc-0test0000000000"
    subnet_ids          = ["subnet-0a000000000000", "subnet-0b000000000000", "subnet-0c000000000000"]
    secrets_kms_key_arn = "arn:aws:kms:eu-west-1:123456789012:key/eks-secrets"
    logs_kms_key_arn    = "arn:aws:kms:eu-west-1:123456789012:key/logs"
    ebs_kms_key_arn     = "arn:aws:kms:eu-west-1:123456789012:key/ebs"
    cluster_version     = "1.99"
    node_ami_release    = "1.99.0-20260101"
    addon_versions = {
      vpc-cni                         = "v1.99.0-eksbuild.1"
      kube-proxy                      = "v1.99.1-eksbuild.1"
      coredns                         = "v1.99.2-eksbuild.1"
      aws-ebs-csi-driver              = "v1.99.3-eksbuild.1"
      amazon-cloudwatch-observability = "v1.99.4-eksbuild.1"
    }
  }

  override_resource {
    target = aws_security_group.node
    values = { id = "sg-0node0000000000" }
  }

  assert {
    condition     = aws_eks_cluster.this.version == "1.99" && alltrue([for g in values(aws_eks_node_group.this) : g.version == "1.99"])
    error_message = "A version bump must reach the control plane and every node group in the same plan."
  }
  assert {
    condition     = alltrue([for g in values(aws_eks_node_group.this) : g.release_version == "1.99.0-20260101"])
    error_message = "A pinned AMI release (eks.node_ami_release) must reach every node group."
  }
  assert {
    condition     = aws_eks_addon.kube_proxy.addon_version == "v1.99.1-eksbuild.1" && aws_eks_addon.coredns.addon_version == "v1.99.2-eksbuild.1"
    error_message = "A version bump must move the add-ons to the versions pinned for the new minor."
  }
}
