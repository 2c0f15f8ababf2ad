//! Architecture diagrams of one environment, drawn from the resolved model: Mermaid (rendered
//! by GitHub inside the environment README) and draw.io (the format the original design came in).
//! Both show the same boxes: VPC and subnets per zone, NAT, endpoints, EKS and its node groups,
//! the Supabase components with their replica ranges, RDS, S3, Secrets Manager and the ALB, and
//! around it the edge (WAF, Route 53 and ACM) and observability (alarms, SNS, CloudWatch Logs)
//! wherever the environment has them.

use std::fmt::Write;

use crate::plan::applications::api_host;
use crate::plan::naming::{Names, SecretKind};
use crate::resolve::model::{Component, Environment, NatGateways};

/// A box of the diagram that both renderings share.
struct DiagramBox {
    id: &'static str,
    label: String,
}

fn replicas(c: &Component, hpa_enabled: bool) -> String {
    match c.hpa {
        Some(h) if hpa_enabled => format!("{}-{} pods", h.min, h.max),
        _ => format!("{} pod{}", c.replicas, if c.replicas == 1 { "" } else { "s" }),
    }
}

fn components(env: &Environment) -> Vec<DiagramBox> {
    let s = &env.settings.supabase;
    let c = &s.components;
    let hpa = s.hpa_enabled;
    let mut boxes = vec![
        DiagramBox { id: "kong", label: format!("Kong API gateway<br/>{}", replicas(&c.kong, hpa)) },
        DiagramBox { id: "rest", label: format!("PostgREST<br/>{}", replicas(&c.postgrest, hpa)) },
        DiagramBox { id: "auth", label: format!("GoTrue auth<br/>{}", replicas(&c.gotrue, hpa)) },
        DiagramBox { id: "realtime", label: format!("Realtime<br/>{}", replicas(&c.realtime, hpa)) },
        DiagramBox { id: "storage", label: format!("Storage API<br/>{}", replicas(&c.storage, hpa)) },
        DiagramBox { id: "meta", label: format!("postgres-meta<br/>{}", replicas(&c.meta, hpa)) },
        DiagramBox { id: "studio", label: format!("Studio (internal)<br/>{}", replicas(&c.studio, hpa)) },
    ];
    if c.imgproxy.enabled {
        boxes.push(DiagramBox { id: "imgproxy", label: format!("imgproxy<br/>{}", replicas(&c.imgproxy, hpa)) });
    }
    if c.pooler.enabled {
        boxes.push(DiagramBox { id: "pooler", label: format!("Supavisor pooler (VPC clients)<br/>{}", replicas(&c.pooler, hpa)) });
    }
    if c.functions.enabled {
        boxes.push(DiagramBox { id: "functions", label: format!("Edge Functions<br/>{}", replicas(&c.functions, hpa)) });
    }
    boxes
}

/// Edges to and from the optional components the environment runs.
fn optional_edges(env: &Environment) -> Vec<(&'static str, &'static str, &'static str)> {
    let mut edges = Vec::new();
    if env.settings.supabase.components.imgproxy.enabled {
        edges.extend([("storage", "imgproxy", "render"), ("imgproxy", "s3", "presigned GET")]);
    }
    if env.settings.supabase.components.pooler.enabled {
        edges.push(("pooler", "db", "TLS 5432"));
    }
    if env.settings.supabase.components.functions.enabled {
        edges.push(("kong", "functions", "/functions/v1"));
    }
    edges
}

fn nat_label(env: &Environment) -> String {
    match env.settings.network.nat_gateways {
        NatGateways::PerAz => format!("NAT gateways<br/>one per zone ({})", env.identity.azs.len()),
        NatGateways::Single => format!("NAT gateway<br/>single, in {}", env.identity.azs.first().map(String::as_str).unwrap_or("?")),
    }
}

fn endpoints_label(env: &Environment) -> String {
    let mut names = vec!["S3 (gateway)".to_string()];
    names.extend(env.settings.network.interface_endpoints.iter().map(|e| e.service().to_string()));
    format!("VPC endpoints<br/>{}", names.join(", "))
}

fn db_label(env: &Environment) -> String {
    let r = &env.settings.rds;
    format!(
        "RDS PostgreSQL {}<br/>{}, {}<br/>{}-{} GiB {}",
        r.engine_version,
        r.instance_class,
        if r.multi_az { "multi-AZ" } else { "single-AZ" },
        r.allocated_storage_gib,
        r.max_allocated_storage_gib,
        r.storage_type.as_str()
    )
}

