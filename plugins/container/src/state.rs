//! The state strings this plugin hands the host and gets back (all JSON).

use serde::{Deserialize, Serialize};

/// One of the two blue-green slots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Color {
    /// The first slot: `<name>-blue` on the first host port.
    Blue,
    /// The second slot: `<name>-green` on the second host port.
    Green,
}

impl Color {
    /// The other slot.
    pub fn other(self) -> Color {
        match self {
            Color::Blue => Color::Green,
            Color::Green => Color::Blue,
        }
    }

    /// `blue` or `green`, as in container names and the `sluice.color` label.
    pub fn as_str(self) -> &'static str {
        match self {
            Color::Blue => "blue",
            Color::Green => "green",
        }
    }
}

/// A container this plugin runs (or ran) for the unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deployed {
    /// The container name.
    pub container: String,
    /// The image reference it was created from.
    pub image: String,
    /// The image id (`sha256:...`), so a re-tagged reference is noticed.
    pub image_id: String,
    /// The loopback host port it is published on.
    pub port: u16,
    /// The version it runs.
    pub version: String,
    /// Its blue-green color; none in replace mode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<Color>,
}

/// What `finalize` returns and the host hands back as `current`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Current {
    /// The live container.
    #[serde(flatten)]
    pub live: Deployed,
    /// The images this unit deployed, newest first (the live one first), at most `keep_images`.
    #[serde(default)]
    pub images: Vec<String>,
}

/// What `prepare` returns: what was live before the deployment.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Snapshot {
    /// The live container, verified with the engine; none when nothing ran.
    pub live: Option<Deployed>,
}

/// What `stage` returns and the host hands to `shift`, `finalize` and `rollback`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StagedState {
    /// The new container.
    pub new: Deployed,
    /// The container that was live when it was staged (in replace mode, now `<name>-previous`).
    pub previous: Option<Deployed>,
    /// The images deployed before, newest first (from `current`), for pruning at `finalize`.
    #[serde(default)]
    pub history: Vec<String>,
    /// Replace mode: milliseconds from stopping the old container to the new one running.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub downtime_ms: Option<u64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_current_state_is_flat_json_with_the_kept_images() {
        let current = Current {
            live: Deployed {
                container: "shop-api-green".into(),
                image: "shop-api:v2".into(),
                image_id: "sha256:2".into(),
                port: 18081,
                version: "v2".into(),
                color: Some(Color::Green),
            },
            images: vec!["shop-api:v2".into(), "shop-api:v1".into()],
        };
        let json: serde_json::Value = serde_json::to_value(&current).unwrap();
        assert_eq!(json["color"], "green");
        assert_eq!(json["container"], "shop-api-green");
        assert_eq!(json["images"][1], "shop-api:v1");
        let back: Current = serde_json::from_value(json).unwrap();
        assert_eq!(back.live, current.live);
    }

    #[test]
    fn a_replace_container_has_no_color() {
        let json = r#"{"container": "a", "image": "a:1", "image_id": "sha256:1", "port": 1, "version": "1"}"#;
        let current: Current = serde_json::from_str(json).unwrap();
        assert_eq!(current.live.color, None);
        assert!(current.images.is_empty());
    }
}
