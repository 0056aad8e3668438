//! Body validation against Discord's published `OpenAPI` 3.1 description.
//!
//! This module owns four things: finding the spec on disk (it is never vendored into the
//! project), matching a REST request to one of the spec's path templates, checking the JSON
//! body of that request against the operation's request-body schema, and checking a response
//! body against the schema the spec documents for its status. The point of the first check is
//! that a bot under test gets told, as early as possible, when it sends something real Discord
//! would answer with a 400 — fakecord itself is otherwise happy to accept almost anything. The
//! second keeps fakecord's own answers honest: its tests hold them to the shapes Discord
//! documents, which is what a client written from the docs expects.
//!
//! The spec is loaded once into a `jsonschema` registry so that the many
//! `#/components/schemas/...` references resolve against the whole document. A validator is
//! compiled lazily, the first time a request or response schema is needed, and then kept for
//! the lifetime of the [`SpecValidator`].
//!
//! A short, explicit list of corrections (`SPEC_CORRECTIONS`) is applied to the in-memory copy
//! of the spec where it disagrees with what Discord documents and accepts. Each correction names
//! the schema it touches and why; a correction that no longer applies (because the spec changed)
//! is skipped with a warning rather than guessed at.

use std::{
    borrow::Cow,
    collections::HashSet,
    ffi::OsString,
    fmt,
    path::{Path, PathBuf},
    sync::OnceLock,
};

use jsonschema::{error::ValidationErrorKind, Draft, Registry, ValidationError, Validator};
use serde_json::{json, Value};

/// Environment variable that points at the spec explicitly, overriding the directory search.
pub const SPEC_ENV_VAR: &str = "DISCORD_OPENAPI_SPEC";

/// Where the spec lives relative to a checkout's shared directory.
const SPEC_RELATIVE_PATH: &str = "shared/discord-api-spec/openapi.json";

/// Base URI under which the spec document is registered, so that a compiled root schema can
/// `$ref` into it and the spec's own relative `#/components/...` references resolve against it.
/// Nothing is ever fetched from it: every reference in the spec is local.
const SPEC_URI: &str = "https://discord.com/api/v10/openapi.json";

/// How many problems one [`Validation::Invalid`] lists before summarising the rest.
const MAX_REPORTED_PROBLEMS: usize = 5;

/// How much of an offending value is quoted in a problem description.
const MAX_QUOTED_CHARS: usize = 48;

/// HTTP methods an `OpenAPI` path item can describe; other keys (`parameters`, `summary`, ...)
/// are not operations.
const OPERATION_METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// A correction applied to the in-memory spec before anything is compiled.
#[derive(Debug, Clone, Copy)]
struct SpecCorrection {
    /// JSON pointer of the schema node to change.
    pointer: &'static str,
    /// What to change.
    kind: CorrectionKind,
    /// Why the spec is wrong here, in terms of Discord's documented behaviour.
    reason: &'static str,
}

/// The kinds of change a [`SpecCorrection`] can make.
#[derive(Debug, Clone, Copy)]
enum CorrectionKind {
    /// An `integer` schema additionally accepts a string of decimal digits.
    AcceptDecimalString,
    /// A string schema's `maxLength` is lowered to the given value.
    MaxLength(u64),
}

/// Reason shared by every permission bit-set correction.
const PERMISSIONS_AS_STRING: &str = "Discord documents permission bit sets as strings (they \
    outgrow 53-bit integers) and accepts them as such; serenity serialises `Permissions` as a \
    decimal string, but the spec only lists `integer`";

/// Reason shared by every message-content length correction.
const BOT_CONTENT_LIMIT: &str = "4000 characters is the limit for Nitro users; bot accounts \
    are held to Discord's documented 2000";

/// The corrections applied by [`SpecValidator::load`]; see the module documentation.
const SPEC_CORRECTIONS: &[SpecCorrection] = &[
    SpecCorrection {
        pointer: "/components/schemas/ApplicationCommandCreateRequest/properties/default_member_permissions",
        kind: CorrectionKind::AcceptDecimalString,
        reason: PERMISSIONS_AS_STRING,
    },
    SpecCorrection {
        pointer: "/components/schemas/ApplicationCommandUpdateRequest/properties/default_member_permissions",
        kind: CorrectionKind::AcceptDecimalString,
        reason: PERMISSIONS_AS_STRING,
    },
    SpecCorrection {
        pointer: "/components/schemas/ApplicationCommandPatchRequestPartial/properties/default_member_permissions",
        kind: CorrectionKind::AcceptDecimalString,
        reason: PERMISSIONS_AS_STRING,
    },
    SpecCorrection {
        pointer: "/components/schemas/ChannelPermissionOverwriteRequest/properties/allow",
        kind: CorrectionKind::AcceptDecimalString,
        reason: PERMISSIONS_AS_STRING,
    },
    SpecCorrection {
        pointer: "/components/schemas/ChannelPermissionOverwriteRequest/properties/deny",
        kind: CorrectionKind::AcceptDecimalString,
        reason: PERMISSIONS_AS_STRING,
    },
    SpecCorrection {
        pointer: "/components/schemas/CreateRoleRequest/properties/permissions",
        kind: CorrectionKind::AcceptDecimalString,
        reason: PERMISSIONS_AS_STRING,
    },
    SpecCorrection {
        pointer: "/components/schemas/UpdateRoleRequestPartial/properties/permissions",
        kind: CorrectionKind::AcceptDecimalString,
        reason: PERMISSIONS_AS_STRING,
    },
    SpecCorrection {
        pointer: "/components/schemas/ApplicationOAuth2InstallParams/properties/permissions",
        kind: CorrectionKind::AcceptDecimalString,
        reason: PERMISSIONS_AS_STRING,
    },
    SpecCorrection {
        pointer: "/components/schemas/MessageCreateRequest/properties/content",
        kind: CorrectionKind::MaxLength(2000),
        reason: BOT_CONTENT_LIMIT,
    },
    SpecCorrection {
        pointer: "/components/schemas/MessageEditRequestPartial/properties/content",
        kind: CorrectionKind::MaxLength(2000),
        reason: BOT_CONTENT_LIMIT,
    },
    SpecCorrection {
        pointer: "/components/schemas/BaseCreateMessageCreateRequest/properties/content",
        kind: CorrectionKind::MaxLength(2000),
        reason: BOT_CONTENT_LIMIT,
    },
];

/// Validates request and response bodies against Discord's `OpenAPI` spec.
///
/// Loading parses and indexes the spec; validators are compiled per operation on first use and
/// cached, so the value is meant to be created once and shared (it is `Send + Sync`).
pub struct SpecValidator {
    /// The spec document, indexed for `$ref` resolution.
    registry: Registry<'static>,
    /// Every path template in the spec with its operations.
    routes: Vec<Route>,
}

/// One path template, e.g. `/channels/{channel_id}/messages`.
struct Route {
    /// The template as written in the spec.
    template: String,
    /// The template split on `/`.
    segments: Vec<Segment>,
    /// The operations defined for the template.
    operations: Vec<Operation>,
}

/// One segment of a path template.
#[derive(Debug, PartialEq, Eq)]
enum Segment {
    /// Must equal the request's segment, e.g. `messages` or `@original`.
    Literal(String),
    /// A `{parameter}`: matches any non-empty segment.
    Parameter,
}

