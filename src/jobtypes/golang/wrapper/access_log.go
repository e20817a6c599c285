// The access log on stdout, one line per call ("POST /api/v1/perform 200 0.3ms"), written in batches:
// a write per call would cost as much as answering it.
package main

import (
	"bufio"
	"os"
	"strconv"
	"sync"
	"time"
)

const accessLogFlushEvery = 200 * time.Millisecond

type accessLog struct {
	mu  sync.Mutex
	out *bufio.Writer
}

func newAccessLog() *accessLog {
	l := &accessLog{out: bufio.NewWriterSize(os.Stdout, 64<<10)}
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
	buf := make([]byte, 0, 64+len(path))
	buf = append(buf, method...)
	buf = append(buf, ' ')
	buf = append(buf, path...)
	buf = append(buf, ' ')
	buf = strconv.AppendInt(buf, int64(status), 10)
	buf = append(buf, ' ')
	buf = strconv.AppendFloat(buf, float64(elapsed.Microseconds())/1000, 'f', 1, 64)
	buf = append(buf, "ms\n"...)
	l.mu.Lock()
	l.out.Write(buf)
	l.mu.Unlock()
}

func (l *accessLog) flush() {
	l.mu.Lock()
	l.out.Flush()
	l.mu.Unlock()
}
