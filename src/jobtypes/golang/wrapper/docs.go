// Swagger UI at /docs with its assets served from a local swagger-ui-dist folder, so it works offline.
// Every URL in the page is relative, so it works at / and under /pub/job/NAME/VERSION alike.
package main

import (
	"html"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
)

const docsPage = `<!DOCTYPE html>
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
`

// assetName: a plain file name inside the folder, never a path
var assetName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]*$`)

var assetTypes = map[string]string{
	".css": "text/css", ".js": "text/javascript", ".png": "image/png", ".html": "text/html",
	".json": "application/json", ".map": "application/json",
}

type swaggerDocs struct {
	html   []byte
	dir    string
	assets sync.Map // name -> []byte
}

func newSwaggerDocs(jobName, dir string) *swaggerDocs {
	if info, err := os.Stat(dir); dir == "" || err != nil || !info.IsDir() {
		log.Printf("no swagger-ui-dist folder (--swagger-ui-dir %q): /docs will miss its scripts and styles", dir)
		dir = ""
	}
	title := html.EscapeString("Job - " + jobName + " - Swagger UI")
	page := strings.Replace(docsPage, "TITLE", title, 1)
	return &swaggerDocs{html: []byte(page), dir: dir}
}

func (d *swaggerDocs) page(w http.ResponseWriter, r request) int {
	return writeBytes(w, http.StatusOK, "text/html; charset=utf-8", d.html)
}

func (d *swaggerDocs) asset(w http.ResponseWriter, r request) int {
	name := r.path[len("/docs/"):]
	if name == "" { // relative URLs need the page at .../docs, not .../docs/
		w.Header().Set("Location", r.prefix+"/docs")
		w.WriteHeader(http.StatusTemporaryRedirect)
		return http.StatusTemporaryRedirect
	}
	content, cached := d.assets.Load(name)
	if !cached {
		if d.dir == "" || !assetName.MatchString(name) {
			return writeError(w, http.StatusNotFound, "not found", "NotFound")
		}
		data, err := os.ReadFile(filepath.Join(d.dir, name))
		if err != nil {
			return writeError(w, http.StatusNotFound, "not found", "NotFound")
		}
		content, _ = d.assets.LoadOrStore(name, data)
	}
	contentType, known := assetTypes[filepath.Ext(name)]
	if !known {
		contentType = "application/octet-stream"
	}
	w.Header().Set("Cache-Control", "public, max-age=86400")
	return writeBytes(w, http.StatusOK, contentType, content.([]byte))
}
