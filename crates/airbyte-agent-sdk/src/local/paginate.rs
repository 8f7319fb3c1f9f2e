//! Following a list operation's pages.
//!
//! Definitions do not declare a pagination style; they declare what to read
//! from a response (`x-airbyte-meta-extractor`) and which parameters a
//! request takes. The style is inferred from those, once per operation:
//!
//! - **next link**: a `@link.next` meta field, or a meta field named like a
//!   next-page link (`next_page`, `next_link`, `nextRecordsUrl`,
//!   `next_page_uri`, `next`) whose value is a URL: the next request is a
//!   `GET` of that URL (a bare token there is passed to the operation's
//!   cursor parameter instead, when it has one);
//! - **cursor**: a meta field carrying a cursor/token (`next_cursor`,
//!   `nextPageToken`, `end_cursor`, `bookmark`, `after`, `next_offset`, ...)
//!   and a request parameter that takes it: one with the same name (or `X`
//!   for a field `next_X`), else a conventional one (`cursor`, `after`,
//!   `pageToken`, `start_cursor`, `page[cursor]`, ...). Body fields and
//!   GraphQL variables count as parameters. The next request repeats the
//!   operation with that parameter set;
//! - **last id** (Stripe style): a `has_more` flag and a `starting_after`
//!   parameter: the cursor is the `id` of the last record;
//! - **page number** / **offset**: a `page` (or `offset`, `startAt`,
//!   `start`) parameter and no better signal: incremented by one page (or by
//!   the records received).
//!
//! Pagination stops on an empty page, a page identical to the previous one,
//! a `has_more`/`has_next_page` flag that is false (or `done`/`isLast`
//! true), a missing cursor, or a cursor or URL already seen.

use std::collections::HashSet;

use serde_json::{Map, Value};

use super::operation::OperationSpec;
use super::pystr::py_str;

/// Request parameter names that take a cursor, most specific first.
const CURSOR_PARAMS: &[&str] = &[
    "cursor",
    "after",
    "start_cursor",
    "page_token",
    "pageToken",
    "nextPageToken",
    "next_page_token",
    "NextToken",
    "nextToken",
    "next_token",
    "bookmark",
    "page[cursor]",
    "page[after]",
    "page.token",
    "continuation",
    "marker",
];

/// How the next page is requested.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageStyle {
    /// Single page.
    None,
    /// `GET` the URL found in meta field `field`; a value that is not a URL
    /// is a cursor for `cursor_param`, when the operation has one.
    NextUrl {
        /// Meta field holding the URL.
        field: String,
        /// Parameter taking the value when it is a bare token.
        cursor_param: Option<String>,
    },
    /// Set `param` to the cursor found in meta field `field`.
    Cursor {
        /// Meta field holding the cursor.
        field: String,
        /// Request parameter taking it.
        param: String,
    },
    /// Set `param` to the `id` of the last record.
    LastId {
        /// Request parameter taking the id.
        param: String,
    },
    /// Increment page number `param`.
    Page {
        /// Request parameter holding the page number.
        param: String,
    },
    /// Advance offset `param` by the records received.
    Offset {
        /// Request parameter holding the offset.
        param: String,
    },
}

/// What the paginator should do after a page.
#[derive(Debug, Clone, PartialEq)]
pub enum NextPage {
    /// No more pages.
    Done,
    /// `GET` this URL (absolute, or relative to the base URL).
    Url(String),
    /// Repeat the operation with these parameters.
    Params(Map<String, Value>),
}

/// Lower-case key without separators, for loose name matching.
fn squash(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase()
}

fn is_url_field(field: &str) -> bool {
    let k = squash(field);
    matches!(
        k.as_str(),
        "next"
            | "nextpage"
            | "nextlink"
            | "nextpageurl"
            | "nexturl"
            | "nextrecordsurl"
            | "nextpageuri"
            | "nexturi"
    )
}

fn is_cursor_field(field: &str) -> bool {
    let k = squash(field);
    k.contains("cursor")
        || k.contains("token")
        || k == "after"
        || k == "bookmark"
        || k == "nextoffset"
        || k == "offset"
}

fn is_more_flag(field: &str) -> bool {
    let k = squash(field);
    k.contains("hasmore") || k.contains("hasnext") || k == "moredataavailable" || k == "morerecords"
}

