//! Signed-in requests to one Keycloak: a token by the password or client-credentials grant
//! (the password or client secret read from a granted secret), sent as `Authorization: Bearer`,
//! fetched again when it is about to expire or when Keycloak answers 401.

use serde::Deserialize;
use serde_json::Value;
use sluice_sdk::http::{Method, Request, Response};
use sluice_sdk::{Error, encode_component, secrets};
use std::cell::RefCell;
use std::time::{Duration, Instant};

use crate::config::{Config, Grant};

/// Time one Admin API request may take.
const REQUEST_TIMEOUT_MS: u32 = 30_000;

/// A token is fetched again this long before Keycloak says it expires.
const EXPIRY_MARGIN: Duration = Duration::from_secs(5);

/// Keycloak's token answer (the fields sluice uses).
#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    #[serde(default = "default_expires_in")]
    expires_in: u64,
}

fn default_expires_in() -> u64 {
    60
}

/// Keycloak's OAuth error answer.
#[derive(Deserialize, Default)]
struct OAuthError {
    #[serde(default)]
    error: String,
    #[serde(default)]
    error_description: String,
}

/// A token and when to stop using it.
struct Token {
    bearer: String,
    renew_at: Instant,
}

/// One sign-in: whose credentials, for which realm and client.
pub struct SignIn<'a> {
    /// The token endpoint's realm.
    pub realm: &'a str,
    /// The grant.
    pub grant: Grant,
    /// The client.
    pub client_id: &'a str,
    /// The user (password grant).
    pub username: Option<&'a str>,
    /// The name of the granted secret with the password or client secret.
    pub secret: &'a str,
}

impl SignIn<'_> {
    /// Who signs in, for messages.
    fn who(&self) -> String {
        match (self.grant, self.username) {
            (Grant::Password, Some(user)) => format!("user `{user}` (client `{}`)", self.client_id),
            _ => format!("client `{}`", self.client_id),
        }
    }
}

/// Requests a token from `base` for `sign_in`.
pub fn request_token(base: &str, sign_in: &SignIn<'_>) -> Result<(String, Duration), Error> {
    let secret = secrets::get(sign_in.secret)?;
    let url = format!(
        "{base}/realms/{}/protocol/openid-connect/token",
        encode_component(sign_in.realm)
    );
    let mut form = vec![("client_id", sign_in.client_id)];
    match (sign_in.grant, sign_in.username) {
        (Grant::Password, Some(user)) => {
            form.extend([
                ("grant_type", "password"),
                ("username", user),
                ("password", &secret),
            ]);
        }
        _ => form.extend([
            ("grant_type", "client_credentials"),
            ("client_secret", &secret),
        ]),
    }
    let response = Request::new(Method::Post, url)
        .with_form(&form)
        .with_timeout_ms(REQUEST_TIMEOUT_MS)
        .send()?;
    if !response.is_success() {
        let why: OAuthError = serde_json::from_slice(&response.body).unwrap_or_default();
        return Err(Error::Failed(format!(
            "Keycloak at {base} refused to sign in {} of realm `{}` with the secret `{}`: HTTP {} {}: {}",
            sign_in.who(),
            sign_in.realm,
            sign_in.secret,
            response.status,
            why.error,
            why.error_description
        )));
    }
    let answer: TokenAnswer = response.json("Keycloak's token answer")?;
    Ok((answer.access_token, Duration::from_secs(answer.expires_in)))
}

/// A signed-in connection to the Admin API of the unit's Keycloak.
pub struct Session<'a> {
    config: &'a Config,
    token: RefCell<Option<Token>>,
}

impl<'a> Session<'a> {
    /// Signs in with the unit's credentials (so wrong ones fail before anything is read).
    pub fn open(config: &'a Config) -> Result<Self, Error> {
        let session = Self {
            config,
            token: RefCell::new(None),
        };
        session.renew()?;
        Ok(session)
    }

    /// The unit's config.
    pub fn config(&self) -> &Config {
        self.config
    }

    fn renew(&self) -> Result<String, Error> {
        let auth = &self.config.auth;
        let sign_in = SignIn {
            realm: &auth.realm,
            grant: auth.grant,
            client_id: auth.client_id(),
            username: auth.username.as_deref(),
            secret: &auth.secret,
        };
        let (bearer, lifetime) = request_token(self.config.base(), &sign_in)?;
        let renew_at = Instant::now() + lifetime.saturating_sub(EXPIRY_MARGIN);
        *self.token.borrow_mut() = Some(Token {
            bearer: bearer.clone(),
            renew_at,
        });
        Ok(bearer)
    }

    fn bearer(&self) -> Result<String, Error> {
        let current = self
            .token
            .borrow()
            .as_ref()
            .filter(|t| Instant::now() < t.renew_at)
            .map(|t| t.bearer.clone());
        match current {
            Some(bearer) => Ok(bearer),
            None => self.renew(),
        }
    }

    /// Sends `method path` (below the base URL) with `body` as JSON; a 401 gets one retry with a
    /// fresh token.
    pub fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Response, Error> {
        let response = self.send_as(&self.bearer()?, method, path, body)?;
        if response.status != 401 {
            return Ok(response);
        }
        sluice_sdk::debug!("Keycloak answered 401 to {path}: signing in again");
        self.send_as(&self.renew()?, method, path, body)
    }

    fn send_as(
        &self,
        bearer: &str,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Response, Error> {
        let mut request = Request::new(method, format!("{}{path}", self.config.base()))
            .with_header("authorization", format!("Bearer {bearer}"))
            .with_timeout_ms(REQUEST_TIMEOUT_MS);
        if let Some(body) = body {
            request = request.with_json(body)?;
        }
        request.send()
    }
}
