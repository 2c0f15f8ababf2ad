//! A small typed model of Terraform (modules, roots, blocks, expressions) that the plan stage
//! builds and the emit stage prints. It never touches the filesystem.

pub mod block;
pub mod expr;
pub mod module;
pub mod types;

pub use block::Block;
pub use expr::{e, object, s, strings};
pub use module::{Backend, Bind, Input, Module, ModuleCall, Output, Root, TfFile, Variable};
pub use types::TfType;

/// Terraform versions the generated code accepts: 1.11 brought write-only arguments, which
/// keep generated secrets out of state.
pub const TERRAFORM_VERSION: &str = ">= 1.11.0, < 2.0.0";
/// The only provider the code may use; 5.100.0 is the newest 5.x and what CI validates with.
pub const AWS_PROVIDER_VERSION: &str = ">= 5.100.0, < 6.0.0";
