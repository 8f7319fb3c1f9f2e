//! Doc comments from definition descriptions.
//!
//! Descriptions are Markdown-ish text written for humans, not rustdoc. They
//! are emitted as `#[doc = "…"]` string literals (so no character can end
//! the comment early) and neutralised for rustdoc: fenced blocks become
//! `text` blocks (never doctests), indentation is dropped (no accidental
//! indented code blocks), brackets and angle brackets are escaped (no broken
//! intra-doc links or HTML), and bare URLs become autolinks.

/// `#[doc]` attributes for `text`, one per line, each followed by a newline.
/// Empty when `text` has no visible content.
pub fn doc_attrs(text: &str) -> String {
    let lines = markdown_lines(text);
    lines
        .iter()
        .map(|l| {
            if l.is_empty() {
                "#[doc = \"\"]\n".to_string()
            } else {
                format!("#[doc = {:?}]\n", format!(" {l}"))
            }
        })
        .collect()
}

/// Inner `#![doc]` attributes (a module's own documentation) for `text`.
pub fn inner_doc_attrs(text: &str) -> String {
    doc_attrs(text).replace("#[doc", "#![doc")
}

/// Joins several optional paragraphs (summary, description…) into doc
/// attributes, skipping empty and repeated ones.
pub fn doc_paragraphs<'a>(parts: impl IntoIterator<Item = Option<&'a str>>) -> String {
    let mut seen: Vec<String> = Vec::new();
    for part in parts.into_iter().flatten() {
        let trimmed = part.trim();
        if !trimmed.is_empty() && !seen.iter().any(|s| s == trimmed) {
            seen.push(trimmed.to_string());
        }
    }
    doc_attrs(&seen.join("\n\n"))
}

fn markdown_lines(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut in_fence = false;
    for raw in text.lines() {
        let line: String = raw
            .trim()
            .chars()
            .filter(|c| !c.is_control() || *c == '\t')
            .map(|c| if c == '\t' { ' ' } else { c })
            .collect();
        if line.starts_with("```") || line.starts_with("~~~") {
            out.push(if in_fence { "```" } else { "```text" }.to_string());
            in_fence = !in_fence;
            continue;
        }
        if in_fence {
            out.push(line);
        } else {
            out.push(escape_inline(&line));
        }
    }
    if in_fence {
        out.push("```".to_string());
    }
    // No leading/trailing blank lines, no runs of blank lines.
    let mut cleaned: Vec<String> = Vec::new();
    for l in out {
        if l.is_empty() && cleaned.last().is_none_or(|p: &String| p.is_empty()) {
            continue;
        }
        cleaned.push(l);
    }
    while cleaned.last().is_some_and(|l| l.is_empty()) {
        cleaned.pop();
    }
    cleaned
}

/// Escapes Markdown that rustdoc would misread, outside inline code spans.
fn escape_inline(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut in_code = false;
    let mut rest = line;
    while let Some(c) = rest.chars().next() {
        if c == '`' {
            in_code = !in_code;
            out.push(c);
            rest = &rest[1..];
            continue;
        }
        if !in_code && (rest.starts_with("https://") || rest.starts_with("http://")) {
            let end = rest
                .find(|c: char| c.is_whitespace() || "<>[]()\"'`".contains(c))
                .unwrap_or(rest.len());
            let url = rest[..end].trim_end_matches(['.', ',', ';', ':']);
            out.push('<');
            out.push_str(url);
            out.push('>');
            rest = &rest[url.len()..];
            continue;
        }
        if !in_code && "[]<>\\".contains(c) {
            out.push('\\');
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    if in_code {
        // An unbalanced backtick would swallow the rest of the paragraph.
        out.push('`');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_what_rustdoc_would_misread() {
        assert_eq!(
            markdown_lines("See [docs](https://x.example/a) <b>bold</b>"),
            vec!["See \\[docs\\](<https://x.example/a>) \\<b\\>bold\\</b\\>"]
        );
        assert_eq!(
            markdown_lines("keep `a[0]` as is"),
            vec!["keep `a[0]` as is"]
        );
        assert_eq!(
            markdown_lines("url https://a.example/x."),
            vec!["url <https://a.example/x>."]
        );
    }

    #[test]
    fn fences_become_text_blocks_and_indentation_is_dropped() {
        let text = "Example:\n```python\n    x = 1\n```\n\n\n    indented";
        assert_eq!(
            markdown_lines(text),
            vec!["Example:", "```text", "x = 1", "```", "", "indented"]
        );
        assert_eq!(markdown_lines("```\nopen"), vec!["```text", "open", "```"]);
    }

    #[test]
    fn attributes_are_valid_string_literals() {
        let attrs = doc_attrs("quote \" backslash \\ and \r control \u{7}");
        let parsed: syn::File = syn::parse_str(&format!("{attrs}struct S;")).unwrap();
        assert_eq!(parsed.items.len(), 1);
        assert_eq!(doc_attrs("   \n  "), "");
    }

    #[test]
    fn paragraphs_skip_duplicates() {
        let attrs = doc_paragraphs([Some("List users"), None, Some("List users "), Some("More")]);
        assert_eq!(attrs.matches("#[doc").count(), 3);
    }
}
