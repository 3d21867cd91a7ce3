//! The asset hash Pages keys uploads by: BLAKE3 of the file's base64 text followed by its
//! extension (without the dot), as 32 hex digits.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use std::io::{self, Read};

/// Bytes read (and base64-encoded) at a time: a multiple of 3, so the pieces of base64 join
/// into exactly the base64 of the whole file.
const CHUNK: usize = 3 * 64 * 1024;

/// Hex digits of the hash Pages uses.
const HASH_HEX_DIGITS: usize = 32;

/// The extension as Node's `path.extname(name).substring(1)` gives it: the text after the last
/// `.` of the file name, unless that `.` starts the name (`.htaccess` has none).
pub fn extension(file_name: &str) -> &str {
    let base = file_name.rsplit('/').next().unwrap_or(file_name);
    match base.rfind('.') {
        Some(dot) if dot > 0 => &base[dot + 1..],
        _ => "",
    }
}

/// The hash of the content read from `reader`, for a file named `file_name`.
pub fn hash_reader(mut reader: impl Read, file_name: &str) -> io::Result<String> {
    let mut hasher = blake3::Hasher::new();
    let mut chunk = vec![0; CHUNK];
    let mut encoded = String::with_capacity(CHUNK / 3 * 4);
    loop {
        let filled = fill(&mut reader, &mut chunk)?;
        if filled == 0 {
            break;
        }
        encoded.clear();
        STANDARD.encode_string(&chunk[..filled], &mut encoded);
        hasher.update(encoded.as_bytes());
        if filled < CHUNK {
            break;
        }
    }
    hasher.update(extension(file_name).as_bytes());
    Ok(hasher.finalize().to_hex()[..HASH_HEX_DIGITS].to_owned())
}

/// Reads until `buf` is full or the input ends; returns how much was read.
fn fill(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hash(content: &[u8], name: &str) -> String {
        hash_reader(content, name).unwrap()
    }

    #[test]
    fn the_test_vectors_of_the_protocol_notes_hold() {
        assert_eq!(
            hash(b"foobar", "logo.png"),
            "2082190357cfd3617ccfe04f340c6247"
        );
        assert_eq!(
            hash(b"foobar", "logo.txt"),
            "1a98fb08af91aca4a7df1764a2c4ddb0"
        );
    }

    #[test]
    fn hashing_in_chunks_equals_hashing_the_whole_base64_text() {
        let content: Vec<u8> = (0..CHUNK * 2 + 7).map(|i| (i * 31 % 251) as u8).collect();
        let whole = format!("{}js", STANDARD.encode(&content));
        let expected = blake3::hash(whole.as_bytes()).to_hex()[..32].to_owned();
        assert_eq!(hash(&content, "app.js"), expected);
    }

    #[test]
    fn an_empty_file_hashes_its_extension_alone() {
        let expected = blake3::hash(b"css").to_hex()[..32].to_owned();
        assert_eq!(hash(b"", "a/b/style.css"), expected);
    }

    #[test]
    fn extensions_follow_node_path_extname() {
        for (name, ext) in [
            ("logo.png", "png"),
            ("archive.tar.gz", "gz"),
            ("dir.v2/README", ""),
            (".htaccess", ""),
            ("a/.env.local", "local"),
            ("trailing.", ""),
            ("..", ""),
            ("..a", "a"),
        ] {
            assert_eq!(extension(name), ext, "{name}");
        }
    }
}
