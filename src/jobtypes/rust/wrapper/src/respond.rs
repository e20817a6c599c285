// Answers as (status, content type, extra headers, body), and Racetrack's error body {"error": message, "type": name}.
use serde_json::{json, Value};

pub const JSON: &str = "application/json";

pub struct Reply {
    pub status: u16,
    pub content_type: &'static str,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn new(status: u16, content_type: &'static str, body: Vec<u8>) -> Reply {
        Reply {
            status,
            content_type,
            headers: Vec::new(),
            body,
        }
    }

    pub fn json(status: u16, value: &Value) -> Reply {
        Reply::new(
            status,
            JSON,
            serde_json::to_vec(value).expect("a serde_json::Value always encodes"),
        )
    }

    pub fn error(status: u16, message: &str, error_type: &str) -> Reply {
        Reply::json(status, &json!({"error": message, "type": error_type}))
    }

    pub fn redirect(status: u16, location: String) -> Reply {
        Reply::new(status, "text/plain", Vec::new()).with_header("Location", location)
    }

    pub fn with_header(mut self, name: &'static str, value: String) -> Reply {
        self.headers.push((name, value));
        self
    }
}
