//! A service's environment as the plan writes it: `env_file` entries, then `environment` (which
//! wins), with Compose's `${VAR}` interpolation and every value that looks like a credential
//! turned into a `[secrets]` entry read from the environment, so no credential value is written.

use std::collections::BTreeMap;

/// Words of a variable's name that mark its value as a credential (`DB_PASSWORD`, `API_KEY`,
/// `JWT_SECRET`), matched against the name's `_`-separated words.
const CREDENTIAL_WORDS: [&str; 13] = [
    "PASSWORD",
    "PASSWD",
    "PASS",
    "PWD",
    "SECRET",
    "SECRETS",
    "TOKEN",
    "TOKENS",
    "KEY",
    "APIKEY",
    "CREDENTIAL",
    "CREDENTIALS",
    "PRIVATE",
];

/// A secret the plan declares: read from an environment variable when sluice runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Secret {
    /// The environment variable holding the value.
    pub env: String,
    /// Where the import found it, for the plan's comment (never the value).
    pub origin: String,
}

/// The secrets the plan declares, by name.
pub type Secrets = BTreeMap<String, Secret>;

/// Whether the variable `name` with the value `value` holds a credential: its name has a
/// credential word, or the value is a URL with a password (`postgres://app:pw@db/app`).
pub fn is_credential(name: &str, value: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    let named = upper
        .split(['_', '-', '.'])
        .any(|word| CREDENTIAL_WORDS.contains(&word))
        || ["PASSWORD", "SECRET", "TOKEN"]
            .iter()
            .any(|word| upper.contains(word));
    named || url_password(value)
}

/// Whether `value` is a URL whose user info has a non-empty password.
fn url_password(value: &str) -> bool {
    value
        .split_once("://")
        .and_then(|(_, rest)| rest.split(['/', '?', '#']).next())
        .and_then(|authority| authority.rsplit_once('@'))
        .and_then(|(userinfo, _)| userinfo.split_once(':'))
        .is_some_and(|(_, password)| !password.is_empty())
}

/// A piece of a Compose value: text, or `${NAME}` (`$NAME`) with its default, if any.
#[derive(Debug, PartialEq, Eq)]
enum Piece {
    Text(String),
    Variable {
        name: String,
        default: Option<String>,
    },
}

/// `value` split into text and variables the way Compose interpolates it (`$$` is a `$`).
fn pieces(value: &str) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut text = String::new();
    let mut rest = value;
    while let Some(at) = rest.find('$') {
        text.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        if let Some(escaped) = after.strip_prefix('$') {
            text.push('$');
            rest = escaped;
            continue;
        }
        let (name, default, consumed) = if let Some(braced) = after.strip_prefix('{') {
            let Some(end) = braced.find('}') else {
                text.push('$');
                rest = after;
                continue;
            };
            let inner = &braced[..end];
            let name_end = inner
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(inner.len());
            let modifier = &inner[name_end..];
            let default = modifier
                .strip_prefix(":-")
                .or_else(|| modifier.strip_prefix('-'))
                .map(str::to_owned);
            (&inner[..name_end], default, end + 2)
        } else {
            let end = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            (&after[..end], None, end)
        };
        if name.is_empty() {
            text.push('$');
            rest = after;
            continue;
        }
        if !text.is_empty() {
            pieces.push(Piece::Text(std::mem::take(&mut text)));
        }
        pieces.push(Piece::Variable {
            name: name.to_owned(),
            default,
        });
        rest = &after[consumed..];
    }
    text.push_str(rest);
    if !text.is_empty() {
        pieces.push(Piece::Text(text));
    }
    pieces
}

/// `value` with each Compose variable replaced by its default (for names and ports, which cannot
/// read secrets); the name of a variable without one is the error.
pub fn defaults_only(value: &str) -> Result<String, String> {
    pieces(value)
        .into_iter()
        .map(|piece| match piece {
            Piece::Text(text) => Ok(text),
            Piece::Variable {
                default: Some(default),
                ..
            } => Ok(default),
            Piece::Variable { name, .. } => Err(name),
        })
        .collect()
}

/// Text for a plan string: a literal `${` is written `$${`.
fn escape(text: &str) -> String {
    text.replace("${", "$${")
}

/// A name for the plan (`[secrets.NAME]`): letters, digits and `_`, lowercase.
fn secret_name(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect()
}

/// How the values of one service are converted; collects the secrets and notes they need.
pub struct Converter<'a> {
    /// The service (it names the secrets its literal credentials become).
    pub service: &'a str,
    /// Every secret of the plan.
    pub secrets: &'a mut Secrets,
    /// The secrets this service's plugin must be granted.
    pub granted: Vec<String>,
    /// What the plan's comment must say about the values.
    pub notes: Vec<String>,
}