fn is_end_flag(field: &str) -> bool {
    matches!(squash(field).as_str(), "done" | "islast")
}

/// Every parameter name an operation accepts.
fn accepted_params(op: &OperationSpec) -> Vec<String> {
    let mut names: Vec<String> = op.query.iter().map(|p| p.name.clone()).collect();
    match &op.body.fields {
        super::body::BodyFields::Named(fields) => names.extend(fields.iter().cloned()),
        super::body::BodyFields::Any | super::body::BodyFields::None => {}
    }
    if let Some(vars) = op.body.graphql.as_ref().and_then(|g| g.variables.as_ref()) {
        for template in vars.values() {
            if let Some(name) = template
                .as_str()
                .and_then(|s| s.strip_prefix("{{ "))
                .and_then(|s| s.strip_suffix(" }}"))
            {
                names.push(name.to_string());
            }
        }
    }
    names
}

impl PageStyle {
    /// Infers the style of an operation (see the module docs).
    pub fn infer(op: &OperationSpec) -> PageStyle {
        if op.no_pagination || !op.returns_many() {
            return PageStyle::None;
        }
        let meta: &[(String, String)] = op.meta_extractor.as_deref().unwrap_or(&[]);
        let params = accepted_params(op);
        let token_param = CURSOR_PARAMS
            .iter()
            .chain(&["starting_after", "start"])
            .find(|c| params.iter().any(|p| p == *c))
            .map(|c| c.to_string());
        if let Some((field, _)) = meta.iter().find(|(_, e)| e == "@link.next") {
            return PageStyle::NextUrl {
                field: field.clone(),
                cursor_param: None,
            };
        }
        let cursor_fields: Vec<&String> = meta
            .iter()
            .filter(|(f, e)| is_cursor_field(f) && !e.starts_with('@'))
            .map(|(f, _)| f)
            .collect();
        if let Some(field) = cursor_fields.first() {
            // A parameter with the same (squashed) name as the field wins,
            // then the conventional cursor parameter names.
            // (`next_offset` also matches `offset`: `next_X` carries the next `X`).
            let wanted = squash(field);
            let same = params.iter().find(|p| {
                let p = squash(p);
                p == wanted || wanted.strip_prefix("next") == Some(p.as_str())
            });
            let conventional = CURSOR_PARAMS
                .iter()
                .find(|c| params.iter().any(|p| p == *c))
                .map(|c| c.to_string());
            if let Some(param) = same.cloned().or(conventional) {
                return PageStyle::Cursor {
                    field: (*field).clone(),
                    param,
                };
            }
        }
        if let Some((field, _)) = meta.iter().find(|(f, _)| is_url_field(f)) {
            return PageStyle::NextUrl {
                field: field.clone(),
                cursor_param: token_param,
            };
        }
        let has = |name: &str| params.iter().any(|p| p == name);
        if has("starting_after") && meta.iter().any(|(f, _)| is_more_flag(f)) {
            return PageStyle::LastId {
                param: "starting_after".into(),
            };
        }
        if has("page") {
            return PageStyle::Page {
                param: "page".into(),
            };
        }
        if let Some(param) = ["offset", "startAt", "start"].into_iter().find(|p| has(p)) {
            return PageStyle::Offset {
                param: param.into(),
            };
        }
        PageStyle::None
    }
}

/// The state of one pagination: the style plus what was already seen.
#[derive(Debug, Clone)]
pub struct PageState {
    style: PageStyle,
    more_flags: Vec<String>,
    end_flags: Vec<String>,
    seen: HashSet<String>,
    last_page: Option<u64>,
}

impl PageState {
    /// The state for an operation's pagination.
    pub fn new(op: &OperationSpec) -> Self {
        let meta: &[(String, String)] = op.meta_extractor.as_deref().unwrap_or(&[]);
        Self {
            style: PageStyle::infer(op),
            more_flags: meta
                .iter()
                .filter(|(f, _)| is_more_flag(f))
                .map(|(f, _)| f.clone())
                .collect(),
            end_flags: meta
                .iter()
                .filter(|(f, _)| is_end_flag(f))
                .map(|(f, _)| f.clone())
                .collect(),
            seen: HashSet::new(),
            last_page: None,
        }
    }

