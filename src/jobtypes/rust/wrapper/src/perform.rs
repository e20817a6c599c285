// POST /api/v1/perform: a JSON object in, perform()'s result out; a panic in perform() answers 500.
use crate::app::Call;
use crate::metrics::Metrics;
use crate::perform_gate::PerformGate;
use crate::respond::Reply;
use crate::Perform;
use serde_json::Value;
use std::collections::HashMap;
use std::panic::{self, AssertUnwindSafe};
use std::time::Instant;

pub fn serve(perform: Perform, gate: &PerformGate, metrics: &Metrics, call: &Call) -> Reply {
    let input: HashMap<String, Value> = if call.body.is_empty() {
        HashMap::new()
    } else {
        match serde_json::from_slice::<Value>(call.body) {
            Ok(Value::Object(object)) => object.into_iter().collect(),
            Ok(_) => return Reply::error(400, "request body must be a JSON object of named parameters", "ValueError"),
            Err(e) => return Reply::error(400, &format!("request body is not valid JSON: {}", e), "ValueError"),
        }
    };

    metrics.call_started("/perform");
    let started = Instant::now();
    // the panic itself is printed on stderr by the default hook, with its file and line
    let outcome = gate.run(|| panic::catch_unwind(AssertUnwindSafe(|| perform(input))));
    metrics.call_done("/perform", started.elapsed().as_secs_f64(), outcome.is_err());
    match outcome {
        Ok(result) => Reply::json(200, &result),
        Err(payload) => {
            let message = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "perform() panicked".to_string());
            eprintln!(
                "racetrack_job_wrapper: {} {}{} failed: {}",
                call.method, call.prefix, call.path, message
            );
            Reply::error(500, &message, "panic")
        }
    }
}
