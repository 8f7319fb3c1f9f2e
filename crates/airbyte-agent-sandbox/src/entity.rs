//! The object types the sandbox serves and what each endpoint accepts.

use serde_json::{Map, Value};

use crate::error::ApiError;

/// An object type served under `/v1/{path}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Entity {
    /// `/v1/customers`: list, get, create, update, delete, search.
    Customers,
    /// `/v1/products`: list, get, create, update, delete, search.
    Products,
    /// `/v1/invoices`: list, get, search (generated, read-only).
    Invoices,
    /// `/v1/charges`: list, get, search (generated, read-only).
    Charges,
}

/// How a writable parameter's value is read.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Kind {
    /// A string; empty unsets it.
    Text,
    /// `true` / `false`.
    Bool,
    /// A list of strings.
    Texts,
    /// String keys to string values, merged; an empty value removes a key.
    TextMap,
    /// An object with these string fields, merged.
    Object(&'static [&'static str]),
    /// An object with these numeric fields.
    Numbers(&'static [&'static str]),
    /// A list of objects with these string fields.
    Objects(&'static [&'static str]),
}

/// A parameter that create/update accept.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Field {
    pub name: &'static str,
    pub kind: Kind,
}

const fn f(name: &'static str, kind: Kind) -> Field {
    Field { name, kind }
}

const ADDRESS: &[&str] = &["city", "country", "line1", "line2", "postal_code", "state"];

const CUSTOMER_FIELDS: &[Field] = &[
    f("email", Kind::Text),
    f("name", Kind::Text),
    f("description", Kind::Text),
    f("phone", Kind::Text),
    f("address", Kind::Object(ADDRESS)),
    f("metadata", Kind::TextMap),
];

const PRODUCT_FIELDS: &[Field] = &[
    f("name", Kind::Text),
    f("active", Kind::Bool),
    f("description", Kind::Text),
    f("images", Kind::Texts),
    f("marketing_features", Kind::Objects(&["name"])),
    f("metadata", Kind::TextMap),
    f(
        "package_dimensions",
        Kind::Numbers(&["height", "length", "weight", "width"]),
    ),
    f("shippable", Kind::Bool),
    f("statement_descriptor", Kind::Text),
    f("tax_code", Kind::Text),
    f("unit_label", Kind::Text),
    f("url", Kind::Text),
];

/// Product fields only update takes.
const PRODUCT_UPDATE_ONLY: &[Field] = &[f("default_price", Kind::Text)];

impl Entity {
    /// Every entity, in a fixed order.
    pub const ALL: [Entity; 4] = [
        Entity::Customers,
        Entity::Products,
        Entity::Invoices,
        Entity::Charges,
    ];

    /// The entity served under `/v1/{path}`.
    pub fn from_path(path: &str) -> Option<Entity> {
        Entity::ALL.into_iter().find(|e| e.path() == path)
    }

    /// The URL segment: `customers`.
    pub fn path(self) -> &'static str {
        match self {
            Entity::Customers => "customers",
            Entity::Products => "products",
            Entity::Invoices => "invoices",
            Entity::Charges => "charges",
        }
    }

    /// The `object` field of a record: `customer`.
    pub fn object(self) -> &'static str {
        match self {
            Entity::Customers => "customer",
            Entity::Products => "product",
            Entity::Invoices => "invoice",
            Entity::Charges => "charge",
        }
    }

    pub(crate) fn prefix(self) -> &'static str {
        match self {
            Entity::Customers => "cus",
            Entity::Products => "prod",
            Entity::Invoices => "in",
            Entity::Charges => "ch",
        }
    }

    pub(crate) fn index(self) -> usize {
        self as usize
    }

    /// Whether create, update and delete are served.
    pub fn writable(self) -> bool {
        matches!(self, Entity::Customers | Entity::Products)
    }

    /// Parameters create accepts (besides a product's own `id`).
    pub(crate) fn create_fields(self) -> &'static [Field] {
        match self {
            Entity::Customers => CUSTOMER_FIELDS,
            Entity::Products => PRODUCT_FIELDS,
            Entity::Invoices | Entity::Charges => &[],
        }
    }

    /// Looks up a parameter update accepts.
    pub(crate) fn update_field(self, name: &str) -> Option<Field> {
        let extra = match self {
            Entity::Products => PRODUCT_UPDATE_ONLY,
            _ => &[],
        };
        self.create_fields()
            .iter()
            .chain(extra)
            .find(|f| f.name == name)
            .copied()
    }

    /// Parameters create requires.
    pub(crate) fn required_on_create(self) -> &'static [&'static str] {
        match self {
            Entity::Products => &["name"],
            _ => &[],
        }
    }

    /// List parameters that filter on the record field of the same name
    /// (besides `limit`, the cursors and `created`).
    pub(crate) fn list_filters(self) -> &'static [&'static str] {
        match self {
            Entity::Customers => &["email"],
            Entity::Products => &["active", "ids", "shippable", "url"],
            Entity::Invoices => &[
                "collection_method",
                "customer",
                "customer_account",
                "status",
                "subscription",
            ],
            Entity::Charges => &["customer", "payment_intent"],
        }
    }

    /// Fields the search query language may name (dotted paths; `metadata`
    /// is searched as `metadata['key']`).
    pub(crate) fn search_fields(self) -> &'static [&'static str] {
        match self {
            Entity::Customers => &["created", "email", "metadata", "name", "phone"],
            Entity::Products => &[
                "active",
                "created",
                "description",
                "metadata",
                "name",
                "shippable",
                "url",
            ],
            Entity::Invoices => &[
                "created",
                "currency",
                "customer",
                "metadata",
                "number",
                "status",
                "subscription",
                "total",
            ],
            Entity::Charges => &[
                "amount",
                "created",
                "currency",
                "customer",
                "disputed",
                "metadata",
                "payment_method_details.card.last4",
                "refunded",
                "status",
            ],
        }
    }
}

