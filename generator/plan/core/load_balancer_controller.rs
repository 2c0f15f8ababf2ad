//! The IAM policy of the AWS Load Balancer Controller, written out statement by statement so a
//! version bump is a reviewable diff of actions. It grants what the pinned controller (v2.17.0,
//! see `plan/applications/addons.rs`) calls: the statements and their conditions follow
//! kubernetes-sigs/aws-load-balancer-controller@v2.17.0:docs/install/iam_policy.json, plus
//! `wafv2:ListWebACLs`, which the controller needs to resolve the `wafv2-acl-name` annotation
//! (…@v2.17.0:docs/guide/ingress/annotations.md, pkg/ingress/model_builder.go) and the upstream
//! policy lacks. Write actions on load balancers, target groups and security groups are
//! conditioned on the `elbv2.k8s.aws/cluster` tag the controller puts on what it creates.

use crate::plan::iam::{Statement, document};
use crate::terraform::Block;

/// The tag the controller sets on every resource it creates, and conditions its writes on.
const CLUSTER_TAG: &str = "elbv2.k8s.aws/cluster";

const READ: &[&str] = &[
    "ec2:DescribeAccountAttributes",
    "ec2:DescribeAddresses",
    "ec2:DescribeAvailabilityZones",
    "ec2:DescribeInternetGateways",
    "ec2:DescribeVpcs",
    "ec2:DescribeVpcPeeringConnections",
    "ec2:DescribeSubnets",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeInstances",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeTags",
    "ec2:GetCoipPoolUsage",
    "ec2:DescribeCoipPools",
    "ec2:GetSecurityGroupsForVpc",
    "ec2:DescribeIpamPools",
    "ec2:DescribeRouteTables",
    "elasticloadbalancing:DescribeLoadBalancers",
    "elasticloadbalancing:DescribeLoadBalancerAttributes",
    "elasticloadbalancing:DescribeListeners",
    "elasticloadbalancing:DescribeListenerCertificates",
    "elasticloadbalancing:DescribeSSLPolicies",
    "elasticloadbalancing:DescribeRules",
    "elasticloadbalancing:DescribeTargetGroups",
    "elasticloadbalancing:DescribeTargetGroupAttributes",
    "elasticloadbalancing:DescribeTargetHealth",
    "elasticloadbalancing:DescribeTags",
    "elasticloadbalancing:DescribeTrustStores",
    "elasticloadbalancing:DescribeListenerAttributes",
    "elasticloadbalancing:DescribeCapacityReservation",
];

/// Certificates (ACM discovery by host), WAF and Shield on the load balancers it manages.
const ADDONS: &[&str] = &[
    "cognito-idp:DescribeUserPoolClient",
    "acm:ListCertificates",
    "acm:DescribeCertificate",
    "iam:ListServerCertificates",
    "iam:GetServerCertificate",
    "waf-regional:GetWebACL",
    "waf-regional:GetWebACLForResource",
    "waf-regional:AssociateWebACL",
    "waf-regional:DisassociateWebACL",
    "wafv2:GetWebACL",
    "wafv2:GetWebACLForResource",
    "wafv2:AssociateWebACL",
    "wafv2:DisassociateWebACL",
    "wafv2:ListWebACLs",
    "shield:GetSubscriptionState",
    "shield:DescribeProtection",
    "shield:CreateProtection",
    "shield:DeleteProtection",
];

const MODIFY_OWN: &[&str] = &[
    "elasticloadbalancing:ModifyLoadBalancerAttributes",
    "elasticloadbalancing:SetIpAddressType",
    "elasticloadbalancing:SetSecurityGroups",
    "elasticloadbalancing:SetSubnets",
    "elasticloadbalancing:DeleteLoadBalancer",
    "elasticloadbalancing:ModifyTargetGroup",
    "elasticloadbalancing:ModifyTargetGroupAttributes",
    "elasticloadbalancing:DeleteTargetGroup",
    "elasticloadbalancing:ModifyListenerAttributes",
    "elasticloadbalancing:ModifyCapacityReservation",
    "elasticloadbalancing:ModifyIpPools",
];

const LISTENERS: &[&str] = &[
    "elasticloadbalancing:SetWebAcl",
    "elasticloadbalancing:ModifyListener",
    "elasticloadbalancing:AddListenerCertificates",
    "elasticloadbalancing:RemoveListenerCertificates",
    "elasticloadbalancing:ModifyRule",
    "elasticloadbalancing:SetRulePriorities",
];

/// Every action the policy allows (the tests compare it with what the controller calls).
pub fn actions() -> Vec<&'static str> {
    let mut all = vec!["iam:CreateServiceLinkedRole", "ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress"];
    all.extend(["ec2:CreateSecurityGroup", "ec2:CreateTags", "ec2:DeleteTags", "ec2:DeleteSecurityGroup"]);
    all.extend(["elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:CreateTargetGroup", "elasticloadbalancing:CreateListener"]);
    all.extend(["elasticloadbalancing:DeleteListener", "elasticloadbalancing:CreateRule", "elasticloadbalancing:DeleteRule"]);
    all.extend(["elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags", "elasticloadbalancing:RegisterTargets"]);
    all.push("elasticloadbalancing:DeregisterTargets");
    all.extend(READ.iter().chain(ADDONS).chain(MODIFY_OWN).chain(LISTENERS));
    all
}