fn node_group_labels(env: &Environment) -> Vec<(String, String)> {
    env.settings
        .eks
        .node_groups
        .iter()
        .map(|g| {
            let id = format!("ng_{}", g.name.replace('-', "_"));
            let label = format!(
                "node group {}<br/>{} {}<br/>{} nodes ({}-{})",
                g.name,
                g.instance_types.join("/"),
                g.capacity_type.as_str(),
                g.desired_size,
                g.min_size,
                g.max_size
            );
            (id, label)
        })
        .collect()
}

fn secrets_count(env: &Environment) -> usize {
    SecretKind::for_env(env).len()
}

/// Boxes outside the request path, each only where the environment has it: (id, label).
fn edge_and_observability(env: &Environment) -> Vec<(&'static str, String)> {
    let s = &env.settings;
    let mut boxes = Vec::new();
    if s.edge.waf.enabled {
        boxes.push(("waf", format!("AWS WAF web ACL<br/>managed rules, auth {} req/5 min per IP", s.edge.waf.auth_rate_limit)));
    }
    if let Some(dns) = &env.identity.dns {
        boxes.push(("dns", format!("Route 53 {}<br/>ACM certificate, DNS-validated", dns.route53_zone_id)));
    }
    let subscriptions = env.identity.alerts.email.len() + env.identity.alerts.https.len();
    boxes.push(("alarms", format!("CloudWatch alarms<br/>SNS topic, {subscriptions} subscription{}", if subscriptions == 1 { "" } else { "s" })));
    if s.observability.container_insights {
        boxes.push(("logs", format!("CloudWatch Logs<br/>Container Insights, {} days", s.observability.log_retention_days)));
    }
    boxes
}

/// Edges of those boxes: (from, to, label); only between boxes that exist.
fn edge_and_observability_edges(env: &Environment) -> Vec<(&'static str, &'static str, &'static str)> {
    let present: Vec<&str> = edge_and_observability(env).iter().map(|(id, _)| *id).collect();
    let exists = |id: &str| present.contains(&id) || !["waf", "dns", "alarms", "logs"].contains(&id);
    [("waf", "alb", "filters"), ("dns", "alb", "api host"), ("db", "alarms", "metrics"), ("alb", "alarms", "metrics"), ("cluster", "logs", "pod logs")]
        .into_iter()
        .filter(|(from, to, _)| exists(from) && exists(to))
        .collect()
}

/// A Mermaid flowchart.
pub fn mermaid(env: &Environment, names: &Names) -> String {
    let id = &env.identity;
    let mut out = String::from("flowchart TB\n");
    let _ = writeln!(out, "  clients([Browsers and apps]) -->|HTTPS| alb");
    let _ = writeln!(out, "  subgraph aws[\"AWS account {} · {}\"]", id.account_id, id.aws_region);
    let _ = writeln!(out, "    alb[\"Application Load Balancer<br/>{}\"]", api_host(env));
    let _ = writeln!(out, "    subgraph vpc[\"VPC {}\"]", id.vpc.cidr);
    for (i, az) in id.azs.iter().enumerate() {
        let _ = writeln!(out, "      subgraph zone{i}[\"{az}\"]");
        let _ = writeln!(out, "        public{i}[\"public {}\"]", id.vpc.public_subnets.get(i).map_or("", String::as_str));
        let _ = writeln!(out, "        eks{i}[\"EKS {}\"]", id.vpc.eks_subnets.get(i).map_or("", String::as_str));
        let _ = writeln!(out, "        rds{i}[\"RDS {}\"]", id.vpc.rds_subnets.get(i).map_or("", String::as_str));
        let _ = writeln!(out, "      end");
    }
    let _ = writeln!(out, "      nat[\"{}\"]", nat_label(env));
    let _ = writeln!(out, "      endpoints[\"{}\"]", endpoints_label(env));
    let _ = writeln!(out, "      subgraph cluster[\"EKS {} · {}\"]", env.settings.eks.version, names.cluster);
    for (ng, label) in node_group_labels(env) {
        let _ = writeln!(out, "        {ng}[\"{label}\"]");
    }
    let _ = writeln!(out, "        subgraph ns[\"namespace supabase\"]");
    for c in components(env) {
        let _ = writeln!(out, "          {}[\"{}\"]", c.id, c.label);
    }
    let _ = writeln!(out, "        end");
    let _ = writeln!(out, "      end");
    let _ = writeln!(out, "      db[(\"{}\")]", db_label(env));
    let _ = writeln!(out, "    end");
    let _ = writeln!(out, "    s3[(\"S3 {}\")]", names.storage_bucket);
    let _ = writeln!(out, "    secrets[\"Secrets Manager<br/>{} secrets, KMS\"]", secrets_count(env));
    for (id, label) in edge_and_observability(env) {
        let _ = writeln!(out, "    {id}[\"{label}\"]");
    }
    let _ = writeln!(out, "  end");
    let _ = writeln!(out, "  alb --> kong");
    let _ = writeln!(out, "  kong --> rest & auth & realtime & storage & meta");
    let _ = writeln!(out, "  studio --> meta");
    let _ = writeln!(out, "  rest & auth & realtime & storage & meta -->|TLS 5432| db");
    let _ = writeln!(out, "  storage -->|IRSA| s3");
    for (from, to, label) in optional_edges(env) {
        let _ = writeln!(out, "  {from} -->|{label}| {to}");
    }
    let _ = writeln!(out, "  ns -.->|External Secrets| secrets");
    let _ = writeln!(out, "  cluster -->|egress| nat");
    for (from, to, label) in edge_and_observability_edges(env) {
        let _ = writeln!(out, "  {from} -.->|{label}| {to}");
    }
    out
}

