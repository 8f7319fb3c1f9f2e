//! Local `$ref` resolution (`#/components/...` and any other pointer into
//! the same document).
//!
//! Two kinds of cycles are told apart:
//! - a reference chain that never reaches content (`A: {$ref: B}`,
//!   `B: {$ref: A}`) is an error: nothing can be resolved;
//! - a schema that contains itself further down (a tree node whose
//!   `children` items refer back to the node) is legal JSON Schema. It is
//!   expanded once; the inner, recursive occurrence is left as its `$ref`
//!   node, so resolution always terminates. `lint` reports such schemas.
//!
//! References to other documents are rejected. Siblings of `$ref` (allowed
//! by OpenAPI 3.1) are merged over the resolved object.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;

use serde_json::{Map, Value};

use super::model::LazySchema;
use super::node::{Ctx, Node, type_name};
use crate::error::Error;

/// Deepest nesting of schemas/refs the resolver follows before giving up,
/// so hostile documents fail with an error instead of a stack overflow.
pub(crate) const MAX_DEPTH: usize = 200;

type R<T> = Result<T, Error>;

/// Resolves references against one document.
pub(crate) struct Resolver<'a> {
    document: &'a Arc<Value>,
    ctx: &'a Ctx,
    /// Fully inlined targets whose expansion hit no recursion, by pointer.
    cache: RefCell<HashMap<String, Value>>,
    /// For targets whose expansion hits no recursion, by pointer: how many
    /// levels their inlined form nests below their own node (see
    /// [`Resolver::check`]).
    heights: RefCell<HashMap<String, usize>>,
}

/// One step of a JSON pointer: an object key or an array index.
#[derive(Clone, Copy)]
enum Token<'k> {
    Key(&'k str),
    Index(usize),
}

/// Splits and unescapes the fragment of a local reference (`#/a/b~1c`).
fn pointer_tokens(reference: &str) -> Option<Vec<String>> {
    let fragment = reference.strip_prefix('#')?;
    if fragment.is_empty() {
        return Some(Vec::new());
    }
    let fragment = fragment.strip_prefix('/')?;
    Some(
        fragment
            .split('/')
            .map(|t| percent_decode(t).replace("~1", "/").replace("~0", "~"))
            .collect(),
    )
}

