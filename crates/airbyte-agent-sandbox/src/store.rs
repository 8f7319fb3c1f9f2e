//! Records: generated on demand, plus an overlay of what clients created,
//! changed or deleted. Only the overlay is held in memory.

use std::collections::{HashMap, HashSet};
use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use serde_json::{Map, Value, json};

use crate::SandboxConfig;
use crate::entity::{self, Entity};
use crate::error::ApiError;
use crate::generate::{EPOCH, Generator, STEP};
use crate::search::Query;

/// What clients changed in one entity's records.
#[derive(Debug, Default)]
struct Overlay {
    /// Records created through the API (they follow the generated ones).
    created: u64,
    /// Full current form of every created or updated record, by sequence.
    stored: HashMap<u64, Map<String, Value>>,
    deleted: HashSet<u64>,
    /// Ids chosen by clients (`POST /v1/products` with `id`).
    custom_ids: HashMap<String, u64>,
    custom_seqs: HashSet<u64>,
}

/// Where a list page starts.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cursor {
    /// The newest records.
    Start,
    /// Records older than this id (`starting_after`).
    After(String),
    /// Records newer than this id (`ending_before`).
    Before(String),
}

/// A list request, parsed.
#[derive(Debug, Clone)]
pub(crate) struct ListQuery {
    pub limit: usize,
    pub cursor: Cursor,
    /// (record field, accepted values): equality filters.
    pub filters: Vec<(String, Vec<String>)>,
    /// Inclusive bounds on `created`.
    pub created_min: Option<i64>,
    pub created_max: Option<i64>,
}

/// One page of records, newest first.
#[derive(Debug)]
pub(crate) struct Page {
    pub data: Vec<Value>,
    pub has_more: bool,
}

/// The sandbox's records.
#[derive(Debug)]
pub(crate) struct Store {
    generator: Generator,
    overlays: [RwLock<Overlay>; 4],
}

impl Store {
    pub(crate) fn new(config: &SandboxConfig) -> Self {
        Self {
            generator: Generator::new(config),
            overlays: Default::default(),
        }
    }

