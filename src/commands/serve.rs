//! `gradproof serve`: binds the address, says where the page is, opens it if asked, and serves
//! until the process ends (the server itself is `crate::serve`).

use crate::check::CheckOptions;
use crate::cli::ServeArgs;
use crate::serve::{ServeOptions, Server};
use crate::work::Budget;

/// Runs `serve`; returns the exit status: 2 when the address cannot be bound (it never returns
/// otherwise).
pub fn run(args: &ServeArgs) -> i32 {
    let check = CheckOptions {
        file_budget: Budget {
            work: args.file_work,
            time: Some(std::time::Duration::from_millis(args.file_timeout_ms)),
        },
        ..CheckOptions::default()
    };
    let options = ServeOptions {
        address: std::net::SocketAddr::new(args.host, args.port),
        max_checks: args.max_checks as usize,
        check,
    };
    let server = match Server::bind(options) {
        Ok(server) => server,
        Err(message) => {
            eprintln!("error: {message}");
            if args.port != 0 {
                eprintln!("hint: another program may use the port; try --port 0 for a free one");
            }
            return 2;
        }
    };
    let url = format!("http://{}/", server.address());
    // The first line is the address, for scripts (the browser test reads it).
    if super::print_stdout(&format!("gradproof playground: listening on {url}\n")).is_err() {
        return 2;
    }
    if args.open {
        open_browser(&url);
    }
    server.run();
    0
}

/// Opens `url` in the default browser; says so when it cannot.
fn open_browser(url: &str) {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(target_os = "windows") {
        "explorer"
    } else {
        "xdg-open"
    };
    if let Err(e) = std::process::Command::new(opener).arg(url).spawn() {
        eprintln!("cannot open a browser ({opener}: {e}); open {url} yourself");
    }
}
