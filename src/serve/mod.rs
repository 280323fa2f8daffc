//! `gradproof serve`: one page and a small JSON API, so a derivation can be checked from a browser
//! with no Rust toolchain. The page (an editor with a mark per step, built from `web/` and embedded
//! in the binary) posts the text as the student types; the API checks it through the library's
//! front door, [`check_source`](crate::source::check_source), and answers with the JSON report of
//! `cli.md`, the spans of steps and errors in the editor's offsets, and the derivation typeset.
//!
//! Safe to expose to a class: a request body is at most [`MAX_BODY_BYTES`]; at most
//! `max_checks` checks run at once and a request over that gets `503` with a message; a page that
//! names itself (`client`) has at most one check running, a newer text stopping the older one
//! (answered `409`; a tester's finding: checks abandoned by typing held every place); every check
//! runs under the budgets of work of [`CheckOptions`] (the verdicts do not depend on the load) and
//! a safety net in time; requests never reach the file system (the page and the course
//! derivations are compiled in). What it does not do: print (the command says where it listens)
//! or decide anything about steps (`check` does).

mod api;
mod assets;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::check::CheckOptions;
use crate::work;

pub use api::{CheckRequest, CheckResponse, MAX_BODY_BYTES, MAX_CLIENT_CHARS};
pub use assets::examples;

/// How the server runs.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The address to listen on (loopback by default).
    pub address: SocketAddr,
    /// Checks that may run at once; a request past it is refused with `503`.
    pub max_checks: usize,
    /// The options of every check (budgets of work, and a safety net in time).
    pub check: CheckOptions,
}

/// A server bound to its address, ready to [`run`](Server::run).
pub struct Server {
    http: tiny_http::Server,
    options: ServeOptions,
    /// The latest check of each page that named itself: its number and its stop flag.
    clients: Mutex<HashMap<String, (u64, Arc<AtomicBool>)>>,
}

impl Server {
    /// Binds the address (port 0 picks a free one).
    pub fn bind(options: ServeOptions) -> Result<Server, String> {
        let http = tiny_http::Server::http(options.address)
            .map_err(|e| format!("cannot listen on {}: {e}", options.address))?;
        Ok(Server { http, options, clients: Mutex::new(HashMap::new()) })
    }

    /// The address the server listens on.
    pub fn address(&self) -> SocketAddr {
        self.http.server_addr().to_ip().unwrap_or(self.options.address)
    }

    /// Answers requests until the process ends: a few threads take requests in turn, so a slow
    /// check never stops the page from loading.
    pub fn run(self) {
        let server = Arc::new(self);
        let running = Arc::new(AtomicUsize::new(0));
        let threads = server.options.max_checks + 2;
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                let server = Arc::clone(&server);
                let running = Arc::clone(&running);
                std::thread::spawn(move || {
                    while let Ok(request) = server.http.recv() {
                        server.answer(request, &running);
                    }
                })
            })
            .collect();
        for worker in workers {
            let _ = worker.join();
        }
    }

    fn answer(&self, mut request: tiny_http::Request, running: &AtomicUsize) {
        let max_checks = self.options.max_checks;
        let routed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            api::route(&mut request, |body| {
                let client = body.client.clone();
                let Some((stop, stopped_one)) = self.start(client.as_deref(), body.sequence) else {
                    return api::Reply::superseded();
                };
                let reply = match Slot::take_soon(running, max_checks, stopped_one) {
                    Some(_slot) => {
                        let reply = work::stoppable(Arc::clone(&stop), || api::check(body, &self.options.check));
                        if stop.load(Ordering::Relaxed) {
                            api::Reply::superseded()
                        } else {
                            reply
                        }
                    }
                    None => api::Reply::busy(max_checks),
                };
                self.end(client.as_deref(), &stop);
                reply
            })
        }));
        // `check_source` reports its own panics; this is the net for the rest of a request.
        let reply = routed.unwrap_or_else(|_| api::Reply::internal());
        let _ = api::respond(request, reply);
    }

    /// Registers check number `sequence` of `client`'s, stopping the one it had running; returns
    /// the new check's stop flag and whether an older check was stopped, or `None` where the page
    /// has already sent a newer text (requests may arrive out of order).
    fn start(&self, client: Option<&str>, sequence: u64) -> Option<(Arc<AtomicBool>, bool)> {
        let stop = Arc::new(AtomicBool::new(false));
        let Some(client) = client else { return Some((stop, false)) };
        let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        if clients.get(client).is_some_and(|(latest, _)| *latest > sequence) {
            return None;
        }
        let older = clients.insert(client.to_string(), (sequence, Arc::clone(&stop)));
        if let Some((_, older)) = &older {
            older.store(true, Ordering::Relaxed);
        }
        Some((stop, older.is_some()))
    }

    /// Forgets `client`'s check `stop` if it is still the latest.
    fn end(&self, client: Option<&str>, stop: &Arc<AtomicBool>) {
        let Some(client) = client else { return };
        let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        if clients.get(client).is_some_and(|(_, latest)| Arc::ptr_eq(latest, stop)) {
            clients.remove(client);
        }
    }
}

/// How long a check that stopped an older one of its page waits for that one's place.
const STOPPED_PLACE_WAIT: Duration = Duration::from_millis(500);

/// A place among the checks running at once, given back when dropped.
struct Slot<'a>(&'a AtomicUsize);

impl<'a> Slot<'a> {
    /// A place, if fewer than `max` are taken.
    fn take(running: &'a AtomicUsize, max: usize) -> Option<Slot<'a>> {
        running
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| (n < max).then_some(n + 1))
            .ok()
            .map(|_| Slot(running))
    }

    /// A place as [`take`](Slot::take) gives one; when `stopped_one` (this check stopped an older
    /// check of its page, which gives its place back within moments), waits a little for it.
    fn take_soon(running: &'a AtomicUsize, max: usize, stopped_one: bool) -> Option<Slot<'a>> {
        let mut waited = Duration::ZERO;
        loop {
            let slot = Slot::take(running, max);
            if slot.is_some() || !stopped_one || waited >= STOPPED_PLACE_WAIT {
                return slot;
            }
            let pause = Duration::from_millis(5);
            std::thread::sleep(pause);
            waited += pause;
        }
    }
}

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::Slot;
    use std::sync::atomic::AtomicUsize;

    #[test]
    fn checks_past_the_limit_get_no_place_until_one_ends() {
        let running = AtomicUsize::new(0);
        let first = Slot::take(&running, 2).expect("a place");
        let second = Slot::take(&running, 2).expect("a place");
        assert!(Slot::take(&running, 2).is_none(), "a third check at once is refused");
        drop(first);
        let third = Slot::take(&running, 2).expect("a place once one ended");
        drop((second, third));
        assert_eq!(running.into_inner(), 0);
    }
}
