//! A lenient typed view of a SARIF log: only the fields publish reads, each
//! read on its own. A field that is absent or of another type reads as its
//! default (`None`, empty), and a list keeps the entries it can read, so one
//! odd field in another tool's log costs that field, not the run.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::Value;

use super::lenient::{lenient, list, map, object, object_map, some_list};

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Log {
    /// `None`: not a SARIF log.
    #[serde(deserialize_with = "some_list")]
    pub runs: Option<Vec<Run>>,
}

impl Log {
    /// The view of a parsed log; anything but an object has no runs.
    pub fn of(value: &Value) -> Log {
        Log::deserialize(value).unwrap_or_default()
    }

    /// The first run's tool name, which names the analysis.
    pub fn first_tool(&self) -> Option<&str> {
        self.runs.as_ref()?.first()?.tool.driver.name.as_deref()
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Run {
    #[serde(deserialize_with = "object")]
    pub tool: Tool,
    #[serde(deserialize_with = "object_map")]
    pub original_uri_base_ids: BTreeMap<String, ArtifactLocation>,
    #[serde(deserialize_with = "list")]
    pub results: Vec<SarifResult>,
    #[serde(deserialize_with = "object")]
    pub automation_details: AutomationDetails,
}

/// A run's names only: its tool and the category it claims. Its results are
/// not read.
#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct RunNames {
    #[serde(deserialize_with = "object")]
    pub tool: Tool,
    #[serde(deserialize_with = "object")]
    pub automation_details: AutomationDetails,
}

impl RunNames {
    /// The names of one run (of a log being rewritten for upload).
    pub fn of(run: &Value) -> RunNames {
        RunNames::deserialize(run).unwrap_or_default()
    }
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Tool {
    #[serde(deserialize_with = "object")]
    pub driver: Driver,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Driver {
    #[serde(deserialize_with = "lenient")]
    pub name: Option<String>,
    #[serde(deserialize_with = "list")]
    pub rules: Vec<Rule>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Rule {
    #[serde(deserialize_with = "lenient")]
    pub id: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub name: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub help_uri: Option<String>,
    #[serde(deserialize_with = "object")]
    pub default_configuration: Configuration,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Configuration {
    #[serde(deserialize_with = "lenient")]
    pub level: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AutomationDetails {
    #[serde(deserialize_with = "lenient")]
    pub id: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct SarifResult {
    #[serde(deserialize_with = "lenient")]
    pub rule_id: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub rule_index: Option<u64>,
    #[serde(deserialize_with = "lenient")]
    pub level: Option<String>,
    #[serde(deserialize_with = "object")]
    pub message: Message,
    #[serde(deserialize_with = "list")]
    pub locations: Vec<Location>,
    #[serde(deserialize_with = "list")]
    pub related_locations: Vec<Location>,
    #[serde(deserialize_with = "list")]
    pub suppressions: Vec<IgnoredAny>,
    #[serde(deserialize_with = "lenient")]
    pub baseline_state: Option<String>,
    /// Non-string values read as `None`.
    #[serde(deserialize_with = "map")]
    pub partial_fingerprints: BTreeMap<String, Option<String>>,
    #[serde(deserialize_with = "list")]
    pub fixes: Vec<Fix>,
    #[serde(deserialize_with = "object")]
    pub properties: Properties,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Message {
    #[serde(deserialize_with = "lenient")]
    pub text: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Location {
    #[serde(deserialize_with = "object")]
    pub physical_location: Option<PhysicalLocation>,
    #[serde(deserialize_with = "object")]
    pub message: Message,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct PhysicalLocation {
    #[serde(deserialize_with = "object")]
    pub artifact_location: Option<ArtifactLocation>,
    #[serde(deserialize_with = "object")]
    pub region: Region,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ArtifactLocation {
    #[serde(deserialize_with = "lenient")]
    pub uri: Option<String>,
    #[serde(deserialize_with = "lenient")]
    pub uri_base_id: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Region {
    #[serde(deserialize_with = "lenient")]
    pub start_line: Option<u64>,
    #[serde(deserialize_with = "lenient")]
    pub end_line: Option<u64>,
    #[serde(deserialize_with = "lenient")]
    pub start_column: Option<u64>,
    #[serde(deserialize_with = "lenient")]
    pub end_column: Option<u64>,
    #[serde(deserialize_with = "object")]
    pub snippet: Message,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Fix {
    #[serde(deserialize_with = "list")]
    pub artifact_changes: Vec<ArtifactChange>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct ArtifactChange {
    #[serde(deserialize_with = "object")]
    pub artifact_location: Option<ArtifactLocation>,
    #[serde(deserialize_with = "list")]
    pub replacements: Vec<Replacement>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Replacement {
    #[serde(deserialize_with = "object")]
    pub deleted_region: Option<Region>,
    #[serde(deserialize_with = "object")]
    pub inserted_content: Message,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Properties {
    #[serde(deserialize_with = "object")]
    pub berth: BerthProperties,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct BerthProperties {
    #[serde(deserialize_with = "lenient")]
    pub container_view: Option<String>,
    /// The "how to fix" text, apart from the message (berth's own logs).
    #[serde(deserialize_with = "lenient")]
    pub help: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_wrong_field_costs_that_field_only() {
        let log = Log::of(&json!({"runs": [
            {"tool": {"driver": {"name": 7, "rules": [{"id": "R1"}, 3, {"id": ["x"]}]}},
             "results": [
                {"ruleId": "R1", "level": {"bad": true}, "rule_index": "x",
                 "locations": [{"physicalLocation": {"artifactLocation": {"uri": "a.yml"},
                     "region": {"startLine": -1, "endLine": 4}}}, "not a location"],
                 "partialFingerprints": {"a": 1, "b": "fp"},
                 "suppressions": {}},
                "not a result"
             ]},
            "not a run"
        ]}));
        let runs = log.runs.expect("runs");
        assert_eq!(runs.len(), 2, "the odd run reads as an empty one");
        let run = &runs[0];
        assert_eq!(run.tool.driver.name, None);
        let ids: Vec<_> = run.tool.driver.rules.iter().map(|r| r.id.clone()).collect();
        assert_eq!(ids, vec![Some("R1".to_owned()), None, None]);
        assert_eq!(run.results.len(), 2);
        let r = &run.results[0];
        assert_eq!(
            (r.rule_id.as_deref(), r.level.as_deref()),
            (Some("R1"), None)
        );
        let region = &r.locations[0]
            .physical_location
            .as_ref()
            .expect("location")
            .region;
        assert_eq!((region.start_line, region.end_line), (None, Some(4)));
        assert!(r.locations[1].physical_location.is_none());
        assert_eq!(r.partial_fingerprints.get("a"), Some(&None));
        assert_eq!(
            r.partial_fingerprints.get("b"),
            Some(&Some("fp".to_owned()))
        );
        assert!(r.suppressions.is_empty());
        let listed = Log::of(
            &json!({"runs": [{"results": [{"locations": [{"physicalLocation":
            {"artifactLocation": {"uri": "a.yml"}, "region": [3, 3]}}]}]}]}),
        );
        let runs = listed.runs.expect("runs");
        let location = runs[0].results[0].locations[0].physical_location.as_ref();
        assert_eq!(
            location.map(|l| l.region.start_line),
            Some(None),
            "a list is not a region"
        );
    }

    #[test]
    fn without_a_runs_list_it_is_not_a_log() {
        assert!(Log::of(&json!({"version": "2.1.0"})).runs.is_none());
        assert!(Log::of(&json!({"runs": {}})).runs.is_none());
        assert!(Log::of(&json!([1, 2])).runs.is_none());
        assert_eq!(
            Log::of(&json!({"runs": [{"tool": {"driver": {"name": "hadolint"}}}]})).first_tool(),
            Some("hadolint")
        );
    }
}
