// When the wrapper stops: SIGTERM or SIGINT, or the racetrack server that started a local job gone (even one killed
// with -9: the job is re-parented, and it must not outlive the server).
use std::sync::Arc;
use std::time::Duration;
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::Notify;

/// Resolves at the first SIGTERM or SIGINT, or once the parent is no longer `supervisor` (when given).
pub async fn requested(supervisor: Option<u32>) {
    let stop = Arc::new(Notify::new());
    for kind in [SignalKind::terminate(), SignalKind::interrupt()] {
        match signal(kind) {
            Ok(mut caught) => {
                let stop = stop.clone();
                tokio::spawn(async move {
                    caught.recv().await;
                    stop.notify_one();
                });
            }
            Err(e) => eprintln!(
                "racetrack_job_wrapper: cannot catch signals ({}): a stop will not drain calls",
                e
            ),
        }
    }
    if let Some(pid) = supervisor {
        let stop = stop.clone();
        tokio::spawn(async move {
            let mut every = tokio::time::interval(Duration::from_millis(100));
            loop {
                every.tick().await;
                if std::os::unix::process::parent_id() != pid {
                    eprintln!("racetrack_job_wrapper: the racetrack server (pid {}) is gone; stopping", pid);
                    stop.notify_one();
                    return;
                }
            }
        });
    }
    stop.notified().await;
}
