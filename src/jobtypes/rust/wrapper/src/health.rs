// Liveness, readiness and health: a Rust job is ready once it listens (it has no initialisation step).
use serde_json::{json, Value};
use std::env;

pub struct JobInfo {
    pub name: String,
    pub version: String,
}

impl JobInfo {
    pub fn from_env() -> JobInfo {
        JobInfo {
            name: env::var("JOB_NAME").unwrap_or_default(),
            version: env::var("JOB_VERSION").unwrap_or_default(),
        }
    }

    pub fn live(&self) -> Value {
        json!({"live": true, "deployment_timestamp": deployment_timestamp()})
    }

    pub fn health(&self) -> Value {
        json!({
            "service": "job",
            "job_name": self.name,
            "job_version": self.version,
            "status": "pass",
            "live": true,
            "ready": true,
            "error": null,
            "deployment_timestamp": deployment_timestamp(),
            "git_version": env_or_null("GIT_VERSION"),
            "deployed_by_racetrack_version": env_or_null("DEPLOYED_BY_RACETRACK_VERSION"),
            "job_type_version": env_or_null("JOB_TYPE_VERSION"),
        })
    }
}

/// The variable's value, or null when it is not set.
fn env_or_null(name: &str) -> Value {
    env::var(name).map(Value::String).unwrap_or(Value::Null)
}

/// JOB_DEPLOYMENT_TIMESTAMP as a number when it is one.
fn deployment_timestamp() -> Value {
    match env::var("JOB_DEPLOYMENT_TIMESTAMP") {
        Ok(value) => value.parse::<u64>().map(Value::from).unwrap_or(Value::String(value)),
        Err(_) => Value::Null,
    }
}
