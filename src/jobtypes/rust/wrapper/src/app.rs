// Routing: strips the /pub/job/NAME/VERSION prefix, dispatches to the built-in and the job's endpoints, logs a line.
use crate::access_log::AccessLog;
use crate::docs::SwaggerDocs;
use crate::health::JobInfo;
use crate::metrics::Metrics;
use crate::openapi;
use crate::perform;
use crate::respond::Reply;
use crate::Perform;
use std::time::Instant;
use tiny_http::{Header, Request, Response};

/// Everything a route needs from the request.
pub struct Call<'a> {
    pub method: &'a str,
    pub prefix: &'a str,
    pub path: &'a str,
    pub body: Vec<u8>,
}

pub struct App {
    job: JobInfo,
    home_page: String,
    docs: SwaggerDocs,
    metrics: Metrics,
    openapi: serde_json::Value,
    perform: Perform,
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
    pub fn new(job: JobInfo, home_page: String, docs: SwaggerDocs, perform: Perform, log: AccessLog) -> App {
        let openapi = openapi::document(&job);
        App {
            job,
            home_page,
            docs,
            metrics: Metrics::default(),
            openapi,
            perform,
            log,
        }
    }

    pub fn handle(&self, mut request: Request) {
        let started = Instant::now();
        let url = request.url().to_string();
        let method = request.method().as_str().to_string();
        let (prefix, path) = split_prefix(url.split('?').next().unwrap_or(""));
        let mut body = Vec::new();
        let reply = match request.as_reader().read_to_end(&mut body) {
            Ok(_) => {
                let call = Call {
                    method: &method,
                    prefix,
                    path,
                    body,
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
        let mut response = Response::from_data(reply.body)
            .with_status_code(reply.status)
            .with_header(header("Content-Type", reply.content_type));
        for (name, value) in &reply.headers {
            response.add_header(header(name, value));
        }
        let _ = request.respond(response); // a client that went away is not our error
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
            _ => perform::serve(self.perform, &self.metrics, call),
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

fn header(name: &str, value: &str) -> Header {
    // values come from our own code and the operator's flags: anything a header cannot carry is dropped
    let value: String = value.chars().filter(|c| c.is_ascii() && !c.is_ascii_control()).collect();
    Header::from_bytes(name.as_bytes(), value.as_bytes()).expect("printable ASCII is a valid header")
}
