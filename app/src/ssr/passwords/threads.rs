//! The threads that run password hashes, at the lowest CPU priority the process may set.
//!
//! A hash is tens of milliseconds of pure CPU. On Tokio's blocking pool it competes with the
//! request workers on equal terms, so during a sign-in storm every page request waits for the
//! hash's time slice. These threads are niced to 19 instead: the kernel gives a request worker
//! that wakes up the core at once, and hashes use what the requests leave. Only as many threads
//! exist as hashes may run at once; the hasher's semaphore and queue bound decide what reaches
//! them.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::mpsc::{channel, Receiver, Sender};
use std::sync::{Arc, Mutex, PoisonError};
use tokio::sync::oneshot;

/// The nice value of the hashing threads: the lowest priority a normal thread can have.
const HASH_NICENESS: i32 = 19;

type Job = Box<dyn FnOnce() + Send>;

/// A handle on the hashing threads; they stop when the last handle is dropped.
#[derive(Clone)]
pub struct HashThreads {
    jobs: Sender<Job>,
}

impl HashThreads {
    pub fn start(count: usize) -> std::io::Result<Self> {
        let (jobs, queue) = channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for index in 0..count.max(1) {
            let queue = queue.clone();
            std::thread::Builder::new()
                .name(format!("password-hash-{index}"))
                .spawn(move || serve(&queue))?;
        }
        Ok(Self { jobs })
    }

    /// Runs `work` on a hashing thread and waits for its result; `None` if the threads are gone
    /// or the work panicked.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Option<T> {
        let (answer, result) = oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = answer.send(work());
        });
        self.jobs.send(job).ok()?;
        result.await.ok()
    }
}

fn serve(queue: &Mutex<Receiver<Job>>) {
    lower_priority();
    loop {
        let next = queue.lock().unwrap_or_else(PoisonError::into_inner).recv();
        let Ok(job) = next else {
            return; // every handle is gone
        };
        // A panicking hash drops its answer (the caller sees an error); the thread goes on.
        let _ = catch_unwind(AssertUnwindSafe(job));
    }
}

#[cfg(target_os = "linux")]
fn lower_priority() {
    // On Linux a thread id names one thread to setpriority, so this nices this thread only.
    let thread = rustix::thread::gettid();
    if let Err(error) = rustix::process::setpriority_process(Some(thread), HASH_NICENESS) {
        tracing::warn!(%error, "could not lower the password-hashing thread's priority");
    }
}

#[cfg(not(target_os = "linux"))]
fn lower_priority() {}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;

    #[tokio::test]
    async fn work_runs_on_a_niced_thread_and_a_panic_does_not_kill_it() {
        let threads = HashThreads::start(1).unwrap();
        let niceness = threads
            .run(|| rustix::process::getpriority_process(Some(rustix::thread::gettid())))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(niceness, HASH_NICENESS);
        assert_eq!(threads.run(|| -> u8 { panic!("boom") }).await, None);
        assert_eq!(threads.run(|| 7).await, Some(7));
    }
}
