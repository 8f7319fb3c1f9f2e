//! A subset of Stripe's search query language:
//! `email:'ada@example.com'`, `name~'ada'`, `metadata['tier']:'gold'`,
//! `created>1704067200`, `-status:'paid'`, clauses joined by all-`AND` or
//! all-`OR`.

use serde_json::{Map, Value};

use crate::entity::Entity;
use crate::error::ApiError;

/// A parsed search query.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Query {
    clauses: Vec<Clause>,
    any: bool,
}

#[derive(Debug, Clone, PartialEq)]
struct Clause {
    negated: bool,
    field: FieldRef,
    op: Op,
    value: Literal,
}

#[derive(Debug, Clone, PartialEq)]
enum FieldRef {
    /// A dotted path into the record.
    Path(String),
    /// `metadata['key']`.
    Metadata(String),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Equals,
    Contains,
    Greater,
    GreaterOrEqual,
    Less,
    LessOrEqual,
}

#[derive(Debug, Clone, PartialEq)]
enum Literal {
    Text(String),
    Number(f64),
    Null,
}

fn bad(message: impl Into<String>) -> ApiError {
    ApiError::invalid(message, Some("query"))
}

impl Query {
    /// Parses `text` for `entity`, naming the problem on failure.
    pub(crate) fn parse(entity: Entity, text: &str) -> Result<Query, ApiError> {
        let mut parser = Parser { rest: text.trim() };
        let mut clauses = vec![parser.clause(entity)?];
        let mut joiner: Option<&str> = None;
        while !parser.rest.is_empty() {
            let word = parser.word();
            if word != "AND" && word != "OR" {
                return Err(bad(format!(
                    "Invalid query: expected AND or OR before `{}`.",
                    parser.rest_or(word)
                )));
            }
            if joiner.is_some_and(|j| j != word) {
                return Err(bad(
                    "Invalid query: AND and OR cannot be mixed in one query.",
                ));
            }
            joiner = Some(word);
            clauses.push(parser.clause(entity)?);
        }
        Ok(Query {
            clauses,
            any: joiner == Some("OR"),
        })
    }

    /// Whether `record` satisfies the query.
    pub(crate) fn matches(&self, record: &Map<String, Value>) -> bool {
        let mut results = self.clauses.iter().map(|c| c.matches(record));
        if self.any {
            results.any(|m| m)
        } else {
            results.all(|m| m)
        }
    }
}

impl Clause {
    fn matches(&self, record: &Map<String, Value>) -> bool {
        let value = match &self.field {
            FieldRef::Path(path) => {
                let mut parts = path.split('.');
                let first = parts.next().and_then(|p| record.get(p));
                parts.fold(first, |v, p| v.and_then(|v| v.get(p)))
            }
            FieldRef::Metadata(key) => record.get("metadata").and_then(|m| m.get(key)),
        };
        let value = value.unwrap_or(&Value::Null);
        let hit = match (&self.value, self.op) {
            (Literal::Null, _) => value.is_null(),
            (Literal::Text(want), Op::Equals) => {
                as_text(value).is_some_and(|have| have.eq_ignore_ascii_case(want))
            }
            (Literal::Text(want), Op::Contains) => as_text(value)
                .is_some_and(|have| have.to_lowercase().contains(&want.to_lowercase())),
            (Literal::Number(want), op) => value.as_f64().is_some_and(|have| match op {
                Op::Equals | Op::Contains => have == *want,
                Op::Greater => have > *want,
                Op::GreaterOrEqual => have >= *want,
                Op::Less => have < *want,
                Op::LessOrEqual => have <= *want,
            }),
            // Rejected at parse time.
            (Literal::Text(_), _) => false,
        };
        hit != self.negated
    }
}

fn as_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

struct Parser<'a> {
    rest: &'a str,
}

impl<'a> Parser<'a> {
    fn rest_or(&self, fallback: &'a str) -> &'a str {
        if self.rest.is_empty() {
            fallback
        } else {
            self.rest
        }
    }

    /// The next whitespace-separated word.
    fn word(&mut self) -> &'a str {
        let end = self
            .rest
            .find(char::is_whitespace)
            .unwrap_or(self.rest.len());
        let (word, rest) = self.rest.split_at(end);
        self.rest = rest.trim_start();
        word
    }

    fn clause(&mut self, entity: Entity) -> Result<Clause, ApiError> {
        let negated = match self.rest.strip_prefix('-') {
            Some(rest) => {
                self.rest = rest;
                true
            }
            None => false,
        };
        let field = self.field(entity)?;
        let op = self.op()?;
        let value = self.literal()?;
        if matches!(value, Literal::Text(_)) && !matches!(op, Op::Equals | Op::Contains) {
            return Err(bad(
                "Invalid query: <, >, <= and >= compare numbers; quote-free numbers only.",
            ));
        }
        if matches!(value, Literal::Number(_)) && op == Op::Contains {
            return Err(bad(
                "Invalid query: ~ matches substrings of quoted strings.",
            ));
        }
        self.rest = self.rest.trim_start();
        Ok(Clause {
            negated,
            field,
            op,
            value,
        })
    }

