//! Downloads: streamed bytes, or (when `execute` is asked for
//! `_airbyte_response_type: "json"`) one bounded byte range returned as a
//! JSON chunk (`content`, `encoding`, `bytes_returned`, `range_requested`,
//! `next_range_header`, `has_more`, `content_type`).

use futures::StreamExt as _;
use serde_json::{Map, Value, json};

use base64::Engine as _;

use crate::error::{Error, Result};
use crate::executor::ByteStream;

/// Parameter selecting a structured (JSON) download response.
pub const RESPONSE_TYPE_PARAM: &str = "_airbyte_response_type";
/// Parameter selecting the JSON chunk's encoding (`base64` or `text`).
pub const RESPONSE_FORMAT_PARAM: &str = "_airbyte_response_format";
/// Largest range a JSON chunk may cover.
pub const MAX_JSON_CHUNK: u64 = 65_536;

/// How a download's bytes are returned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DownloadMode {
    /// As a byte stream.
    Stream,
    /// As one JSON chunk, base64 encoded.
    JsonBase64,
    /// As one JSON chunk of UTF-8 text.
    JsonText,
}

fn bad(param: &str, reason: impl Into<String>) -> Error {
    Error::InvalidParameter {
        entity: String::new(),
        action: "download".into(),
        param: param.into(),
        reason: reason.into(),
        allowed: Vec::new(),
    }
}

/// Reads the response-mode parameters, strips every `_airbyte_response_*`
/// parameter, and sets a default `range_header` for JSON chunks.
pub fn split_download_params(
    params: &Map<String, Value>,
) -> Result<(DownloadMode, Map<String, Value>)> {
    let mode = match params.get(RESPONSE_TYPE_PARAM) {
        None | Some(Value::Null) => DownloadMode::Stream,
        Some(Value::String(s)) if s == "stream" => DownloadMode::Stream,
        Some(Value::String(s)) if s == "json" => match params.get(RESPONSE_FORMAT_PARAM) {
            None => DownloadMode::JsonBase64,
            Some(Value::String(f)) if f == "base64" => DownloadMode::JsonBase64,
            Some(Value::String(f)) if f == "text" => DownloadMode::JsonText,
            Some(_) => {
                return Err(bad(RESPONSE_FORMAT_PARAM, "must be 'text' or 'base64'"));
            }
        },
        Some(_) => return Err(bad(RESPONSE_TYPE_PARAM, "must be 'stream' or 'json'")),
    };
    let mut rest: Map<String, Value> = params
        .iter()
        .filter(|(k, _)| !k.starts_with("_airbyte_response_"))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    if mode != DownloadMode::Stream {
        let given = rest.get("range_header").is_some_and(|v| match v {
            Value::Null => false,
            Value::String(s) => !s.is_empty(),
            _ => true,
        });
        if !given {
            let default = if mode == DownloadMode::JsonText {
                "bytes=0-15359"
            } else {
                "bytes=0-49151"
            };
            rest.insert("range_header".into(), Value::String(default.into()));
        }
        let range = rest
            .get("range_header")
            .map(super::pystr::py_str)
            .unwrap_or_default();
        parse_bounded_range(&range)?;
    }
    Ok((mode, rest))
}

/// Parses `bytes=START-END` (bounded, at most [`MAX_JSON_CHUNK`] bytes).
pub fn parse_bounded_range(range: &str) -> Result<(u64, u64)> {
    let spec = range.strip_prefix("bytes=").ok_or_else(|| {
        bad(
            "range_header",
            format!("must look like 'bytes=0-49151', got '{range}'"),
        )
    })?;
    let (start, end) = spec.split_once('-').ok_or_else(|| {
        bad(
            "range_header",
            format!("must look like 'bytes=0-49151', got '{range}'"),
        )
    })?;
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(start) || !(end.is_empty() || digits(end)) {
        return Err(bad(
            "range_header",
            format!("must look like 'bytes=0-49151', got '{range}'"),
        ));
    }
    if end.is_empty() {
        return Err(bad(
            "range_header",
            "JSON download chunks need a bounded range like 'bytes=0-49151'",
        ));
    }
    let start: u64 = start
        .parse()
        .map_err(|_| bad("range_header", "start is too large"))?;
    let end: u64 = end
        .parse()
        .map_err(|_| bad("range_header", "end is too large"))?;
    if end < start {
        return Err(bad(
            "range_header",
            format!("end must not be before start, got '{range}'"),
        ));
    }
    if end - start + 1 > MAX_JSON_CHUNK {
        return Err(bad(
            "range_header",
            format!("JSON download chunks are capped at {MAX_JSON_CHUNK} bytes per call"),
        ));
    }
    Ok((start, end))
}

/// Parses `Content-Range: bytes START-END/TOTAL` (`TOTAL` may be `*`).
pub fn parse_content_range(value: &str) -> Option<(u64, u64, Option<u64>)> {
    let rest = value.trim().strip_prefix("bytes")?.trim_start();
    let (range, total) = rest.split_once('/')?;
    let (start, end) = range.split_once('-')?;
    let total = if total == "*" {
        None
    } else {
        Some(total.parse().ok()?)
    };
    Some((start.parse().ok()?, end.parse().ok()?, total))
}

