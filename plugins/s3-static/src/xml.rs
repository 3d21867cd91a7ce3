//! The little XML the S3 and CloudFront APIs need: reading the text of elements by name, and
//! escaping text written into a document. AWS's answers are flat enough that no parser is
//! needed; a value is unescaped once read.

/// The text of every `<name>...</name>` in `xml`, in order, unescaped.
pub fn all(xml: &str, name: &str) -> Vec<String> {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    let mut found = Vec::new();
    let mut rest = xml;
    while let Some(start) = rest.find(&open) {
        let after = &rest[start + open.len()..];
        let Some(end) = after.find(&close) else {
            break;
        };
        found.push(unescape(&after[..end]));
        rest = &after[end + close.len()..];
    }
    found
}

/// The text of the first `<name>...</name>` in `xml`, if any.
pub fn first(xml: &str, name: &str) -> Option<String> {
    all(xml, name).into_iter().next()
}

/// The raw (not unescaped) blocks `<name>...</name>`, each with its tags.
pub fn blocks<'a>(xml: &'a str, name: &str) -> Vec<&'a str> {
    let open = format!("<{name}>");
    let close = format!("</{name}>");
    let mut found = Vec::new();
    let mut offset = 0;
    while let Some(start) = xml[offset..].find(&open) {
        let start = offset + start;
        let Some(end) = xml[start..].find(&close) else {
            break;
        };
        let end = start + end + close.len();
        found.push(&xml[start..end]);
        offset = end;
    }
    found
}

/// `text` escaped for an XML element's content.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn unescape(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn elements_are_read_in_order_and_unescaped() {
        let xml = "<R><Contents><Key>a&amp;b</Key><ETag>&quot;x&quot;</ETag></Contents>\
                   <Contents><Key>c</Key></Contents></R>";
        assert_eq!(all(xml, "Key"), ["a&b", "c"]);
        assert_eq!(first(xml, "ETag").as_deref(), Some("\"x\""));
        assert_eq!(blocks(xml, "Contents").len(), 2);
        assert_eq!(first(xml, "Missing"), None);
        assert_eq!(escape("a<&>\"b"), "a&lt;&amp;&gt;&quot;b");
    }
}