    /// The inferred style.
    pub fn style(&self) -> &PageStyle {
        &self.style
    }

    /// Decides the next request from the page just received.
    ///
    /// `params` are the parameters of the request that produced the page,
    /// `records` its extracted records and `meta` its extracted metadata.
    pub fn next(
        &mut self,
        params: &Map<String, Value>,
        records: &Value,
        meta: Option<&Value>,
    ) -> NextPage {
        let count = match records {
            Value::Array(items) => items.len(),
            Value::Null => 0,
            _ => 1,
        };
        if count == 0 {
            return NextPage::Done;
        }
        // A server that ignores the page parameter repeats the same page:
        // stop instead of looping forever.
        let fingerprint = {
            use std::hash::{Hash as _, Hasher as _};
            let mut h = std::collections::hash_map::DefaultHasher::new();
            records.to_string().hash(&mut h);
            h.finish()
        };
        if self.last_page.replace(fingerprint) == Some(fingerprint) {
            return NextPage::Done;
        }
        let field = |name: &str| meta.and_then(|m| m.get(name)).filter(|v| !v.is_null());
        if self
            .more_flags
            .iter()
            .any(|f| field(f).is_some_and(is_false))
        {
            return NextPage::Done;
        }
        if self.end_flags.iter().any(|f| field(f).is_some_and(is_true)) {
            return NextPage::Done;
        }
        let (key, next) = match &self.style {
            PageStyle::None => return NextPage::Done,
            PageStyle::NextUrl {
                field: f,
                cursor_param,
            } => {
                // Some APIs (Asana) give the next page as an object such as
                // `{"offset": "…", "path": "…", "uri": "https://…"}`: follow its link.
                let Some(next) = field(f)
                    .and_then(|v| match v {
                        Value::Object(o) => ["uri", "url", "href", "link", "next"]
                            .iter()
                            .find_map(|k| o.get(*k).and_then(Value::as_str)),
                        other => other.as_str(),
                    })
                    .filter(|s| !s.is_empty())
                else {
                    return NextPage::Done;
                };
                let is_url = next.starts_with("http://")
                    || next.starts_with("https://")
                    || next.starts_with('/');
                match (is_url, cursor_param) {
                    (true, _) => (format!("url:{next}"), NextPage::Url(next.to_string())),
                    (false, Some(param)) => {
                        let mut p = params.clone();
                        p.insert(param.clone(), Value::String(next.to_string()));
                        (format!("cursor:{next}"), NextPage::Params(p))
                    }
                    (false, None) => return NextPage::Done,
                }
            }
            PageStyle::Cursor { field: f, param } => {
                let Some(cursor) = field(f).filter(|v| !is_blank(v)) else {
                    return NextPage::Done;
                };
                let mut p = params.clone();
                p.insert(param.clone(), cursor.clone());
                (format!("cursor:{}", py_str(cursor)), NextPage::Params(p))
            }
            PageStyle::LastId { param } => {
                let last = match records {
                    Value::Array(items) => items.last(),
                    other => Some(other),
                };
                let Some(id) = last.and_then(|r| r.get("id")).filter(|v| !is_blank(v)) else {
                    return NextPage::Done;
                };
                let mut p = params.clone();
                p.insert(param.clone(), id.clone());
                (format!("id:{}", py_str(id)), NextPage::Params(p))
            }
            PageStyle::Page { param } => {
                let current = params.get(param).and_then(as_i64).unwrap_or(1);
                let mut p = params.clone();
                p.insert(param.clone(), Value::from(current + 1));
                (format!("page:{}", current + 1), NextPage::Params(p))
            }
            PageStyle::Offset { param } => {
                let current = params.get(param).and_then(as_i64).unwrap_or(0);
                let next = current + count as i64;
                let mut p = params.clone();
                p.insert(param.clone(), Value::from(next));
                (format!("offset:{next}"), NextPage::Params(p))
            }
        };
        if !self.seen.insert(key) {
            return NextPage::Done;
        }
        next
    }
}

fn as_i64(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn is_blank(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Object(_) | Value::Array(_) => true,
        _ => false,
    }
}

fn is_false(v: &Value) -> bool {
    matches!(v, Value::Bool(false)) || v.as_str().is_some_and(|s| s.eq_ignore_ascii_case("false"))
}

