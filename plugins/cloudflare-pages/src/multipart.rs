//! `multipart/form-data` bodies (RFC 7578), for creating a deployment.

/// A form being written: text fields and file fields, in order.
#[derive(Debug, Default)]
pub struct Form {
    parts: Vec<Part>,
}

#[derive(Debug)]
struct Part {
    name: String,
    file_name: Option<String>,
    content: Vec<u8>,
}

impl Form {
    /// Adds a text field.
    pub fn text(&mut self, name: &str, value: &str) {
        self.parts.push(Part {
            name: name.to_owned(),
            file_name: None,
            content: value.as_bytes().to_vec(),
        });
    }

    /// Adds a file field named `name` whose file is also called `name`.
    pub fn file(&mut self, name: &str, content: &[u8]) {
        self.parts.push(Part {
            name: name.to_owned(),
            file_name: Some(name.to_owned()),
            content: content.to_vec(),
        });
    }

    /// The content type (with the boundary) and the body.
    pub fn encode(&self) -> (String, Vec<u8>) {
        let boundary = self.boundary();
        let mut body = Vec::new();
        for part in &self.parts {
            body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
            let disposition = match &part.file_name {
                Some(file) => format!(
                    "Content-Disposition: form-data; name=\"{}\"; filename=\"{file}\"\r\nContent-Type: application/octet-stream\r\n",
                    part.name
                ),
                None => format!("Content-Disposition: form-data; name=\"{}\"\r\n", part.name),
            };
            body.extend_from_slice(disposition.as_bytes());
            body.extend_from_slice(b"\r\n");
            body.extend_from_slice(&part.content);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        (format!("multipart/form-data; boundary={boundary}"), body)
    }

    /// A boundary that occurs in no part: derived from their content, lengthened on the
    /// (practically impossible) collision.
    fn boundary(&self) -> String {
        let mut hasher = blake3::Hasher::new();
        for part in &self.parts {
            hasher.update(&part.content);
        }
        lengthened_until_free(
            format!("sluice-{}", &hasher.finalize().to_hex()[..24]),
            &self.parts,
        )
    }
}

/// `candidate`, with `x` appended until no part contains it.
fn lengthened_until_free(mut candidate: String, parts: &[Part]) -> String {
    while parts
        .iter()
        .any(|part| contains(&part.content, candidate.as_bytes()))
    {
        candidate.push('x');
    }
    candidate
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_and_files_are_written_in_order_between_boundaries() {
        let mut form = Form::default();
        form.text("manifest", "{}");
        form.file("_headers", b"/*\n  X: 1\n");
        let (content_type, body) = form.encode();
        let boundary = content_type
            .strip_prefix("multipart/form-data; boundary=")
            .unwrap();
        let expected = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"manifest\"\r\n\r\n{{}}\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"_headers\"; filename=\"_headers\"\r\nContent-Type: application/octet-stream\r\n\r\n/*\n  X: 1\n\r\n\
             --{boundary}--\r\n"
        );
        assert_eq!(String::from_utf8(body).unwrap(), expected);
    }

    #[test]
    fn a_boundary_found_in_a_part_is_lengthened_until_it_is_not() {
        let mut form = Form::default();
        form.text("a", "--b--");
        form.text("b", "bx and bxx");
        assert_eq!(lengthened_until_free("b".into(), &form.parts), "bxxx");
    }
}
