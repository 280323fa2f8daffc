//! `gradproof serve`: one page and a small JSON API, so a derivation can be checked from a browser
//! with no Rust toolchain. The page (an editor with a mark per step, built from `web/` and embedded
//! in the binary) posts the text as the student types; the API checks it through the library's
//! front door, [`check_source`](crate::source::check_source), and answers with the JSON report of
//! `cli.md`, the spans of steps and errors in the editor's offsets, and the derivation typeset.
//!
//! Safe to expose to a class: a request body is at most [`MAX_BODY_BYTES`]; at most
//! `max_checks` checks run at once and a request over that gets `503` with a message; every check
//! runs under the budgets of work of [`CheckOptions`] (the verdicts do not depend on the load) and
//! a safety net in time; requests never reach the file system (the page and the course
//! derivations are compiled in). What it does not do: print (the command says where it listens)
//! or decide anything about steps (`check` does).

mod api;
mod assets;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use crate::check::CheckOptions;

pub use api::{CheckRequest, CheckResponse, MAX_BODY_BYTES};
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
}

impl Server {
    /// Binds the address (port 0 picks a free one).
    pub fn bind(options: ServeOptions) -> Result<Server, String> {
        let http = tiny_http::Server::http(options.address)
            .map_err(|e| format!("cannot listen on {}: {e}", options.address))?;
        Ok(Server { http, options })
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
            api::route(&mut request, |body| match Slot::take(running, max_checks) {
                Some(_slot) => api::check(body, &self.options.check),
                None => api::Reply::busy(max_checks),
            })
        }));
        // `check_source` reports its own panics; this is the net for the rest of a request.
        let reply = routed.unwrap_or_else(|_| api::Reply::internal());
        let _ = api::respond(request, reply);
    }
}

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
