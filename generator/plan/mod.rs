//! Stage 4, plan: turn resolved environments into the Terraform IR (modules and layer roots).
//!
//! One folder or file per layer; `naming` holds every derived name so all layers agree, and
//! `iam` the policy-document helpers the layers share.

pub mod applications;
pub mod bootstrap;
pub mod common;
pub mod connections;
pub mod core;
pub mod iam;
pub mod monitoring;
pub mod moves;
pub mod naming;
pub mod networking;
pub mod roots;

use crate::resolve::model::Environment;
use crate::terraform::{Input, Module, ModuleCall, Output, Root, TfFile, e};

use naming::Layer;

/// Everything to emit for a set of environments.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    /// Each module once; a second, different definition under the same name is kept too so
    /// that emit can report the inconsistency (a generator bug) instead of hiding it.
    pub modules: Vec<Module>,
    pub roots: Vec<Root>,
    pub applications: Vec<applications::Applications>,
    pub costs: Vec<crate::cost::Estimate>,
    /// The environments themselves, for the documents drawn from them.
    pub environments: Vec<Environment>,
    /// Each account and region holding state, whose bootstrap root creates the state bucket.
    pub state_homes: Vec<bootstrap::StateHome>,
}

impl Plan {
    /// Adds the module a call uses, built only the first time: module bodies do not depend on
    /// the environment, so later environments only need their variable declarations to match
    /// (a mismatch keeps both definitions, for emit to report).
    fn add_module(&mut self, call: &ModuleCall, build: impl FnOnce(&[Input]) -> Module) {
        let same = |m: &Module| m.name == call.module && m.variables.iter().eq(call.inputs.iter().map(|i| &i.var));
        if !self.modules.iter().any(same) {
            self.modules.push(build(&call.inputs));
        }
    }
}

pub fn plan<'a>(envs: impl IntoIterator<Item = &'a Environment>, pricing: &crate::cost::Pricing) -> Plan {
    let mut plan = Plan::default();
    let envs: Vec<&Environment> = envs.into_iter().collect();
    for home in bootstrap::homes(envs.iter().copied()) {
        let call = bootstrap::call(&home);
        plan.add_module(&call, bootstrap::module);
        let module = plan.modules.iter().find(|m| m.name == bootstrap::MODULE).expect("just added");
        let outputs = module
            .outputs
            .iter()
            .map(|o| Output { name: o.name, description: o.description, value: e(&format!("module.{}.{}", call.label, o.name)) })
            .collect();
        plan.roots.push(bootstrap::root(&home, call, outputs));
        plan.state_homes.push(home);
    }
    for env in envs {
        let names = naming::Names::for_env(env);
        let call = ModuleCall { label: networking::MODULE, module: networking::MODULE, inputs: networking::inputs(env, &names) };
        plan.add_module(&call, networking::module);
        let outputs = reexport(plan.modules.iter().find(|m| m.name == networking::MODULE).expect("just added"));
        plan.roots.push(Root {
            dir: naming::root_dir(&env.id, Layer::Networking),
            backend: roots::backend(env, Layer::Networking),
            own_inputs: roots::provider_inputs(env),
            calls: vec![call],
            files: vec![TfFile { name: "providers.tf", blocks: vec![roots::provider()] }],
            outputs,
        });

        let mut calls = Vec::new();
        for (call, build) in core::calls(env, &names) {
            plan.add_module(&call, build);
            calls.push(call);
        }
        plan.roots.push(Root {
            dir: naming::root_dir(&env.id, Layer::Core),
            backend: roots::backend(env, Layer::Core),
            own_inputs: roots::provider_inputs(env),
            calls,
            files: core::files(env),
            outputs: core::outputs(),
        });
        let call = ModuleCall { label: monitoring::MODULE, module: monitoring::MODULE, inputs: monitoring::inputs(env, &names) };
        plan.add_module(&call, monitoring::module);
        let outputs = reexport(plan.modules.iter().find(|m| m.name == monitoring::MODULE).expect("just added"));
        plan.roots.push(Root {
            dir: naming::root_dir(&env.id, Layer::Monitoring),
            backend: roots::backend(env, Layer::Monitoring),
            own_inputs: roots::provider_inputs(env),
            calls: vec![call],
            files: monitoring::files(env),
            outputs,
        });
        plan.applications.push(applications::plan(env, names));
        plan.costs.push(crate::cost::estimate(env, pricing));
        plan.environments.push(env.clone());
    }
    plan
}

/// Every output of a root's single module, passed through with its description.
fn reexport(module: &Module) -> Vec<Output> {
    module
        .outputs
        .iter()
        .map(|o| Output { name: o.name, description: o.description, value: e(&format!("module.{}.{}", module.name, o.name)) })
        .collect()
}
