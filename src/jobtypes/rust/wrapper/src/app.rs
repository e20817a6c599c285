// Routing: strips the /pub/job/NAME/VERSION prefix, dispatches to the built-in and the job's endpoints, logs a line.
use crate::access_log::AccessLog;
use crate::docs::SwaggerDocs;
use crate::health::JobInfo;
use crate::metrics::Metrics;
use crate::openapi;
use crate::perform;
use crate::perform_gate::PerformGate;
use crate::respond::Reply;
use crate::Perform;
use hyper::header::{HeaderValue, CONTENT_TYPE};
use hyper::{Body, Request, Response, StatusCode};
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Instant;

/// Everything a route needs from the request.
pub struct Call<'a> {
    pub method: &'a str,
    pub prefix: &'a str,
    pub path: &'a str,
    pub body: &'a [u8],
}

pub struct App {
    job: JobInfo,
    home_page: String,
    docs: SwaggerDocs,
    metrics: Metrics,
    openapi: serde_json::Value,
    perform: Perform,
    gate: PerformGate,
    log: AccessLog,
}

/// Probes and scrapes are counted, not logged.
const QUIET_PATHS: [&str; 4] = ["/live", "/ready", "/health", "/metrics"];

/// The built-in paths with the methods each answers; HEAD is answered wherever GET is.
const ROUTES: [(&str, &[&str]); 8] = [
    ("/", &["GET"]),
    ("/live", &["GET"]),
    ("/ready", &["GET"]),
    ("/health", &["GET"]),
    ("/metrics", &["GET"]),
    ("/docs", &["GET"]),
    ("/openapi.json", &["GET"]),
    ("/api/v1/perform", &["POST"]),
];

/// Separates /pub/job/NAME/VERSION (or Racetrack's older /pub/fatman/...) from the rest of the path.
pub fn split_prefix(path: &str) -> (&str, &str) {
    let rest = match path.strip_prefix("/pub/job/").or_else(|| path.strip_prefix("/pub/fatman/")) {
        Some(rest) => rest,
        None => return ("", path),
    };
    let mut parts = rest.splitn(3, '/');
    let (name, version) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    if name.is_empty() || version.is_empty() {
        return ("", path);
    }
    let prefix_len = path.len() - rest.len() + name.len() + 1 + version.len();
    match path[prefix_len..].is_empty() {
        true => (path, "/"),
        false => (&path[..prefix_len], &path[prefix_len..]),
    }
}

impl App {
    pub fn new(job: JobInfo, home_page: String, docs: SwaggerDocs, perform: Perform, workers: usize, log: AccessLog) -> App {
        let openapi = openapi::document(&job);
        App {
            job,
            home_page,
            docs,
            metrics: Metrics::default(),
            openapi,
            perform,
            gate: PerformGate::new(workers),
            log,
        }
    }

    /// Answers one request; never fails (an error is an answer), so hyper's service error type is Infallible.
    pub async fn handle(self: Arc<Self>, request: Request<Body>) -> Result<Response<Body>, Infallible> {
        let started = Instant::now();
        let method = request.method().as_str().to_string();
        let url_path = request.uri().path().to_string();
        let (prefix, path) = split_prefix(&url_path);
        let reply = match hyper::body::to_bytes(request.into_body()).await {
            Ok(body) => {
                let call = Call {
                    method: &method,
                    prefix,
                    path,
                    body: &body,
                };
                let (route, reply) = self.route(&call);
                self.metrics.count_http(&method, route, reply.status);
                reply
            }
            Err(e) => Reply::error(400, &format!("cannot read the request body: {}", e), "ValueError"),
        };
        if !QUIET_PATHS.contains(&path) {
            self.log
                .line(&method, &format!("{}{}", prefix, path), reply.status, started.elapsed());
        }
        let mut response = Response::builder()
            .status(reply.status)
            .header(CONTENT_TYPE, header_value(reply.content_type));
        for (name, value) in &reply.headers {
            response = response.header(*name, header_value(value));
        }
        Ok(response.body(Body::from(reply.body)).unwrap_or_else(|e| {
            let mut failed = Response::new(Body::from(format!("cannot answer: {}", e)));
            *failed.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
            failed
        }))
    }

    /// The metrics label of the route (the path itself for a known one) and the reply.
    fn route(&self, call: &Call) -> (&'static str, Reply) {
        let (route, methods) = match ROUTES.iter().find(|(path, _)| *path == call.path) {
            Some(found) => *found,
            None if call.path.starts_with("/docs/") => return ("/docs/*", self.docs.asset(call)),
            None => return ("unmatched", Reply::error(404, "not found", "NotFound")),
        };
        let method = if call.method == "HEAD" { "GET" } else { call.method };
        if !methods.contains(&method) {
            let reply = Reply::error(405, "method not allowed", "MethodNotAllowed").with_header("Allow", methods.join(", "));
            return (route, reply);
        }
        let reply = match route {
            "/" => self.root(call),
            "/live" => Reply::json(200, &self.job.live()),
            "/ready" => Reply::json(200, &serde_json::json!({"ready": true})),
            "/health" => Reply::json(200, &self.job.health()),
            "/metrics" => Reply::new(
                200,
                "text/plain; version=0.0.4; charset=utf-8",
                self.metrics.render().into_bytes(),
            ),
            "/docs" => self.docs.page(),
            "/openapi.json" => Reply::json(200, &openapi::with_server(&self.openapi, call.prefix)),
            _ => perform::serve(self.perform, &self.gate, &self.metrics, call),
        };
        (route, reply)
    }

    fn root(&self, call: &Call) -> Reply {
        if self.home_page.contains("://") {
            return Reply::redirect(302, self.home_page.clone());
        }
        Reply::redirect(302, format!("{}/{}", call.prefix, self.home_page.trim_start_matches('/')))
    }
}

fn header_value(value: &str) -> HeaderValue {
    // values come from our own code and the operator's flags: anything a header cannot carry is dropped
    let value: String = value.chars().filter(|c| c.is_ascii() && !c.is_ascii_control()).collect();
    HeaderValue::from_str(&value).expect("printable ASCII is a valid header value")
}