/// `data.aws_iam_policy_document.<name>`.
pub fn policy(name: &str) -> Block {
    let arn = |resource: &str| format!(r#""arn:${{data.aws_partition.current.partition}}:{resource}""#);
    let arns = |resources: &[&str]| format!("[{}]", resources.iter().map(|r| arn(r)).collect::<Vec<_>>().join(", "));
    let security_groups = arns(&["ec2:*:*:security-group/*"]);
    let balancers = arns(&["elasticloadbalancing:*:*:targetgroup/*/*", "elasticloadbalancing:*:*:loadbalancer/net/*/*", "elasticloadbalancing:*:*:loadbalancer/app/*/*"]);
    let request_tag = format!("aws:RequestTag/{CLUSTER_TAG}");
    let resource_tag = format!("aws:ResourceTag/{CLUSTER_TAG}");
    let tagged = |st: Statement| st.when("Null", &resource_tag, r#"["false"]"#);
    let all = r#"["*"]"#;
    document(
        name,
        vec![
            Statement::allow(&["iam:CreateServiceLinkedRole"])
                .sid("ServiceLinkedRole")
                .on(all)
                .when("StringEquals", "iam:AWSServiceName", r#"["elasticloadbalancing.amazonaws.com"]"#),
            Statement::allow(READ).sid("Describe").on(all),
            Statement::allow(ADDONS).sid("CertificatesWafShield").on(all),
            Statement::allow(&["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress"]).sid("NodeSecurityGroupRules").on(all),
            Statement::allow(&["ec2:CreateSecurityGroup"]).sid("CreateSecurityGroup").on(all),
            Statement::allow(&["ec2:CreateTags"])
                .sid("TagNewSecurityGroups")
                .on(&security_groups)
                .when("StringEquals", "ec2:CreateAction", r#"["CreateSecurityGroup"]"#)
                .when("Null", &request_tag, r#"["false"]"#),
            tagged(Statement::allow(&["ec2:CreateTags", "ec2:DeleteTags"]).sid("RetagOwnSecurityGroups").on(&security_groups).when("Null", &request_tag, r#"["true"]"#)),
            tagged(Statement::allow(&["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress", "ec2:DeleteSecurityGroup"]).sid("OwnSecurityGroups").on(all)),
            Statement::allow(&["elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:CreateTargetGroup"])
                .sid("CreateTagged")
                .on(all)
                .when("Null", &request_tag, r#"["false"]"#),
            Statement::allow(&["elasticloadbalancing:CreateListener", "elasticloadbalancing:DeleteListener", "elasticloadbalancing:CreateRule", "elasticloadbalancing:DeleteRule"])
                .sid("ListenersAndRules")
                .on(all),
            tagged(
                Statement::allow(&["elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"])
                    .sid("RetagOwnBalancers")
                    .on(&balancers)
                    .when("Null", &request_tag, r#"["true"]"#),
            ),
            Statement::allow(&["elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"]).sid("TagListenersAndRules").on(&arns(&[
                "elasticloadbalancing:*:*:listener/net/*/*/*",
                "elasticloadbalancing:*:*:listener/app/*/*/*",
                "elasticloadbalancing:*:*:listener-rule/net/*/*/*",
                "elasticloadbalancing:*:*:listener-rule/app/*/*/*",
            ])),
            tagged(Statement::allow(MODIFY_OWN).sid("ModifyOwn").on(all)),
            Statement::allow(&["elasticloadbalancing:AddTags"])
                .sid("TagOnCreate")
                .on(&balancers)
                .when("StringEquals", "elasticloadbalancing:CreateAction", r#"["CreateTargetGroup", "CreateLoadBalancer"]"#)
                .when("Null", &request_tag, r#"["false"]"#),
            Statement::allow(&["elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"])
                .sid("Targets")
                .on(&arns(&["elasticloadbalancing:*:*:targetgroup/*/*"])),
            Statement::allow(LISTENERS).sid("ListenerSettings").on(all),
        ],
    )
    .skip_check("CKV_AWS_111", "AWS Load Balancer Controller: write actions are conditioned on the elbv2.k8s.aws/cluster tag")
    .skip_check("CKV_AWS_356", "AWS Load Balancer Controller: Describe* and tag-conditioned actions need Resource \"*\"")
    .skip_check("CKV_AWS_109", "AWS Load Balancer Controller: security group rule changes are conditioned on the cluster tag")
}

#[cfg(test)]
mod tests {
    /// Calls the pinned controller makes that an older copy of the policy lacked, each found in
    /// kubernetes-sigs/aws-load-balancer-controller@v2.17.0: rule priorities
    /// (pkg/deploy/elbv2/listener_rule_manager.go), route tables for subnet discovery
    /// (pkg/networking/subnet_resolver.go), IPAM pools (docs/install/iam_policy.json, for the
    /// load balancers' IPv4 IPAM pools of pkg/deploy/elbv2/load_balancer_manager.go) and the WAF
    /// lookup by name (pkg/ingress/model_builder.go).
    #[test]
    fn grants_what_the_pinned_controller_calls() {
        let actions = super::actions();
        for needed in ["elasticloadbalancing:SetRulePriorities", "ec2:DescribeRouteTables", "ec2:DescribeIpamPools", "wafv2:ListWebACLs"] {
            assert!(actions.contains(&needed), "{needed} missing from the controller's policy");
        }
        let rendered = crate::emit::hcl::blocks(&[super::policy("alb")]);
        for action in actions {
            assert!(rendered.contains(&format!("\"{action}\"")), "{action} is listed but not rendered");
        }
    }
}
