// The rust job type's wrapper: serves a job's perform() over HTTP (hyper on tokio) and drains calls in flight on
// SIGTERM. A job's crate is only its code and job-main.rs, which calls serve(): this library is compiled once per
// target dir.
mod access_log;
mod app;
mod args;
mod docs;
mod health;
mod metrics;
mod openapi;
mod perform;
mod perform_gate;
mod respond;
mod shutdown;

use hyper::service::{make_service_fn, service_fn};
use serde_json::Value;
use std::collections::HashMap;
use std::convert::Infallible;
use std::net::TcpListener;
use std::os::unix::io::FromRawFd;
use std::sync::Arc;
use std::time::Duration;

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
    let job = health::JobInfo::from_env();
    let docs = docs::SwaggerDocs::new(&job.name, args.swagger_ui_dir.clone());
    let log = access_log::AccessLog::start();
    let (name, version) = (job.name.clone(), job.version.clone());
    // a worker thread per core (more of them only lengthen the tail: they take turns on the cores mid-call)
    let workers = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);
    let app = Arc::new(app::App::new(
        job,
        args.home_page.clone(),
        docs,
        perform,
        workers,
        log.clone(),
    ));
    let supervisor = std::env::var("RACETRACK_SUPERVISOR_PID")
        .ok()
        .and_then(|pid| pid.parse::<u32>().ok());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .unwrap_or_else(|e| {
            eprintln!("racetrack_job_wrapper: cannot start the runtime: {}", e);
            std::process::exit(1);
        });
    let log_at_timeout = log.clone();
    runtime.block_on(async move {
        let server = match hyper::Server::from_tcp(listener) {
            Ok(builder) => builder.tcp_nodelay(true),
            Err(e) => {
                eprintln!("racetrack_job_wrapper: cannot serve on {}: {}", address, e);
                std::process::exit(1);
            }
        };
        let make = make_service_fn(move |_| {
            let app = app.clone();
            async move { Ok::<_, Infallible>(service_fn(move |request| app.clone().handle(request))) }
        });
        eprintln!("racetrack_job_wrapper: listening on http://{}", address);
        eprintln!("racetrack_job_wrapper: job {} {} is ready", name, version);
        // on the signal the listener closes (new connections are refused), idle connections end and calls in flight
        // are answered, for DRAIN_TIMEOUT at most
        let drained = server.serve(make).with_graceful_shutdown(async move {
            shutdown::requested(supervisor).await;
            tokio::spawn(async move {
                tokio::time::sleep(DRAIN_TIMEOUT).await;
                eprintln!(
                    "racetrack_job_wrapper: stopping with calls still in flight after {:?}",
                    DRAIN_TIMEOUT
                );
                log_at_timeout.flush();
                std::process::exit(0);
            });
        });
        if let Err(e) = drained.await {
            eprintln!("racetrack_job_wrapper: the server failed: {}", e);
        }
    });
    log.flush();
    std::process::exit(0);
}

/// Binds --host/--port, or takes the listening socket inherited as --listen-fd (the local target opens it for the job).
fn listen(args: &args::Args) -> TcpListener {
    let (listener, what) = match args.listen_fd {
        // SAFETY: the fd is ours alone from here on (the platform passed it for this purpose); a descriptor that is
        // not a listening TCP socket fails at set_nonblocking(), local_addr() or accept(), not here
        Some(fd) => (unsafe { TcpListener::from_raw_fd(fd) }, format!("--listen-fd {}", fd)),
        None => {
            let what = format!("{}:{}", args.host, args.port);
            let bound = TcpListener::bind((args.host.as_str(), args.port)).unwrap_or_else(|e| {
                eprintln!("racetrack_job_wrapper: cannot listen on {}: {}", what, e);
                std::process::exit(1);
            });
            (bound, what)
        }
    };
    // tokio's accept loop needs it non-blocking, whatever an opener (Node, for --listen-fd) left it as
    listener.set_nonblocking(true).unwrap_or_else(|e| {
        eprintln!("racetrack_job_wrapper: cannot listen on {}: {}", what, e);
        std::process::exit(1);
    });
    listener
}
