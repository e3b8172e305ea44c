//! A scripted HTTP/1.1 server on 127.0.0.1 for the tests: each request target answers with its
//! list of responses in turn (the last repeats; 404 when none), every connection is closed
//! after one answer, and the server records every request and how many it was answering at
//! once.
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[derive(Clone, Debug, Default)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Waited before answering (a slow server).
    pub delay: Duration,
    /// Close the connection without answering.
    pub hang_up: bool,
    /// Send only this many bytes of the body (the Content-Length still says all of it), then
    /// close: a download cut off.
    pub cut: Option<usize>,
}

impl Response {
    pub fn status(status: u16) -> Response {
        Response {
            status,
            ..Response::default()
        }
    }

    pub fn body(body: impl Into<Vec<u8>>) -> Response {
        Response {
            status: 200,
            body: body.into(),
            ..Response::default()
        }
    }

    pub fn redirect(status: u16, to: &str) -> Response {
        Response::status(status).header("Location", to)
    }

    pub fn header(mut self, k: &str, v: &str) -> Response {
        self.headers.push((k.into(), v.into()));
        self
    }

    pub fn after(mut self, delay: Duration) -> Response {
        self.delay = delay;
        self
    }

    pub fn cut_at(mut self, n: usize) -> Response {
        self.cut = Some(n);
        self
    }
}

#[derive(Clone, Debug)]
pub struct Hit {
    pub method: String,
    /// The request target as sent: a path, or a whole URL through a proxy.
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub at: Instant,
}

#[derive(Default)]
struct State {
    routes: Mutex<HashMap<String, Vec<Response>>>,
    hits: Mutex<Vec<Hit>>,
    /// Stopped: every connection is closed unanswered (and not recorded).
    stopped: std::sync::atomic::AtomicBool,
    active: AtomicUsize,
    max_active: AtomicUsize,
}

pub struct Server {
    /// `http://127.0.0.1:PORT`
    pub url: String,
    state: Arc<State>,
}

impl Server {
    pub fn start() -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let state: Arc<State> = Arc::default();
        let s = state.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let s = s.clone();
                std::thread::spawn(move || answer(stream, &s));
            }
        });
        Server { url, state }
    }

    /// `target` (a path such as `/a.tar.gz`) answers `responses` in turn.
    pub fn route(&self, target: &str, responses: Vec<Response>) {
        self.state
            .routes
            .lock()
            .unwrap()
            .insert(target.to_owned(), responses);
    }

    pub fn hits(&self) -> Vec<Hit> {
        self.state.hits.lock().unwrap().clone()
    }

    pub fn hits_of(&self, target: &str) -> Vec<Hit> {
        self.hits()
            .into_iter()
            .filter(|h| h.target == target)
            .collect()
    }

    /// From now on every connection is closed at once, unanswered: the origin is gone.
    pub fn stop(&self) {
        self.state.stopped.store(true, Ordering::SeqCst);
    }

    /// The most requests it was answering at one time.
    pub fn max_active(&self) -> usize {
        self.state.max_active.load(Ordering::SeqCst)
    }
}

fn answer(stream: TcpStream, state: &State) {
    if state.stopped.load(Ordering::SeqCst) {
        return;
    }
    answer_via(stream, state, "");
}

/// Answers one request; `origin` prefixes the target of a request sent through a CONNECT
/// tunnel (`http://host:port`), so that proxied requests are routed by their whole URL.
fn answer_via(stream: TcpStream, state: &State, origin: &str) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut request = String::new();
    if reader.read_line(&mut request).unwrap_or(0) == 0 {
        return;
    }
    let mut headers = Vec::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).unwrap_or(0) == 0 || h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.push((k.trim().to_ascii_lowercase(), v.trim().to_owned()));
        }
    }
    let mut words = request.split_whitespace();
    let (method, target) = (
        words.next().unwrap_or("").to_owned(),
        format!("{origin}{}", words.next().unwrap_or("")),
    );
    let n = {
        let mut hits = state.hits.lock().unwrap();
        hits.push(Hit {
            method: method.clone(),
            target: target.clone(),
            headers,
            at: Instant::now(),
        });
        hits.iter().filter(|h| h.target == target).count()
    };
    if method == "CONNECT" {
        // A proxy: open the tunnel, then serve what comes through it.
        let mut s = stream;
        let _ = s.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n");
        let authority = target.trim_end_matches(":80");
        return answer_via(s, state, &format!("http://{authority}"));
    }
    let now = state.active.fetch_add(1, Ordering::SeqCst) + 1;
    state.max_active.fetch_max(now, Ordering::SeqCst);
    let response = state
        .routes
        .lock()
        .unwrap()
        .get(&target)
        .map(|rs| rs[(n - 1).min(rs.len() - 1)].clone())
        .unwrap_or_else(|| Response::status(404));
    std::thread::sleep(response.delay);
    // Done before answering, so that the client cannot start another request first.
    state.active.fetch_sub(1, Ordering::SeqCst);
    if !response.hang_up {
        let mut s = stream;
        let mut head = format!(
            "HTTP/1.1 {} X\r\nContent-Length: {}\r\nConnection: close\r\n",
            response.status,
            response.body.len()
        );
        for (k, v) in &response.headers {
            head += &format!("{k}: {v}\r\n");
        }
        head += "\r\n";
        let _ = s.write_all(head.as_bytes());
        if method != "HEAD" {
            let n = response.cut.unwrap_or(response.body.len());
            let _ = s.write_all(&response.body[..n.min(response.body.len())]);
        }
        let _ = s.flush();
    }
}