fn percent_decode(s: &str) -> String {
    fn hex(b: u8) -> Option<u8> {
        (b as char).to_digit(16).map(|d| d as u8)
    }
    if !s.contains('%') {
        return s.to_string();
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2]))
        {
            out.push(h * 16 + l);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

impl<'a> Resolver<'a> {
    pub fn new(document: &'a Arc<Value>, ctx: &'a Ctx) -> Self {
        Resolver {
            document,
            ctx,
            cache: RefCell::new(HashMap::new()),
            heights: RefCell::new(HashMap::new()),
        }
    }

    /// The node a local reference points to. `at` is the pointer of the
    /// `$ref` value, for errors.
    pub fn lookup(&self, reference: &str, at: &str) -> R<Node<'a>> {
        let tokens = pointer_tokens(reference).ok_or_else(|| {
            self.ctx.error(
                at,
                format!(
                    "unsupported `$ref` `{reference}`: only references into the same document (`#/...`) are supported"
                ),
            )
        })?;
        let mut current: &'a Value = self.document;
        let mut pointer = String::new();
        for token in &tokens {
            let next = match current {
                Value::Object(map) => map.get(token),
                Value::Array(items) => token.parse::<usize>().ok().and_then(|i| items.get(i)),
                _ => None,
            };
            current = next.ok_or_else(|| {
                self.ctx
                    .error(at, format!("`$ref` `{reference}` points to nothing"))
            })?;
            pointer = super::node::child_pointer(&pointer, token);
        }
        Ok(Node {
            value: current,
            pointer,
            ctx: self.ctx,
        })
    }

    /// Follows a chain of `$ref`s at the top of `node` to the first node
    /// that is not a reference. A chain that loops is an error.
    pub fn deref(&self, node: Node<'a>) -> R<Node<'a>> {
        let mut current = node;
        let mut seen: Vec<String> = Vec::new();
        while let Some(reference) = ref_of(current.value) {
            let at = super::node::child_pointer(&current.pointer, "$ref");
            let reference = reference.as_str().ok_or_else(|| {
                self.ctx.error(
                    at.clone(),
                    format!("`$ref` must be a string, found {}", type_name(reference)),
                )
            })?;
            if seen.iter().any(|s| s == reference) {
                seen.push(reference.to_string());
                return Err(self
                    .ctx
                    .error(at, format!("`$ref` cycle: {}", seen.join(" -> "))));
            }
            seen.push(reference.to_string());
            current = self.lookup(reference, &at)?;
        }
        Ok(current)
    }

    /// A deep copy of `node` with every `$ref` replaced by its target.
    pub fn inline(&self, node: &Node<'a>) -> R<Value> {
        self.check(node)?;
        self.copy_inlined(node)
    }

    /// The schema at `node`, checked now (see [`Resolver::check`]) and
    /// inlined when first read.
    pub fn lazy(&self, node: &Node<'a>) -> R<LazySchema> {
        self.check(node)?;
        Ok(LazySchema::new(
            Arc::clone(self.document),
            node.pointer.clone(),
        ))
    }

    /// Checks, without copying anything, that [`Resolver::inline`] can
    /// inline `node`: every `$ref` it reaches points to something, no chain
    /// of references loops, and no node of the inlined form sits more than
    /// [`MAX_DEPTH`] levels below `node` (each object or array level and
    /// each reference followed counts one). The error is the one inlining
    /// without any memo would meet first.
    ///
    /// A target whose expansion hits no recursion expands the same way
    /// wherever it is referenced (a target reached again from inside its
    /// own expansion would be recursion), so its height is computed once
    /// and reused; where the reuse would cross the limit, the target is
    /// walked again to name the node that does.
    pub fn check(&self, node: &Node<'a>) -> R<()> {
        let mut stack = Vec::new();
        let mut recursion_hits = 0usize;
        self.check_value(
            node.value,
            &node.pointer,
            &mut stack,
            &mut recursion_hits,
            0,
        )
        .map(|_| ())
    }

    /// The deepest level the inlined form of `value` reaches, when it is
    /// within the limit. Mirrors [`Resolver::inline_value`] step by step.
    fn check_value(
        &self,
        value: &'a Value,
        pointer: &str,
        stack: &mut Vec<String>,
        recursion_hits: &mut usize,
        depth: usize,
    ) -> R<usize> {
        if depth > MAX_DEPTH {
            return Err(self.too_deep(pointer));
        }
        let children_depth = depth + 1;
        match value {
            Value::Object(map) if ref_of(value).is_some() => {
                let node = Node {
                    value,
                    pointer: pointer.to_string(),
                    ctx: self.ctx,
                };
                let target = self.deref(node)?;
                if stack.contains(&target.pointer) {
                    *recursion_hits += 1;
                    return Ok(depth);
                }
                let known = self.heights.borrow().get(&target.pointer).copied();
                let mut deepest = match known {
                    Some(height) if children_depth + height <= MAX_DEPTH => children_depth + height,
                    _ => {
                        let hits_before = *recursion_hits;
                        stack.push(target.pointer.clone());
                        let result = self.check_value(
                            target.value,
                            &target.pointer,
                            stack,
                            recursion_hits,
                            children_depth,
                        );
                        stack.pop();
                        let reached = result?;
                        if *recursion_hits == hits_before {
                            self.heights
                                .borrow_mut()
                                .insert(target.pointer.clone(), reached - children_depth);
                        }
                        reached
                    }
                };
                // Siblings are merged only over an object target.
                if map.len() > 1 && target.value.is_object() {
                    for (k, v) in map {
                        if k != "$ref" {
                            deepest = deepest.max(self.check_child(
                                v,
                                pointer,
                                Token::Key(k),
                                stack,
                                recursion_hits,
                                children_depth,
                            )?);
                        }
                    }
                }
                Ok(deepest)
            }
            Value::Object(map) => {
                let mut deepest = depth;
                for (k, v) in map {
                    deepest = deepest.max(self.check_child(
                        v,
                        pointer,
                        Token::Key(k),
                        stack,
                        recursion_hits,
                        children_depth,
                    )?);
                }
                Ok(deepest)
            }
            Value::Array(items) => {
                let mut deepest = depth;
                for (i, v) in items.iter().enumerate() {
                    deepest = deepest.max(self.check_child(
                        v,
                        pointer,
                        Token::Index(i),
                        stack,
                        recursion_hits,
                        children_depth,
                    )?);
                }
                Ok(deepest)
            }
            _ => Ok(depth),
        }
    }

    /// [`Resolver::check_value`] of the child `token` of the node at
    /// `pointer`, building the child's pointer only when it is needed.
    fn check_child(
        &self,
        value: &'a Value,
        pointer: &str,
        token: Token<'_>,
        stack: &mut Vec<String>,
        recursion_hits: &mut usize,
        depth: usize,
    ) -> R<usize> {
        if !matches!(value, Value::Object(_) | Value::Array(_)) && depth <= MAX_DEPTH {
            return Ok(depth);
        }
        let child = match token {
            Token::Key(key) => super::node::child_pointer(pointer, key),
            Token::Index(i) => format!("{pointer}/{i}"),
        };
        self.check_value(value, &child, stack, recursion_hits, depth)
    }

    fn too_deep(&self, pointer: &str) -> Error {
        self.ctx.error(
            pointer,
            format!("nested more than {MAX_DEPTH} levels deep; refusing to resolve"),
        )
    }

    /// The inlined copy of `node`, which [`Resolver::check`] accepted.
    fn copy_inlined(&self, node: &Node<'a>) -> R<Value> {
        let mut stack = Vec::new();
        let mut recursion_hits = 0usize;
        self.inline_value(
            node.value,
            &node.pointer,
            &mut stack,
            &mut recursion_hits,
            0,
        )
    }

    fn inline_value(
        &self,
        value: &'a Value,
        pointer: &str,
        stack: &mut Vec<String>,
        recursion_hits: &mut usize,
        depth: usize,
    ) -> R<Value> {
        if depth > MAX_DEPTH {
            return Err(self.too_deep(pointer));
        }
        match value {
            Value::Object(map) if ref_of(value).is_some() => {
                let node = Node {
                    value,
                    pointer: pointer.to_string(),
                    ctx: self.ctx,
                };
                let target = self.deref(node)?;
                if stack.contains(&target.pointer) {
                    // Structural recursion: keep the reference here.
                    *recursion_hits += 1;
                    return Ok(value.clone());
                }
                let cached = self.cache.borrow().get(&target.pointer).cloned();
                let mut resolved = match cached {
                    Some(v) => v,
                    None => {
                        let hits_before = *recursion_hits;
                        stack.push(target.pointer.clone());
                        let result = self.inline_value(
                            target.value,
                            &target.pointer,
                            stack,
                            recursion_hits,
                            depth + 1,
                        );
                        stack.pop();
                        let v = result?;
                        if *recursion_hits == hits_before {
                            self.cache
                                .borrow_mut()
                                .insert(target.pointer.clone(), v.clone());
                        }
                        v
                    }
                };
                if map.len() > 1
                    && let Value::Object(target_map) = &mut resolved
                {
                    for (k, v) in map {
                        if k != "$ref" {
                            let v = match leaf_within_limit(v, depth + 1) {
                                Some(leaf) => leaf,
                                None => {
                                    let child = super::node::child_pointer(pointer, k);
                                    self.inline_value(v, &child, stack, recursion_hits, depth + 1)?
                                }
                            };
                            target_map.insert(k.clone(), v);
                        }
                    }
                }
                Ok(resolved)
            }
            Value::Object(map) => {
                let mut out = Map::with_capacity(map.len());
                for (k, v) in map {
                    let v = match leaf_within_limit(v, depth + 1) {
                        Some(leaf) => leaf,
                        None => {
                            let child = super::node::child_pointer(pointer, k);
                            self.inline_value(v, &child, stack, recursion_hits, depth + 1)?
                        }
                    };
                    out.insert(k.clone(), v);
                }
                Ok(Value::Object(out))
            }
            Value::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, v) in items.iter().enumerate() {
                    let v = match leaf_within_limit(v, depth + 1) {
                        Some(leaf) => leaf,
                        None => {
                            let child = format!("{pointer}/{i}");
                            self.inline_value(v, &child, stack, recursion_hits, depth + 1)?
                        }
                    };
                    out.push(v);
                }
                Ok(Value::Array(out))
            }
            other => Ok(other.clone()),
        }
    }
}

/// The schema at `pointer` in `document` with every `$ref` inlined, for a
/// schema that [`Resolver::check`] accepted when the document was loaded.
pub(crate) fn inline_checked(document: &Arc<Value>, pointer: &str) -> R<Value> {
    let ctx = Ctx::default();
    let resolver = Resolver::new(document, &ctx);
    let value = document
        .pointer(pointer)
        .ok_or_else(|| ctx.error(pointer, "the schema is not in the document"))?;
    resolver.copy_inlined(&Node {
        value,
        pointer: pointer.to_string(),
        ctx: &ctx,
    })
}

/// A copy of `value` when it is a scalar that [`Resolver::inline_value`]
/// would return unchanged at `depth`. Most nodes of a schema are such
/// leaves; copying them directly skips building a JSON pointer per leaf,
/// which the resolver only needs to report errors.
fn leaf_within_limit(value: &Value, depth: usize) -> Option<Value> {
    match value {
        Value::Object(_) | Value::Array(_) => None,
        _ if depth > MAX_DEPTH => None,
        leaf => Some(leaf.clone()),
    }
}

/// The `$ref` member of an object, if any.
fn ref_of(value: &Value) -> Option<&Value> {
    value.as_object().and_then(|m| m.get("$ref"))
}
