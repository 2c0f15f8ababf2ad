//! IAM policy documents as `data "aws_iam_policy_document"` blocks: readable in review,
//! understood by checkov, and validated by the provider.

use crate::terraform::{Block, e, s, strings};

/// One statement; `resources` and condition values are HCL list expressions.
pub struct Statement {
    block: Block,
}

impl Statement {
    pub fn allow(actions: &[&str]) -> Self {
        Self { block: Block::new("statement", &[]).attr("actions", strings(actions.iter().copied())) }
    }

    /// Lets an AWS service (e.g. `ec2.amazonaws.com`) assume the role.
    pub fn assumed_by_service(service: &str) -> Self {
        Self::allow(&["sts:AssumeRole"]).principal("Service", &format!(r#"["{service}"]"#))
    }

    /// Lets exactly one Kubernetes service account assume the role through a cluster's OIDC
    /// provider. `provider` is an HCL list expression, `issuer` the text of the issuer host and
    /// path (it may interpolate), `subject` the account's `system:serviceaccount:…` name.
    pub fn assumed_by_service_account(provider: &str, issuer: &str, subject: &str) -> Self {
        Self::allow(&["sts:AssumeRoleWithWebIdentity"])
            .principal("Federated", provider)
            .when("StringEquals", &format!("{issuer}:sub"), &format!(r#"["{subject}"]"#))
            .when("StringEquals", &format!("{issuer}:aud"), r#"["sts.amazonaws.com"]"#)
    }

    pub fn deny(actions: &[&str]) -> Self {
        Self { block: Block::new("statement", &[]).attr("effect", s("Deny")).attr("actions", strings(actions.iter().copied())) }
    }

    #[must_use]
    pub fn sid(mut self, sid: &str) -> Self {
        self.block = self.block.leading("sid", s(sid));
        self
    }

    #[must_use]
    pub fn on(mut self, resources: &str) -> Self {
        self.block = self.block.attr("resources", e(resources));
        self
    }

    #[must_use]
    pub fn principal(mut self, kind: &str, identifiers: &str) -> Self {
        self.block = self.block.child("principals", |p| p.attr("type", s(kind)).attr("identifiers", e(identifiers)));
        self
    }

    /// A condition; `variable` is the text of the condition key (it may interpolate, e.g.
    /// `${var.oidc_issuer}:sub`), `values` an HCL list expression.
    #[must_use]
    pub fn when(mut self, test: &str, variable: &str, values: &str) -> Self {
        let variable = e(&format!("\"{variable}\""));
        self.block = self.block.child("condition", |c| c.attr("test", s(test)).attr("variable", variable).attr("values", e(values)));
        self
    }

    #[must_use]
    pub fn comment(mut self, text: &str) -> Self {
        self.block = self.block.comment(text);
        self
    }

    pub fn build(self) -> Block {
        self.block
    }
}

/// A policy document data source from statements.
pub fn document(name: &str, statements: Vec<Statement>) -> Block {
    statements.into_iter().fold(Block::data("aws_iam_policy_document", name), |doc, st| doc.block(st.build()))
}

/// A role of the module, named `<var.name>-<suffix>`, trusted as the policy document `trust` says.
pub fn role(resource: &str, suffix: &str, description: &str, trust: &str) -> Block {
    Block::resource("aws_iam_role", resource)
        .attr("name", e(&format!(r#""${{var.name}}-{suffix}""#)))
        .attr("description", s(description))
        .attr("assume_role_policy", e(&format!("data.aws_iam_policy_document.{trust}.json")))
        .attr("tags", e("var.tags"))
}

/// Attaches AWS managed policies (names after `policy/`) to a role of the module.
pub fn managed_policies(resource: &str, role: &str, policies: &[&str]) -> Block {
    let list = policies.iter().map(|p| format!("\"{p}\"")).collect::<Vec<_>>().join(", ");
    Block::resource("aws_iam_role_policy_attachment", resource)
        .attr("for_each", e(&format!("toset([{list}])")))
        .attr("role", e(&format!("aws_iam_role.{role}.name")))
        .attr("policy_arn", e(r#""arn:${data.aws_partition.current.partition}:iam::aws:policy/${each.value}""#))
}

/// Skips every KMS key policy needs: a key policy's `Resource "*"` is the key itself, not
/// every resource in the account, which is what these checks look for.
pub fn key_policy_skips(document: Block) -> Block {
    document
        .skip_check("CKV_AWS_109", "key policy: Resource \"*\" means this key; administration is delegated to the account's IAM")
        .skip_check("CKV_AWS_111", "key policy: Resource \"*\" means this key")
        .skip_check("CKV_AWS_356", "key policy: Resource \"*\" means this key")
}

/// The account's root principal (delegates to IAM policies in the account).
pub const ACCOUNT_ROOT: &str = r#"["arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:root"]"#;
