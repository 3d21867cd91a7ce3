//! A TCP proxy on a loopback port in front of a server, that a test can cut (every open
//! connection closed, new ones dropped at once) and mend again: a network path to the
//! database that goes away mid-run and comes back. It counts the bytes clients send through it
//! (what a benchmark reports as uploaded).

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Forwards connections on [`TcpProxy::port`] to a server.
pub struct TcpProxy {
    /// The loopback port it listens on.
    pub port: u16,
    cut: Arc<AtomicBool>,
    open: Arc<Mutex<Vec<TcpStream>>>,
    sent: Arc<AtomicU64>,
}

impl TcpProxy {
    /// Starts forwarding a free loopback port to `server`.
    pub fn start(server: SocketAddr) -> TcpProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let cut = Arc::new(AtomicBool::new(false));
        let open = Arc::new(Mutex::new(Vec::new()));
        let sent = Arc::new(AtomicU64::new(0));
        let (refusing, streams, counted) = (cut.clone(), open.clone(), sent.clone());
        std::thread::spawn(move || {
            for client in listener.incoming().flatten() {
                if refusing.load(Ordering::Relaxed) {
                    let _ = client.shutdown(Shutdown::Both);
                    continue;
                }
                let Ok(upstream) = TcpStream::connect(server) else {
                    continue;
                };
                for (from, to, count) in [
                    (&client, &upstream, Some(counted.clone())),
                    (&upstream, &client, None),
                ] {
                    let (from, to) = (from.try_clone().unwrap(), to.try_clone().unwrap());
                    std::thread::spawn(move || pump(from, to, count));
                }
                streams.lock().unwrap().extend([client, upstream]);
            }
        });
        TcpProxy {
            port,
            cut,
            open,
            sent,
        }
    }

    /// The bytes clients have sent through the proxy since it started.
    pub fn sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }

    /// Closes every open connection and drops new ones until [`TcpProxy::mend`].
    pub fn cut(&self) {
        self.cut.store(true, Ordering::Relaxed);
        for stream in self.open.lock().unwrap().drain(..) {
            let _ = stream.shutdown(Shutdown::Both);
        }
    }

    /// Forwards new connections again.
    pub fn mend(&self) {
        self.cut.store(false, Ordering::Relaxed);
    }
}

/// Copies `from` to `to` until either ends, adding what passes to `count`; then closes `to`.
fn pump(mut from: TcpStream, mut to: TcpStream, count: Option<Arc<AtomicU64>>) {
    let mut buffer = [0u8; 64 * 1024];
    while let Ok(read @ 1..) = from.read(&mut buffer) {
        // Counted before it is passed on, so a client that has its answer finds its request
        // counted.
        if let Some(count) = &count {
            count.fetch_add(read as u64, Ordering::Relaxed);
        }
        if to.write_all(&buffer[..read]).is_err() {
            break;
        }
    }
    let _ = to.shutdown(Shutdown::Both);
}

impl Drop for TcpProxy {
    fn drop(&mut self) {
        self.cut();
    }
}
