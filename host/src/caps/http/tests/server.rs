//! Loopback HTTP servers that answer exactly what a test scripts, counting the requests they get.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket, TcpStream};

/// What the server does with each request.
#[derive(Clone)]
pub enum Answer {
    /// Writes these bytes (a whole response) and closes.
    Raw(Vec<u8>),
    /// A 200 with a chunked body that never ends.
    Endless,
    /// Reads the request and never answers.
    Silent,
}

/// A running server on 127.0.0.1.
pub struct Server {
    pub addr: SocketAddr,
    requests: Arc<AtomicUsize>,
}

impl Server {
    /// Starts a server that answers every request with `answer`.
    pub async fn start(answer: Answer) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&requests);
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(stream, answer.clone(), Arc::clone(&counter)));
            }
        });
        Server { addr, requests }
    }

    /// A server answering `status` with `headers` and `body`.
    pub async fn reply(status: u16, headers: &[(&str, &str)], body: &str) -> Server {
        let mut head = format!("HTTP/1.1 {status} X\r\nContent-Length: {}\r\n", body.len());
        for (name, value) in headers {
            head.push_str(&format!("{name}: {value}\r\n"));
        }
        Server::start(Answer::Raw(format!("{head}\r\n{body}").into_bytes())).await
    }

    /// `http://127.0.0.1:PORT` followed by `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// The origin, as a plan grants it.
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// How many requests it has read.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

async fn serve(mut stream: TcpStream, answer: Answer, requests: Arc<AtomicUsize>) {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte).await {
            Ok(1) => head.push(byte[0]),
            _ => return,
        }
    }
    requests.fetch_add(1, Ordering::SeqCst);
    match answer {
        Answer::Raw(bytes) => {
            let _ = stream.write_all(&bytes).await;
        }
        Answer::Endless => {
            let head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
            let mut chunk = b"100000\r\n".to_vec();
            chunk.extend(std::iter::repeat_n(b'x', 0x10_0000));
            chunk.extend_from_slice(b"\r\n");
            if stream.write_all(head).await.is_err() {
                return;
            }
            while stream.write_all(&chunk).await.is_ok() {}
        }
        Answer::Silent => {
            let _ = stream.read(&mut byte).await;
        }
    }
}

/// A listener whose accept queue is full and that never accepts: connecting to it hangs.
/// Holds the connections that fill the queue.
pub struct Unaccepting {
    pub addr: SocketAddr,
    _listener: TcpListener,
    _queued: Vec<TcpStream>,
}

impl Unaccepting {
    /// Binds a listener with the smallest queue and fills it.
    pub async fn start() -> Unaccepting {
        let socket = TcpSocket::new_v4().unwrap();
        socket.bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let listener = socket.listen(1).unwrap();
        let addr = listener.local_addr().unwrap();
        let mut queued = Vec::new();
        for _ in 0..4 {
            let attempt = tokio::time::timeout(
                std::time::Duration::from_millis(200),
                TcpStream::connect(addr),
            );
            if let Ok(Ok(stream)) = attempt.await {
                queued.push(stream);
            }
        }
        Unaccepting {
            addr,
            _listener: listener,
            _queued: queued,
        }
    }
}
