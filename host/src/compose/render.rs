//! The plan file's text for an [`Import`]: the comment listing what was not imported, then the
//! project, environment, secrets, one plugin entry per unit (granted only what it needs) and the
//! units.

use std::fmt::Write;

use super::Import;
use super::Router;
use super::service::{Mode, Unit, toml_string};

/// The plan's text.
pub fn plan(import: &Import) -> String {
    let mut out = String::new();
    let file = import.file.display();
    let _ = writeln!(
        out,
        "# Imported from {file} by `sluice init --from-compose`: review it, then run\n\
         # `sluice validate` and `sluice plan --env {}`.",
        import.environment
    );
    if !import.not_imported.is_empty() {
        let _ = writeln!(
            out,
            "#\n# Not imported from {file}, and what to do about each:"
        );
        for item in &import.not_imported {
            comment_item(&mut out, item);
        }
    }
    if !import.secrets.is_empty() {
        let _ = writeln!(
            out,
            "#\n# Secrets, read from these environment variables when sluice runs (their values are never\n\
             # written here): set each before `sluice validate`, `plan` and `apply`."
        );
        for (name, secret) in &import.secrets {
            comment_item(
                &mut out,
                &format!("{} ([secrets.{name}]): {}", secret.env, secret.origin),
            );
        }
    }
    let _ = writeln!(
        out,
        "#\n# Containers publish their port on 127.0.0.1 (Compose: every interface); set `address` in a\n\
         # unit's config to publish elsewhere."
    );
    let _ = writeln!(
        out,
        "\n[project]\nname = {}\n",
        toml_string(&import.project)
    );
    let _ = writeln!(out, "[environments.{}]", import.environment);
    for (name, secret) in &import.secrets {
        let _ = writeln!(
            out,
            "\n[secrets.{name}]\nenv = {}",
            toml_string(&secret.env)
        );
    }
    for unit in &import.units {
        plugin(&mut out, unit);
    }
    for unit in &import.units {
        unit_table(&mut out, unit);
    }
    out
}

/// One `- item` of the opening comment, wrapped at 100 columns.
fn comment_item(out: &mut String, item: &str) {
    let mut line = String::from("# -");
    for word in item.split(' ') {
        if line.len() + 1 + word.len() > 100 && line.len() > 4 {
            let _ = writeln!(out, "{line}");
            line = String::from("#  ");
        }
        line.push(' ');
        line.push_str(word);
    }
    let _ = writeln!(out, "{line}");
}

/// A TOML array of strings.
fn strings<S: AsRef<str>>(items: &[S]) -> String {
    let items: Vec<String> = items.iter().map(|s| toml_string(s.as_ref())).collect();
    format!("[{}]", items.join(", "))
}

/// The unit's plugin entry and its grants.
fn plugin(out: &mut String, unit: &Unit) {
    let _ = writeln!(
        out,
        "\n[plugins.{name}]\nsource = \"builtin:container\"\n\n[plugins.{name}.grants]\ncontainers = {}\nimages = {}",
        strings(&unit.containers()),
        strings(&[&unit.repository]),
        name = unit.name,
    );
    match (unit.mode, &unit.router_admin) {
        (Mode::BlueGreen(Router::Caddy), Some(admin)) => {
            let _ = writeln!(out, "http = {}", strings(&[admin]));
        }
        (Mode::BlueGreen(Router::Haproxy), Some(admin)) => {
            let _ = writeln!(
                out,
                "# The plugin imports http (for Caddy): granted no origin.\nhttp = []\nhaproxy = {}",
                strings(&[format!("{admin}/{}", unit.name)])
            );
        }
        _ => {
            let _ = writeln!(
                out,
                "# replace mode sends no request: http granted no origin.\nhttp = []"
            );
        }
    }
    if !unit.secrets.is_empty() {
        let _ = writeln!(out, "secrets = {}", strings(&unit.secrets));
    }
}

/// The unit's table, its config and the config's env and router tables.
fn unit_table(out: &mut String, unit: &Unit) {
    let _ = writeln!(out, "\n[units.{}]", unit.name);
    let _ = writeln!(out, "# From service `{}`.", unit.service);
    for comment in &unit.comments {
        let _ = writeln!(out, "# {comment}");
    }
    let _ = writeln!(out, "plugin = {}", toml_string(&unit.name));
    if !unit.depends_on.is_empty() {
        let _ = writeln!(out, "depends_on = [");
        for (dependency, condition) in &unit.depends_on {
            let _ = writeln!(
                out,
                "  {}, # {condition}: its gates pass before this unit starts",
                toml_string(dependency)
            );
        }
        let _ = writeln!(out, "]");
    }
    if let Some(gate) = &unit.gate {
        if gate.probe.contains("${staged.endpoint}") {
            // The gate probes what the container strategy staged: a port on this host.
            let _ = writeln!(
                out,
                "# Its gate probes the staged container, published on 127.0.0.1.\nloopback_gates = true"
            );
        }
        let timing: String = gate
            .timing
            .iter()
            .map(|(key, value)| format!(", {key} = {value}"))
            .collect();
        let _ = writeln!(
            out,
            "# From its healthcheck (retries are the failure threshold).\ngates = [\n  {{ {}{timing} }},\n]",
            gate.probe
        );
    }
    let mode = match unit.mode {
        Mode::BlueGreen(_) => "blue-green",
        Mode::Replace => "replace",
    };
    let _ = writeln!(
        out,
        "\n[units.{}.config]\nmode = \"{mode}\"\nname = {}\nimage = {}\nport = {}\nhost_ports = [{}]",
        unit.name,
        toml_string(&unit.container),
        toml_string(&unit.image),
        unit.port,
        unit.host_ports()
            .iter()
            .map(u16::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    );
    if let Some(path) = &unit.health_path {
        let _ = writeln!(out, "health_path = {}", toml_string(path));
    }
    if let Some(restart) = &unit.restart {
        let _ = writeln!(out, "restart = {}", toml_string(restart));
    }
    if let Some(secs) = unit.stop_timeout_secs {
        let _ = writeln!(out, "stop_timeout_secs = {secs}");
    }
    if !unit.env.is_empty() {
        let _ = writeln!(out, "\n[units.{}.config.env]", unit.name);
        for (key, value) in &unit.env {
            let bare = key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
            let key = if bare { key.clone() } else { toml_string(key) };
            let _ = writeln!(out, "{key} = {}", toml_string(value));
        }
    }
    if let (Mode::BlueGreen(router), Some(admin)) = (unit.mode, &unit.router_admin) {
        let _ = writeln!(out, "\n[units.{}.config.router]", unit.name);
        let listen = format!(
            "{}:{}",
            unit.host_ip.as_deref().unwrap_or(""),
            unit.published
        );
        match router {
            Router::Caddy => {
                let _ = writeln!(
                    out,
                    "# Caddy serves the unit on {listen} (Compose published it there); the colors run on host_ports.\n\
                     caddy = {}\nroute = {}\nserver = {}\nlisten = {}",
                    toml_string(admin),
                    toml_string(&unit.name),
                    toml_string(&unit.name),
                    toml_string(&listen)
                );
            }
            Router::Haproxy => {
                let _ = writeln!(
                    out,
                    "# HAProxy's backend `{}` (its frontend on {listen}) must exist; the colors are its servers.\n\
                     haproxy = {}\nbackend = {}",
                    unit.name,
                    toml_string(admin),
                    toml_string(&unit.name)
                );
            }
        }
    }
}
