//! [`LazySchema`]: a schema of the definition whose `$ref`s are inlined
//! when it is first read.

use std::fmt;
use std::sync::{Arc, OnceLock};

use serde::{Serialize, Serializer};
use serde_json::Value;

use crate::definition::refs::inline_checked;

/// A schema of a loaded definition (a response or entity record schema),
/// with every `$ref` inlined the first time it is read.
///
/// Inlining copies component schemas into every schema that refers to them
/// (Stripe's 220 KB document inlines to 650 KB of response schemas), and
/// executing an operation never needs them, so the copy is made only for
/// callers that read the schema (describe, codegen, tool schemas). The
/// loader has already checked that the schema inlines (references resolve,
/// no reference cycle, nesting within the limit), so reading cannot fail.
///
/// Clones share the resolved value. Two schemas are equal when their
/// inlined values are; `Serialize` writes the inlined value.
#[derive(Clone)]
pub struct LazySchema {
    inner: Arc<Inner>,
}

struct Inner {
    /// The parsed document the schema is in (shared with the definition).
    document: Arc<Value>,
    /// JSON pointer of the schema in `document`.
    pointer: String,
    resolved: OnceLock<Value>,
}

impl LazySchema {
    /// The schema at `pointer` of `document`, which the loader checked.
    pub(crate) fn new(document: Arc<Value>, pointer: String) -> Self {
        LazySchema {
            inner: Arc::new(Inner {
                document,
                pointer,
                resolved: OnceLock::new(),
            }),
        }
    }

    /// The schema with every `$ref` inlined (recursive occurrences stay
    /// `$ref`s), resolved on the first call.
    pub fn get(&self) -> &Value {
        self.inner.resolved.get_or_init(|| {
            inline_checked(&self.inner.document, &self.inner.pointer).unwrap_or_else(|e| {
                // Unreachable after the load-time check; the raw schema
                // is the most useful thing to hand out if it ever happens.
                // Debug builds (tests, fuzzing) stop here: the check and
                // the inliner disagree.
                debug_assert!(false, "a checked schema failed to inline: {e}");
                tracing::warn!(error = %e, "schema could not be inlined; using it as written");
                self.inner
                    .document
                    .pointer(&self.inner.pointer)
                    .cloned()
                    .unwrap_or(Value::Null)
            })
        })
    }

    /// The JSON pointer of the schema as written in the definition's
    /// document (before inlining).
    pub fn pointer(&self) -> &str {
        &self.inner.pointer
    }

    /// Whether the schema has been inlined already.
    pub fn is_resolved(&self) -> bool {
        self.inner.resolved.get().is_some()
    }
}

impl fmt::Debug for LazySchema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LazySchema")
            .field("pointer", &self.inner.pointer)
            .field("resolved", &self.is_resolved())
            .finish()
    }
}

impl PartialEq for LazySchema {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner) || self.get() == other.get()
    }
}

impl Serialize for LazySchema {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.get().serialize(serializer)
    }
}