impl Converter<'_> {
    /// The plan string for variable `name` = `value` (`None`: taken from the shell's environment
    /// when Compose runs).
    pub fn value(&mut self, name: &str, value: Option<&str>) -> String {
        let Some(value) = value else {
            return self.secret(name, name, "taken from the shell's environment");
        };
        let pieces = pieces(value);
        let credential = is_credential(name, value);
        let literal = pieces.iter().all(|piece| matches!(piece, Piece::Text(_)));
        if credential && literal {
            let env = format!("{}_{name}", self.service).to_ascii_uppercase();
            let env = secret_name(&env).to_ascii_uppercase();
            return self.secret(&env, &env, &format!("a literal credential of `{name}`"));
        }
        pieces
            .into_iter()
            .map(|piece| match piece {
                Piece::Text(text) => escape(&text),
                Piece::Variable {
                    name: variable,
                    default: Some(default),
                } if !credential => {
                    self.notes.push(format!(
                        "service `{}`: `{name}` uses the default of `${{{variable}}}`, \"{default}\": \
                         sluice reads no other variables; make it a `[secrets]` entry to set it \
                         per run",
                        self.service
                    ));
                    escape(&default)
                }
                Piece::Variable { name: variable, .. } => {
                    self.secret(&variable, &variable, &format!("`${{{variable}}}` in `{name}`"))
                }
            })
            .collect()
    }

    /// Declares (once) and grants the secret read from `env`; its reference.
    fn secret(&mut self, key: &str, env: &str, why: &str) -> String {
        let name = secret_name(key);
        self.secrets.entry(name.clone()).or_insert_with(|| Secret {
            env: env.to_owned(),
            origin: format!("service `{}`: {why}", self.service),
        });
        if !self.granted.contains(&name) {
            self.granted.push(name.clone());
        }
        format!("${{secret.{name}}}")
    }
}

/// The `KEY=VALUE` lines of an env file (`#` comments, blank lines and `export ` allowed, one
/// pair of matching quotes removed); a line that is no assignment is an error naming its number.
pub fn parse_env_file(text: &str) -> Result<Vec<(String, String)>, (usize, String)> {
    let mut pairs = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").unwrap_or(line);
        let Some((key, value)) = line.split_once('=') else {
            return Err((number + 1, format!("expected KEY=VALUE, got `{line}`")));
        };
        let value = value.trim();
        let unquoted = ['"', '\'']
            .iter()
            .find_map(|q| value.strip_prefix(*q).and_then(|v| v.strip_suffix(*q)))
            .unwrap_or(value);
        pairs.push((key.trim().to_owned(), unquoted.to_owned()));
    }
    Ok(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn convert(name: &str, value: Option<&str>) -> (String, Secrets, Vec<String>) {
        let mut secrets = Secrets::new();
        let mut converter = Converter {
            service: "api",
            secrets: &mut secrets,
            granted: Vec::new(),
            notes: Vec::new(),
        };
        let text = converter.value(name, value);
        let notes = converter.notes;
        (text, secrets, notes)
    }

    #[test]
    fn names_and_urls_that_hold_credentials_are_recognised() {
        for name in [
            "DB_PASSWORD",
            "API_KEY",
            "JWT_SECRET",
            "GITHUB_TOKEN",
            "KC_DB_PASS",
            "DBPASSWORD",
        ] {
            assert!(is_credential(name, "x"), "{name}");
        }
        for name in ["KEYCLOAK_URL", "LOG_LEVEL", "POSTGRES_USER", "MONKEY"] {
            assert!(!is_credential(name, "x"), "{name}");
        }
        assert!(is_credential(
            "DATABASE_URL",
            "postgres://app:pw@db:5432/app"
        ));
        assert!(!is_credential("DATABASE_URL", "postgres://app@db:5432/app"));
    }

    #[test]
    fn a_literal_credential_becomes_a_secret_named_after_its_service() {
        let (text, secrets, _) = convert("DB_PASSWORD", Some("hunter2-hunter2"));
        assert_eq!(text, "${secret.api_db_password}");
        assert_eq!(secrets["api_db_password"].env, "API_DB_PASSWORD");
        assert!(!format!("{secrets:?}").contains("hunter2"));
    }

    #[test]
    fn interpolated_variables_become_secrets_and_defaults_are_kept_unless_credentials() {
        let (text, secrets, _) = convert(
            "DATABASE_URL",
            Some("postgres://app:${PG_PASSWORD:-dev}@db/app"),
        );
        assert_eq!(text, "postgres://app:${secret.pg_password}@db/app");
        assert_eq!(secrets["pg_password"].env, "PG_PASSWORD");
        let (text, secrets, notes) = convert("LOG_LEVEL", Some("${LEVEL:-info} $$HOME ${"));
        assert_eq!(text, "info $HOME $${");
        assert!(secrets.is_empty());
        assert_eq!(notes.len(), 1);
        let (text, secrets, _) = convert("REGION", None);
        assert_eq!(text, "${secret.region}");
        assert_eq!(secrets["region"].env, "REGION");
    }

    #[test]
    fn env_files_are_read_as_assignments() {
        let text = "# comment\n\nexport A=1\nB=\"two words\"\nC='x'\n";
        assert_eq!(
            parse_env_file(text).unwrap(),
            [
                ("A".into(), "1".into()),
                ("B".into(), "two words".into()),
                ("C".into(), "x".into())
            ]
        );
        assert_eq!(parse_env_file("A=1\noops\n").unwrap_err().0, 2);
    }
}
