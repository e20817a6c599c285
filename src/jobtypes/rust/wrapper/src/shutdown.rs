// SIGTERM/SIGINT handling and closing the listening socket, through libc (which std links anyway),
// so the wrapper needs no crate beyond tiny_http and serde_json.
use std::os::raw::c_int;
use std::sync::atomic::{AtomicBool, Ordering};

const SIGINT: c_int = 2;
const SIGTERM: c_int = 15;
const SHUT_RDWR: c_int = 2;

extern "C" {
    fn signal(signum: c_int, handler: extern "C" fn(c_int)) -> usize;
    fn shutdown(fd: c_int, how: c_int) -> c_int;
}

static REQUESTED: AtomicBool = AtomicBool::new(false);

/// Only stores a flag: nothing else is safe inside a signal handler.
extern "C" fn on_signal(_: c_int) {
    REQUESTED.store(true, Ordering::SeqCst);
}

pub fn catch_sigterm() {
    unsafe {
        signal(SIGTERM, on_signal);
        signal(SIGINT, on_signal);
    }
}

pub fn requested() -> bool {
    REQUESTED.load(Ordering::SeqCst)
}

/// New connections are refused from now on; tiny_http's accept loop ends.
pub fn stop_accepting(listener_fd: c_int) {
    unsafe {
        shutdown(listener_fd, SHUT_RDWR);
    }
}