/// One method of a path template.
struct Operation {
    /// Upper-case HTTP method.
    method: String,
    /// Where the body's schema is, if the operation takes one.
    body: Option<BodySchema>,
    /// The compiled validator, or why compiling failed; filled on first use.
    compiled: OnceLock<Result<Validator, String>>,
    /// The responses the spec documents, in the spec's order.
    responses: Vec<ResponseSchema>,
}

/// One documented response of an operation.
struct ResponseSchema {
    /// The status as the spec writes it: `200`, `4XX` or `default`.
    status: String,
    /// JSON pointer of the JSON body's schema; `None` for a response without a body.
    pointer: Option<String>,
    /// The compiled validator, or why compiling failed; filled on first use.
    compiled: OnceLock<Result<Validator, String>>,
}

/// The request-body schema of an operation.
struct BodySchema {
    /// JSON pointer of the schema inside the spec document.
    pointer: String,
    /// Whether the spec marks the body as required.
    required: bool,
}

/// The outcome of [`SpecValidator::validate_request`] and [`SpecValidator::validate_response`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Validation {
    /// The body satisfies the operation's schema.
    Valid,
    /// The body violates the operation's schema; each entry names a JSON pointer into the body
    /// and the problem there. At most a handful are listed.
    Invalid(Vec<String>),
    /// The operation exists but the spec gives it no usable request-body schema.
    NoSchema,
    /// No path template with this method matches the request.
    UnknownRoute,
}

/// Why the spec could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    /// The file could not be read.
    #[error("cannot read the Discord OpenAPI spec at {path}: {source}")]
    Read {
        /// The path that was tried.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// The file is not JSON.
    #[error("the Discord OpenAPI spec at {path} is not valid JSON: {source}")]
    Parse {
        /// The path that was read.
        path: PathBuf,
        /// The underlying parse error.
        source: serde_json::Error,
    },
    /// The file is JSON but not an `OpenAPI` 3.1 document with paths.
    #[error("{path} is not an OpenAPI 3.1 document: {reason}")]
    NotOpenApi {
        /// The path that was read.
        path: PathBuf,
        /// What is missing or unexpected.
        reason: String,
    },
    /// The document could not be indexed for `$ref` resolution.
    #[error("cannot index the Discord OpenAPI spec for $ref resolution: {0}")]
    Index(#[from] jsonschema::ReferencingError),
    /// No spec was named and none was found where [`SpecValidator::locate`] looks.
    #[error(
        "no Discord OpenAPI spec found: {SPEC_ENV_VAR} is not set, and there is no \
         {SPEC_RELATIVE_PATH} in {} or any directory above",
        list_paths(.searched)
    )]
    NotFound {
        /// The directories whose ancestors were searched, in order.
        searched: Vec<PathBuf>,
    },
}

