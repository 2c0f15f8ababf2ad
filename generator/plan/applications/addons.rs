//! Cluster add-ons installed with the stock helm CLI from pinned upstream charts, and their
//! values. Chart versions were checked against the upstream chart indexes (see the README).

use serde::Serialize;
use serde_json::{Value, json};

use crate::plan::naming::{EXTERNAL_DNS, Names, WorkloadRole};
use crate::resolve::model::Environment;

/// One upstream chart and the values this environment installs it with.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Addon {
    /// Helm release name and values file stem.
    pub release: &'static str,
    pub namespace: &'static str,
    pub repo_name: &'static str,
    pub repo_url: &'static str,
    pub chart: &'static str,
    pub version: &'static str,
    pub app_version: &'static str,
    pub purpose: &'static str,
    #[serde(skip)]
    pub values: Value,
}

/// In install order: External Secrets first, since the Supabase chart needs its CRDs.
pub fn addons(env: &Environment, names: &Names) -> Vec<Addon> {
    let region = env.identity.aws_region.as_str();
    let irsa = |role: WorkloadRole| json!({ "eks.amazonaws.com/role-arn": names.role_arn(role) });
    let mut addons = vec![
        Addon {
            release: "external-secrets",
            namespace: "external-secrets",
            repo_name: "external-secrets",
            repo_url: "https://charts.external-secrets.io",
            chart: "external-secrets",
            version: "1.2.1",
            app_version: "v1.2.1",
            purpose: "syncs Secrets Manager into Kubernetes Secrets (installs the CRDs the Supabase chart uses)",
            values: json!({
                "installCRDs": true,
                // The SecretStore authenticates with its own service account (IRSA); the
                // operator itself needs no AWS permissions.
                "serviceAccount": { "create": true, "name": "external-secrets" },
                "webhook": { "create": true },
                "certController": { "create": true },
            }),
        },
        Addon {
            release: "aws-load-balancer-controller",
            namespace: "kube-system",
            repo_name: "eks",
            repo_url: "https://aws.github.io/eks-charts",
            chart: "aws-load-balancer-controller",
            version: "1.17.0",
            app_version: "v2.17.0",
            purpose: "turns the Supabase Ingress into an internet-facing ALB",
            values: json!({
                "clusterName": names.cluster,
                "region": region,
                // Nodes keep pods away from instance metadata (hop limit 1), so the controller
                // finds the VPC by its Name tag instead of asking IMDS.
                "vpcTags": { "Name": names.prefix },
                "replicaCount": 2,
                "serviceAccount": {
                    "create": true,
                    "name": WorkloadRole::LoadBalancerController.service_account().name,
                    "annotations": irsa(WorkloadRole::LoadBalancerController),
                },
                "defaultSSLPolicy": super::SSL_POLICY,
                // The environment's cost and ownership tags on the ALB, target groups and security
                // groups the controller creates, like Terraform's provider default_tags elsewhere.
                "defaultTags": crate::plan::roots::default_tags(env),
            }),
        },
        Addon {
            release: "cluster-autoscaler",
            namespace: "kube-system",
            repo_name: "autoscaler",
            repo_url: "https://kubernetes.github.io/autoscaler",
            chart: "cluster-autoscaler",
            version: "9.56.0",
            app_version: "1.35.0",
            purpose: "resizes the node groups (they carry the auto-discovery tags EKS sets)",
            values: json!({
                "cloudProvider": "aws",
                "awsRegion": region,
                "autoDiscovery": { "clusterName": names.cluster },
                "image": { "tag": format!("v{}", autoscaler_version(&env.settings.eks.version)) },
                "rbac": {
                    "serviceAccount": {
                        "create": true,
                        "name": WorkloadRole::ClusterAutoscaler.service_account().name,
                        "annotations": irsa(WorkloadRole::ClusterAutoscaler),
                    },
                },
                "extraArgs": {
                    "balance-similar-node-groups": true,
                    "expander": "least-waste",
                    "skip-nodes-with-system-pods": false,
                },
            }),
        },
        Addon {
            release: "metrics-server",
            namespace: "kube-system",
            repo_name: "metrics-server",
            repo_url: "https://kubernetes-sigs.github.io/metrics-server/",
            chart: "metrics-server",
            version: "3.13.0",
            app_version: "0.8.0",
            purpose: "CPU metrics for the HorizontalPodAutoscalers",
            values: json!({ "replicas": 2 }),
        },
    ];
    if let Some(dns) = env.identity.dns.as_ref().filter(|d| d.manage_records) {
        addons.push(external_dns(env, names, &dns.route53_zone_id));
    }
    addons
}

/// external-dns, where the environment's Route 53 records are managed: it points the API host
/// (the Ingress's host) at the load balancer with an alias record. Values keys are those of
/// kubernetes-sigs/external-dns@external-dns-helm-chart-1.21.1:charts/external-dns/values.yaml.
fn external_dns(env: &Environment, names: &Names, zone_id: &str) -> Addon {
    Addon {
        release: "external-dns",
        namespace: EXTERNAL_DNS.namespace,
        repo_name: "external-dns",
        repo_url: "https://kubernetes-sigs.github.io/external-dns/",
        chart: "external-dns",
        version: "1.21.1",
        app_version: "v0.21.0",
        purpose: "points the API host at the load balancer (alias record in the environment's Route 53 zone)",
        values: json!({
            "provider": { "name": "aws" },
            "env": [{ "name": "AWS_DEFAULT_REGION", "value": env.identity.aws_region }],
            "serviceAccount": {
                "create": true,
                "name": EXTERNAL_DNS.name,
                "annotations": { "eks.amazonaws.com/role-arn": names.external_dns_role_arn() },
            },
            "sources": ["ingress"],
            "domainFilters": [env.identity.domain],
            // Only this zone, even if the role could see others with the same domain.
            "extraArgs": [format!("--zone-id-filter={zone_id}")],
            // sync deletes what it created when the Ingress goes (a stale alias would point at a
            // deleted load balancer), and only what it created: the TXT registry marks each
            // record with this environment as owner, so records of other tools or environments
            // sharing the zone are never touched.
            "policy": "sync",
            "registry": "txt",
            "txtOwnerId": names.prefix,
        }),
    }
}

/// Cluster Autoscaler is released per Kubernetes minor; use the one matching the cluster.
fn autoscaler_version(eks_version: &str) -> String {
    format!("{eks_version}.0")
}
