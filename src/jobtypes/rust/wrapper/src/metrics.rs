// Prometheus metrics with the same names as the python3 wrapper: Racetrack's job metrics and per-route request counters.
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

#[rustfmt::skip]
const BUCKETS: [f64; 25] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5,
    10.0, 25.0, 50.0, 75.0, 100.0, 250.0, 500.0, 750.0, 1000.0, f64::INFINITY,
];

struct Histogram {
    counts: [u64; 25],
    sum: f64,
}

#[derive(Default)]
struct Counts {
    http: BTreeMap<(String, &'static str, u16), u64>,
    started: BTreeMap<&'static str, u64>,
    errors: BTreeMap<&'static str, u64>,
    durations: BTreeMap<&'static str, Histogram>,
    done: u64,
    last_call: f64,
}

#[derive(Default)]
pub struct Metrics {
    counts: Mutex<Counts>,
}

type Labels<'a> = Vec<(&'a str, String)>;

impl Metrics {
    fn lock(&self) -> std::sync::MutexGuard<'_, Counts> {
        // counters stay usable even if a thread panicked while holding them
        self.counts.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub fn count_http(&self, method: &str, route: &'static str, status: u16) {
        *self.lock().http.entry((method.to_string(), route, status)).or_insert(0) += 1;
    }

    pub fn call_started(&self, endpoint: &'static str) {
        *self.lock().started.entry(endpoint).or_insert(0) += 1;
    }

    pub fn call_done(&self, endpoint: &'static str, seconds: f64, failed: bool) {
        let mut counts = self.lock();
        let histogram = counts.durations.entry(endpoint).or_insert(Histogram {
            counts: [0; 25],
            sum: 0.0,
        });
        let bucket = BUCKETS.iter().position(|le| seconds <= *le).unwrap_or(BUCKETS.len() - 1);
        histogram.counts[bucket] += 1;
        histogram.sum += seconds;
        if failed {
            *counts.errors.entry(endpoint).or_insert(0) += 1;
        }
        counts.done += 1;
        counts.last_call = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs_f64())
            .unwrap_or(0.0);
    }

    pub fn render(&self) -> String {
        let counts = self.lock();
        let mut out = String::new();
        let started: u64 = counts.started.values().sum();
        family(
            &mut out,
            "requests_started_total",
            "counter",
            "Total number of started requests calling Job (may be not finished yet)",
            &[(vec![], started as f64)],
        );
        family(
            &mut out,
            "requests_done_total",
            "counter",
            "Total number of finished requests calling Job (processed and done)",
            &[(vec![], counts.done as f64)],
        );
        family(
            &mut out,
            "endpoint_requests_started_total",
            "counter",
            "Started requests calling Job per endpoint",
            &per_endpoint(&counts.started),
        );
        family(
            &mut out,
            "request_internal_errors_total",
            "counter",
            "Number of errors raised by the Job per endpoint",
            &per_endpoint(&counts.errors),
        );
        out.push_str("# HELP request_duration Duration of Job calls in seconds\n# TYPE request_duration histogram\n");
        for (endpoint, histogram) in &counts.durations {
            let mut cumulative = 0;
            for (le, n) in BUCKETS.iter().zip(histogram.counts.iter()) {
                cumulative += n;
                let _ = writeln!(
                    out,
                    "request_duration_bucket{} {}",
                    labels(&[("endpoint", endpoint.to_string()), ("le", number(*le))]),
                    cumulative
                );
            }
            let _ = writeln!(
                out,
                "request_duration_sum{} {}",
                labels(&[("endpoint", endpoint.to_string())]),
                number(histogram.sum)
            );
            let _ = writeln!(
                out,
                "request_duration_count{} {}",
                labels(&[("endpoint", endpoint.to_string())]),
                cumulative
            );
        }
        family(
            &mut out,
            "last_call_timestamp",
            "gauge",
            "Timestamp (in seconds) of the last request calling Job",
            &[(vec![], counts.last_call)],
        );
        let requests: Vec<(Labels, f64)> = counts
            .http
            .iter()
            .map(|((method, route, status), n)| {
                (
                    vec![
                        ("method", method.clone()),
                        ("route", route.to_string()),
                        ("status", status.to_string()),
                    ],
                    *n as f64,
                )
            })
            .collect();
        family(
            &mut out,
            "http_requests_total",
            "counter",
            "HTTP requests served by the wrapper per route and status",
            &requests,
        );
        out
    }
}

fn per_endpoint(counts: &BTreeMap<&'static str, u64>) -> Vec<(Labels<'static>, f64)> {
    counts
        .iter()
        .map(|(endpoint, n)| (vec![("endpoint", endpoint.to_string())], *n as f64))
        .collect()
}

fn family(out: &mut String, name: &str, kind: &str, help: &str, samples: &[(Labels, f64)]) {
    let _ = write!(out, "# HELP {} {}\n# TYPE {} {}\n", name, help, name, kind);
    for (sample_labels, value) in samples {
        let _ = writeln!(out, "{}{} {}", name, labels(sample_labels), number(*value));
    }
}

fn labels(pairs: &[(&str, String)]) -> String {
    if pairs.is_empty() {
        return String::new();
    }
    let escaped: Vec<String> = pairs
        .iter()
        .map(|(name, value)| {
            format!(
                "{}=\"{}\"",
                name,
                value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
            )
        })
        .collect();
    format!("{{{}}}", escaped.join(","))
}

/// A sample value as the python3 wrapper writes it (3.0, 0.25, +Inf), so every wrapper scrapes alike.
fn number(value: f64) -> String {
    if value.is_nan() {
        "NaN".to_string()
    } else if value.is_infinite() {
        if value > 0.0 { "+Inf" } else { "-Inf" }.to_string()
    } else if value.fract() == 0.0 && value.abs() < 1e16 {
        format!("{:.1}", value)
    } else {
        format!("{}", value)
    }
}