/// A draw.io (diagrams.net) document with the same boxes, laid out on a grid.
pub fn drawio(env: &Environment, names: &Names) -> String {
    let id = &env.identity;
    let zones = id.azs.len().max(1);
    let mut cells = Cells::default();
    let col = 230;
    let width = 40 + zones as i32 * col + 20;
    // Components sit four to a row in the cluster; rows beyond two push everything below down.
    let boxes = components(env);
    let extra = (boxes.len().div_ceil(4) as i32 - 2).max(0) * 80;
    cells.vertex("clients", "Browsers and apps", 40, 20, 160, 40, "ellipse;whiteSpace=wrap;html=1;");
    cells.vertex("aws", &format!("AWS account {} · {}", id.account_id, id.aws_region), 20, 90, width + 40, 1220 + extra, GROUP);
    cells.vertex("alb", &format!("Application Load Balancer<br>{}", api_host(env)), 40, 120, 260, 50, "rounded=1;whiteSpace=wrap;html=1;fillColor=#e1d5e7;");
    cells.vertex("vpc", &format!("VPC {}", id.vpc.cidr), 40, 190, width, 760 + extra, GROUP);
    for (i, az) in id.azs.iter().enumerate() {
        let x = 60 + i as i32 * col;
        let zone = format!("zone{i}");
        cells.vertex(&zone, az, x, 220, col - 20, 220, GROUP);
        let subnet = |kind: &str, list: &[String]| format!("{kind} {}", list.get(i).map_or("", String::as_str));
        cells.vertex(&format!("public{i}"), &subnet("public", &id.vpc.public_subnets), x + 10, 250, col - 40, 40, SUBNET_PUBLIC);
        cells.vertex(&format!("eks{i}"), &subnet("EKS", &id.vpc.eks_subnets), x + 10, 310, col - 40, 40, SUBNET_PRIVATE);
        cells.vertex(&format!("rds{i}"), &subnet("RDS", &id.vpc.rds_subnets), x + 10, 370, col - 40, 40, SUBNET_PRIVATE);
    }
    cells.vertex("nat", &nat_label(env).replace("<br/>", "<br>"), 60, 460, 200, 50, BOX);
    cells.vertex("endpoints", &endpoints_label(env).replace("<br/>", "<br>"), 280, 460, width - 260, 50, BOX);
    cells.vertex("cluster", &format!("EKS {} · {}", env.settings.eks.version, names.cluster), 60, 530, width - 40, 300 + extra, GROUP);
    for (i, (ng, label)) in node_group_labels(env).into_iter().enumerate() {
        cells.vertex(&ng, &label.replace("<br/>", "<br>"), 80 + i as i32 * 210, 560, 200, 60, BOX);
    }
    for (i, c) in boxes.into_iter().enumerate() {
        let (row, column) = (i / 4, i % 4);
        cells.vertex(c.id, &c.label.replace("<br/>", "<br>"), 80 + column as i32 * 160, 640 + row as i32 * 80, 150, 60, COMPONENT);
    }
    cells.vertex("db", &db_label(env).replace("<br/>", "<br>"), 60, 850 + extra, 260, 80, DATABASE);
    cells.vertex("s3", &format!("S3<br>{}", names.storage_bucket), 40, 980 + extra, 300, 70, DATABASE);
    cells.vertex("secrets", &format!("Secrets Manager<br>{} secrets, KMS", secrets_count(env)), 360, 980 + extra, 220, 70, BOX);
    for (i, (id, label)) in edge_and_observability(env).into_iter().enumerate() {
        let (row, column) = (i / 2, i % 2);
        cells.vertex(id, &label.replace("<br/>", "<br>"), 40 + column as i32 * 280, 1070 + extra + row as i32 * 80, 260, 60, BOX);
    }
    for (from, to, label) in [
        ("clients", "alb", "HTTPS"),
        ("alb", "kong", ""),
        ("kong", "rest", ""),
        ("kong", "auth", ""),
        ("kong", "realtime", ""),
        ("kong", "storage", ""),
        ("kong", "meta", ""),
        ("studio", "meta", ""),
        ("rest", "db", "TLS 5432"),
        ("auth", "db", ""),
        ("realtime", "db", ""),
        ("storage", "db", ""),
        ("meta", "db", ""),
        ("storage", "s3", "IRSA"),
        ("cluster", "secrets", "External Secrets"),
        ("cluster", "nat", "egress"),
    ]
    .into_iter()
    .chain(optional_edges(env))
    .chain(edge_and_observability_edges(env))
    {
        cells.edge(from, to, label);
    }
    let mut out = String::from("<mxfile host=\"supabase-aws-gen\">\n");
    let _ = writeln!(out, "  <diagram id=\"{}\" name=\"{}\">", xml(&names.prefix), xml(&env.id.to_string()));
    let _ = writeln!(out, "    <mxGraphModel grid=\"1\" gridSize=\"10\" page=\"1\" pageWidth=\"1100\" pageHeight=\"{}\">\n      <root>", 1360 + extra);
    out.push_str("        <mxCell id=\"0\"/>\n        <mxCell id=\"1\" parent=\"0\"/>\n");
    out.push_str(&cells.xml);
    out.push_str("      </root>\n    </mxGraphModel>\n  </diagram>\n</mxfile>\n");
    out
}

