//! Deterministic records: every field is a function of (seed, entity,
//! sequence number), so record `n` is the same on every run and none is
//! held in memory until a client changes it.
//!
//! Sequence numbers grow with `created`; lists show the highest first, as
//! Stripe lists show the newest first.

use serde_json::{Map, Value, json};

use crate::SandboxConfig;
use crate::entity::Entity;
use crate::ids::{IdCodec, mix};
use crate::words::{
    CARDS, FIRST_NAMES, LAST_NAMES, PLACES, PRODUCT_ADJECTIVES, PRODUCT_NOUNS, STREET_KINDS,
    STREETS, TIERS,
};

/// `created` of record 0: 2024-01-01T00:00:00Z.
pub(crate) const EPOCH: i64 = 1_704_067_200;
/// Seconds between consecutive records' `created` (each gets a jitter
/// below this, so `created` still grows strictly with the sequence number).
pub(crate) const STEP: i64 = 60;

// Independent draws per record.
const D_CREATED: u64 = 1;
const D_FIRST: u64 = 2;
const D_LAST: u64 = 3;
const D_PLACE: u64 = 4;
const D_STREET: u64 = 5;
const D_NUMBER: u64 = 6;
const D_FLAG: u64 = 7;
const D_AMOUNT: u64 = 8;
const D_STATUS: u64 = 9;
const D_CUSTOMER: u64 = 10;
const D_CARD: u64 = 11;
const D_PREFIX: u64 = 12;
const D_NAME: u64 = 13;

/// Generates the records of one sandbox configuration.
#[derive(Debug, Clone)]
pub(crate) struct Generator {
    keys: [u64; 4],
    counts: [u64; 4],
    codecs: [IdCodec; 4],
    /// Ids of objects that are referenced but not served.
    transactions: IdCodec,
    payment_intents: IdCodec,
    payment_methods: IdCodec,
    line_items: IdCodec,
}

fn pick<T: Copy>(items: &[T], roll: u64) -> T {
    items[(roll % items.len() as u64) as usize]
}

impl Generator {
    pub(crate) fn new(config: &SandboxConfig) -> Self {
        let seed = config.seed;
        let salt = |e: Entity| 0x5A4D_B0C5_0000 + e.index() as u64;
        let codec = |e: Entity| IdCodec::new(e.prefix(), seed, salt(e));
        Self {
            keys: Entity::ALL.map(|e| mix(seed ^ mix(salt(e) << 8))),
            counts: Entity::ALL.map(|e| config.records(e)),
            codecs: Entity::ALL.map(codec),
            transactions: IdCodec::new("txn", seed, 0x0074_786E),
            payment_intents: IdCodec::new("pi", seed, 0x7069),
            payment_methods: IdCodec::new("pm", seed, 0x706D),
            line_items: IdCodec::new("il", seed, 0x696C),
        }
    }

    /// How many records of `entity` are generated.
    pub(crate) fn count(&self, entity: Entity) -> u64 {
        self.counts[entity.index()]
    }

    pub(crate) fn codec(&self, entity: Entity) -> &IdCodec {
        &self.codecs[entity.index()]
    }

    fn roll(&self, entity: Entity, seq: u64, draw: u64) -> u64 {
        mix(self.keys[entity.index()] ^ mix(seq) ^ draw.wrapping_mul(0x9E37_79B9_7F4A_7C15))
    }

    /// `created` of record `seq` (also of records created through the API,
    /// which take the next sequence numbers).
    pub(crate) fn created(&self, entity: Entity, seq: u64) -> i64 {
        let jitter = (self.roll(entity, seq, D_CREATED) % STEP as u64) as i64;
        EPOCH.saturating_add((seq as i64).saturating_mul(STEP)) + jitter
    }

