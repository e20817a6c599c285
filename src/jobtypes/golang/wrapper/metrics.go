// Prometheus metrics with the same names as the python3 wrapper: Racetrack's job metrics and per-route request counters.
package main

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

var buckets = []float64{.001, .0025, .005, .01, .025, .05, .075, .1, .25, .5, .75, 1, 2.5, 5, 7.5,
	10, 25, 50, 75, 100, 250, 500, 750, 1000, math.Inf(1)}

type httpKey struct {
	method, route string
	status        int
}

type histogram struct {
	counts []uint64
	sum    float64
}

type metrics struct {
	mu        sync.Mutex
	http      map[httpKey]uint64
	started   map[string]uint64
	errors    map[string]uint64
	durations map[string]*histogram
	done      uint64
	lastCall  float64
}

func newMetrics() *metrics {
	return &metrics{http: map[httpKey]uint64{}, started: map[string]uint64{}, errors: map[string]uint64{}, durations: map[string]*histogram{}}
}

func (m *metrics) countHTTP(method, route string, status int) {
	m.mu.Lock()
	m.http[httpKey{method, route, status}]++
	m.mu.Unlock()
}

func (m *metrics) callStarted(endpoint string) {
	m.mu.Lock()
	m.started[endpoint]++
	m.mu.Unlock()
}

func (m *metrics) callDone(endpoint string, seconds float64, failed bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	h := m.durations[endpoint]
	if h == nil {
		h = &histogram{counts: make([]uint64, len(buckets))}
		m.durations[endpoint] = h
	}
	h.counts[sort.SearchFloat64s(buckets, seconds)]++
	h.sum += seconds
	if failed {
		m.errors[endpoint]++
	}
	m.done++
	m.lastCall = float64(time.Now().UnixNano()) / 1e9
}

type sample struct {
	labels [][2]string
	value  float64
}

func (m *metrics) render() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out strings.Builder
	var startedTotal uint64
	for _, n := range m.started {
		startedTotal += n
	}
	family(&out, "requests_started_total", "counter", "Total number of started requests calling Job (may be not finished yet)",
		[]sample{{nil, float64(startedTotal)}})
	family(&out, "requests_done_total", "counter", "Total number of finished requests calling Job (processed and done)",
		[]sample{{nil, float64(m.done)}})
	family(&out, "endpoint_requests_started_total", "counter", "Started requests calling Job per endpoint", perEndpoint(m.started))
	family(&out, "request_internal_errors_total", "counter", "Number of errors raised by the Job per endpoint", perEndpoint(m.errors))
	m.renderHistogram(&out)
	family(&out, "last_call_timestamp", "gauge", "Timestamp (in seconds) of the last request calling Job", []sample{{nil, m.lastCall}})
	keys := make([]httpKey, 0, len(m.http))
	for key := range m.http {
		keys = append(keys, key)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, b := keys[i], keys[j]
		if a.method != b.method {
			return a.method < b.method
		}
		if a.route != b.route {
			return a.route < b.route
		}
		return a.status < b.status
	})
	requests := make([]sample, 0, len(keys))
	for _, key := range keys {
		requests = append(requests, sample{[][2]string{{"method", key.method}, {"route", key.route}, {"status", strconv.Itoa(key.status)}}, float64(m.http[key])})
	}
	family(&out, "http_requests_total", "counter", "HTTP requests served by the wrapper per route and status", requests)
	return out.String()
}

func (m *metrics) renderHistogram(out *strings.Builder) {
	out.WriteString("# HELP request_duration Duration of Job calls in seconds\n# TYPE request_duration histogram\n")
	for _, endpoint := range sortedKeys(m.durations) {
		h := m.durations[endpoint]
		var cumulative uint64
		for i, le := range buckets {
			cumulative += h.counts[i]
			fmt.Fprintf(out, "request_duration_bucket%s %d\n", labels([][2]string{{"endpoint", endpoint}, {"le", number(le)}}), cumulative)
		}
		fmt.Fprintf(out, "request_duration_sum%s %s\n", labels([][2]string{{"endpoint", endpoint}}), number(h.sum))
		fmt.Fprintf(out, "request_duration_count%s %d\n", labels([][2]string{{"endpoint", endpoint}}), cumulative)
	}
}

func perEndpoint(counts map[string]uint64) []sample {
	samples := []sample{}
	for _, endpoint := range sortedKeys(counts) {
		samples = append(samples, sample{[][2]string{{"endpoint", endpoint}}, float64(counts[endpoint])})
	}
	return samples
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for key := range m {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	return keys
}

func family(out *strings.Builder, name, kind, help string, samples []sample) {
	fmt.Fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, kind)
	for _, s := range samples {
		fmt.Fprintf(out, "%s%s %s\n", name, labels(s.labels), number(s.value))
	}
}

var labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

func labels(pairs [][2]string) string {
	if len(pairs) == 0 {
		return ""
	}
	escaped := make([]string, len(pairs))
	for i, pair := range pairs {
		escaped[i] = pair[0] + `="` + labelEscaper.Replace(pair[1]) + `"`
	}
	return "{" + strings.Join(escaped, ",") + "}"
}

// number writes a sample value as the python3 wrapper does (3.0, 0.25, +Inf), so both scrape alike.
func number(value float64) string {
	switch {
	case math.IsInf(value, 1):
		return "+Inf"
	case math.IsInf(value, -1):
		return "-Inf"
	case math.IsNaN(value):
		return "NaN"
	}
	format := byte('f')
	if abs := math.Abs(value); abs != 0 && (abs < 1e-4 || abs >= 1e16) {
		format = 'g'
	}
	s := strconv.FormatFloat(value, format, -1, 64)
	if !strings.ContainsAny(s, ".e") {
		s += ".0"
	}
	return s
}