/// `a`, `a or b`, `a, b or c`: for error messages.
fn list_paths(paths: &[PathBuf]) -> String {
    let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    match shown.split_last() {
        None => "no directory".to_owned(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

impl fmt::Debug for SpecValidator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SpecValidator")
            .field("routes", &self.routes.len())
            .finish_non_exhaustive()
    }
}

impl SpecValidator {
    /// Finds the spec: the path in `DISCORD_OPENAPI_SPEC` if that is set (whether or not the file
    /// exists, so a typo surfaces as a load error rather than a silent fallback), else the first
    /// existing `shared/discord-api-spec/openapi.json` found by walking up from the current
    /// directory and then from this crate's manifest directory.
    #[must_use]
    pub fn locate() -> Option<PathBuf> {
        Self::find().ok()
    }

    /// [`Self::locate`], saying where it looked when it finds nothing.
    ///
    /// # Errors
    ///
    /// [`SpecError::NotFound`] naming the directories searched.
    pub fn find() -> Result<PathBuf, SpecError> {
        let mut starts = Vec::with_capacity(2);
        if let Ok(dir) = std::env::current_dir() {
            starts.push(dir);
        }
        starts.push(PathBuf::from(env!("CARGO_MANIFEST_DIR")));
        locate_from(std::env::var_os(SPEC_ENV_VAR), &starts)
            .ok_or(SpecError::NotFound { searched: starts })
    }

    /// Reads and indexes the spec at `path`.
    ///
    /// # Errors
    ///
    /// Fails if the file cannot be read, is not JSON, is not an `OpenAPI` 3.1 document with
    /// `paths`, or cannot be indexed for reference resolution.
    pub fn load(path: &Path) -> Result<Self, SpecError> {
        let text = std::fs::read(path).map_err(|source| SpecError::Read {
            path: path.to_owned(),
            source,
        })?;
        let mut document: Value =
            serde_json::from_slice(&text).map_err(|source| SpecError::Parse {
                path: path.to_owned(),
                source,
            })?;
        let not_openapi = |reason: &str| SpecError::NotOpenApi {
            path: path.to_owned(),
            reason: reason.to_owned(),
        };
        match document.get("openapi").and_then(Value::as_str) {
            Some(version) if version.starts_with("3.1") => {}
            Some(_) => {
                return Err(not_openapi(
                    "only OpenAPI 3.1 (JSON Schema 2020-12) is supported",
                ))
            }
            None => return Err(not_openapi("there is no `openapi` version field")),
        }
        let routes =
            collect_routes(&document).ok_or_else(|| not_openapi("`paths` is not an object"))?;
        apply_corrections(&mut document);
        // The whole document becomes one 2020-12 resource: OpenAPI 3.1 schemas are 2020-12
        // schemas, and the non-schema parts of the document are simply never referenced.
        let registry = Registry::new()
            .draft(Draft::Draft202012)
            .add(SPEC_URI, document)?
            .prepare()?;
        tracing::debug!(
            path = %path.display(),
            routes = routes.len(),
            "loaded the Discord OpenAPI spec"
        );
        Ok(Self { registry, routes })
    }

    /// Checks `body` against the request-body schema of the operation `method` `path`.
    ///
    /// `method` is an HTTP method in any case (`"POST"`); `path` is the request path as sent,
    /// e.g. `/api/v10/channels/123/messages?wait=true`: an `/api` or `/api/v<N>` prefix and any
    /// query string are ignored. When several templates match, the one with a literal segment
    /// at the first place where they differ wins, as in Discord's router (so
    /// `/webhooks/1/t/messages/@original` is the `@original` route, not `{message_id}`).
    ///
    /// Bodies are JSON values; for a `multipart/form-data` request pass the parsed
    /// `payload_json` part. `Value::Null` stands for "no body", which is valid when the spec
    /// marks the body optional.
    #[must_use]
    pub fn validate_request(&self, method: &str, path: &str, body: &Value) -> Validation {
        let Some((_, operation)) = self.find_operation(method, path) else {
            return Validation::UnknownRoute;
        };
        let Some(schema) = &operation.body else {
            return Validation::NoSchema;
        };
        if body.is_null() && !schema.required {
            return Validation::Valid;
        }
        self.check(&operation.compiled, &schema.pointer, body, method, path)
    }

    /// Checks `body`, a response fakecord gives to `method` `path` with `status`, against the
    /// schema the spec documents for that status (the exact code, else `2XX`-style ranges,
    /// else `default`). `path` is normalised as in [`Self::validate_request`]; `Value::Null`
    /// stands for "no body".
    ///
    /// A status the spec does not document for the operation, or a body where the spec
    /// documents none, is [`Validation::Invalid`].
    #[must_use]
    pub fn validate_response(
        &self,
        method: &str,
        path: &str,
        status: u16,
        body: &Value,
    ) -> Validation {
        let Some((route, operation)) = self.find_operation(method, path) else {
            return Validation::UnknownRoute;
        };
        let exact = status.to_string();
        let range = format!("{}XX", status / 100);
        let documented = [exact.as_str(), range.as_str(), "default"]
            .iter()
            .find_map(|wanted| operation.responses.iter().find(|r| r.status == *wanted));
        let Some(response) = documented else {
            return Validation::Invalid(vec![format!(
                "(root): the spec documents no {status} response for {method} {}",
                route.template
            )]);
        };
        match &response.pointer {
            Some(pointer) => self.check(&response.compiled, pointer, body, method, path),
            None if body.is_null() => Validation::Valid,
            None => Validation::Invalid(vec![format!(
                "(root): the spec documents the {status} response of {method} {} without a body",
                route.template
            )]),
        }
    }

    /// Validates `body` with the schema at `pointer`, compiling it into `cell` on first use.
    fn check(
        &self,
        cell: &OnceLock<Result<Validator, String>>,
        pointer: &str,
        body: &Value,
        method: &str,
        path: &str,
    ) -> Validation {
        match cell.get_or_init(|| self.compile(pointer)) {
            Ok(validator) => {
                let problems = describe_errors(validator.iter_errors(body));
                if problems.is_empty() {
                    Validation::Valid
                } else {
                    Validation::Invalid(problems)
                }
            }
            Err(error) => {
                // A schema the validator cannot compile is a defect of the spec (or of this
                // module), not of the bot's request, so it must not fail the bot's test; it is
                // logged loudly instead.
                tracing::error!(
                    method,
                    path,
                    schema = %pointer,
                    %error,
                    "cannot compile the OpenAPI schema; the body is not checked"
                );
                Validation::NoSchema
            }
        }
    }

    /// The spec's path template that `method` `path` resolves to, e.g.
    /// `/channels/{channel_id}/messages`, or `None` when no template with that method matches.
    #[must_use]
    pub fn route_template(&self, method: &str, path: &str) -> Option<&str> {
        self.find_operation(method, path)
            .map(|(route, _)| route.template.as_str())
    }

    /// The best-matching route with an operation for `method`.
    fn find_operation(&self, method: &str, path: &str) -> Option<(&Route, &Operation)> {
        let request: Vec<Cow<'_, str>> = route_path(path)
            .split('/')
            .filter(|segment| !segment.is_empty())
            .map(percent_decode)
            .collect();
        self.routes
            .iter()
            .filter(|route| route.matches(&request))
            .filter_map(|route| {
                route
                    .operations
                    .iter()
                    .find(|operation| operation.method.eq_ignore_ascii_case(method))
                    .map(|operation| (route, operation))
            })
            // Literal-ness per segment, compared left to right: a literal beats a parameter at
            // the first position where two matching templates differ.
            .max_by(|(a, _), (b, _)| a.literal_mask().cmp(b.literal_mask()))
    }

    /// Compiles the schema at `pointer` in the spec document.
    fn compile(&self, pointer: &str) -> Result<Validator, String> {
        let root = json!({ "$ref": format!("{SPEC_URI}#{}", fragment_encode(pointer)) });
        jsonschema::options()
            .with_draft(Draft::Draft202012)
            .with_registry(&self.registry)
            // Discord rejects malformed URLs and timestamps, so `uri` and `date-time` are
            // checked; OpenAPI's numeric formats (`int32`, `int64`, `double`) and Discord's own
            // (`snowflake`, `nonce`) are unknown to the validator and stay annotations.
            .should_validate_formats(true)
            .build(&root)
            .map_err(|error| error.to_string())
    }
}

impl Route {
    /// Whether the template matches the decoded request segments.
    fn matches(&self, request: &[Cow<'_, str>]) -> bool {
        self.segments.len() == request.len()
            && self
                .segments
                .iter()
                .zip(request)
                .all(|(segment, actual)| match segment {
                    Segment::Literal(literal) => literal == actual,
                    Segment::Parameter => true,
                })
    }

    /// One flag per segment, `true` for a literal, for ranking matching templates.
    fn literal_mask(&self) -> impl Iterator<Item = bool> + '_ {
        self.segments
            .iter()
            .map(|segment| matches!(segment, Segment::Literal(_)))
    }
}

/// [`SpecValidator::locate`] without the process environment: `env_value` is the value of
/// `DISCORD_OPENAPI_SPEC`, `starts` the directories to walk up from, in order.
fn locate_from(env_value: Option<OsString>, starts: &[PathBuf]) -> Option<PathBuf> {
    if let Some(explicit) = env_value.filter(|value| !value.is_empty()) {
        return Some(PathBuf::from(explicit));
    }
    // Walking every ancestor also covers a sibling checkout: for a checkout at X/main the
    // ancestor X holds X/shared/..., which is `../shared/...` seen from the checkout.
    starts
        .iter()
        .flat_map(|start| start.ancestors())
        .map(|dir| dir.join(SPEC_RELATIVE_PATH))
        .find(|candidate| candidate.is_file())
}

/// Reads every path template and operation out of the spec, or `None` if `paths` is missing.
fn collect_routes(document: &Value) -> Option<Vec<Route>> {
    let paths = document.get("paths")?.as_object()?;
    let routes = paths
        .iter()
        .filter_map(|(template, item)| {
            let item = item.as_object()?;
            let operations = OPERATION_METHODS
                .iter()
                .filter_map(|&method| {
                    let operation = item.get(method)?;
                    let base = format!("/paths/{}/{method}", pointer_escape(template));
                    Some(Operation {
                        method: method.to_ascii_uppercase(),
                        body: body_schema(document, operation, &base),
                        compiled: OnceLock::new(),
                        responses: response_schemas(document, operation, &base),
                    })
                })
                .collect();
            Some(Route {
                template: template.clone(),
                segments: parse_template(template),
                operations,
            })
        })
        .collect();
    Some(routes)
}

/// Splits a template such as `/channels/{channel_id}/messages` into segments.
fn parse_template(template: &str) -> Vec<Segment> {
    template
        .split('/')
        .filter(|segment| !segment.is_empty())
        .map(|segment| {
            if segment.starts_with('{') && segment.ends_with('}') {
                Segment::Parameter
            } else {
                Segment::Literal(segment.to_owned())
            }
        })
        .collect()
}

/// Locates the request-body schema of `operation`, whose own pointer is `base`.
///
/// `application/json` is preferred. Failing that, the multipart schema's `payload_json`
/// property is used when there is one, since that part carries the JSON body of a multipart
/// request; otherwise the multipart or form schema itself.
fn body_schema(document: &Value, operation: &Value, base: &str) -> Option<BodySchema> {
    let mut pointer = format!("{base}/requestBody");
    let mut request_body = operation.get("requestBody")?;
    // A request body may itself be a `$ref` to `#/components/requestBodies/...`.
    if let Some(target) = request_body.get("$ref").and_then(Value::as_str) {
        let target = target.strip_prefix('#')?;
        request_body = document.pointer(target)?;
        target.clone_into(&mut pointer);
    }
    let required = request_body
        .get("required")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let content = request_body.get("content")?.as_object()?;
    let schema_of = |media_type: &str| {
        content.get(media_type)?.get("schema")?;
        Some(format!(
            "{pointer}/content/{}/schema",
            pointer_escape(media_type)
        ))
    };
    let schema = schema_of("application/json")
        .or_else(|| {
            let multipart = schema_of("multipart/form-data")?;
            Some(find_payload_json(document, &multipart, 0).unwrap_or(multipart))
        })
        .or_else(|| schema_of("application/x-www-form-urlencoded"))?;
    Some(BodySchema {
        pointer: schema,
        required,
    })
}

/// The documented responses of `operation`, whose own pointer is `base`, with the pointer of
/// each one's `application/json` schema.
fn response_schemas(document: &Value, operation: &Value, base: &str) -> Vec<ResponseSchema> {
    let Some(responses) = operation.get("responses").and_then(Value::as_object) else {
        return Vec::new();
    };
    responses
        .iter()
        .map(|(status, response)| {
            let mut pointer = format!("{base}/responses/{}", pointer_escape(status));
            let mut response = response;
            // A response may itself be a `$ref` to `#/components/responses/...`.
            if let Some(target) = response
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|t| t.strip_prefix('#'))
            {
                if let Some(found) = document.pointer(target) {
                    response = found;
                    target.clone_into(&mut pointer);
                }
            }
            let schema = response
                .get("content")
                .and_then(|c| c.get("application/json"))
                .and_then(|j| j.get("schema"))
                .map(|_| format!("{pointer}/content/application~1json/schema"));
            ResponseSchema {
                status: status.to_ascii_uppercase(),
                pointer: schema,
                compiled: OnceLock::new(),
            }
        })
        .collect()
}