    fn read(&self, entity: Entity) -> RwLockReadGuard<'_, Overlay> {
        // A panic while holding the lock cannot leave an overlay half
        // written (every write is a single insert), so poison is ignored.
        self.overlays[entity.index()]
            .read()
            .unwrap_or_else(|p| p.into_inner())
    }

    fn write(&self, entity: Entity) -> RwLockWriteGuard<'_, Overlay> {
        self.overlays[entity.index()]
            .write()
            .unwrap_or_else(|p| p.into_inner())
    }

    fn total(&self, entity: Entity, overlay: &Overlay) -> u64 {
        self.generator.count(entity) + overlay.created
    }

    /// The record at `seq`, unless deleted or absent.
    fn load(&self, entity: Entity, overlay: &Overlay, seq: u64) -> Option<Map<String, Value>> {
        if overlay.deleted.contains(&seq) {
            return None;
        }
        if let Some(record) = overlay.stored.get(&seq) {
            return Some(record.clone());
        }
        (seq < self.generator.count(entity)).then(|| self.generator.record(entity, seq))
    }

    /// The sequence number behind `id` (deleted records keep theirs, so a
    /// cursor on a record deleted meanwhile still works).
    fn position(&self, entity: Entity, overlay: &Overlay, id: &str) -> Option<u64> {
        if let Some(&seq) = overlay.custom_ids.get(id) {
            return Some(seq);
        }
        let seq = self.generator.codec(entity).decode(id)?;
        (seq < self.total(entity, overlay) && !overlay.custom_seqs.contains(&seq)).then_some(seq)
    }

    fn find(
        &self,
        entity: Entity,
        overlay: &Overlay,
        id: &str,
    ) -> Result<(u64, Map<String, Value>), ApiError> {
        self.position(entity, overlay, id)
            .and_then(|seq| Some((seq, self.load(entity, overlay, seq)?)))
            .ok_or_else(|| ApiError::no_such(entity.object(), id, "id"))
    }

    /// `GET /v1/{entity}/{id}`.
    pub(crate) fn get(&self, entity: Entity, id: &str) -> Result<Map<String, Value>, ApiError> {
        let overlay = self.read(entity);
        self.find(entity, &overlay, id).map(|(_, record)| record)
    }

    /// Sequence bounds (inclusive) that can hold records created within
    /// the query's bounds; `None` when none can.
    fn seq_bounds(&self, q: &ListQuery, total: u64) -> Option<(u64, u64)> {
        let last = total.checked_sub(1)?;
        // created(seq) lies in [EPOCH + seq*STEP, EPOCH + seq*STEP + STEP - 1].
        let lo = match q.created_min {
            Some(min) => u64::try_from(min.saturating_sub(EPOCH).div_euclid(STEP) - 1).unwrap_or(0),
            None => 0,
        };
        let hi = match q.created_max {
            Some(max) => u64::try_from(max.saturating_sub(EPOCH).div_euclid(STEP))
                .ok()?
                .min(last),
            None => last,
        };
        (lo <= hi).then_some((lo, hi))
    }

    /// `GET /v1/{entity}`: a page in Stripe's order (newest first).
    pub(crate) fn list(&self, entity: Entity, q: &ListQuery) -> Result<Page, ApiError> {
        let overlay = self.read(entity);
        let Some((lo, hi)) = self.seq_bounds(q, self.total(entity, &overlay)) else {
            return Ok(Page {
                data: Vec::new(),
                has_more: false,
            });
        };
        let keep = |record: &Map<String, Value>| {
            let created = record.get("created").and_then(Value::as_i64).unwrap_or(0);
            q.created_min.is_none_or(|min| created >= min)
                && q.created_max.is_none_or(|max| created <= max)
                && q.filters.iter().all(|(field, accepted)| {
                    filter_text(record.get(field)).is_some_and(|v| accepted.contains(&v))
                })
        };
        let want = q.limit + 1;
        let mut found = Vec::with_capacity(want);
        let mut take = |seq: u64| {
            if let Some(record) = self.load(entity, &overlay, seq).filter(|r| keep(r)) {
                found.push(Value::Object(record));
            }
            found.len() == want
        };
        let newer_first = match &q.cursor {
            Cursor::Start => {
                (lo..=hi).rev().any(&mut take);
                true
            }
            Cursor::After(id) => {
                let seq = self.cursor(entity, &overlay, id, "starting_after")?;
                if seq > lo {
                    (lo..=hi.min(seq - 1)).rev().any(&mut take);
                }
                true
            }
            Cursor::Before(id) => {
                let seq = self.cursor(entity, &overlay, id, "ending_before")?;
                if seq < hi {
                    (lo.max(seq + 1)..=hi).any(&mut take);
                }
                false
            }
        };
        let has_more = found.len() == want;
        found.truncate(q.limit);
        if !newer_first {
            // The page just before the cursor, still shown newest first.
            found.reverse();
        }
        Ok(Page {
            data: found,
            has_more,
        })
    }

    fn cursor(
        &self,
        entity: Entity,
        overlay: &Overlay,
        id: &str,
        param: &str,
    ) -> Result<u64, ApiError> {
        self.position(entity, overlay, id)
            .ok_or_else(|| ApiError::no_such(entity.object(), id, param))
    }

    /// `GET /v1/{entity}/search`. `page` is a page number (1-based) or the
    /// `next_page` token of the previous page. Returns the page and the
    /// next page's token.
    pub(crate) fn search(
        &self,
        entity: Entity,
        query: &Query,
        limit: usize,
        page: Option<&str>,
    ) -> Result<(Page, Option<String>), ApiError> {
        let overlay = self.read(entity);
        let total = self.total(entity, &overlay);
        let invalid_page = || {
            ApiError::invalid(
                "Invalid page: pass the next_page value of the previous search result.",
                Some("page"),
            )
        };
        let (mut start, mut skip) = (total, 0usize);
        match page.filter(|p| !p.is_empty()) {
            None => {}
            Some(p) if p.bytes().all(|b| b.is_ascii_digit()) => {
                let n: usize = p.parse().map_err(|_| invalid_page())?;
                skip = n.saturating_sub(1).saturating_mul(limit);
            }
            Some(token) => {
                let id = token.strip_prefix("page_").ok_or_else(invalid_page)?;
                start = self
                    .position(entity, &overlay, id)
                    .ok_or_else(invalid_page)?;
            }
        }
        let want = limit + 1;
        let mut found = Vec::with_capacity(want);
        for seq in (0..start).rev() {
            let Some(record) = self.load(entity, &overlay, seq) else {
                continue;
            };
            if !query.matches(&record) {
                continue;
            }
            if skip > 0 {
                skip -= 1;
                continue;
            }
            found.push(Value::Object(record));
            if found.len() == want {
                break;
            }
        }
        let has_more = found.len() == want;
        found.truncate(limit);
        let next = has_more
            .then(|| {
                found
                    .last()
                    .and_then(|r| r["id"].as_str())
                    .map(|id| format!("page_{id}"))
            })
            .flatten();
        Ok((
            Page {
                data: found,
                has_more,
            },
            next,
        ))
    }

    /// `POST /v1/{entity}`.
    pub(crate) fn create(
        &self,
        entity: Entity,
        mut params: Map<String, Value>,
    ) -> Result<Map<String, Value>, ApiError> {
        for required in entity.required_on_create() {
            let present = params
                .get(*required)
                .is_some_and(|v| v.as_str().is_none_or(|s| !s.is_empty()));
            if !present {
                return Err(ApiError::missing_param(required));
            }
        }
        let custom_id = match params.remove("id") {
            None => None,
            Some(_) if entity != Entity::Products => return Err(ApiError::unknown_param("id")),
            Some(v) => Some(custom_id(v)?),
        };
        let mut overlay = self.write(entity);
        let seq = self.total(entity, &overlay);
        if let Some(id) = &custom_id
            && self.position(entity, &overlay, id).is_some()
        {
            return Err(ApiError {
                status: 400,
                code: Some("resource_already_exists"),
                message: format!(
                    "A {} with id '{id}' already exists; choose another id.",
                    entity.object()
                ),
                param: Some("id".to_string()),
            });
        }
        let id = custom_id
            .clone()
            .unwrap_or_else(|| self.generator.codec(entity).encode(seq));
        let mut record = self.generator.blank(entity, seq, &id);
        for (name, value) in params {
            let field = entity
                .create_fields()
                .iter()
                .find(|f| f.name == name)
                .ok_or_else(|| ApiError::unknown_param(&name))?;
            entity::apply(&mut record, *field, value)?;
        }
        overlay.created += 1;
        if let Some(id) = custom_id {
            overlay.custom_ids.insert(id, seq);
            overlay.custom_seqs.insert(seq);
        }
        overlay.stored.insert(seq, record.clone());
        Ok(record)
    }

    /// `POST /v1/{entity}/{id}`.
    pub(crate) fn update(
        &self,
        entity: Entity,
        id: &str,
        params: Map<String, Value>,
    ) -> Result<Map<String, Value>, ApiError> {
        let mut overlay = self.write(entity);
        let (seq, mut record) = self.find(entity, &overlay, id)?;
        for (name, value) in params {
            let field = entity
                .update_field(&name)
                .ok_or_else(|| ApiError::unknown_param(&name))?;
            entity::apply(&mut record, field, value)?;
        }
        overlay.stored.insert(seq, record.clone());
        Ok(record)
    }

    /// `DELETE /v1/{entity}/{id}`.
    pub(crate) fn delete(&self, entity: Entity, id: &str) -> Result<Value, ApiError> {
        let mut overlay = self.write(entity);
        let (seq, record) = self.find(entity, &overlay, id)?;
        overlay.stored.remove(&seq);
        overlay.deleted.insert(seq);
        Ok(json!({"id": record["id"], "object": entity.object(), "deleted": true}))
    }
}

/// A field's value as list filters compare it.
fn filter_text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) => Some(s.clone()),
        Value::Bool(b) => Some(b.to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn custom_id(value: Value) -> Result<String, ApiError> {
    let id = entity::text("id", value)?;
    let valid = !id.is_empty()
        && id.len() <= 255
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
    if valid {
        Ok(id)
    } else {
        Err(ApiError::invalid(
            "Invalid id: use 1 to 255 letters, digits, `_` or `-`.",
            Some("id"),
        ))
    }
}
