//! The bundled catalog matches the connector definitions of the installed
//! reference 0.1.380 (skipped when it is not installed, unless required).

use std::collections::BTreeMap;

use airbyte_agent_testkit::reference::{Version, specs_dir};
use serde::Deserialize;

#[derive(Deserialize)]
struct Spec {
    info: Info,
}

#[derive(Deserialize)]
struct Info {
    title: String,
    #[serde(rename = "x-airbyte-connector-name")]
    name: String,
    #[serde(rename = "x-airbyte-connector-definition-id")]
    definition_id: String,
}

/// `Stripe API Connector` → `Stripe`.
fn display_name(title: &str) -> &str {
    title
        .strip_suffix(" API Connector")
        .or_else(|| title.strip_suffix(" Connector"))
        .unwrap_or(title)
}

#[test]
fn catalog_matches_reference_0_1_380() {
    let Some(dir) = specs_dir(Version::V0_1_380) else {
        return;
    };
    let mut upstream = BTreeMap::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path().join("connector.yaml");
        if !path.exists() {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let spec: Spec =
            serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        upstream.insert(
            spec.info.name.clone(),
            (
                display_name(&spec.info.title).to_string(),
                spec.info.definition_id.clone(),
            ),
        );
    }
    assert_eq!(upstream.len(), 56);
    let ours: BTreeMap<String, (String, String)> = airbyte_agent_sdk::catalog::entries()
        .iter()
        .map(|e| {
            (
                e.slug.clone(),
                (e.display_name.clone(), e.definition_id.clone()),
            )
        })
        .collect();
    assert_eq!(ours, upstream);
}