/// Applies create/update parameters to `record`, Stripe's way: empty
/// strings unset, `metadata` and address-like objects merge.
pub(crate) fn apply(
    record: &mut Map<String, Value>,
    field: Field,
    value: Value,
) -> Result<(), ApiError> {
    let name = field.name;
    let new = match field.kind {
        Kind::Text => match text(name, value)? {
            s if s.is_empty() => Value::Null,
            s => Value::String(s),
        },
        Kind::Bool => Value::Bool(boolean(name, value)?),
        Kind::Texts => match value {
            Value::String(s) if s.is_empty() => Value::Array(Vec::new()),
            Value::Array(items) => Value::Array(
                items
                    .into_iter()
                    .map(|v| text(name, v).map(Value::String))
                    .collect::<Result<_, _>>()?,
            ),
            _ => return Err(expected(name, "a list of strings")),
        },
        Kind::TextMap => {
            let mut merged = match record.remove(name) {
                Some(Value::Object(m)) => m,
                _ => Map::new(),
            };
            match value {
                Value::String(s) if s.is_empty() => merged.clear(),
                Value::Object(entries) => {
                    for (k, v) in entries {
                        let v = text(&format!("{name}[{k}]"), v)?;
                        if v.is_empty() {
                            merged.remove(&k);
                        } else {
                            merged.insert(k, Value::String(v));
                        }
                    }
                }
                _ => return Err(expected(name, "a set of key-value pairs")),
            }
            Value::Object(merged)
        }
        Kind::Object(keys) => match value {
            Value::String(s) if s.is_empty() => Value::Null,
            Value::Object(entries) => {
                let mut merged = match record.remove(name) {
                    Some(Value::Object(m)) => m,
                    _ => keys.iter().map(|k| (k.to_string(), Value::Null)).collect(),
                };
                for (k, v) in entries {
                    let param = format!("{name}[{k}]");
                    if !keys.contains(&k.as_str()) {
                        return Err(ApiError::unknown_param(&param));
                    }
                    let v = text(&param, v)?;
                    let v = if v.is_empty() {
                        Value::Null
                    } else {
                        Value::String(v)
                    };
                    merged.insert(k, v);
                }
                Value::Object(merged)
            }
            _ => return Err(expected(name, "an object")),
        },
        Kind::Numbers(keys) => match value {
            Value::String(s) if s.is_empty() => Value::Null,
            Value::Object(entries) => {
                let mut out = Map::new();
                for k in keys {
                    let param = format!("{name}[{k}]");
                    let v = entries
                        .get(*k)
                        .ok_or_else(|| ApiError::missing_param(&param))?;
                    out.insert(k.to_string(), Value::from(number(&param, v)?));
                }
                if let Some(extra) = entries.keys().find(|k| !keys.contains(&k.as_str())) {
                    return Err(ApiError::unknown_param(&format!("{name}[{extra}]")));
                }
                Value::Object(out)
            }
            _ => return Err(expected(name, "an object")),
        },
        Kind::Objects(keys) => match value {
            Value::String(s) if s.is_empty() => Value::Array(Vec::new()),
            Value::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for (i, item) in items.into_iter().enumerate() {
                    let Value::Object(entries) = item else {
                        return Err(expected(&format!("{name}[{i}]"), "an object"));
                    };
                    let mut obj = Map::new();
                    for (k, v) in entries {
                        let param = format!("{name}[{i}][{k}]");
                        if !keys.contains(&k.as_str()) {
                            return Err(ApiError::unknown_param(&param));
                        }
                        obj.insert(k, Value::String(text(&param, v)?));
                    }
                    out.push(Value::Object(obj));
                }
                Value::Array(out)
            }
            _ => return Err(expected(name, "a list of objects")),
        },
    };
    record.insert(name.to_string(), new);
    Ok(())
}

fn expected(param: &str, what: &str) -> ApiError {
    ApiError::invalid(format!("Invalid {param}: expected {what}."), Some(param))
}

/// A string parameter; JSON numbers and booleans are taken as their text.
pub(crate) fn text(param: &str, value: Value) -> Result<String, ApiError> {
    match value {
        Value::String(s) => Ok(s),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        _ => Err(expected(param, "a string")),
    }
}

/// A boolean parameter: `true`/`false` as text or JSON.
pub(crate) fn boolean(param: &str, value: Value) -> Result<bool, ApiError> {
    match value {
        Value::Bool(b) => Ok(b),
        Value::String(s) if s == "true" => Ok(true),
        Value::String(s) if s == "false" => Ok(false),
        _ => Err(ApiError::invalid(
            format!("Invalid boolean: {param} must be true or false."),
            Some(param),
        )),
    }
}

fn number(param: &str, value: &Value) -> Result<f64, ApiError> {
    let parsed = match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    parsed.filter(|n| n.is_finite()).ok_or_else(|| {
        ApiError::invalid(
            format!("Invalid decimal: {param} must be a number."),
            Some(param),
        )
    })
}

/// An integer parameter (`limit`, `created[gte]`).
pub(crate) fn integer(param: &str, value: &Value) -> Result<i64, ApiError> {
    let parsed = match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse::<i64>().ok(),
        _ => None,
    };
    parsed.ok_or_else(|| {
        ApiError::invalid(
            format!("Invalid integer: {param} must be a whole number."),
            Some(param),
        )
    })
}
