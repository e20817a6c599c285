// Entry point: serves the job's Perform over HTTP and drains calls in flight on SIGTERM.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"
)

// perform is the job's Perform, set by the job_entrypoint.go that the build generates.
var perform func(input map[string]interface{}) (interface{}, error)

const (
	// drainTimeout: on SIGTERM, calls in flight get this long to finish (the supervisor kills at 5 s)
	drainTimeout = 4 * time.Second
	maxHeadBytes = 64 << 10
)

func main() {
	log.SetFlags(log.LstdFlags | log.Lmsgprefix)
	log.SetPrefix("racetrack_job_wrapper: ")
	host := flag.String("host", "127.0.0.1", "address to listen on")
	port := flag.Int("port", -1, "port to listen on; 0 picks a free port (printed on stderr)")
	listenFd := flag.Int("listen-fd", -1, "serve on this inherited listening socket instead of --host/--port")
	homePage := flag.String("home-page", "/docs", "where GET / redirects to")
	swaggerUIDir := flag.String("swagger-ui-dir", "", "folder of the swagger-ui-dist package, served under /docs/")
	flag.Parse()
	if *listenFd < 0 && (*port < 0 || *port > 65535) {
		fmt.Fprintln(os.Stderr, "racetrack_job_wrapper: --port (0-65535) or --listen-fd is required")
		flag.Usage()
		os.Exit(2)
	}
	if perform == nil {
		log.Fatal("no Perform function was linked in: build the wrapper with the job's job_entrypoint.go")
	}

	job := jobInfoFromEnv()
	metrics := newMetrics()
	docs := newSwaggerDocs(job.name, *swaggerUIDir)
	app := newApp(job, metrics, docs, *homePage)

	listener, err := listen(*host, *port, *listenFd)
	if err != nil {
		log.Fatal(err)
	}
	server := &http.Server{
		Handler:           app,
		ReadHeaderTimeout: 30 * time.Second,
		IdleTimeout:       300 * time.Second,
		MaxHeaderBytes:    maxHeadBytes,
		ErrorLog:          log.Default(),
	}
	log.Printf("listening on http://%s", listener.Addr())
	log.Printf("job %s %s is ready", job.name, job.version)

	if pid, err := strconv.Atoi(os.Getenv("RACETRACK_SUPERVISOR_PID")); err == nil {
		go exitWhenOrphaned(pid)
	}
	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)
	served := make(chan error, 1)
	go func() { served <- server.Serve(listener) }()

	select {
	case err := <-served:
		log.Fatalf("serving stopped: %v", err)
	case <-stop:
	}
	ctx, cancel := context.WithTimeout(context.Background(), drainTimeout)
	defer cancel()
	if err := server.Shutdown(ctx); errors.Is(err, context.DeadlineExceeded) {
		log.Printf("stopping with calls still in flight after %s", drainTimeout)
	}
	app.log.flush()
	os.Exit(0)
}

// listen opens host:port, or takes the listening socket inherited as fd (the local target opens it for the job).
func listen(host string, port int, fd int) (net.Listener, error) {
	if fd < 0 {
		listener, err := net.Listen("tcp", net.JoinHostPort(host, strconv.Itoa(port)))
		if err != nil {
			return nil, fmt.Errorf("cannot listen on %s:%d: %w", host, port, err)
		}
		return listener, nil
	}
	file := os.NewFile(uintptr(fd), "listener")
	if file == nil {
		return nil, fmt.Errorf("--listen-fd %d: not an open file descriptor", fd)
	}
	defer file.Close() // FileListener holds its own copy
	listener, err := net.FileListener(file)
	if err != nil {
		return nil, fmt.Errorf("--listen-fd %d: not a listening socket: %w", fd, err)
	}
	return listener, nil
}

// exitWhenOrphaned ends a local job with the server that started it: if that process dies (even by
// kill -9, which gives it no chance to stop us), the job ends too instead of running unowned.
func exitWhenOrphaned(supervisorPid int) {
	for os.Getppid() == supervisorPid {
		time.Sleep(time.Second)
	}
	log.Printf("the racetrack server (pid %d) is gone; stopping", supervisorPid)
	os.Exit(0)
}