/// Finds the schema of a `payload_json` property reachable from the schema at `pointer`,
/// looking through local `$ref`s and `allOf`/`anyOf`/`oneOf`. Prefers the property's
/// `contentSchema`, which is how `OpenAPI` 3.1 describes JSON carried inside a string.
fn find_payload_json(document: &Value, pointer: &str, depth: usize) -> Option<String> {
    // Guards against reference cycles; real multipart schemas nest two or three levels.
    if depth > 8 {
        return None;
    }
    let schema = document.pointer(pointer)?;
    if let Some(target) = schema.get("$ref").and_then(Value::as_str) {
        if let Some(found) = find_payload_json(document, target.strip_prefix('#')?, depth + 1) {
            return Some(found);
        }
    }
    if let Some(property) = schema.get("properties").and_then(|p| p.get("payload_json")) {
        let property_pointer = format!("{pointer}/properties/payload_json");
        return Some(if property.get("contentSchema").is_some() {
            format!("{property_pointer}/contentSchema")
        } else {
            property_pointer
        });
    }
    ["allOf", "anyOf", "oneOf"].iter().find_map(|keyword| {
        let branches = schema.get(*keyword)?.as_array()?;
        (0..branches.len()).find_map(|index| {
            find_payload_json(document, &format!("{pointer}/{keyword}/{index}"), depth + 1)
        })
    })
}

/// Applies [`SPEC_CORRECTIONS`] to the document, skipping (with a warning) any that no longer
/// fits the spec.
fn apply_corrections(document: &mut Value) {
    for correction in SPEC_CORRECTIONS {
        let applied = document
            .pointer_mut(correction.pointer)
            .is_some_and(|node| apply_correction(node, correction.kind));
        if applied {
            tracing::debug!(
                schema = correction.pointer,
                reason = correction.reason,
                "corrected the Discord OpenAPI spec"
            );
        } else {
            tracing::warn!(
                schema = correction.pointer,
                "a correction to the Discord OpenAPI spec no longer applies; the spec has \
                 changed there and the correction should be reviewed"
            );
        }
    }
}

/// Applies one correction to `node`; `false` if the node is not shaped as expected.
fn apply_correction(node: &mut Value, kind: CorrectionKind) -> bool {
    match kind {
        CorrectionKind::AcceptDecimalString => {
            let is_integer = match node.get("type") {
                Some(Value::String(single)) => single == "integer",
                Some(Value::Array(types)) => {
                    types.iter().any(|t| t == "integer") && !types.iter().any(|t| t == "string")
                }
                _ => false,
            };
            if is_integer {
                let original = node.take();
                *node = json!({
                    "anyOf": [original, { "type": "string", "pattern": "^(0|[1-9][0-9]*)$" }]
                });
            }
            is_integer
        }
        CorrectionKind::MaxLength(limit) => {
            let Some(Value::Number(current)) = node.get_mut("maxLength") else {
                return false;
            };
            if current.as_u64().is_some_and(|current| current > limit) {
                *current = limit.into();
                true
            } else {
                false
            }
        }
    }
}

/// Strips a query string or fragment and an `/api` or `/api/v<N>` prefix.
fn route_path(path: &str) -> &str {
    let path = path.split(['?', '#']).next().unwrap_or_default();
    let Some(rest) = path.strip_prefix("/api") else {
        return path;
    };
    if !(rest.is_empty() || rest.starts_with('/')) {
        // `/apifoo` is not the API prefix.
        return path;
    }
    if let Some(versioned) = rest.strip_prefix("/v") {
        let end = versioned.find('/').unwrap_or(versioned.len());
        if end > 0 && versioned[..end].bytes().all(|b| b.is_ascii_digit()) {
            return &versioned[end..];
        }
    }
    rest
}

/// Decodes `%XX` escapes so that e.g. `%40me` matches the literal `@me`. Malformed escapes and
/// escapes that do not decode to UTF-8 leave the segment as it was.
fn percent_decode(segment: &str) -> Cow<'_, str> {
    if !segment.contains('%') {
        return Cow::Borrowed(segment);
    }
    let bytes = segment.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' {
            let escape = segment
                .get(index + 1..index + 3)
                .and_then(|hex| u8::from_str_radix(hex, 16).ok());
            match escape {
                Some(byte) => {
                    decoded.push(byte);
                    index += 3;
                }
                None => return Cow::Borrowed(segment),
            }
        } else {
            decoded.push(bytes[index]);
            index += 1;
        }
    }
    String::from_utf8(decoded).map_or(Cow::Borrowed(segment), Cow::Owned)
}

/// Escapes one JSON-pointer reference token (RFC 6901).
fn pointer_escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Percent-encodes a JSON pointer for use as a URI fragment (RFC 6901 section 6); the spec's
/// templates contain `{` and `}`, which a fragment may not.
fn fragment_encode(pointer: &str) -> String {
    let mut encoded = String::with_capacity(pointer.len());
    for byte in pointer.bytes() {
        let allowed = byte.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/?".contains(&byte);
        if allowed {
            encoded.push(char::from(byte));
        } else {
            encoded.push('%');
            for nibble in [byte >> 4, byte & 0x0F] {
                encoded.push(char::from(b"0123456789ABCDEF"[usize::from(nibble)]));
            }
        }
    }
    encoded
}

/// One problem found in a body, before rendering.
#[derive(Debug, Clone, PartialEq)]
struct Problem {
    /// JSON pointer into the body.
    pointer: String,
    /// What is wrong there.
    detail: Detail,
    /// How deep into the body validation got before this problem: the pointer's depth, or for
    /// a failed union the depth its closest alternatives reached. A deeper reach means a union
    /// alternative matched more of the body.
    reach: usize,
}

