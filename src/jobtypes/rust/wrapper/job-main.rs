// The crate root of a rust job, copied in by the build: Racetrack's layout puts the job's code in
// src/handler/ (its mod.rs defines `pub fn perform(input: HashMap<String, Value>) -> Value`).
mod handler;

fn main() {
    racetrack_job_wrapper::serve(handler::perform)
}
