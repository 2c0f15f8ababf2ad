//! The Terraform IR: modules, layer roots, variables and outputs, independent of text.

use hcl::Expression;

use super::block::Block;
use super::types::TfType;

#[derive(Clone, Debug, PartialEq)]
pub struct Validation {
    pub condition: Expression,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Variable {
    pub name: &'static str,
    pub description: &'static str,
    pub ty: TfType,
    pub default: Option<Expression>,
    pub validations: Vec<Validation>,
}

impl Variable {
    pub fn new(name: &'static str, ty: TfType, description: &'static str) -> Self {
        Self { name, description, ty, default: None, validations: Vec::new() }
    }

    #[must_use]
    pub fn default(mut self, value: impl Into<Expression>) -> Self {
        self.default = Some(value.into());
        self
    }

    /// Adds a `validation` block; `condition` is HCL.
    #[must_use]
    pub fn validate(mut self, condition: &str, message: &str) -> Self {
        self.validations.push(Validation { condition: super::expr::e(condition), message: message.to_string() });
        self
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Output {
    pub name: &'static str,
    pub description: &'static str,
    pub value: Expression,
}

impl Output {
    pub fn new(name: &'static str, description: &'static str, value: &str) -> Self {
        Self { name, description, value: super::expr::e(value) }
    }
}

/// One `.tf` file of blocks.
#[derive(Clone, Debug, PartialEq)]
pub struct TfFile {
    pub name: &'static str,
    pub blocks: Vec<Block>,
}

/// A reusable module under `modules/<name>/`, the same for every environment.
#[derive(Clone, Debug, PartialEq)]
pub struct Module {
    pub name: &'static str,
    pub summary: &'static str,
    pub variables: Vec<Variable>,
    pub files: Vec<TfFile>,
    pub outputs: Vec<Output>,
}

/// How a root feeds one module input.
#[derive(Clone, Debug, PartialEq)]
pub enum Bind {
    /// A value from the config: a root variable set in `terraform.tfvars`.
    Tfvar(hcl::Value),
    /// Wiring: an expression such as a remote-state output.
    Expr(Expression),
}

/// A module variable together with this environment's value for it. Module variables, root
/// variables, the module call and `terraform.tfvars` are all derived from one list of these,
/// so an input can never be declared without being set, or set without being declared.
#[derive(Clone, Debug, PartialEq)]
pub struct Input {
    pub var: Variable,
    pub bind: Bind,
}

impl Input {
    pub fn tfvar(var: Variable, value: impl Into<hcl::Value>) -> Self {
        Self { var, bind: Bind::Tfvar(value.into()) }
    }

    /// Wires the input to an HCL expression of the root (another module's output, a remote
    /// state output, a constant).
    pub fn wire(var: Variable, expr: &str) -> Self {
        Self { var, bind: Bind::Expr(super::expr::e(expr)) }
    }
}

/// The S3 backend of a root.
#[derive(Clone, Debug, PartialEq)]
pub struct Backend {
    pub bucket: String,
    pub key: String,
    pub region: String,
    /// The state bucket's KMS key (an alias ARN): state objects are written with SSE-KMS under it.
    pub kms_key_id: String,
}

/// One `module "<label>" { source = "<modules>/<module>" ... }` block of a root.
#[derive(Clone, Debug, PartialEq)]
pub struct ModuleCall {
    pub label: &'static str,
    pub module: &'static str,
    pub inputs: Vec<Input>,
}

/// A layer's root module for one environment: `out/environments/<region>/<env>/<layer>/`.
///
/// Its variables are its own inputs plus every `Tfvar` input of its module calls; an input
/// name shared by several calls (`name`, `tags`) becomes one root variable, and must then have
/// the same type and value everywhere.
#[derive(Clone, Debug, PartialEq)]
pub struct Root {
    pub dir: String,
    pub backend: Backend,
    /// Root-only variables (the provider's), with their values.
    pub own_inputs: Vec<Input>,
    pub calls: Vec<ModuleCall>,
    /// Files besides the generated ones (`providers.tf`, `remote_state.tf`, ...).
    pub files: Vec<TfFile>,
    pub outputs: Vec<Output>,
}