/// What is wrong at a [`Problem`]'s location.
#[derive(Debug, Clone, PartialEq)]
enum Detail {
    /// The value (quoted) is none of the allowed values: `enum`/`const` failures, kept apart so
    /// that the alternatives of a union can be merged into one readable list.
    NotAllowed { value: String, allowed: Vec<Value> },
    /// Any other problem, already phrased.
    Text(String),
}

impl Problem {
    /// A problem whose reach is its own location.
    fn new(pointer: String, detail: Detail) -> Self {
        let reach = pointer.matches('/').count();
        Self {
            pointer,
            detail,
            reach,
        }
    }

    /// The problem as one line: pointer, then what is wrong.
    fn render(&self) -> String {
        let location = if self.pointer.is_empty() {
            "(root)"
        } else {
            &self.pointer
        };
        match &self.detail {
            Detail::Text(text) => format!("{location}: {text}"),
            Detail::NotAllowed { value, allowed } => {
                let allowed: Vec<String> = allowed.iter().map(Value::to_string).collect();
                if let [only] = allowed.as_slice() {
                    format!("{location}: {value} is not the allowed value {only}")
                } else {
                    format!(
                        "{location}: {value} is not one of the allowed values {}",
                        allowed.join(", ")
                    )
                }
            }
        }
    }
}

/// Turns validation errors into at most [`MAX_REPORTED_PROBLEMS`] readable lines.
fn describe_errors<'a>(errors: impl Iterator<Item = ValidationError<'a>>) -> Vec<String> {
    let mut problems = Vec::new();
    for error in errors {
        problems.extend(explain(&error));
    }
    let problems = merge_same_location(problems);
    let mut lines: Vec<String> = Vec::new();
    let mut seen = HashSet::new();
    for line in problems.iter().map(Problem::render) {
        if seen.insert(line.clone()) {
            lines.push(line);
        }
    }
    if lines.len() > MAX_REPORTED_PROBLEMS {
        let hidden = lines.len() - (MAX_REPORTED_PROBLEMS - 1);
        lines.truncate(MAX_REPORTED_PROBLEMS - 1);
        lines.push(format!("... and {hidden} more problems"));
    }
    lines
}

/// Explains one error. A failed `anyOf`/`oneOf` is explained through the alternative that got
/// furthest into the body (deepest problem, then fewest problems), because that is almost
/// always the shape the sender meant. Equally good alternatives that each reject one value at
/// the same place are merged into one list of allowed values; other ties are reported as a
/// mismatch at the union's location followed by what each of them found.
fn explain(error: &ValidationError<'_>) -> Vec<Problem> {
    let pointer = error.instance_path().as_str().to_owned();
    match error.kind() {
        ValidationErrorKind::AnyOf { context } | ValidationErrorKind::OneOfNotValid { context }
            if !context.is_empty() =>
        {
            let branches: Vec<Vec<Problem>> = context
                .iter()
                .map(|branch| merge_same_location(branch.iter().flat_map(explain).collect()))
                .collect();
            let score = |problems: &Vec<Problem>| {
                let reach = problems
                    .iter()
                    .map(|problem| problem.reach)
                    .max()
                    .unwrap_or(0);
                (reach, std::cmp::Reverse(problems.len()))
            };
            let Some(best) = branches.iter().map(score).max() else {
                return vec![generic(error, pointer)];
            };
            let tied: Vec<&Vec<Problem>> = branches
                .iter()
                .filter(|branch| score(branch) == best)
                .collect();
            if let [only] = tied.as_slice() {
                return (*only).clone();
            }
            if let Some(merged) = merge_alternatives(tied.iter().flat_map(|branch| branch.iter())) {
                return vec![merged];
            }
            let mut problems = vec![Problem {
                reach: best.0,
                detail: Detail::Text(format!(
                    "{} matches none of the {} allowed shapes; the closest fail with:",
                    quote(error.instance()),
                    context.len()
                )),
                pointer,
            }];
            problems.extend(tied.into_iter().flatten().cloned());
            problems
        }
        ValidationErrorKind::Constant { expected_value } => vec![Problem::new(
            pointer,
            Detail::NotAllowed {
                value: quote(error.instance()),
                allowed: vec![expected_value.as_ref().clone()],
            },
        )],
        ValidationErrorKind::Enum { options } => vec![Problem::new(
            pointer,
            Detail::NotAllowed {
                value: quote(error.instance()),
                allowed: options.as_array().cloned().unwrap_or_default(),
            },
        )],
        _ => vec![generic(error, pointer)],
    }
}

/// The validator's own message, with the offending value shortened.
fn generic(error: &ValidationError<'_>, pointer: String) -> Problem {
    let text = error.masked_with(quote(error.instance())).to_string();
    Problem::new(pointer, Detail::Text(text))
}

/// Within one set of problems, intersects the allowed values of several `NotAllowed` problems
/// at the same location (e.g. an `enum` next to an `allOf` of `const`s): the value must satisfy
/// all of them.
fn merge_same_location(problems: Vec<Problem>) -> Vec<Problem> {
    let mut merged: Vec<Problem> = Vec::with_capacity(problems.len());
    for problem in problems {
        let existing = merged.iter_mut().find(|existing| {
            existing.pointer == problem.pointer
                && matches!(existing.detail, Detail::NotAllowed { .. })
        });
        match (existing, &problem.detail) {
            (
                Some(Problem {
                    detail: Detail::NotAllowed { allowed, .. },
                    ..
                }),
                Detail::NotAllowed { allowed: more, .. },
            ) => {
                let intersection: Vec<Value> = allowed
                    .iter()
                    .filter(|value| more.contains(value))
                    .cloned()
                    .collect();
                // Disjoint sets mean nothing is allowed; keep the narrower list, which is the
                // more specific one, rather than an empty list.
                if !intersection.is_empty() {
                    *allowed = intersection;
                }
            }
            _ => merged.push(problem),
        }
    }
    merged
}

/// Merges equally good alternatives of a union into one problem when each is a single
/// disallowed value at the same location; `None` if they are not all of that kind.
fn merge_alternatives<'p>(problems: impl Iterator<Item = &'p Problem>) -> Option<Problem> {
    let mut pointer: Option<&str> = None;
    let mut value: Option<&str> = None;
    let mut allowed: Vec<Value> = Vec::new();
    for problem in problems {
        let Detail::NotAllowed {
            value: shown,
            allowed: more,
        } = &problem.detail
        else {
            return None;
        };
        if *pointer.get_or_insert(&problem.pointer) != problem.pointer {
            return None;
        }
        value.get_or_insert(shown);
        for candidate in more {
            if !allowed.contains(candidate) {
                allowed.push(candidate.clone());
            }
        }
    }
    // Numeric codes read best in order; anything else keeps the spec's order.
    if allowed.iter().all(Value::is_i64) {
        allowed.sort_by_key(|value| value.as_i64().unwrap_or_default());
    }
    Some(Problem::new(
        pointer?.to_owned(),
        Detail::NotAllowed {
            value: value?.to_owned(),
            allowed,
        },
    ))
}

