//! Request bodies as the bot sends them: JSON, or `multipart/form-data` with a `payload_json`
//! part and `files[n]` uploads (serenity's `Multipart::build_form`).

use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Multipart};
use axum::http::header::CONTENT_TYPE;
use axum::http::{HeaderMap, Request};
use serde_json::Value;

/// A parsed request body.
#[derive(Clone, Debug, Default)]
pub(crate) struct RequestBody {
    /// The JSON body, or the multipart `payload_json`.
    pub json: Option<Value>,
    /// Uploaded files.
    pub files: Vec<UploadedFile>,
}

/// One uploaded file.
#[derive(Clone, Debug)]
pub(crate) struct UploadedFile {
    /// The form field, e.g. `files[0]`.
    pub field: String,
    /// `n` of `files[n]`, which the payload's `attachments[].id` refers to.
    pub index: Option<u64>,
    pub filename: String,
    pub content_type: Option<String>,
    pub bytes: Bytes,
}

impl RequestBody {
    /// The JSON body, or an empty object.
    pub(crate) fn json_or_empty(&self) -> Value {
        self.json
            .clone()
            .unwrap_or_else(|| Value::Object(serde_json::Map::new()))
    }
}

/// Parses a body by its content type. Errors describe what is malformed.
pub(crate) async fn parse(headers: &HeaderMap, bytes: Bytes) -> Result<RequestBody, String> {
    let content_type = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    if content_type.starts_with("multipart/form-data") {
        return parse_multipart(&content_type, bytes).await;
    }
    if bytes.is_empty() {
        return Ok(RequestBody::default());
    }
    let json = serde_json::from_slice(&bytes).map_err(|e| format!("the body is not JSON: {e}"))?;
    Ok(RequestBody {
        json: Some(json),
        files: Vec::new(),
    })
}

async fn parse_multipart(content_type: &str, bytes: Bytes) -> Result<RequestBody, String> {
    let request = Request::builder()
        .header(CONTENT_TYPE, content_type)
        .body(Body::from(bytes))
        .map_err(|e| e.to_string())?;
    let mut form = Multipart::from_request(request, &())
        .await
        .map_err(|e| format!("malformed multipart body: {e}"))?;
    let mut body = RequestBody::default();
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|e| format!("malformed multipart body: {e}"))?
    {
        let name = field.name().unwrap_or_default().to_owned();
        let filename = field.file_name().map(str::to_owned);
        let content_type = field.content_type().map(str::to_owned);
        let data = field
            .bytes()
            .await
            .map_err(|e| format!("malformed multipart field `{name}`: {e}"))?;
        if name == "payload_json" {
            body.json = Some(
                serde_json::from_slice(&data)
                    .map_err(|e| format!("payload_json is not JSON: {e}"))?,
            );
        } else if let Some(filename) = filename {
            let index = name
                .strip_prefix("files[")
                .and_then(|rest| rest.strip_suffix(']'))
                .and_then(|n| n.parse().ok())
                .or_else(|| (name == "file").then_some(0));
            body.files.push(UploadedFile {
                field: name,
                index,
                filename,
                content_type,
                bytes: data,
            });
        }
    }
    Ok(body)
}
