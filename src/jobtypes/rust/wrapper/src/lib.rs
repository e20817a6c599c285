// The rust job type's wrapper: serves a job's perform() over HTTP (tiny_http) and drains calls in flight on SIGTERM.
// A job's crate is only its code and job-main.rs, which calls serve(): this library is compiled once per target dir.
mod access_log;
mod app;
mod args;
mod docs;
mod health;
mod metrics;
mod openapi;
mod perform;
mod respond;
mod shutdown;

use serde_json::Value;
use std::collections::HashMap;
use std::net::TcpListener;
use std::os::unix::io::{AsRawFd, FromRawFd};
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

/// on SIGTERM, calls in flight get this long to finish (the supervisor kills at 5 s)
const DRAIN_TIMEOUT: Duration = Duration::from_secs(4);

/// Racetrack's signature of a rust job's entry point.
pub type Perform = fn(HashMap<String, Value>) -> Value;

/// Parses the command line, serves until SIGTERM, drains and exits.
pub fn serve(perform: Perform) -> ! {
    let args = match args::Args::parse(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) => {
            eprintln!("racetrack_job_wrapper: {}\n{}", message, args::USAGE);
            std::process::exit(2);
        }
    };
    let listener = listen(&args);
    let address = listener.local_addr().unwrap_or_else(|e| {
        eprintln!("racetrack_job_wrapper: the listening socket has no address: {}", e);
        std::process::exit(1);
    });
    let listener_fd = listener.as_raw_fd();
    let server = Arc::new(tiny_http::Server::from_listener(listener, None).expect("tiny_http takes a bound listener"));
    shutdown::catch_sigterm();

    let job = health::JobInfo::from_env();
    eprintln!("racetrack_job_wrapper: listening on http://{}", address);
    eprintln!("racetrack_job_wrapper: job {} {} is ready", job.name, job.version);
    let docs = docs::SwaggerDocs::new(&job.name, args.swagger_ui_dir);
    let log = access_log::AccessLog::start();
    let app = Arc::new(app::App::new(job, args.home_page, docs, perform, log.clone()));
    let in_flight = Arc::new(AtomicUsize::new(0));
    let workers = thread::available_parallelism().map(|n| n.get()).unwrap_or(2) * 4;
    for _ in 0..workers {
        let (server, app, in_flight) = (server.clone(), app.clone(), in_flight.clone());
        thread::spawn(move || work(&server, &app, &in_flight));
    }

    let supervisor = std::env::var("RACETRACK_SUPERVISOR_PID")
        .ok()
        .and_then(|pid| pid.parse::<u32>().ok());
    while !shutdown::requested() {
        if let Some(pid) = supervisor {
            // a local job lives only as long as the server that started it, even one killed with -9
            if std::os::unix::process::parent_id() != pid {
                eprintln!("racetrack_job_wrapper: the racetrack server (pid {}) is gone; stopping", pid);
                std::process::exit(0);
            }
        }
        thread::sleep(Duration::from_millis(100));
    }
    shutdown::stop_accepting(listener_fd);
    drain(&in_flight);
    log.flush();
    std::process::exit(0);
}

/// Binds --host/--port, or takes the listening socket inherited as --listen-fd (the local target opens it for the job).
fn listen(args: &args::Args) -> TcpListener {
    if let Some(fd) = args.listen_fd {
        // SAFETY: the fd is ours alone from here on (the platform passed it for this purpose); a descriptor that is
        // not a listening TCP socket fails at set_nonblocking(), local_addr() or accept(), not here
        let listener = unsafe { TcpListener::from_raw_fd(fd) };
        // the opener's runtime (Node's) may have left it non-blocking, which tiny_http's accept loop cannot use
        listener.set_nonblocking(false).unwrap_or_else(|e| {
            eprintln!("racetrack_job_wrapper: --listen-fd {}: {}", fd, e);
            std::process::exit(1);
        });
        return listener;
    }
    TcpListener::bind((args.host.as_str(), args.port)).unwrap_or_else(|e| {
        eprintln!("racetrack_job_wrapper: cannot listen on {}:{}: {}", args.host, args.port, e);
        std::process::exit(1);
    })
}

fn work(server: &tiny_http::Server, app: &app::App, in_flight: &AtomicUsize) {
    loop {
        // an error here is the listener closing on SIGTERM; connections already open are still served
        if let Ok(request) = server.recv() {
            in_flight.fetch_add(1, Ordering::SeqCst);
            // a bug of ours must not take a worker down: tiny_http answers 500 for a request dropped unanswered
            let _ = panic::catch_unwind(AssertUnwindSafe(|| app.handle(request)));
            in_flight.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

/// Waits until nothing has been in flight for two checks in a row (a request may sit in tiny_http's queue
/// between them), or until DRAIN_TIMEOUT.
fn drain(in_flight: &AtomicUsize) {
    let deadline = Instant::now() + DRAIN_TIMEOUT;
    let mut idle_checks = 0;
    while idle_checks < 2 {
        if Instant::now() >= deadline {
            eprintln!(
                "racetrack_job_wrapper: stopping with calls still in flight after {:?}",
                DRAIN_TIMEOUT
            );
            return;
        }
        idle_checks = if in_flight.load(Ordering::SeqCst) == 0 {
            idle_checks + 1
        } else {
            0
        };
        thread::sleep(Duration::from_millis(20));
    }
}
