//! `cargo bench --bench serve`: the time from a request to the playground's answer — what a
//! student waits after the page's debounce — for a typical 5-step derivation and the LSTM
//! examples, over HTTP on 127.0.0.1 to a server in this process. Medians over 21 runs.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;

#[path = "timing/mod.rs"]
mod timing;
use timing::time;

use gradproof::check::CheckOptions;
use gradproof::serve::{ServeOptions, Server};

fn post(address: SocketAddr, source: &str) -> String {
    let body = serde_json::json!({ "source": source }).to_string();
    let mut stream = TcpStream::connect(address).expect("the server accepts");
    write!(
        stream,
        "POST /api/check HTTP/1.1\r\nHost: localhost\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("an answer");
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    answer
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let options =
        ServeOptions { address: "127.0.0.1:0".parse().unwrap(), max_checks: 4, check: CheckOptions::default() };
    let server = Server::bind(options).expect("a free port");
    let address = server.address();
    std::thread::spawn(move || server.run());
    let files = [
        ("sigmoid derivative (5 steps)", "../shared/examples/sigmoid_derivative.deriv"),
        ("LSTM forget gate (4 steps)", "../shared/examples/lstm_forget_gate.deriv"),
        ("LSTM tour (3 steps)", "examples/tour.deriv"),
        ("LSTM input gate (corpus)", "derivations/lstm_input_gate.deriv"),
        ("LSTM output gate (corpus)", "derivations/lstm_output_gate.deriv"),
    ];
    for (name, file) in files {
        let Ok(source) = std::fs::read_to_string(root.join(file)) else {
            println!("{name}: {file} is missing");
            continue;
        };
        let t = time(21, || {
            post(address, &source);
        });
        println!("serve, {name:<30} request to answer: median {:>7.1} ms over 21 runs", t.as_secs_f64() * 1e3);
    }
}
