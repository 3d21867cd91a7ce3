//! One import of the unit's realm files: what it would change, the snapshot it needs, doing it.

use serde_json::{Map, Value};
use sluice_sdk::{Change, ChangeAction, Error, Staged, to_state};

use crate::admin::Admin;
use crate::config::Config;
use crate::config::Grant;
use crate::plan;
use crate::realm_file::RealmFile;
use crate::resource::{Kind, Resource, import_body};
use crate::selection::{digests, select};
use crate::session::{SignIn, request_token};
use crate::state::{Imported, Snapshot, StagedImport};

/// The realm as Keycloak holds it, compared with the files.
enum Live {
    /// No such realm.
    Missing,
    /// Its checksum attribute is the files' checksum: nothing to do.
    Unchanged(Map<String, Value>),
    /// It needs the import.
    Changed(Map<String, Value>),
}

/// The import of the unit's files into the unit's realm.
pub struct Import<'a> {
    admin: &'a Admin<'a>,
    config: &'a Config,
    file: RealmFile,
    current: Option<Imported>,
}

impl<'a> Import<'a> {
    /// Reads the unit's realm files; `current` is what the last deployment imported.
    pub fn new(
        admin: &'a Admin<'a>,
        config: &'a Config,
        current: Option<Imported>,
    ) -> Result<Self, Error> {
        Ok(Self {
            file: RealmFile::load(&config.files, &config.realm)?,
            admin,
            config,
            current,
        })
    }

    fn live(&self) -> Result<Live, Error> {
        Ok(match self.admin.realm()? {
            None => Live::Missing,
            Some(realm) if stored_checksum(&realm, self.config) == Some(&self.file.checksum) => {
                Live::Unchanged(realm)
            }
            Some(realm) => Live::Changed(realm),
        })
    }

    /// The resources to send to a realm that exists as `realm`: only what changed since the last
    /// import when Keycloak still holds that import.
    fn selected(&self, realm: &Map<String, Value>) -> Vec<&Resource> {
        let previous = self
            .current
            .as_ref()
            .filter(|c| stored_checksum(realm, self.config) == Some(&c.checksum))
            .map(|c| &c.digests);
        select(&self.file.resources, previous)
    }

    fn survey<'r>(
        &self,
        selected: &[&'r Resource],
    ) -> Result<Vec<(&'r Resource, Option<Value>)>, Error> {
        selected
            .iter()
            .map(|resource| Ok((*resource, self.admin.find(&resource.key)?)))
            .collect()
    }

    /// What the import would change.
    pub fn plan(&self) -> Result<Vec<Change>, Error> {
        match self.live()? {
            Live::Missing => Ok(vec![plan::creation(&self.file)]),
            Live::Unchanged(_) => Ok(vec![Change::new(
                ChangeAction::NoOp,
                format!("realm {}", self.config.realm),
                "the realm files' checksum is the one Keycloak holds",
            )]),
            Live::Changed(realm) => {
                let survey = self.survey(&self.selected(&realm))?;
                plan::changes(&self.file, &realm, &survey, self.config.if_resource_exists)
            }
        }
    }

    /// What rollback needs to put the realm back as it is now.
    pub fn snapshot(&self) -> Result<Snapshot, Error> {
        let realm = match self.live()? {
            Live::Missing => return Ok(Snapshot::default()),
            Live::Unchanged(realm) => {
                return Ok(Snapshot {
                    realm: Some(realm),
                    ..Snapshot::default()
                });
            }
            Live::Changed(realm) => realm,
        };
        let mut snapshot = Snapshot::default();
        for (resource, existing) in self.survey(&self.selected(&realm))? {
            match existing {
                None => snapshot.absent.push(resource.key.clone()),
                Some(rep) => {
                    if resource.key.kind == Kind::Client {
                        // Overwriting a client deletes all its roles, the file's or not.
                        for role in self.admin.client_roles(&resource.key.name)? {
                            let role = Resource::from_rep(
                                Kind::ClientRole,
                                Some(&resource.key.name),
                                role,
                            )
                            .map_err(Error::Failed)?;
                            snapshot.existing.push(role);
                        }
                    }
                    if !snapshot.existing.iter().any(|r| r.key == resource.key) {
                        snapshot.existing.push(Resource {
                            key: resource.key.clone(),
                            rep,
                        });
                    }
                }
            }
        }
        snapshot.realm = Some(realm);
        Ok(snapshot)
    }