/// A short JSON rendering of a value for messages; long strings are cut and their length given.
fn quote(value: &Value) -> String {
    let rendered = value.to_string();
    if rendered.chars().count() <= MAX_QUOTED_CHARS {
        return rendered;
    }
    let cut: String = rendered.chars().take(MAX_QUOTED_CHARS).collect();
    match value {
        Value::String(text) => format!("{cut}...\" ({} characters)", text.chars().count()),
        Value::Array(items) => format!("{cut}... ({} items)", items.len()),
        Value::Object(_) => format!("{cut}..."),
        _ => rendered,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serenity::all::{
        ButtonStyle, ChannelId, ChannelType, CommandOptionType, CreateActionRow,
        CreateAllowedMentions, CreateAutocompleteResponse, CreateButton, CreateChannel,
        CreateCommand, CreateCommandOption, CreateEmbed, CreateEmbedAuthor, CreateEmbedFooter,
        CreateInputText, CreateInteractionResponse, CreateInteractionResponseFollowup,
        CreateInteractionResponseMessage, CreateMessage, CreateModal, CreateSelectMenu,
        CreateSelectMenuKind, CreateSelectMenuOption, EditInteractionResponse, EditMessage,
        EditRole, InputTextStyle, InstallationContext, InteractionContext, MessageId,
        PermissionOverwrite, PermissionOverwriteType, Permissions, RoleId, Timestamp,
    };
    use std::time::Instant;

    /// The spec, loaded once for all tests; `None` (after saying so) when it is not on disk.
    fn spec() -> Option<&'static SpecValidator> {
        static SPEC: OnceLock<Option<SpecValidator>> = OnceLock::new();
        let spec = SPEC.get_or_init(|| {
            let path = SpecValidator::locate()?;
            let started = Instant::now();
            let spec = SpecValidator::load(&path).expect("the located spec loads");
            println!("loaded {} in {:?}", path.display(), started.elapsed());
            Some(spec)
        });
        if spec.is_none() {
            println!("skipping: the Discord OpenAPI spec was not found (set {SPEC_ENV_VAR})");
        }
        spec.as_ref()
    }

    fn to_json(value: impl serde::Serialize) -> Value {
        serde_json::to_value(value).expect("serenity builders serialise")
    }

    #[track_caller]
    fn assert_valid(spec: &SpecValidator, method: &str, path: &str, body: &Value) {
        let outcome = spec.validate_request(method, path, body);
        assert_eq!(outcome, Validation::Valid, "{method} {path} with {body}");
    }

    /// Asserts the body is invalid and returns the problems for closer checks.
    #[track_caller]
    fn assert_invalid(spec: &SpecValidator, method: &str, path: &str, body: &Value) -> String {
        match spec.validate_request(method, path, body) {
            Validation::Invalid(problems) => {
                assert!(!problems.is_empty());
                assert!(problems.len() <= MAX_REPORTED_PROBLEMS, "{problems:?}");
                problems.join("\n")
            }
            other => panic!("{method} {path} with {body}: expected Invalid, got {other:?}"),
        }
    }

    const CALLBACK: &str = "/api/v10/interactions/1234567890/aW50ZXJhY3Rpb24/callback";

    fn sample_embed() -> CreateEmbed {
        CreateEmbed::new()
            .title("Squad stats")
            .description("Last 7 days")
            .url("https://example.com/stats")
            .colour(0x0058_65F2)
            .timestamp(Timestamp::from_unix_timestamp(1_700_000_000).expect("valid timestamp"))
            .author(CreateEmbedAuthor::new("trakker").icon_url("https://example.com/a.png"))
            .footer(CreateEmbedFooter::new("updated hourly"))
            .field("Hours", "12.5", true)
            .field("Sessions", "7", true)
            .thumbnail("attachment://chart.png")
    }

    fn sample_components() -> Vec<CreateActionRow> {
        vec![
            CreateActionRow::Buttons(vec![
                CreateButton::new("refresh")
                    .label("Refresh")
                    .style(ButtonStyle::Primary),
                CreateButton::new("hide")
                    .label("Hide")
                    .style(ButtonStyle::Secondary)
                    .emoji('🙈'),
                CreateButton::new_link("https://example.com").label("Open"),
            ]),
            CreateActionRow::SelectMenu(
                CreateSelectMenu::new(
                    "period",
                    CreateSelectMenuKind::String {
                        options: vec![
                            CreateSelectMenuOption::new("Week", "7d").default_selection(true),
                            CreateSelectMenuOption::new("Month", "30d").description("30 days"),
                        ],
                    },
                )
                .placeholder("Period")
                .min_values(1)
                .max_values(1),
            ),
        ]
    }

    fn sample_commands() -> Vec<CreateCommand> {
        vec![
            CreateCommand::new("stats")
                .description("Show squad stats")
                .add_option(
                    CreateCommandOption::new(CommandOptionType::String, "game", "Which game")
                        .required(true)
                        .add_string_choice("Valorant", "valorant")
                        .add_string_choice("Dota 2", "dota2"),
                )
                .add_option(
                    CreateCommandOption::new(CommandOptionType::Integer, "days", "How far back")
                        .min_int_value(1)
                        .max_int_value(90),
                )
                .add_option(CreateCommandOption::new(
                    CommandOptionType::User,
                    "player",
                    "Whose stats",
                ))
                .contexts(vec![InteractionContext::Guild])
                .integration_types(vec![InstallationContext::Guild]),
            CreateCommand::new("admin")
                .description("Admin tools")
                .default_member_permissions(Permissions::MANAGE_GUILD)
                .dm_permission(false)
                .add_option(
                    CreateCommandOption::new(
                        CommandOptionType::SubCommand,
                        "channel",
                        "Set the report channel",
                    )
                    .add_sub_option(
                        CreateCommandOption::new(
                            CommandOptionType::Channel,
                            "target",
                            "Report channel",
                        )
                        .channel_types(vec![ChannelType::Text])
                        .required(true),
                    ),
                ),
            CreateCommand::new("when")
                .description("Who plays when")
                .nsfw(false),
        ]
    }

    #[test]
    fn realistic_interaction_callbacks_are_valid() {
        let Some(spec) = spec() else { return };
        assert_valid(
            spec,
            "POST",
            CALLBACK,
            &json!({"type": 4, "data": {"content": "hi", "flags": 64}}),
        );
        assert_valid(spec, "POST", CALLBACK, &json!({"type": 5}));
        let responses = [
            CreateInteractionResponse::Pong,
            CreateInteractionResponse::Acknowledge,
            CreateInteractionResponse::Defer(
                CreateInteractionResponseMessage::new().ephemeral(true),
            ),
            CreateInteractionResponse::Message(
                CreateInteractionResponseMessage::new()
                    .content("Here you go")
                    .embed(sample_embed())
                    .components(sample_components())
                    .allowed_mentions(CreateAllowedMentions::new().empty_users().empty_roles())
                    .ephemeral(true),
            ),
            CreateInteractionResponse::UpdateMessage(
                CreateInteractionResponseMessage::new()
                    .content("updated")
                    .components(vec![]),
            ),
            CreateInteractionResponse::Autocomplete(
                CreateAutocompleteResponse::new()
                    .add_string_choice("Valorant", "valorant")
                    .add_string_choice("Dota 2", "dota2"),
            ),
            CreateInteractionResponse::Modal(CreateModal::new("feedback", "Feedback").components(
                vec![
                    CreateActionRow::InputText(
                        CreateInputText::new(InputTextStyle::Paragraph, "What went wrong?", "text")
                            .required(false)
                            .max_length(1000),
                    ),
                ],
            )),
        ];
        for response in responses {
            assert_valid(spec, "POST", CALLBACK, &to_json(&response));
        }
    }

    #[test]
    fn realistic_command_registrations_are_valid() {
        let Some(spec) = spec() else { return };
        assert_valid(
            spec,
            "PUT",
            "/api/v10/applications/111/commands",
            &to_json(sample_commands()),
        );
        assert_valid(
            spec,
            "PUT",
            "/api/v10/applications/111/guilds/222/commands",
            &to_json(sample_commands()),
        );
        assert_valid(
            spec,
            "POST",
            "/api/v10/applications/111/commands",
            &to_json(&sample_commands()[1]),
        );
        // Hand-written, as a bot without serenity's defaults would send them.
        assert_valid(
            spec,
            "PUT",
            "/api/v10/applications/111/commands",
            &json!([
                {"name": "ping", "description": "Pong!", "default_member_permissions": null,
                 "dm_permission": true, "contexts": [0, 1, 2], "integration_types": [0, 1]},
                {"name": "kick", "description": "Kick someone", "type": 1,
                 "default_member_permissions": "2",
                 "options": [{"type": 6, "name": "who", "description": "Member", "required": true},
                             {"type": 3, "name": "why", "description": "Reason",
                              "choices": [{"name": "spam", "value": "spam"}]}]}
            ]),
        );
    }

    #[test]
    fn realistic_channel_messages_are_valid() {
        let Some(spec) = spec() else { return };
        assert_valid(
            spec,
            "POST",
            "/api/v10/channels/333/messages",
            &json!({"content": "x", "embeds": [{"title": "t", "fields": [
                {"name": "a", "value": "b", "inline": true}]}],
                "components": [{"type": 1, "components": [
                    {"type": 2, "style": 1, "label": "Go", "custom_id": "go"}]}]}),
        );
        assert_valid(
            spec,
            "POST",
            "/api/v10/channels/333/messages",
            &to_json(
                CreateMessage::new()
                    .content("Weekly report")
                    .embed(sample_embed())
                    .components(sample_components())
                    .reference_message((ChannelId::new(333), MessageId::new(444)))
                    .allowed_mentions(CreateAllowedMentions::new().replied_user(false)),
            ),
        );
        assert_valid(
            spec,
            "PATCH",
            "/api/v10/channels/333/messages/444",
            &to_json(
                EditMessage::new()
                    .content("edited")
                    .embeds(vec![])
                    .components(vec![]),
            ),
        );
    }

    #[test]
    fn realistic_webhook_messages_are_valid() {
        let Some(spec) = spec() else { return };
        assert_valid(
            spec,
            "PATCH",
            "/api/v10/webhooks/111/aW50ZXJhY3Rpb24/messages/@original",
            &to_json(
                EditInteractionResponse::new()
                    .content("done")
                    .embed(sample_embed())
                    .components(sample_components()),
            ),
        );
        assert_valid(
            spec,
            "PATCH",
            "/api/v10/webhooks/111/aW50ZXJhY3Rpb24/messages/@original",
            &json!({"content": null, "embeds": [{"title": "t", "description": "d"}]}),
        );
        assert_valid(
            spec,
            "POST",
            "/api/v10/webhooks/111/aW50ZXJhY3Rpb24?wait=true",
            &to_json(
                CreateInteractionResponseFollowup::new()
                    .content("follow-up")
                    .ephemeral(true)
                    .embed(sample_embed()),
            ),
        );
    }

    #[test]
    fn realistic_guild_edits_are_valid() {
        let Some(spec) = spec() else { return };
        let overwrite = PermissionOverwrite {
            allow: Permissions::VIEW_CHANNEL | Permissions::SEND_MESSAGES,
            deny: Permissions::MENTION_EVERYONE,
            kind: PermissionOverwriteType::Role(RoleId::new(555)),
        };
        assert_valid(
            spec,
            "POST",
            "/api/v10/guilds/222/channels",
            &to_json(
                CreateChannel::new("squad-stats")
                    .kind(ChannelType::Text)
                    .topic("Stats")
                    .permissions(vec![overwrite]),
            ),
        );
        assert_valid(
            spec,
            "PATCH",
            "/api/v10/guilds/222/roles/555",
            &to_json(
                EditRole::new()
                    .name("Squad")
                    .permissions(Permissions::SEND_MESSAGES),
            ),
        );
    }

    #[test]
    fn clearly_wrong_bodies_are_invalid_with_readable_problems() {
        let Some(spec) = spec() else { return };
        let mixed = json!({"type": 8, "data": {"choices": [
            {"name": "Valorant", "value": "valorant"}, {"name": "Seven", "value": 7}]}});
        let problems = assert_invalid(spec, "POST", CALLBACK, &mixed);
        assert!(problems.starts_with("/data: "), "{problems}");
        assert!(
            problems.contains("/data/choices/1/value: 7 is not of type \"string\""),
            "{problems}"
        );
        let problems = assert_invalid(spec, "POST", CALLBACK, &json!({"type": 999}));
        assert!(
            problems.starts_with("/type: 999 is not one of the allowed values"),
            "{problems}"
        );

        let long = "x".repeat(2001);
        let problems = assert_invalid(
            spec,
            "POST",
            CALLBACK,
            &json!({"type": 4, "data": {"content": long}}),
        );
        assert!(problems.contains("/data/content: "), "{problems}");
        assert!(
            problems.contains("(2001 characters) is longer than 2000"),
            "{problems}"
        );

        let problems = assert_invalid(
            spec,
            "POST",
            "/api/v10/channels/333/messages",
            &json!({"content": long}),
        );
        assert!(problems.contains("/content: "), "{problems}");

        let problems = assert_invalid(
            spec,
            "POST",
            "/api/v10/channels/333/messages",
            &json!({"embeds": [{"title": 5}]}),
        );
        assert!(
            problems.starts_with("/embeds/0/title: 5 is not of type"),
            "{problems}"
        );

        let problems = assert_invalid(
            spec,
            "POST",
            CALLBACK,
            &json!({"type": 4, "data": {"embeds": [{"title": 5}]}}),
        );
        assert!(
            problems.starts_with("/data/embeds/0/title: 5 is not of type"),
            "{problems}"
        );

        let problems = assert_invalid(
            spec,
            "PUT",
            "/api/v10/applications/111/commands",
            &json!([{"name": "x".repeat(40), "description": "too long a name"}]),
        );
        assert!(problems.contains("/0/name: "), "{problems}");

        let problems = assert_invalid(
            spec,
            "PATCH",
            "/api/v10/webhooks/111/aW50ZXJhY3Rpb24/messages/@original",
            &json!({"embeds": "not a list"}),
        );
        assert!(problems.starts_with("/embeds: "), "{problems}");
    }

    #[test]
    fn problem_lists_stay_short() {
        let Some(spec) = spec() else { return };
        let embeds: Vec<Value> = (0..20).map(|i| json!({"title": i})).collect();
        let problems = assert_invalid(
            spec,
            "POST",
            "/api/v10/channels/333/messages",
            &json!({"embeds": embeds}),
        );
        assert!(problems.ends_with("more problems"), "{problems}");
    }

    #[test]
    fn responses_are_held_to_the_schema_of_their_status() {
        let Some(spec) = spec() else { return };
        let user_path = "/api/v10/users/111";
        let user = json!({
            "id": "111", "username": "ada", "avatar": null, "discriminator": "0",
            "public_flags": 0, "flags": 0, "global_name": null, "primary_guild": null,
        });
        assert_eq!(
            spec.validate_response("GET", user_path, 200, &user),
            Validation::Valid
        );
        let Validation::Invalid(problems) =
            spec.validate_response("GET", user_path, 200, &json!({"id": "111"}))
        else {
            panic!("a user without its required fields is invalid");
        };
        assert!(problems.join("; ").contains("username"), "{problems:?}");
        // Error statuses fall back to the spec's `4XX` answer.
        assert_eq!(
            spec.validate_response(
                "GET",
                user_path,
                404,
                &json!({"code": 10013, "message": "Unknown User"})
            ),
            Validation::Valid
        );
        assert!(matches!(
            spec.validate_response("GET", user_path, 302, &Value::Null),
            Validation::Invalid(_)
        ));
        // 204 has no body.
        assert_eq!(
            spec.validate_response("POST", CALLBACK, 204, &Value::Null),
            Validation::Valid
        );
        assert!(matches!(
            spec.validate_response("POST", CALLBACK, 204, &json!({})),
            Validation::Invalid(_)
        ));
        assert!(matches!(
            spec.validate_response(
                "GET",
                "/api/v10/oauth2/applications/@me",
                200,
                &json!({"id": "1", "name": "trakker", "owner": null})
            ),
            Validation::Invalid(_)
        ));
    }

    #[test]
    fn bodiless_and_unknown_routes_are_told_apart() {
        let Some(spec) = spec() else { return };
        assert_eq!(
            spec.validate_request(
                "GET",
                "/api/v10/channels/333/messages?limit=50",
                &Value::Null
            ),
            Validation::NoSchema
        );
        assert_eq!(
            spec.validate_request("POST", "/api/v10/channels/333/typing", &Value::Null),
            Validation::NoSchema
        );
        assert_eq!(
            spec.validate_request("POST", "/api/v10/made/up/route", &json!({})),
            Validation::UnknownRoute
        );
        assert_eq!(
            spec.validate_request("PUT", "/api/v10/channels/333/messages", &json!({})),
            Validation::UnknownRoute
        );
        // A required body cannot be left out.
        assert!(matches!(
            spec.validate_request("POST", CALLBACK, &Value::Null),
            Validation::Invalid(_)
        ));
    }

    #[test]
    fn literal_segments_beat_parameters() {
        let Some(spec) = spec() else { return };
        let cases = [
            (
                "PATCH",
                "/api/v10/webhooks/1/tok/messages/@original",
                "/webhooks/{webhook_id}/{webhook_token}/messages/@original",
            ),
            (
                "PATCH",
                "/api/v10/webhooks/1/tok/messages/42",
                "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
            ),
            ("GET", "/api/v9/users/@me", "/users/@me"),
            ("GET", "/api/v10/users/%40me", "/users/@me"),
            ("GET", "/api/v10/users/42", "/users/{user_id}"),
            ("GET", "/users/@me/guilds", "/users/@me/guilds"),
            (
                "POST",
                "/api/channels/1/messages/",
                "/channels/{channel_id}/messages",
            ),
        ];
        for (method, path, template) in cases {
            assert_eq!(
                spec.route_template(method, path),
                Some(template),
                "{method} {path}"
            );
        }
    }

    #[test]
    fn every_request_schema_compiles() {
        let Some(spec) = spec() else { return };
        let started = Instant::now();
        let mut count = 0;
        for route in &spec.routes {
            for operation in &route.operations {
                if let Some(body) = &operation.body {
                    let compiled = spec.compile(&body.pointer);
                    assert!(
                        compiled.is_ok(),
                        "{} {}: {compiled:?}",
                        operation.method,
                        route.template
                    );
                    count += 1;
                }
            }
        }
        println!(
            "compiled {count} request schemas in {:?}",
            started.elapsed()
        );
    }

    #[test]
    fn corrections_still_fit_the_spec() {
        let Some(path) = SpecValidator::locate() else {
            println!("skipping: the Discord OpenAPI spec was not found (set {SPEC_ENV_VAR})");
            return;
        };
        let text = std::fs::read(path).expect("spec readable");
        let mut document: Value = serde_json::from_slice(&text).expect("spec is JSON");
        for correction in SPEC_CORRECTIONS {
            let node = document
                .pointer_mut(correction.pointer)
                .unwrap_or_else(|| panic!("{} is gone", correction.pointer));
            assert!(
                apply_correction(node, correction.kind),
                "{} no longer needs {:?}",
                correction.pointer,
                correction.kind
            );
        }
    }

    #[test]
    fn locate_prefers_the_environment_variable() {
        let explicit = PathBuf::from("/somewhere/else/openapi.json");
        assert_eq!(
            locate_from(Some(explicit.clone().into_os_string()), &[]),
            Some(explicit)
        );
    }

    #[test]
    fn locate_walks_up_to_a_sibling_shared_directory() {
        let root = std::env::temp_dir().join(format!("openapi-locate-{}", std::process::id()));
        let spec = root.join(SPEC_RELATIVE_PATH);
        let nested = root.join("main").join("fakecord").join("src");
        std::fs::create_dir_all(spec.parent().expect("has a parent")).expect("mkdir");
        std::fs::create_dir_all(&nested).expect("mkdir");
        std::fs::write(&spec, "{}").expect("write");

        let elsewhere = std::env::temp_dir().join("openapi-locate-nowhere");
        assert_eq!(
            locate_from(None, &[elsewhere.clone(), nested.clone()]),
            Some(spec.clone())
        );
        // An empty variable counts as unset.
        assert_eq!(locate_from(Some(OsString::new()), &[nested]), Some(spec));
        assert_eq!(locate_from(None, std::slice::from_ref(&elsewhere)), None);
        let told = SpecError::NotFound {
            searched: vec![elsewhere.clone(), root.clone()],
        }
        .to_string();
        for needed in [
            SPEC_ENV_VAR,
            SPEC_RELATIVE_PATH,
            &elsewhere.display().to_string(),
            &root.display().to_string(),
        ] {
            assert!(told.contains(needed), "{told} names {needed}");
        }

        std::fs::remove_dir_all(&root).expect("cleanup");
    }

    #[test]
    fn request_paths_are_normalised() {
        assert_eq!(route_path("/api/v10/channels/1?wait=true"), "/channels/1");
        assert_eq!(route_path("/api/v9/users/@me"), "/users/@me");
        assert_eq!(route_path("/api/users/@me"), "/users/@me");
        assert_eq!(route_path("/apiary/x"), "/apiary/x");
        assert_eq!(route_path("/channels/1#frag"), "/channels/1");
        assert_eq!(percent_decode("%40me"), "@me");
        assert_eq!(percent_decode("%F0%9F%94%A5"), "🔥");
        assert_eq!(percent_decode("100%"), "100%");
        assert_eq!(
            fragment_encode("/paths/~1channels~1{channel_id}"),
            "/paths/~1channels~1%7Bchannel_id%7D"
        );
    }

    #[test]
    fn validator_is_shareable() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<SpecValidator>();
    }
}
