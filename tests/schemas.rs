//! The generated JSON Schemas accept what the generator accepts and reject what it rejects: the
//! config schema (for editors) and the chart's values schema (enforced by Helm).

mod common;

use serde_json::Value;

fn schema(path: &str) -> jsonschema::Validator {
    let text = common::read(&common::repo().join(path));
    let value: Value = serde_json::from_str(&text).unwrap();
    jsonschema::draft7::new(&value).unwrap_or_else(|e| panic!("{path} is not a valid draft-07 schema: {e}"))
}

fn yaml(text: &str) -> Value {
    serde_saphyr::from_str(text).unwrap()
}

fn errors(validator: &jsonschema::Validator, value: &Value) -> Vec<String> {
    validator.iter_errors(value).map(|e| format!("{} at {}", e, e.instance_path())).collect()
}

#[test]
fn config_schema_accepts_every_valid_config_in_the_repository() {
    let validator = schema("schema/service-tiers.schema.json");
    for path in ["service-tiers.yaml", "tests/fixtures/base.yaml", "tests/fixtures/valid/two-zones/service-tiers.yaml", "tests/fixtures/valid/overrides/service-tiers.yaml"] {
        let value = yaml(&common::read(&common::repo().join(path)));
        assert_eq!(errors(&validator, &value), Vec::<String>::new(), "{path}");
    }
}

#[test]
fn config_schema_rejects_unknown_keys_wrong_types_and_keys_in_the_wrong_layer() {
    let validator = schema("schema/service-tiers.schema.json");
    let base = common::base_config();
    for (find, replace) in [
        ("instance_class:", "instanse_class:"),
        ("min_size: 1", "min_size: one"),
        ("    throwaway: true\n", "    throwaway: true\n    account_id: \"1\"\n"),
        ("capacity_type: ON_DEMAND", "capacity_type: RESERVED"),
    ] {
        let value = yaml(&base.replacen(find, replace, 1));
        assert!(!errors(&validator, &value).is_empty(), "schema accepted the edit {find} -> {replace}");
    }
}

#[test]
fn values_schema_accepts_every_generated_values_file_and_rejects_edits() {
    let validator = schema("helm-charts/supabase-custom/values.schema.json");
    let files = common::generate_all(&common::read(&common::repo().join("service-tiers.yaml")));
    let mut checked = 0;
    for (path, contents) in files.iter().filter(|(p, _)| p.as_str().ends_with("supabase.values.yaml")) {
        let value = yaml(contents);
        assert_eq!(errors(&validator, &value), Vec::<String>::new(), "{path}");
        checked += 1;

        let mut wrong_type = value.clone();
        wrong_type["kong"]["replicas"] = Value::String("two".into());
        assert!(!errors(&validator, &wrong_type).is_empty(), "{path}: a string replica count was accepted");
        let mut unknown = value.clone();
        unknown["kong"]["replicaCount"] = Value::from(2);
        assert!(!errors(&validator, &unknown).is_empty(), "{path}: an unknown key was accepted");
        let mut bad_tag = value;
        bad_tag["postgrest"]["image"]["tag"] = Value::String("v14.5 latest".into());
        assert!(!errors(&validator, &bad_tag).is_empty(), "{path}: a malformed image tag was accepted");
    }
    assert_eq!(checked, 4);
}
