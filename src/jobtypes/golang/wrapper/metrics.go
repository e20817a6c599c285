// Prometheus metrics with the same names as the python3 wrapper: Racetrack's job metrics and per-route request counters.
// Counted with atomics (a read lock at most), not a lock per call: a contended lock parks goroutines.
package main

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

var buckets = [...]float64{.001, .0025, .005, .01, .025, .05, .075, .1, .25, .5, .75, 1, 2.5, 5, 7.5,
	10, 25, 50, 75, 100, 250, 500, 750, 1000, math.Inf(1)}

type httpKey struct {
	method, route string
	status        int
}

// endpointMetrics are the counters of one job endpoint (a golang job has one: /perform).
type endpointMetrics struct {
	name                  string
	started, done, errors atomic.Uint64
	buckets               [len(buckets)]atomic.Uint64
	sumNanos              atomic.Int64
}

type metrics struct {
	httpLock sync.RWMutex // taken for writing only to add a new (method, route, status)
	http     map[httpKey]*atomic.Uint64
	perform  endpointMetrics
	lastCall atomic.Int64 // unix nanoseconds of the last finished call
}

func newMetrics() *metrics {
	return &metrics{http: map[httpKey]*atomic.Uint64{}, perform: endpointMetrics{name: "/perform"}}
}

func (m *metrics) countHTTP(method, route string, status int) {
	key := httpKey{method, route, status}
	m.httpLock.RLock()
	counter := m.http[key]
	m.httpLock.RUnlock()
	if counter == nil {
		m.httpLock.Lock()
		if counter = m.http[key]; counter == nil {
			counter = new(atomic.Uint64)
			m.http[key] = counter
		}
		m.httpLock.Unlock()
	}
	counter.Add(1)
}

func (e *endpointMetrics) callStarted() {
	e.started.Add(1)
}

func (m *metrics) callDone(e *endpointMetrics, elapsed time.Duration, failed bool) {
	e.buckets[sort.SearchFloat64s(buckets[:], elapsed.Seconds())].Add(1)
	e.sumNanos.Add(int64(elapsed))
	if failed {
		e.errors.Add(1)
	}
	e.done.Add(1)
	m.lastCall.Store(time.Now().UnixNano())
}

type sample struct {
	labels [][2]string
	value  float64
}

func (m *metrics) render() string {
	var out strings.Builder
	e := &m.perform
	endpoint := [][2]string{{"endpoint", e.name}}
	family(&out, "requests_started_total", "counter", "Total number of started requests calling Job (may be not finished yet)",
		[]sample{{nil, float64(e.started.Load())}})
	family(&out, "requests_done_total", "counter", "Total number of finished requests calling Job (processed and done)",
		[]sample{{nil, float64(e.done.Load())}})
	family(&out, "endpoint_requests_started_total", "counter", "Started requests calling Job per endpoint",
		[]sample{{endpoint, float64(e.started.Load())}})
	family(&out, "request_internal_errors_total", "counter", "Number of errors raised by the Job per endpoint",
		[]sample{{endpoint, float64(e.errors.Load())}})
	out.WriteString("# HELP request_duration Duration of Job calls in seconds\n# TYPE request_duration histogram\n")
	var cumulative uint64
	for i, le := range buckets {
		cumulative += e.buckets[i].Load()
		fmt.Fprintf(&out, "request_duration_bucket%s %d\n", labels([][2]string{{"endpoint", e.name}, {"le", number(le)}}), cumulative)
	}
	fmt.Fprintf(&out, "request_duration_sum%s %s\n", labels(endpoint), number(float64(e.sumNanos.Load())/1e9))
	fmt.Fprintf(&out, "request_duration_count%s %d\n", labels(endpoint), cumulative)
	family(&out, "last_call_timestamp", "gauge", "Timestamp (in seconds) of the last request calling Job",
		[]sample{{nil, float64(m.lastCall.Load()) / 1e9}})
	family(&out, "http_requests_total", "counter", "HTTP requests served by the wrapper per route and status", m.httpSamples())
	return out.String()
}

func (m *metrics) httpSamples() []sample {
	m.httpLock.RLock()
	defer m.httpLock.RUnlock()
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
	samples := make([]sample, 0, len(keys))
	for _, key := range keys {
		samples = append(samples, sample{[][2]string{{"method", key.method}, {"route", key.route}, {"status", strconv.Itoa(key.status)}},
			float64(m.http[key].Load())})
	}
	return samples
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

// number writes a sample value as the python3 wrapper does (3.0, 0.25, +Inf), so every wrapper scrapes alike.
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