/// Reads at most one range of a download and describes it as a JSON chunk.
///
/// When the server ignored the `Range` header (200 without
/// `Content-Range`) the first `START` bytes are skipped locally. Only the
/// requested number of bytes is read; the rest of the body is not.
pub async fn materialize_json_chunk(
    mut stream: ByteStream,
    status: u16,
    content_range: Option<&str>,
    mode: DownloadMode,
    range: &str,
) -> Result<Value> {
    let (start, end) = parse_bounded_range(range)?;
    let wanted = (end - start + 1) as usize;
    let content_range = content_range.and_then(parse_content_range);
    let range_ignored = status == 200 && content_range.is_none();
    let mut skip = if range_ignored { start as usize } else { 0 };
    let mut body = Vec::with_capacity(wanted.min(1 << 16));
    while body.len() < wanted {
        let Some(chunk) = stream.next().await else {
            break;
        };
        let chunk = chunk?;
        let mut chunk = &chunk[..];
        if skip > 0 {
            if chunk.len() <= skip {
                skip -= chunk.len();
                continue;
            }
            chunk = &chunk[skip..];
            skip = 0;
        }
        let take = chunk.len().min(wanted - body.len());
        body.extend_from_slice(&chunk[..take]);
    }
    drop(stream);
    let mut returned = body.len();
    let (content, encoding) = match mode {
        DownloadMode::JsonText => {
            let text = match std::str::from_utf8(&body) {
                Ok(t) => t.to_string(),
                Err(e) if e.error_len().is_none() => {
                    // A character cut by the range end: return it next time.
                    let valid = e.valid_up_to();
                    if valid == 0 {
                        return Err(bad(
                            "range_header",
                            "the range is too small to hold a complete UTF-8 character",
                        ));
                    }
                    returned = valid;
                    String::from_utf8_lossy(&body[..valid]).into_owned()
                }
                Err(_) => {
                    return Err(bad(
                        RESPONSE_FORMAT_PARAM,
                        "the downloaded bytes are not valid UTF-8; use _airbyte_response_format='base64' for binary files",
                    ));
                }
            };
            (text, "utf-8")
        }
        _ => (
            base64::engine::general_purpose::STANDARD.encode(&body),
            "base64",
        ),
    };
    let next_start = start + returned as u64;
    let has_more = match content_range {
        Some((_, _, Some(total))) => next_start < total,
        _ if range_ignored => false,
        _ => body.len() == wanted && wanted > 0,
    };
    let next_end = next_start + wanted as u64 - 1;
    Ok(json!({
        "content": content,
        "encoding": encoding,
        "bytes_returned": returned,
        "range_requested": range,
        "next_range_header": if has_more { Value::String(format!("bytes={next_start}-{next_end}")) } else { Value::Null },
        "has_more": has_more,
        "content_type": Value::Null,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::Bytes;

    fn stream(parts: &[&'static [u8]]) -> ByteStream {
        let items: Vec<Result<Bytes>> = parts.iter().map(|p| Ok(Bytes::from_static(p))).collect();
        Box::pin(futures::stream::iter(items))
    }

    #[test]
    fn modes_and_default_ranges() {
        let p = |v: Value| v.as_object().cloned().unwrap();
        let (mode, rest) = split_download_params(&p(json!({"id": 1}))).unwrap();
        assert_eq!(mode, DownloadMode::Stream);
        assert!(!rest.contains_key("range_header"));
        let (mode, rest) = split_download_params(&p(
            json!({"_airbyte_response_type": "json", "_airbyte_response_format": "text"}),
        ))
        .unwrap();
        assert_eq!(mode, DownloadMode::JsonText);
        assert_eq!(rest["range_header"], "bytes=0-15359");
        assert!(!rest.contains_key("_airbyte_response_format"));
        assert!(split_download_params(&p(json!({"_airbyte_response_type": "xml"}))).is_err());
        assert!(
            split_download_params(&p(
                json!({"_airbyte_response_type": "json", "range_header": "bytes=0-"})
            ))
            .is_err()
        );
        assert!(
            split_download_params(&p(
                json!({"_airbyte_response_type": "json", "range_header": "bytes=0-70000"})
            ))
            .is_err()
        );
    }

    #[tokio::test]
    async fn chunk_from_a_server_honouring_range() {
        let v = materialize_json_chunk(
            stream(&[b"hel", b"lo"]),
            206,
            Some("bytes 0-4/11"),
            DownloadMode::JsonText,
            "bytes=0-4",
        )
        .await
        .unwrap();
        assert_eq!(v["content"], "hello");
        assert_eq!(v["has_more"], true);
        assert_eq!(v["next_range_header"], "bytes=5-9");
    }

    #[tokio::test]
    async fn chunk_from_a_server_ignoring_range() {
        let v = materialize_json_chunk(
            stream(&[b"hello ", b"world"]),
            200,
            None,
            DownloadMode::JsonBase64,
            "bytes=6-8",
        )
        .await
        .unwrap();
        assert_eq!(v["content"], "d29y");
        assert_eq!(v["bytes_returned"], 3);
        assert_eq!(v["has_more"], false);
    }

    #[tokio::test]
    async fn text_chunk_never_splits_a_character() {
        let v = materialize_json_chunk(
            stream(&["aé".as_bytes()]),
            206,
            None,
            DownloadMode::JsonText,
            "bytes=0-1",
        )
        .await
        .unwrap();
        assert_eq!(v["content"], "a");
        assert_eq!(v["bytes_returned"], 1);
        assert_eq!(v["next_range_header"], "bytes=1-2");
    }
}
