// OpenAPI 3 document of the job: perform takes any JSON object (perform()'s input is a map), plus the probes.
use crate::health::JobInfo;
use crate::respond::JSON;
use serde_json::{json, Value};

pub fn document(job: &JobInfo) -> Value {
    let error_schema = json!({"type": "object", "properties": {"error": {"type": "string"}, "type": {"type": "string"}}});
    let error_response = |description: &str| json!({"description": description, "content": {JSON: {"schema": error_schema}}});
    let plain = |summary: &str, content_type: &str| json!({"get": {"tags": ["Health"], "summary": summary, "responses": {"200": {"description": "OK", "content": {content_type: {}}}}}});
    json!({
        "openapi": "3.0.3",
        "info": {"title": format!("Job - {}", job.name), "version": job.version, "description": "Racetrack job wrapped in a REST server"},
        "paths": {
            "/api/v1/perform": {"post": {
                "tags": ["API"],
                "summary": "Call main action",
                "operationId": "perform",
                "requestBody": {"required": true, "content": {JSON: {"schema": {"type": "object", "additionalProperties": true}}}},
                "responses": {
                    "200": {"description": "Result", "content": {JSON: {"schema": {}}}},
                    "400": error_response("Invalid input"),
                    "500": error_response("The job failed"),
                },
            }},
            "/health": plain("Job status", JSON),
            "/live": plain("Liveness: the server has started", JSON),
            "/ready": plain("Readiness: the job is initialised", JSON),
            "/metrics": plain("Prometheus metrics", "text/plain"),
        },
        "components": {"securitySchemes": {"RacetrackAuth": {"type": "apiKey", "in": "header", "name": "X-Racetrack-Auth"}}},
        "security": [{"RacetrackAuth": []}],
    })
}

/// The document with its servers set to the prefix it was fetched under, so "Try it out" goes through the gateway.
pub fn with_server(document: &Value, prefix: &str) -> Value {
    let mut document = document.clone();
    if !prefix.is_empty() {
        document["servers"] = json!([{"url": prefix}]);
    }
    document
}
