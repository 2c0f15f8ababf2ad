//! Stage 4, plan: turn resolved environments into the Terraform IR (modules and layer roots).
//!
//! Layers live one per file; `naming` holds every derived name so all layers agree.

pub mod naming;
pub mod networking;
mod roots;

use crate::resolve::model::Environment;
use crate::terraform::{Module, Output, Root};

use naming::Layer;

/// Everything to emit for a set of environments.
#[derive(Clone, Debug, Default)]
pub struct Plan {
    /// Each module once; a second, different definition under the same name is kept too so
    /// that emit can report the inconsistency (a generator bug) instead of hiding it.
    pub modules: Vec<Module>,
    pub roots: Vec<Root>,
}

impl Plan {
    fn add_module(&mut self, module: Module) {
        if !self.modules.iter().any(|m| *m == module) {
            self.modules.push(module);
        }
    }
}

pub fn plan<'a>(envs: impl IntoIterator<Item = &'a Environment>) -> Plan {
    let mut plan = Plan::default();
    for env in envs {
        let inputs = networking::inputs(env);
        let module = networking::module(&inputs);
        plan.roots.push(root(env, Layer::Networking, &module, inputs));
        plan.add_module(module);
    }
    plan
}

/// A root that calls `module` with `inputs` and re-exports all of its outputs.
fn root(env: &Environment, layer: Layer, module: &Module, module_inputs: Vec<crate::terraform::Input>) -> Root {
    let outputs = module
        .outputs
        .iter()
        .map(|o| Output { name: o.name, description: o.description, value: crate::terraform::e(&format!("module.{}.{}", module.name, o.name)) })
        .collect();
    Root {
        dir: naming::root_dir(&env.id, layer),
        title: format!("{} layer of {}", layer.as_str(), env.id),
        backend: roots::backend(env, layer),
        own_inputs: roots::provider_inputs(env),
        module: module.name,
        module_inputs,
        blocks: vec![roots::provider()],
        outputs,
    }
}
