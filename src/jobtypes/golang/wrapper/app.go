// Routing: strips the /pub/job/NAME/VERSION prefix, dispatches to the built-in and the job's endpoints, logs a line.
package main

import (
	"net/http"
	"sort"
	"strings"
	"time"
)

// request is what a route handler needs besides the response writer.
type request struct {
	*http.Request
	prefix string // "/pub/job/NAME/VERSION" when called through the gateway, else ""
	path   string // the path after the prefix
}

type handler func(w http.ResponseWriter, r request) int

type app struct {
	job      jobInfo
	metrics  *metrics
	docs     *swaggerDocs
	homePage string
	routes   map[string]map[string]handler // path -> method -> handler
	openapi  []byte
	log      *accessLog
}

// quietPaths are probes and scrapes: counted, not logged
var quietPaths = map[string]bool{"/live": true, "/ready": true, "/health": true, "/metrics": true}

func newApp(job jobInfo, m *metrics, docs *swaggerDocs, homePage string) *app {
	a := &app{job: job, metrics: m, docs: docs, homePage: homePage, openapi: buildOpenAPI(job), log: newAccessLog()}
	a.routes = map[string]map[string]handler{
		"/":               {"GET": a.root},
		"/live":           {"GET": a.live},
		"/ready":          {"GET": a.ready},
		"/health":         {"GET": a.health},
		"/metrics":        {"GET": a.renderMetrics},
		"/docs":           {"GET": docs.page},
		"/openapi.json":   {"GET": a.openAPI},
		"/api/v1/perform": {"POST": newPerformEndpoint(m).serve},
	}
	return a
}

// splitPrefix separates /pub/job/NAME/VERSION (or Racetrack's older /pub/fatman/...) from the rest of the path.
func splitPrefix(path string) (prefix, rest string) {
	if !strings.HasPrefix(path, "/pub/job/") && !strings.HasPrefix(path, "/pub/fatman/") {
		return "", path
	}
	parts := strings.SplitN(path, "/", 6) // "", "pub", "job", NAME, VERSION, rest
	if len(parts) < 5 || parts[3] == "" || parts[4] == "" {
		return "", path
	}
	prefix = strings.Join(parts[:5], "/")
	if len(parts) == 6 {
		return prefix, "/" + parts[5]
	}
	return prefix, "/"
}

func (a *app) ServeHTTP(w http.ResponseWriter, hr *http.Request) {
	started := time.Now()
	prefix, path := splitPrefix(hr.URL.Path)
	r := request{Request: hr, prefix: prefix, path: path}
	route := path
	var status int
	if methods, found := a.routes[path]; found {
		h := methods[hr.Method]
		if h == nil && hr.Method == http.MethodHead {
			h = methods[http.MethodGet]
		}
		if h != nil {
			status = h(w, r)
		} else {
			status = notAllowed(w, methods)
		}
	} else if strings.HasPrefix(path, "/docs/") {
		route = "/docs/*"
		status = a.docs.asset(w, r)
	} else {
		route = "unmatched"
		status = writeError(w, http.StatusNotFound, "not found", "NotFound")
	}
	a.metrics.countHTTP(hr.Method, route, status)
	if !quietPaths[path] {
		a.log.line(hr.Method, prefix+path, status, time.Since(started))
	}
}

func (a *app) root(w http.ResponseWriter, r request) int {
	location := a.homePage
	if !strings.Contains(location, "://") {
		location = r.prefix + "/" + strings.TrimLeft(location, "/")
	}
	w.Header().Set("Location", location)
	w.WriteHeader(http.StatusFound)
	return http.StatusFound
}

func (a *app) openAPI(w http.ResponseWriter, r request) int {
	if r.prefix == "" {
		return writeBytes(w, http.StatusOK, contentTypeJSON, a.openapi)
	}
	return writeJSON(w, http.StatusOK, withServer(a.openapi, r.prefix))
}

func (a *app) renderMetrics(w http.ResponseWriter, r request) int {
	return writeBytes(w, http.StatusOK, "text/plain; version=0.0.4; charset=utf-8", []byte(a.metrics.render()))
}

func notAllowed(w http.ResponseWriter, methods map[string]handler) int {
	allowed := make([]string, 0, len(methods))
	for method := range methods {
		allowed = append(allowed, method)
	}
	sort.Strings(allowed)
	w.Header().Set("Allow", strings.Join(allowed, ", "))
	return writeError(w, http.StatusMethodNotAllowed, "method not allowed", "MethodNotAllowed")
}
