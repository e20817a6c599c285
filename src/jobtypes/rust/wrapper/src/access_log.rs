// The access log on stdout, one line per call ("POST /api/v1/perform 200 0.3ms"), written in batches:
// a write per call would cost as much as answering it.
use std::io::{BufWriter, Stdout, Write};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

const FLUSH_EVERY: Duration = Duration::from_millis(200);

#[derive(Clone)]
pub struct AccessLog {
    out: Arc<Mutex<BufWriter<Stdout>>>,
}

impl AccessLog {
    /// Starts the thread that flushes the lines every FLUSH_EVERY.
    pub fn start() -> AccessLog {
        let log = AccessLog {
            out: Arc::new(Mutex::new(BufWriter::with_capacity(64 * 1024, std::io::stdout()))),
        };
        let flusher = log.clone();
        thread::spawn(move || loop {
            thread::sleep(FLUSH_EVERY);
            flusher.flush();
        });
        log
    }

    pub fn line(&self, method: &str, path: &str, status: u16, elapsed: Duration) {
        let path: String = path.chars().take(300).collect();
        let line = format!("{} {} {} {:.1}ms\n", method, path, status, elapsed.as_secs_f64() * 1000.0);
        let _ = self.out.lock().unwrap_or_else(|p| p.into_inner()).write_all(line.as_bytes());
    }

    pub fn flush(&self) {
        let _ = self.out.lock().unwrap_or_else(|p| p.into_inner()).flush();
    }
}
