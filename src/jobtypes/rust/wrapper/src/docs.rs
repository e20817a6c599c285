// Swagger UI at /docs with its assets served from a local swagger-ui-dist folder, so it works offline.
// Every URL in the page is relative, so it works at / and under /pub/job/NAME/VERSION alike.
use crate::app::Call;
use crate::respond::Reply;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

const PAGE: &str = r#"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>TITLE</title>
<link rel="stylesheet" href="docs/swagger-ui.css">
<link rel="icon" type="image/png" href="docs/favicon-32x32.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="docs/swagger-ui-bundle.js"></script>
<script>
window.ui = SwaggerUIBundle({
  url: new URL('openapi.json', document.baseURI).href,
  dom_id: '#swagger-ui',
  deepLinking: true,
  presets: [SwaggerUIBundle.presets.apis, SwaggerUIBundle.SwaggerUIStandalonePreset],
  layout: 'BaseLayout',
});
</script>
</body>
</html>
"#;

pub struct SwaggerDocs {
    html: Vec<u8>,
    dir: Option<PathBuf>,
    assets: Mutex<HashMap<String, Arc<Vec<u8>>>>,
}

/// A plain file name inside the folder, never a path.
fn is_asset_name(name: &str) -> bool {
    let mut chars = name.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphanumeric())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_' || c == '-')
}

fn asset_type(name: &str) -> &'static str {
    match name.rsplit('.').next().unwrap_or("") {
        "css" => "text/css",
        "js" => "text/javascript",
        "png" => "image/png",
        "html" => "text/html",
        "json" | "map" => "application/json",
        _ => "application/octet-stream",
    }
}

fn escape_html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#x27;")
}

impl SwaggerDocs {
    pub fn new(job_name: &str, dir: Option<String>) -> SwaggerDocs {
        let dir = dir.map(PathBuf::from).filter(|d| d.is_dir());
        if dir.is_none() {
            eprintln!(
                "racetrack_job_wrapper: no swagger-ui-dist folder (--swagger-ui-dir): /docs will miss its scripts and styles"
            );
        }
        let title = escape_html(&format!("Job - {} - Swagger UI", job_name));
        SwaggerDocs {
            html: PAGE.replacen("TITLE", &title, 1).into_bytes(),
            dir,
            assets: Mutex::new(HashMap::new()),
        }
    }

    pub fn page(&self) -> Reply {
        Reply::new(200, "text/html; charset=utf-8", self.html.clone())
    }

    pub fn asset(&self, call: &Call) -> Reply {
        let name = &call.path["/docs/".len()..];
        if name.is_empty() {
            // relative URLs need the page at .../docs, not .../docs/
            return Reply::redirect(307, format!("{}/docs", call.prefix));
        }
        let cached = self.assets.lock().unwrap_or_else(|p| p.into_inner()).get(name).cloned();
        let content = match cached {
            Some(content) => content,
            None => {
                let dir = match &self.dir {
                    Some(dir) if is_asset_name(name) => dir,
                    _ => return Reply::error(404, "not found", "NotFound"),
                };
                let content = match std::fs::read(dir.join(name)) {
                    Ok(data) => Arc::new(data),
                    Err(_) => return Reply::error(404, "not found", "NotFound"),
                };
                self.assets
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(name.to_string(), content.clone());
                content
            }
        };
        Reply::new(200, asset_type(name), content.to_vec()).with_header("Cache-Control", "public, max-age=86400".to_string())
    }
}
