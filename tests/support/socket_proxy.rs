//! A Unix-socket proxy in front of a Docker Engine's socket that a test can cut, to make the
//! engine unreachable in the middle of a deployment.

use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Forwards connections on `path` to the engine's socket until [`SocketProxy::cut`].
pub struct SocketProxy {
    /// The proxy's socket.
    pub path: PathBuf,
    cut: Arc<AtomicBool>,
    open: Arc<Mutex<Vec<UnixStream>>>,
}

/// The engine's socket: `$DOCKER_HOST` when it is a unix URL, else the default.
fn engine_socket() -> PathBuf {
    std::env::var("DOCKER_HOST")
        .ok()
        .and_then(|url| url.strip_prefix("unix://").map(PathBuf::from))
        .unwrap_or_else(|| PathBuf::from("/var/run/docker.sock"))
}

impl SocketProxy {
    /// Starts forwarding `dir/docker.sock` to the main engine.
    pub fn start(dir: &Path) -> SocketProxy {
        SocketProxy::to(engine_socket(), dir)
    }

    /// Starts forwarding `dir/docker.sock` to the engine listening on `engine`.
    pub fn to(engine: PathBuf, dir: &Path) -> SocketProxy {
        let path = dir.join("docker.sock");
        let listener = UnixListener::bind(&path).unwrap();
        listener.set_nonblocking(true).unwrap();
        let cut = Arc::new(AtomicBool::new(false));
        let open = Arc::new(Mutex::new(Vec::new()));
        let (stop, streams) = (cut.clone(), open.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                let Ok((client, _)) = listener.accept() else {
                    std::thread::sleep(Duration::from_millis(5));
                    continue;
                };
                let _ = client.set_nonblocking(false);
                let Ok(engine) = UnixStream::connect(&engine) else {
                    continue;
                };
                let mut kept = streams.lock().unwrap();
                for (mut from, mut to) in [
                    (client.try_clone().unwrap(), engine.try_clone().unwrap()),
                    (engine.try_clone().unwrap(), client.try_clone().unwrap()),
                ] {
                    std::thread::spawn(move || {
                        let _ = std::io::copy(&mut from, &mut to);
                        let _ = to.shutdown(std::net::Shutdown::Both);
                    });
                }
                kept.extend([client, engine]);
            }
        });
        SocketProxy { path, cut, open }
    }

    /// `unix://PATH` for a plan's `[docker.NAME] url`.
    pub fn url(&self) -> String {
        format!("unix://{}", self.path.display())
    }

    /// Makes the engine unreachable through the proxy: open connections are closed and new ones refused.
    pub fn cut(&self) {
        self.cut.store(true, Ordering::Relaxed);
        let _ = std::fs::remove_file(&self.path);
        for stream in self.open.lock().unwrap().drain(..) {
            let _ = stream.shutdown(std::net::Shutdown::Both);
        }
    }
}

impl Drop for SocketProxy {
    fn drop(&mut self) {
        self.cut();
    }
}