fn is_true(v: &Value) -> bool {
    matches!(v, Value::Bool(true)) || v.as_str().is_some_and(|s| s.eq_ignore_ascii_case("true"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::local::operation::ParamSpec;
    use serde_json::json;

    fn op(query: &[&str], meta: &[(&str, &str)]) -> OperationSpec {
        OperationSpec {
            entity: "e".into(),
            action: "list".into(),
            query: query
                .iter()
                .map(|n| ParamSpec {
                    name: n.to_string(),
                    ..Default::default()
                })
                .collect(),
            meta_extractor: Some(
                meta.iter()
                    .map(|(a, b)| (a.to_string(), b.to_string()))
                    .collect(),
            ),
            ..Default::default()
        }
    }

    #[test]
    fn infers_styles_from_the_upstream_shapes() {
        let s = |q: &[&str], m: &[(&str, &str)]| PageStyle::infer(&op(q, m));
        assert_eq!(
            s(&["page"], &[("next", "@link.next")]),
            PageStyle::NextUrl {
                field: "next".into(),
                cursor_param: None
            }
        );
        assert_eq!(
            s(&["startAt", "maxResults"], &[("next_offset", "$.startAt")]),
            PageStyle::Offset {
                param: "startAt".into()
            }
        );
        assert_eq!(
            s(&["limit", "offset"], &[("next_offset", "$.next_offset")]),
            PageStyle::Cursor {
                field: "next_offset".into(),
                param: "offset".into()
            }
        );
        assert_eq!(
            s(&["start"], &[("next", "$.next")]),
            PageStyle::NextUrl {
                field: "next".into(),
                cursor_param: Some("start".into())
            }
        );
        assert_eq!(
            s(
                &["cursor", "limit"],
                &[("next_cursor", "$.response_metadata.next_cursor")]
            ),
            PageStyle::Cursor {
                field: "next_cursor".into(),
                param: "cursor".into()
            }
        );
        assert_eq!(
            s(
                &["maxResults", "pageToken"],
                &[("nextPageToken", "$.nextPageToken")]
            ),
            PageStyle::Cursor {
                field: "nextPageToken".into(),
                param: "pageToken".into()
            }
        );
        assert_eq!(
            s(&["NextToken"], &[("next_token", "$.payload.NextToken")]),
            PageStyle::Cursor {
                field: "next_token".into(),
                param: "NextToken".into()
            }
        );
        assert_eq!(
            s(&["limit", "starting_after"], &[("has_more", "$.has_more")]),
            PageStyle::LastId {
                param: "starting_after".into()
            }
        );
        assert_eq!(
            s(
                &["q"],
                &[("done", "$.done"), ("nextRecordsUrl", "$.nextRecordsUrl")]
            ),
            PageStyle::NextUrl {
                field: "nextRecordsUrl".into(),
                cursor_param: None
            }
        );
        assert_eq!(
            s(&["page", "page_size"], &[("page_info", "$.data.page_info")]),
            PageStyle::Page {
                param: "page".into()
            }
        );
        assert_eq!(
            s(&["count", "offset"], &[("links", "$._links")]),
            PageStyle::Offset {
                param: "offset".into()
            }
        );
        let mut single = op(&["cursor"], &[("next_cursor", "$.c")]);
        single.no_pagination = true;
        assert_eq!(PageStyle::infer(&single), PageStyle::None);
    }

    #[test]
    fn cursor_state_machine_stops_on_missing_or_repeated_cursor() {
        let o = op(&["cursor"], &[("next_cursor", "$.c"), ("has_more", "$.m")]);
        let mut st = PageState::new(&o);
        let params = Map::new();
        let recs = json!([{"id": 1}]);
        match st.next(
            &params,
            &recs,
            Some(&json!({"next_cursor": "c2", "has_more": true})),
        ) {
            NextPage::Params(p) => assert_eq!(p["cursor"], "c2"),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            st.next(
                &params,
                &recs,
                Some(&json!({"next_cursor": "c2", "has_more": true}))
            ),
            NextPage::Done
        );
        let mut st = PageState::new(&o);
        assert_eq!(
            st.next(
                &params,
                &recs,
                Some(&json!({"next_cursor": "c3", "has_more": false}))
            ),
            NextPage::Done
        );
        assert_eq!(
            st.next(&params, &recs, Some(&json!({"next_cursor": null}))),
            NextPage::Done
        );
        assert_eq!(
            st.next(&params, &json!([]), Some(&json!({"next_cursor": "c4"}))),
            NextPage::Done
        );
    }

    #[test]
    fn page_offset_and_last_id_advance() {
        let params = Map::new();
        let mut st = PageState::new(&op(&["page"], &[("total", "$.total")]));
        let NextPage::Params(p) = st.next(&params, &json!([{"a": 1}]), None) else {
            panic!()
        };
        assert_eq!(p["page"], 2);
        let mut st = PageState::new(&op(&["offset"], &[("x", "$.x")]));
        let NextPage::Params(p) = st.next(&params, &json!([{"a": 1}, {"a": 2}]), None) else {
            panic!()
        };
        assert_eq!(p["offset"], 2);
        let mut st = PageState::new(&op(&["starting_after"], &[("has_more", "$.has_more")]));
        let NextPage::Params(p) = st.next(
            &params,
            &json!([{"id": "a"}, {"id": "b"}]),
            Some(&json!({"has_more": true})),
        ) else {
            panic!()
        };
        assert_eq!(p["starting_after"], "b");
        assert_eq!(
            st.next(
                &params,
                &json!([{"id": "b"}]),
                Some(&json!({"has_more": false}))
            ),
            NextPage::Done
        );
    }

    #[test]
    fn a_repeated_page_stops_page_number_pagination() {
        let mut st = PageState::new(&op(&["page"], &[("total", "$.total")]));
        let page = json!([{"a": 1}]);
        let NextPage::Params(p) = st.next(&Map::new(), &page, None) else {
            panic!()
        };
        assert_eq!(st.next(&p, &page, None), NextPage::Done);
    }

    #[test]
    fn a_bare_token_in_a_next_field_is_a_cursor() {
        let mut st = PageState::new(&op(&["start"], &[("next", "$.next")]));
        let NextPage::Params(p) = st.next(
            &Map::new(),
            &json!([{"a": 1}]),
            Some(&json!({"next": "tok2"})),
        ) else {
            panic!()
        };
        assert_eq!(p["start"], "tok2");
        let mut st = PageState::new(&op(&[], &[("next", "$.next")]));
        assert_eq!(
            st.next(
                &Map::new(),
                &json!([{"a": 1}]),
                Some(&json!({"next": "tok2"}))
            ),
            NextPage::Done
        );
    }

    #[test]
    fn an_object_next_page_is_followed_by_its_uri() {
        let op = op(&["offset", "limit"], &[("next_page", "$.next_page")]);
        let mut state = PageState::new(&op);
        let meta = json!({"next_page": {"offset": "eyJ9", "path": "/tasks?offset=eyJ9", "uri": "https://app.example.com/api/1.0/tasks?offset=eyJ9"}});
        assert_eq!(
            state.next(&Map::new(), &json!([{"gid": "1"}]), Some(&meta)),
            NextPage::Url("https://app.example.com/api/1.0/tasks?offset=eyJ9".into())
        );
        let mut state = PageState::new(&op);
        assert_eq!(
            state.next(
                &Map::new(),
                &json!([{"gid": "1"}]),
                Some(&json!({"next_page": null}))
            ),
            NextPage::Done
        );
    }

    #[test]
    fn next_url_and_end_flags() {
        let mut st = PageState::new(&op(&[], &[("done", "$.done"), ("nextRecordsUrl", "$.n")]));
        let params = Map::new();
        let recs = json!([{"a": 1}]);
        assert_eq!(
            st.next(
                &params,
                &recs,
                Some(&json!({"done": false, "nextRecordsUrl": "/next/1"}))
            ),
            NextPage::Url("/next/1".into())
        );
        assert_eq!(
            st.next(
                &params,
                &recs,
                Some(&json!({"done": true, "nextRecordsUrl": "/next/2"}))
            ),
            NextPage::Done
        );
        assert_eq!(
            st.next(
                &params,
                &recs,
                Some(&json!({"done": false, "nextRecordsUrl": "/next/1"}))
            ),
            NextPage::Done
        );
    }
}
