//! `[hooks.NAME]`: the hook plugin it runs, the events it is told of, whether it is required,
//! and its config (TOML → JSON).

use super::convert::Converter;
use super::error::PlanError;
use super::model::{Hook, HookEventKind};
use super::raw::RawHook;
use super::units::table_to_json;

/// Converts one `[hooks.NAME]` table; without `on`, the hook is told of every event.
pub(super) fn hook(cx: &Converter<'_>, name: &str, raw: &RawHook) -> Result<Hook, PlanError> {
    let mut config_path = vec!["hooks".to_owned(), name.to_owned(), "config".to_owned()];
    let mut on = raw
        .on
        .clone()
        .unwrap_or_else(|| HookEventKind::ALL.to_vec());
    on.sort();
    on.dedup();
    Ok(Hook {
        name: name.to_owned(),
        plugin: raw.plugin.clone(),
        on,
        required: raw.required,
        config: table_to_json(cx, &raw.config, &mut config_path)?,
    })
}

#[cfg(test)]
mod tests {
    use crate::plan::HookEventKind;
    use crate::plan::test_support::{error_of, parse_with};

    const PLUGIN: &str = "[secrets.hook]\nenv = \"HOOK\"\n[plugins.notify]\nsource = \"builtin:webhook\"\n[plugins.notify.grants]\nsecrets = [\"hook\"]\n";

    #[test]
    fn a_hook_names_its_plugin_events_and_config_and_defaults_to_every_event() {
        let plan = parse_with(&format!(
            "{PLUGIN}[hooks.chat]\nplugin = \"notify\"\non = [\"unit-rolled-back\", \"deployment-finished\"]\nrequired = true\nconfig = {{ url = \"${{secret.hook}}\" }}\n[hooks.all]\nplugin = \"notify\"\n"
        ))
        .unwrap();
        let chat = &plan.hooks["chat"];
        assert_eq!(
            chat.on,
            [
                HookEventKind::DeploymentFinished,
                HookEventKind::UnitRolledBack
            ]
        );
        assert!(chat.required);
        assert_eq!(chat.config["url"], "${secret.hook}");
        assert_eq!(plan.hooks["all"].on.len(), HookEventKind::ALL.len());
        assert!(!plan.hooks["all"].required);
    }

    #[test]
    fn an_unknown_event_plugin_or_reference_is_refused_at_it() {
        let event = error_of(&format!(
            "{PLUGIN}[hooks.chat]\nplugin = \"notify\"\non = [\"unit-exploded\"]\n"
        ));
        assert!(
            event.message.contains("unknown variant `unit-exploded`"),
            "{event}"
        );
        let plugin = error_of("[hooks.chat]\nplugin = \"nope\"\n");
        assert!(
            plugin.message.starts_with("unknown hook plugin `nope`"),
            "{plugin}"
        );
        let version = error_of(&format!(
            "{PLUGIN}[hooks.chat]\nplugin = \"notify\"\nconfig = {{ text = \"${{version}}\" }}\n"
        ));
        assert!(
            version
                .message
                .contains("`${version}` cannot be used in a hook's config"),
            "{version}"
        );
        let ungranted = error_of(&format!(
            "{PLUGIN}[secrets.other]\nenv = \"OTHER\"\n[hooks.chat]\nplugin = \"notify\"\nconfig = {{ url = \"${{secret.other}}\" }}\n"
        ));
        assert!(
            ungranted
                .message
                .starts_with("secret `other` is not granted to plugin `notify`"),
            "{ungranted}"
        );
    }
}