    /// Creates the realm or imports what changed, records the checksum, and checks the verify
    /// client can still sign in.
    pub fn apply(&self) -> Result<Staged, Error> {
        let summary = match self.live()? {
            Live::Unchanged(_) => {
                return self.staged(format!(
                    "realm {} unchanged (checksum {})",
                    self.config.realm,
                    &self.file.checksum[..12]
                ));
            }
            Live::Missing => {
                let mut whole = self.file.whole.clone();
                set_checksum(&mut whole, self.config, &self.file.checksum);
                self.admin.create_realm(&whole)?;
                format!(
                    "created realm {} ({} resources)",
                    self.config.realm,
                    self.file.resources.len()
                )
            }
            Live::Changed(realm) => {
                let selected = self.selected(&realm);
                let outcome = if selected.is_empty() {
                    "no resource changed".to_owned()
                } else {
                    let body =
                        import_body(selected.iter().copied(), self.config.if_resource_exists);
                    let done = self.admin.partial_import(&body)?;
                    format!(
                        "added {}, overwritten {}, skipped {}",
                        done.added, done.overwritten, done.skipped
                    )
                };
                let mut settings = self.file.settings.clone();
                let mut attributes = realm
                    .get("attributes")
                    .cloned()
                    .unwrap_or_else(|| Value::Object(Map::new()));
                if let (Value::Object(attributes), Some(Value::Object(wanted))) =
                    (&mut attributes, settings.get("attributes"))
                {
                    attributes.extend(wanted.clone());
                }
                settings.insert("attributes".into(), attributes);
                set_checksum(&mut settings, self.config, &self.file.checksum);
                self.admin.update_realm(&settings)?;
                format!("realm {}: {outcome}", self.config.realm)
            }
        };
        self.verify()?;
        self.staged(summary)
    }

    fn staged(&self, summary: String) -> Result<Staged, Error> {
        let imported = Imported {
            checksum: self.file.checksum.clone(),
            digests: digests(&self.file.resources),
        };
        Ok(Staged {
            state: to_state(&StagedImport { imported })?,
            endpoints: Vec::new(),
            summary,
        })
    }

    /// The verify client must get a token from the imported realm.
    fn verify(&self) -> Result<(), Error> {
        let Some(verify) = &self.config.verify else {
            return Ok(());
        };
        let sign_in = SignIn {
            realm: &self.config.realm,
            grant: Grant::ClientCredentials,
            client_id: &verify.client_id,
            username: None,
            secret: &verify.secret,
        };
        request_token(self.config.base(), &sign_in)
            .map(|_| ())
            .map_err(|e| Error::Failed(format!("after the import, {}", e.message())))
    }
}

/// The checksum the realm's attribute holds, if any.
pub fn stored_checksum<'r>(realm: &'r Map<String, Value>, config: &Config) -> Option<&'r String> {
    match realm.get("attributes")?.get(config.checksum_attribute())? {
        Value::String(checksum) => Some(checksum),
        _ => None,
    }
}

/// Sets the checksum attribute in a realm representation.
pub fn set_checksum(realm: &mut Map<String, Value>, config: &Config, checksum: &str) {
    let attributes = realm
        .entry("attributes")
        .or_insert_with(|| Value::Object(Map::new()));
    if !attributes.is_object() {
        *attributes = Value::Object(Map::new());
    }
    attributes[config.checksum_attribute()] = Value::String(checksum.to_owned());
}
