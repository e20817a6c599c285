// The access log on stdout, one line per call ("POST /api/v1/perform 200 0.3ms"), written in batches: a write per
// call would cost as much as answering it, and no call ever waits for a write (the lock only guards an append).
package main

import (
	"os"
	"strconv"
	"sync"
	"time"
)

const (
	accessLogFlushEvery = 200 * time.Millisecond
	// a call that fills the buffer past this writes the batch itself rather than wait for the timer
	accessLogMaxBatch = 256 << 10
)

type accessLog struct {
	mu      sync.Mutex
	pending []byte
	spare   []byte
	writing sync.Mutex // one batch written at a time, so lines keep their order
}

func newAccessLog() *accessLog {
	l := &accessLog{}
	go func() {
		for range time.Tick(accessLogFlushEvery) {
			l.flush()
		}
	}()
	return l
}

func (l *accessLog) line(method, path string, status int, elapsed time.Duration) {
	if len(path) > 300 {
		path = path[:300]
	}
	l.mu.Lock()
	buf := append(l.pending, method...)
	buf = append(buf, ' ')
	buf = append(buf, path...)
	buf = append(buf, ' ')
	buf = strconv.AppendInt(buf, int64(status), 10)
	buf = append(buf, ' ')
	buf = strconv.AppendFloat(buf, float64(elapsed.Microseconds())/1000, 'f', 1, 64)
	buf = append(buf, "ms\n"...)
	l.pending = buf
	full := len(buf) > accessLogMaxBatch
	l.mu.Unlock()
	if full {
		l.flush()
	}
}

// flush writes what is pending, outside the lock that calls append under.
func (l *accessLog) flush() {
	l.writing.Lock()
	defer l.writing.Unlock()
	l.mu.Lock()
	batch := l.pending
	l.pending = l.spare[:0]
	l.mu.Unlock()
	if len(batch) > 0 {
		os.Stdout.Write(batch)
	}
	l.spare = batch
}