    fn field(&mut self, entity: Entity) -> Result<FieldRef, ApiError> {
        let allowed = entity.search_fields();
        if let Some(rest) = self.rest.strip_prefix("metadata[") {
            let quote = rest.chars().next().filter(|c| *c == '\'' || *c == '"');
            let close = quote.and_then(|q| rest[1..].find(q).map(|i| (q, i)));
            let Some((q, end)) = close else {
                return Err(bad(
                    "Invalid query: write metadata fields as metadata['key'].",
                ));
            };
            let key = &rest[1..1 + end];
            let after = &rest[1 + end + q.len_utf8()..];
            let Some(after) = after.strip_prefix(']') else {
                return Err(bad(
                    "Invalid query: write metadata fields as metadata['key'].",
                ));
            };
            if !allowed.contains(&"metadata") {
                return Err(bad(format!(
                    "Invalid query: {} cannot be searched by metadata.",
                    entity.path()
                )));
            }
            self.rest = after;
            return Ok(FieldRef::Metadata(key.to_string()));
        }
        let end = self
            .rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
            .unwrap_or(self.rest.len());
        let name = &self.rest[..end];
        if name.is_empty() {
            return Err(bad(
                "Invalid query: expected a field name, as in email:'ada@example.com'.",
            ));
        }
        if name == "metadata" || !allowed.contains(&name) {
            return Err(bad(format!(
                "Invalid query: {} cannot be searched by `{name}`; searchable fields: {}.",
                entity.path(),
                allowed
                    .iter()
                    .map(|f| if *f == "metadata" {
                        "metadata['key']"
                    } else {
                        f
                    })
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
        }
        self.rest = &self.rest[end..];
        Ok(FieldRef::Path(name.to_string()))
    }

    fn op(&mut self) -> Result<Op, ApiError> {
        for (token, op) in [
            (">=", Op::GreaterOrEqual),
            ("<=", Op::LessOrEqual),
            (":", Op::Equals),
            ("~", Op::Contains),
            (">", Op::Greater),
            ("<", Op::Less),
        ] {
            if let Some(rest) = self.rest.strip_prefix(token) {
                self.rest = rest;
                return Ok(op);
            }
        }
        Err(bad(
            "Invalid query: expected one of : ~ > < >= <= after the field name.",
        ))
    }

    fn literal(&mut self) -> Result<Literal, ApiError> {
        if let Some(q) = self.rest.chars().next().filter(|c| *c == '\'' || *c == '"') {
            let body = &self.rest[1..];
            let Some(end) = body.find(q) else {
                return Err(bad("Invalid query: unterminated quoted value."));
            };
            self.rest = &body[end + 1..];
            return Ok(Literal::Text(body[..end].to_string()));
        }
        let word = self.word();
        if word == "null" {
            return Ok(Literal::Null);
        }
        word.parse::<f64>()
            .ok()
            .filter(|n| n.is_finite())
            .map(Literal::Number)
            .ok_or_else(|| {
                bad(format!(
                    "Invalid query: `{word}` is not a quoted string, a number or null."
                ))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => unreachable!(),
        }
    }

    #[test]
    fn clauses_match_like_stripe_search() {
        let r = record(json!({
            "email": "ada.baptiste.3@example.com", "name": "Ada Baptiste", "created": 1704067500,
            "metadata": {"tier": "gold"}, "phone": null
        }));
        let yes = [
            "email:'ada.baptiste.3@example.com'",
            "name~'bapt'",
            "metadata['tier']:'gold'",
            "metadata[\"tier\"]:\"GOLD\"",
            "created>1704067200 AND created<=1704067500",
            "name:'nobody' OR name~'ada'",
            "-name:'Zoe'",
            "phone:null",
        ];
        for q in yes {
            let query = Query::parse(Entity::Customers, q).expect(q);
            assert!(query.matches(&r), "{q}");
        }
        let no = [
            "name:'Ada'",
            "created<1704067200",
            "-metadata['tier']:'gold'",
            "email:null",
        ];
        for q in no {
            let query = Query::parse(Entity::Customers, q).expect(q);
            assert!(!query.matches(&r), "{q}");
        }
    }

    #[test]
    fn malformed_queries_say_what_is_wrong() {
        for (q, needle) in [
            ("", "field name"),
            ("balance:0", "cannot be searched by `balance`"),
            ("name:'a' AND name:'b' OR name:'c'", "cannot be mixed"),
            ("name='a'", "expected one of"),
            ("name:'a", "unterminated"),
            ("name>'a'", "compare numbers"),
            ("name:'a' name:'b'", "AND or OR"),
            ("metadata[tier]:'x'", "metadata['key']"),
            ("created:soon", "not a quoted string"),
        ] {
            let err = Query::parse(Entity::Customers, q).expect_err(q);
            assert_eq!(err.param.as_deref(), Some("query"));
            assert!(err.message.contains(needle), "{q}: {}", err.message);
        }
    }
}
