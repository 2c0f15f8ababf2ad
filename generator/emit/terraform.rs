//! Terraform files of modules and layer roots.

use hcl::Expression;

use super::{Files, hcl as print, header};
use crate::terraform::{AWS_PROVIDER_VERSION, Bind, Block, Input, Module, Root, TERRAFORM_VERSION, Variable, e, object, s};

pub fn module(module: &Module, files: &mut Files) -> Result<(), String> {
    let dir = format!("modules/{}", module.name);
    files.insert(format!("{dir}/versions.tf").into(), header::hcl(&print::blocks(&[versions()])));
    let variables: Vec<Block> = module.variables.iter().map(variable).collect();
    files.insert(format!("{dir}/variables.tf").into(), header::hcl(&print::blocks(&variables)));
    for file in &module.files {
        files.insert(format!("{dir}/{}", file.name).into(), header::hcl(&print::blocks(&file.blocks)));
    }
    let outputs: Vec<Block> = module.outputs.iter().map(|o| output(o.name, o.description, &o.value)).collect();
    files.insert(format!("{dir}/outputs.tf").into(), header::hcl(&print::blocks(&outputs)));
    files.insert(format!("{dir}/README.md").into(), super::docs::module_readme(module)?);
    Ok(())
}

/// Root files that do not depend on the environment (variables, module calls, outputs) are the
/// same text for every environment of a layer: render each distinct block list once.
#[derive(Default)]
pub struct Memo {
    rendered: Vec<(Vec<Block>, String)>,
}

impl Memo {
    fn render(&mut self, blocks: Vec<Block>) -> String {
        if let Some((_, text)) = self.rendered.iter().find(|(b, _)| *b == blocks) {
            return text.clone();
        }
        let text = header::hcl(&print::blocks(&blocks));
        self.rendered.push((blocks, text.clone()));
        text
    }
}

pub fn root(root: &Root, files: &mut Files, memo: &mut Memo) -> Result<(), String> {
    let dir = &root.dir;
    let tfvar_inputs = root_variables(root)?;

    let backend = Block::new("terraform", &[]).block(
        Block::new("backend", &["s3"])
            .attr("bucket", s(&root.backend.bucket))
            .attr("key", s(&root.backend.key))
            .attr("region", s(&root.backend.region))
            .attr("encrypt", true)
            .comment("The state bucket's own key (the bootstrap root creates it); its bucket policy refuses other encryption.")
            .attr("kms_key_id", s(&root.backend.kms_key_id))
            .comment("S3-native state locking (Terraform >= 1.10): no DynamoDB table needed.")
            .attr("use_lockfile", true),
    );
    files.insert(format!("{dir}/versions.tf").into(), memo.render(vec![versions()]));
    files.insert(format!("{dir}/backend.tf").into(), header::hcl(&print::blocks(&[backend])));
    for file in &root.files {
        files.insert(format!("{dir}/{}", file.name).into(), header::hcl(&print::blocks(&file.blocks)));
    }

    let variables: Vec<Block> = tfvar_inputs.iter().map(|i| variable(&i.var)).collect();
    files.insert(format!("{dir}/variables.tf").into(), memo.render(variables));

    let depth = dir.split('/').count();
    let calls: Vec<Block> = root
        .calls
        .iter()
        .map(|call| {
            let source = format!("{}modules/{}", "../".repeat(depth), call.module);
            call.inputs.iter().fold(Block::new("module", &[call.label]).attr("source", s(source)), |block, input| {
                let value = match &input.bind {
                    Bind::Tfvar(_) => e(&format!("var.{}", input.var.name)),
                    Bind::Expr(expr) => expr.clone(),
                };
                block.attr(input.var.name, value)
            })
        })
        .collect();
    files.insert(format!("{dir}/main.tf").into(), memo.render(calls));

    let outputs: Vec<Block> = root.outputs.iter().map(|o| output(o.name, o.description, &o.value)).collect();
    files.insert(format!("{dir}/outputs.tf").into(), memo.render(outputs));

    let tfvars: Vec<(String, Expression)> = tfvar_inputs
        .iter()
        .filter_map(|i| match &i.bind {
            Bind::Tfvar(value) => Some((i.var.name.to_string(), Expression::from(value.clone()))),
            Bind::Expr(_) => None,
        })
        .collect();
    files.insert(format!("{dir}/terraform.tfvars").into(), header::hcl(&print::attributes(&tfvars)));
    Ok(())
}

/// The root's variables: its own, then each call's `Tfvar` inputs, shared names merged.
fn root_variables(root: &Root) -> Result<Vec<&Input>, String> {
    let mut vars: Vec<&Input> = Vec::new();
    let inputs = root.own_inputs.iter().chain(root.calls.iter().flat_map(|c| &c.inputs));
    for input in inputs.filter(|i| matches!(i.bind, Bind::Tfvar(_))) {
        match vars.iter().find(|v| v.var.name == input.var.name) {
            None => vars.push(input),
            Some(seen) if seen.var.ty == input.var.ty && seen.bind == input.bind => {}
            Some(_) => {
                return Err(format!("{}: variable `{}` is passed to two modules with different types or values", root.dir, input.var.name));
            }
        }
    }
    Ok(vars)
}

fn versions() -> Block {
    Block::new("terraform", &[])
        .attr("required_version", s(TERRAFORM_VERSION))
        .child("required_providers", |b| {
            b.attr("aws", object([("source", s("hashicorp/aws")), ("version", s(AWS_PROVIDER_VERSION))]))
        })
}

fn variable(v: &Variable) -> Block {
    let mut block = Block::new("variable", &[v.name]).attr("description", s(v.description)).attr("type", v.ty.to_expr());
    if let Some(default) = &v.default {
        block = block.attr("default", default.clone());
    }
    for validation in &v.validations {
        block = block.child("validation", |b| {
            b.attr("condition", validation.condition.clone()).attr("error_message", s(&validation.message))
        });
    }
    block
}

fn output(name: &str, description: &str, value: &Expression) -> Block {
    Block::new("output", &[name]).attr("description", s(description)).attr("value", value.clone())
}
