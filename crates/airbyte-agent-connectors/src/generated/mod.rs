//! Typed connectors generated from `definitions/*.yaml` by `cargo run -p airbyte-agent-codegen --bin regenerate-connectors`. Do not edit.

#[cfg(feature = "gong")]
pub mod gong;
#[cfg(feature = "gong")]
pub use gong::Gong;
#[cfg(feature = "hubspot")]
pub mod hubspot;
#[cfg(feature = "hubspot")]
pub use hubspot::Hubspot;
#[cfg(feature = "intercom")]
pub mod intercom;
#[cfg(feature = "intercom")]
pub use intercom::Intercom;
#[cfg(feature = "slack")]
pub mod slack;
#[cfg(feature = "slack")]
pub use slack::Slack;
#[cfg(feature = "stripe")]
pub mod stripe;
#[cfg(feature = "stripe")]
pub use stripe::Stripe;
#[cfg(feature = "zendesk-support")]
pub mod zendesk_support;
#[cfg(feature = "zendesk-support")]
pub use zendesk_support::ZendeskSupport;
