//! Validation of the bot's request bodies against Discord's OpenAPI spec, when the spec file is
//! available; each recorded request carries the verdict as text.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use serde_json::Value;
use tracing::{info, warn};

use crate::openapi::{SpecError, SpecValidator, Validation};

/// The spec validator, if a spec was found and loaded.
#[derive(Debug, Clone)]
pub(crate) struct SpecGate {
    validator: Option<Arc<SpecValidator>>,
}

/// Loaded specs by path. Tests start many fakecords in one process; the spec is large and
/// its compiled validators are worth sharing.
static LOADED: OnceLock<Mutex<HashMap<PathBuf, Arc<SpecValidator>>>> = OnceLock::new();

impl SpecGate {
    /// Loads the spec at `path`, or wherever [`SpecValidator::find`] finds one.
    ///
    /// When the spec cannot be found or loaded, `required` makes that an error; otherwise
    /// validation is skipped and one line says so.
    pub(crate) fn load(path: Option<&Path>, required: bool) -> Result<Self, SpecError> {
        match Self::try_load(path) {
            Ok(gate) => Ok(gate),
            Err(e) if required => Err(e),
            Err(SpecError::NotFound { .. }) => {
                info!("no Discord OpenAPI spec found; request bodies are not validated (set DISCORD_OPENAPI_SPEC)");
                Ok(Self::disabled())
            }
            Err(e) => {
                warn!(error = %e, "request bodies are not validated");
                Ok(Self::disabled())
            }
        }
    }

    /// A gate that validates nothing.
    pub(crate) fn disabled() -> Self {
        Self { validator: None }
    }

    fn try_load(path: Option<&Path>) -> Result<Self, SpecError> {
        let path = match path {
            Some(path) => path.to_path_buf(),
            None => SpecValidator::find()?,
        };
        let cache = LOADED.get_or_init(Mutex::default);
        let mut cache = cache.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(validator) = cache.get(&path) {
            return Ok(Self {
                validator: Some(Arc::clone(validator)),
            });
        }
        let validator = Arc::new(SpecValidator::load(&path)?);
        info!(path = %path.display(), "validating request bodies against the Discord OpenAPI spec");
        cache.insert(path, Arc::clone(&validator));
        Ok(Self {
            validator: Some(validator),
        })
    }

    /// Whether a spec is loaded.
    pub(crate) fn enabled(&self) -> bool {
        self.validator.is_some()
    }

    /// The verdict on one request: `valid`, `invalid: …`, `no-schema`, `unknown-route` or
    /// `skipped`. `path` is the path as sent (`/api/v10/…`); `body` is the JSON body or the
    /// multipart `payload_json`, `None` when there is none.
    pub(crate) fn check(&self, method: &str, path: &str, body: Option<&Value>) -> String {
        let Some(validator) = &self.validator else {
            return "skipped".to_owned();
        };
        let body = body.map(as_discord_reads_it);
        match validator.validate_request(method, path, body.as_ref().unwrap_or(&Value::Null)) {
            Validation::Valid => "valid".to_owned(),
            Validation::Invalid(problems) => format!("invalid: {}", problems.join("; ")),
            Validation::NoSchema => "no-schema".to_owned(),
            Validation::UnknownRoute => "unknown-route".to_owned(),
        }
    }
}

/// `body` as Discord reads it where Discord is more lenient than its spec: the spec types the
/// snowflake of an attachment listed in a message body as a string, but Discord takes a JSON
/// number too, and serenity numbers the files it uploads that way (`{"id": 0, "filename": …}`).
fn as_discord_reads_it(body: &Value) -> Value {
    let mut body = body.clone();
    if let Some(attachments) = body.get_mut("attachments").and_then(Value::as_array_mut) {
        for attachment in attachments {
            if let Some(id) = attachment.get_mut("id") {
                if let Some(number) = id.as_u64() {
                    *id = Value::String(number.to_string());
                }
            }
        }
    }
    body
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::as_discord_reads_it;

    #[test]
    fn an_uploaded_files_numeric_id_reads_as_a_snowflake_and_nothing_else_changes() {
        let sent = json!({
            "content": "chart",
            "attachments": [{"id": 0, "filename": "chart.png"}, {"id": "12", "filename": "b"}],
            "embeds": [{"image": {"url": "attachment://chart.png"}}],
        });
        let read = as_discord_reads_it(&sent);
        assert_eq!(read["attachments"][0]["id"], json!("0"));
        assert_eq!(read["attachments"][1]["id"], json!("12"));
        assert_eq!(read["embeds"], sent["embeds"]);
        assert_eq!(read["content"], sent["content"]);
    }
}
