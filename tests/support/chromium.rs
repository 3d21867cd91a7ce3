//! Debian's Chromium, headless, as a reader's browser: what a page looks like once rendered (its
//! DOM after layout), what it said on its console, and screenshots. Started as root needs
//! `--no-sandbox`; the background-networking flags keep it from reaching for Google's hosts,
//! which this machine's closed network refuses.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::components::repo_root;

/// A page as Chromium rendered it.
pub struct Rendered {
    /// The DOM after the page loaded, serialized.
    pub dom: String,
    /// What the page wrote on its console: script errors, refused loads, policy violations.
    pub console: Vec<String>,
}

fn chromium(args: &[String]) -> std::process::Output {
    let profile = tempfile::tempdir().unwrap();
    let output = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--enable-logging=stderr",
            "--log-level=0",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .output()
        .expect("run chromium (scripts/ensure-deps.sh installs Debian's chromium)");
    assert!(
        output.status.success(),
        "chromium {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn url(page: &Path) -> String {
    format!("file://{}", page.canonicalize().unwrap().display())
}

/// Loads `page` in a window `width` pixels wide.
pub fn render(page: &Path, width: u32) -> Rendered {
    let output = chromium(&[
        format!("--window-size={width},900"),
        "--dump-dom".into(),
        url(page),
    ]);
    Rendered {
        dom: String::from_utf8_lossy(&output.stdout).into_owned(),
        console: String::from_utf8_lossy(&output.stderr)
            .lines()
            .filter(|line| line.contains(":CONSOLE"))
            .map(str::to_owned)
            .collect(),
    }
}

/// How wide `page` lays out in a frame `width` CSS pixels wide (its document's scroll width):
/// wider than `width` means a reader on that screen scrolls sideways.
pub fn laid_out_width(page: &Path, width: u32) -> u32 {
    let dir = tempfile::tempdir().unwrap();
    let harness = dir.path().join("frame.html");
    std::fs::write(
        &harness,
        format!(
            r#"<!doctype html><html><body style="margin:0">
<iframe id="f" src="{}" style="width:{width}px;height:800px;border:0"></iframe><pre id="width">none</pre>
<script>
document.getElementById('f').addEventListener('load', function () {{
  document.getElementById('width').textContent = this.contentDocument.documentElement.scrollWidth;
}});
</script></body></html>"#,
            url(page)
        ),
    )
    .unwrap();
    let output = chromium(&[
        "--allow-file-access-from-files".into(),
        "--dump-dom".into(),
        url(&harness),
    ]);
    let dom = String::from_utf8_lossy(&output.stdout);
    let width = dom
        .split(r#"<pre id="width">"#)
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .unwrap_or("none");
    width
        .parse()
        .unwrap_or_else(|_| panic!("the frame's width was not measured: {dom}"))
}

/// Writes a screenshot of `page`, `width` × `height`, to `name` under `build/screenshots/`;
/// returns its path.
pub fn screenshot(page: &Path, width: u32, height: u32, name: &str) -> PathBuf {
    let dir = repo_root().join("build/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    let png = dir.join(name);
    let _ = std::fs::remove_file(&png);
    chromium(&[
        format!("--window-size={width},{height}"),
        format!("--screenshot={}", png.display()),
        url(page),
    ]);
    assert!(
        std::fs::metadata(&png).is_ok_and(|m| m.len() > 0),
        "no screenshot at {}",
        png.display()
    );
    png
}
