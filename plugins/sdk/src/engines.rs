//! Which granted Docker engine a unit uses.

use crate::Error;

/// The engine `wanted` names (a unit's `engine` key) when it is granted, else the first granted
/// one (`containers.endpoints`); `denied` naming the grant otherwise.
pub fn choose_engine(wanted: Option<&str>) -> Result<String, Error> {
    choose_from(crate::containers::endpoints(), wanted)
}

fn choose_from(granted: Vec<String>, wanted: Option<&str>) -> Result<String, Error> {
    match wanted {
        Some(wanted) if granted.iter().any(|name| name == wanted) => Ok(wanted.to_owned()),
        Some(wanted) => Err(Error::Denied(format!(
            "engine `{wanted}` is not granted to this unit (granted: {})",
            if granted.is_empty() {
                "none".to_owned()
            } else {
                granted.join(", ")
            }
        ))),
        None => granted
            .into_iter()
            .next()
            .ok_or_else(|| Error::Denied("no Docker engine is granted to this unit".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn granted() -> Vec<String> {
        vec!["edge-1".into(), "edge-2".into()]
    }

    #[test]
    fn the_named_engine_if_granted_else_the_first() {
        assert_eq!(choose_from(granted(), Some("edge-2")).unwrap(), "edge-2");
        assert_eq!(choose_from(granted(), None).unwrap(), "edge-1");
    }

    #[test]
    fn an_ungranted_engine_or_none_granted_is_denied() {
        let err = choose_from(granted(), Some("prod")).unwrap_err();
        assert!(matches!(err, Error::Denied(m) if m.contains("granted: edge-1, edge-2")));
        let err = choose_from(Vec::new(), None).unwrap_err();
        assert!(matches!(err, Error::Denied(m) if m == "no Docker engine is granted to this unit"));
    }
}
