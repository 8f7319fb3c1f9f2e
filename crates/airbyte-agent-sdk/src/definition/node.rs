//! A pointer-aware view of the parsed document: every accessor knows the
//! JSON pointer of the node it reads, so validation errors can say exactly
//! where the definition is wrong.

use std::path::PathBuf;

use indexmap::IndexMap;
use serde_json::{Map, Value};

use super::model::Extensions;
use crate::error::Error;

/// Where the document came from, for errors.
#[derive(Debug, Clone, Default)]
pub(crate) struct Ctx {
    pub file: Option<PathBuf>,
}

impl Ctx {
    pub fn error(&self, pointer: impl Into<String>, message: impl Into<String>) -> Error {
        Error::Definition {
            file: self.file.clone(),
            pointer: pointer.into(),
            message: message.into(),
        }
    }
}

/// Escapes one JSON pointer reference token (RFC 6901).
pub(crate) fn escape_token(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// Appends a token to a pointer.
pub(crate) fn child_pointer(pointer: &str, token: &str) -> String {
    format!("{pointer}/{}", escape_token(token))
}

pub(crate) use crate::error::json_type_name as type_name;

type R<T> = Result<T, Error>;

/// One node of the document and its pointer.
#[derive(Debug, Clone)]
pub(crate) struct Node<'a> {
    pub value: &'a Value,
    pub pointer: String,
    pub ctx: &'a Ctx,
}

impl<'a> Node<'a> {
    pub fn root(value: &'a Value, ctx: &'a Ctx) -> Self {
        Node {
            value,
            pointer: String::new(),
            ctx,
        }
    }

    pub fn at(&self, value: &'a Value, pointer: String) -> Node<'a> {
        Node {
            value,
            pointer,
            ctx: self.ctx,
        }
    }

    pub fn error(&self, message: impl Into<String>) -> Error {
        self.ctx.error(self.pointer.clone(), message)
    }

    pub fn obj(&self) -> R<&'a Map<String, Value>> {
        self.value.as_object().ok_or_else(|| {
            self.error(format!(
                "expected an object, found {}",
                type_name(self.value)
            ))
        })
    }

    pub fn arr(&self) -> R<&'a Vec<Value>> {
        self.value.as_array().ok_or_else(|| {
            self.error(format!(
                "expected an array, found {}",
                type_name(self.value)
            ))
        })
    }

    /// The child `key` of this object node; `null` counts as absent.
    pub fn field(&self, key: &str) -> R<Option<Node<'a>>> {
        let map = self.obj()?;
        Ok(map
            .get(key)
            .filter(|v| !v.is_null())
            .map(|v| self.at(v, child_pointer(&self.pointer, key))))
    }

    pub fn required(&self, key: &str) -> R<Node<'a>> {
        self.field(key)?
            .ok_or_else(|| self.error(format!("missing required field `{key}`")))
    }

    pub fn as_str(&self) -> R<&'a str> {
        self.value.as_str().ok_or_else(|| {
            self.error(format!(
                "expected a string, found {}",
                type_name(self.value)
            ))
        })
    }

    /// A scalar read as a string: strings as is, numbers and booleans
    /// printed (YAML authors often write `version: 1.0`).
    pub fn as_scalar_string(&self) -> R<String> {
        match self.value {
            Value::String(s) => Ok(s.clone()),
            Value::Number(n) => Ok(n.to_string()),
            Value::Bool(b) => Ok(b.to_string()),
            other => Err(self.error(format!("expected a string, found {}", type_name(other)))),
        }
    }

    pub fn opt_str(&self, key: &str) -> R<Option<String>> {
        self.field(key)?
            .map(|n| n.as_str().map(str::to_string))
            .transpose()
    }

    pub fn req_str(&self, key: &str) -> R<String> {
        let node = self.required(key)?;
        let s = node.as_str()?;
        Ok(s.to_string())
    }

    /// A required string that must not be blank.
    pub fn req_nonempty_str(&self, key: &str) -> R<String> {
        let node = self.required(key)?;
        let s = node.as_str()?;
        if s.trim().is_empty() {
            return Err(node.error(format!("`{key}` must not be empty")));
        }
        Ok(s.to_string())
    }

    pub fn opt_bool(&self, key: &str) -> R<Option<bool>> {
        self.field(key)?
            .map(|n| {
                n.value.as_bool().ok_or_else(|| {
                    n.error(format!("expected a boolean, found {}", type_name(n.value)))
                })
            })
            .transpose()
    }

    pub fn items(&self) -> R<Vec<Node<'a>>> {
        Ok(self
            .arr()?
            .iter()
            .enumerate()
            .map(|(i, v)| self.at(v, format!("{}/{i}", self.pointer)))
            .collect())
    }

    pub fn entries(&self) -> R<Vec<(&'a str, Node<'a>)>> {
        Ok(self
            .obj()?
            .iter()
            .map(|(k, v)| (k.as_str(), self.at(v, child_pointer(&self.pointer, k))))
            .collect())
    }

    /// `key` as a list of strings (absent → empty).
    pub fn str_list(&self, key: &str) -> R<Vec<String>> {
        match self.field(key)? {
            None => Ok(Vec::new()),
            Some(n) => n
                .items()?
                .into_iter()
                .map(|i| i.as_str().map(str::to_string))
                .collect(),
        }
    }

    /// `key` as a map of strings (absent → empty).
    pub fn str_map(&self, key: &str) -> R<IndexMap<String, String>> {
        match self.field(key)? {
            None => Ok(IndexMap::new()),
            Some(n) => n
                .entries()?
                .into_iter()
                .map(|(k, v)| Ok((k.to_string(), v.as_str()?.to_string())))
                .collect(),
        }
    }

    /// `key` as a map of raw values (absent → empty).
    pub fn value_map(&self, key: &str) -> R<IndexMap<String, Value>> {
        match self.field(key)? {
            None => Ok(IndexMap::new()),
            Some(n) => Ok(n
                .obj()?
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()),
        }
    }

    /// The `x-…` keys of this object node not in `typed`, raw.
    pub fn extensions(&self, typed: &[&str]) -> R<Extensions> {
        Ok(self
            .obj()?
            .iter()
            .filter(|(k, _)| k.starts_with("x-") && !typed.contains(&k.as_str()))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect())
    }
}