    /// The generated record `seq` (`seq < count(entity)`).
    pub(crate) fn record(&self, entity: Entity, seq: u64) -> Map<String, Value> {
        match entity {
            Entity::Customers => self.customer(seq),
            Entity::Products => self.product(seq),
            Entity::Invoices => self.invoice(seq),
            Entity::Charges => self.charge(seq),
        }
    }

    /// The record create starts from, before its parameters are applied.
    pub(crate) fn blank(&self, entity: Entity, seq: u64, id: &str) -> Map<String, Value> {
        let created = self.created(entity, seq);
        let value = match entity {
            Entity::Customers => json!({
                "id": id,
                "object": "customer",
                "address": null,
                "balance": 0,
                "created": created,
                "currency": null,
                "default_source": null,
                "delinquent": false,
                "description": null,
                "discount": null,
                "email": null,
                "invoice_prefix": self.invoice_prefix(seq),
                "invoice_settings": invoice_settings(),
                "livemode": false,
                "metadata": {},
                "name": null,
                "next_invoice_sequence": 1,
                "phone": null,
                "preferred_locales": [],
                "shipping": null,
                "tax_exempt": "none",
                "test_clock": null,
            }),
            Entity::Products => json!({
                "id": id,
                "object": "product",
                "active": true,
                "created": created,
                "default_price": null,
                "description": null,
                "images": [],
                "livemode": false,
                "marketing_features": [],
                "metadata": {},
                "name": null,
                "package_dimensions": null,
                "shippable": null,
                "statement_descriptor": null,
                "tax_code": null,
                "type": "service",
                "unit_label": null,
                "updated": created,
                "url": null,
            }),
            Entity::Invoices | Entity::Charges => json!({"id": id, "object": entity.object()}),
        };
        match value {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }

    fn customer_name(&self, seq: u64) -> (&'static str, &'static str) {
        (
            pick(FIRST_NAMES, self.roll(Entity::Customers, seq, D_FIRST)),
            pick(LAST_NAMES, self.roll(Entity::Customers, seq, D_LAST)),
        )
    }

    fn customer_email(&self, seq: u64) -> String {
        let (first, last) = self.customer_name(seq);
        format!(
            "{}.{}.{seq}@example.com",
            first.to_ascii_lowercase(),
            last.to_ascii_lowercase()
        )
    }

    fn invoice_prefix(&self, seq: u64) -> String {
        format!("{:08X}", self.roll(Entity::Customers, seq, D_PREFIX) as u32)
    }

    /// The generated customer an invoice or charge belongs to.
    fn owner(&self, entity: Entity, seq: u64) -> Option<u64> {
        let customers = self.count(Entity::Customers);
        (customers > 0).then(|| self.roll(entity, seq, D_CUSTOMER) % customers)
    }

    fn customer(&self, seq: u64) -> Map<String, Value> {
        let e = Entity::Customers;
        let id = self.codec(e).encode(seq);
        let mut record = self.blank(e, seq, &id);
        let (first, last) = self.customer_name(seq);
        let (city, state, country, postal_code) = pick(PLACES, self.roll(e, seq, D_PLACE));
        let number = 1 + self.roll(e, seq, D_NUMBER) % 980;
        let street = pick(STREETS, self.roll(e, seq, D_STREET));
        let kind = pick(STREET_KINDS, self.roll(e, seq, D_STREET) >> 16);
        let flag = self.roll(e, seq, D_FLAG);
        let currency = if country == "US" || country == "CA" {
            "usd"
        } else {
            "eur"
        };
        // A fictional-range phone number (555-01xx).
        let phone = format!("+1-555-01{:02}", self.roll(e, seq, D_NUMBER) % 100);
        let fields = json!({
            "address": {
                "city": city,
                "country": country,
                "line1": format!("{number} {street} {kind}"),
                "line2": null,
                "postal_code": postal_code,
                "state": state,
            },
            "balance": if flag.is_multiple_of(7) { -((flag % 50) as i64 + 1) * 100 } else { 0 },
            "currency": currency,
            "delinquent": flag.is_multiple_of(11),
            "description": format!("Sandbox customer #{seq} (generated)"),
            "email": self.customer_email(seq),
            "metadata": {"tier": pick(TIERS, flag >> 8)},
            "name": format!("{first} {last}"),
            "next_invoice_sequence": 1 + (flag >> 16) % 12,
            "phone": phone,
            "preferred_locales": [if currency == "usd" { "en-US" } else { "en" }],
        });
        merge(&mut record, fields);
        record
    }

    fn product(&self, seq: u64) -> Map<String, Value> {
        let e = Entity::Products;
        let id = self.codec(e).encode(seq);
        let mut record = self.blank(e, seq, &id);
        let adjective = pick(PRODUCT_ADJECTIVES, self.roll(e, seq, D_FIRST));
        let noun = pick(PRODUCT_NOUNS, self.roll(e, seq, D_NAME));
        let flag = self.roll(e, seq, D_FLAG);
        let shippable = !matches!(
            noun,
            "Subscription" | "Support Plan" | "Workshop" | "License"
        );
        let fields = json!({
            "active": !flag.is_multiple_of(9),
            "description": format!("Sandbox product #{seq} (generated)"),
            "metadata": {"sku": format!("SBX-{:05}", seq)},
            "name": format!("{adjective} {noun}"),
            "package_dimensions": if shippable {
                json!({"height": 2.0 + (flag % 10) as f64, "length": 10.0, "weight": 8.0 + (flag % 30) as f64, "width": 6.0})
            } else {
                Value::Null
            },
            "shippable": shippable,
            "type": if shippable { "good" } else { "service" },
            "unit_label": if shippable { Value::Null } else { json!("seat") },
        });
        merge(&mut record, fields);
        record
    }

    fn invoice(&self, seq: u64) -> Map<String, Value> {
        let e = Entity::Invoices;
        let id = self.codec(e).encode(seq);
        let created = self.created(e, seq);
        let owner = self.owner(e, seq);
        let flag = self.roll(e, seq, D_FLAG);
        let status = pick(
            &[
                "paid",
                "paid",
                "paid",
                "paid",
                "paid",
                "open",
                "open",
                "draft",
                "void",
                "uncollectible",
            ],
            self.roll(e, seq, D_STATUS),
        );
        let send_invoice = flag.is_multiple_of(4);
        let quantity = 1 + (flag >> 8) % 5;
        let unit_amount = (10 + self.roll(e, seq, D_AMOUNT) % 490) as i64 * 100;
        let total = unit_amount * quantity as i64;
        let paid = status == "paid";
        let finalized = status != "draft";
        let product = pick(PRODUCT_NOUNS, flag >> 24);
        let number = owner
            .filter(|_| finalized)
            .map(|c| format!("{}-{:04}", self.invoice_prefix(c), 1 + seq % 9999));
        let value = json!({
            "id": id,
            "object": "invoice",
            "account_country": "US",
            "amount_due": total,
            "amount_paid": if paid { total } else { 0 },
            "amount_remaining": if paid || status == "void" { 0 } else { total },
            "attempt_count": u64::from(paid || status == "uncollectible"),
            "attempted": paid || status == "uncollectible",
            "auto_advance": status == "draft" || status == "open",
            "billing_reason": "manual",
            "collection_method": if send_invoice { "send_invoice" } else { "charge_automatically" },
            "created": created,
            "currency": "usd",
            "customer": owner.map(|c| self.codec(Entity::Customers).encode(c)),
            "customer_account": null,
            "customer_email": owner.map(|c| self.customer_email(c)),
            "customer_name": owner.map(|c| {
                let (first, last) = self.customer_name(c);
                format!("{first} {last}")
            }),
            "description": format!("Sandbox invoice #{seq} (generated)"),
            "due_date": if send_invoice { json!(created + 30 * 86_400) } else { Value::Null },
            "hosted_invoice_url": null,
            "invoice_pdf": null,
            "lines": {
                "object": "list",
                "data": [{
                    "id": self.line_items.encode(seq),
                    "object": "line_item",
                    "amount": total,
                    "currency": "usd",
                    "description": format!("{quantity} × {product}"),
                    "quantity": quantity,
                }],
                "has_more": false,
                "total_count": 1,
                "url": format!("/v1/invoices/{id}/lines"),
            },
            "livemode": false,
            "metadata": {},
            "number": number,
            "paid": paid,
            "period_end": created,
            "period_start": created,
            "status": status,
            "status_transitions": {
                "finalized_at": if finalized { json!(created + 60) } else { Value::Null },
                "marked_uncollectible_at": if status == "uncollectible" { json!(created + 86_400) } else { Value::Null },
                "paid_at": if paid { json!(created + 3_600) } else { Value::Null },
                "voided_at": if status == "void" { json!(created + 7_200) } else { Value::Null },
            },
            "subscription": null,
            "subtotal": total,
            "tax": null,
            "total": total,
        });
        into_map(value)
    }

    fn charge(&self, seq: u64) -> Map<String, Value> {
        let e = Entity::Charges;
        let id = self.codec(e).encode(seq);
        let created = self.created(e, seq);
        let owner = self.owner(e, seq);
        let flag = self.roll(e, seq, D_FLAG);
        let amount = (5 + self.roll(e, seq, D_AMOUNT) % 995) as i64 * 100;
        let failed = self.roll(e, seq, D_STATUS).is_multiple_of(12);
        let refunded = !failed && flag.is_multiple_of(15);
        let (brand, last4) = pick(CARDS, self.roll(e, seq, D_CARD));
        let email = owner.map(|c| self.customer_email(c));
        let name = owner.map(|c| {
            let (first, last) = self.customer_name(c);
            format!("{first} {last}")
        });
        let value = json!({
            "id": id,
            "object": "charge",
            "amount": amount,
            "amount_captured": if failed { 0 } else { amount },
            "amount_refunded": if refunded { amount } else { 0 },
            "balance_transaction": if failed { Value::Null } else { json!(self.transactions.encode(seq)) },
            "billing_details": {"address": null, "email": email, "name": name, "phone": null},
            "captured": !failed,
            "created": created,
            "currency": "usd",
            "customer": owner.map(|c| self.codec(Entity::Customers).encode(c)),
            "description": format!("Sandbox charge #{seq} (generated)"),
            "disputed": false,
            "failure_code": if failed { json!("card_declined") } else { Value::Null },
            "failure_message": if failed { json!("Your card was declined.") } else { Value::Null },
            "invoice": null,
            "livemode": false,
            "metadata": {},
            "outcome": {
                "network_status": if failed { "declined_by_network" } else { "approved_by_network" },
                "reason": if failed { json!("generic_decline") } else { Value::Null },
                "risk_level": "normal",
                "seller_message": if failed { "The bank did not return any further details with this decline." } else { "Payment complete." },
                "type": if failed { "issuer_declined" } else { "authorized" },
            },
            "paid": !failed,
            "payment_intent": self.payment_intents.encode(seq),
            "payment_method": self.payment_methods.encode(seq),
            "payment_method_details": {
                "type": "card",
                "card": {
                    "brand": brand,
                    "country": "US",
                    "exp_month": 1 + flag % 12,
                    "exp_year": 2027 + (flag >> 8) % 5,
                    "funding": "credit",
                    "last4": last4,
                },
            },
            "receipt_email": email,
            "refunded": refunded,
            "status": if failed { "failed" } else { "succeeded" },
        });
        into_map(value)
    }
}

fn invoice_settings() -> Value {
    json!({
        "custom_fields": null,
        "default_payment_method": null,
        "footer": null,
        "rendering_options": null,
    })
}

fn into_map(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

fn merge(record: &mut Map<String, Value>, fields: Value) {
    record.extend(into_map(fields));
}