const GROUP: &str = "rounded=1;whiteSpace=wrap;html=1;fillColor=none;dashed=1;verticalAlign=top;align=left;spacingLeft=8;";
const BOX: &str = "rounded=1;whiteSpace=wrap;html=1;";
const COMPONENT: &str = "rounded=1;whiteSpace=wrap;html=1;fillColor=#dae8fc;";
const SUBNET_PUBLIC: &str = "rounded=0;whiteSpace=wrap;html=1;fillColor=#d5e8d4;";
const SUBNET_PRIVATE: &str = "rounded=0;whiteSpace=wrap;html=1;fillColor=#f5f5f5;";
const DATABASE: &str = "shape=cylinder3;whiteSpace=wrap;html=1;boundedLbl=1;size=12;fillColor=#fff2cc;";

#[derive(Default)]
struct Cells {
    xml: String,
    edges: usize,
}

impl Cells {
    fn vertex(&mut self, id: &str, label: &str, x: i32, y: i32, w: i32, h: i32, style: &str) {
        let _ = writeln!(
            self.xml,
            "        <mxCell id=\"{}\" value=\"{}\" style=\"{style}\" vertex=\"1\" parent=\"1\">\n          <mxGeometry x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{h}\" as=\"geometry\"/>\n        </mxCell>",
            xml(id),
            xml(label)
        );
    }

    fn edge(&mut self, from: &str, to: &str, label: &str) {
        self.edges += 1;
        let _ = writeln!(
            self.xml,
            "        <mxCell id=\"edge{}\" value=\"{}\" style=\"endArrow=classic;html=1;rounded=0;\" edge=\"1\" parent=\"1\" source=\"{}\" target=\"{}\">\n          <mxGeometry relative=\"1\" as=\"geometry\"/>\n        </mxCell>",
            self.edges,
            xml(label),
            xml(from),
            xml(to)
        );
    }
}

fn xml(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
