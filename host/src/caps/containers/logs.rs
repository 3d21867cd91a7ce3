//! A container's last output lines, bounded in lines and bytes however much the container wrote.

use bollard::Docker;
use bollard::errors::Error as DockerError;
use bollard::query_parameters::LogsOptions;
use futures::StreamExt;

/// The most lines a plugin gets, whatever `tail` it asks for.
pub const MAX_LOG_LINES: u32 = 1000;
/// The most bytes of output a plugin gets; older output is dropped first.
pub const MAX_LOG_BYTES: usize = 256 * 1024;

/// The last `tail` lines (at most [`MAX_LOG_LINES`]) of stdout and stderr of container `id`,
/// keeping only the newest [`MAX_LOG_BYTES`] and starting at a line boundary when cut.
pub(super) async fn last_lines(
    docker: &Docker,
    id: &str,
    tail: u32,
) -> Result<String, DockerError> {
    let options = LogsOptions {
        stdout: true,
        stderr: true,
        tail: tail.min(MAX_LOG_LINES).to_string(),
        ..LogsOptions::default()
    };
    let mut stream = docker.logs(id, Some(options));
    let mut kept = Vec::new();
    let mut cut = false;
    while let Some(chunk) = stream.next().await {
        kept.extend_from_slice(chunk?.as_ref());
        if kept.len() > 2 * MAX_LOG_BYTES {
            kept.drain(..kept.len() - MAX_LOG_BYTES);
            cut = true;
        }
    }
    Ok(newest(kept, cut))
}

/// The newest [`MAX_LOG_BYTES`] of `bytes` as text; when anything was dropped (`cut`), the
/// partial first line is dropped too.
fn newest(mut bytes: Vec<u8>, mut cut: bool) -> String {
    if bytes.len() > MAX_LOG_BYTES {
        bytes.drain(..bytes.len() - MAX_LOG_BYTES);
        cut = true;
    }
    if cut {
        let first_line_end = bytes.iter().position(|&b| b == b'\n').map_or(0, |i| i + 1);
        bytes.drain(..first_line_end);
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_output_is_kept_whole() {
        assert_eq!(newest(b"a\nb\n".to_vec(), false), "a\nb\n");
    }

    #[test]
    fn long_output_keeps_the_newest_whole_lines_within_the_cap() {
        let line = "x".repeat(99) + "\n";
        let text = line.repeat(5000) + "last\n";
        let kept = newest(text.into_bytes(), false);
        assert!(kept.len() <= MAX_LOG_BYTES);
        assert!(kept.starts_with('x') && kept.lines().all(|l| l == "last" || l.len() == 99));
        assert!(kept.ends_with("last\n"));
    }
}
