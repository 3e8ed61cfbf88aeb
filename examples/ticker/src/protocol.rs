//! The wire protocol: JSON text messages.

use serde::{Deserialize, Serialize};

/// What the client sends. Every request is signed with the current nonce.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Request {
    /// Start receiving ticks for `pair`.
    Subscribe {
        /// A market, e.g. `btc-usd`.
        pair: String,
        /// The signing nonce in force when the request was sent.
        nonce: u64,
    },
    /// Stop receiving ticks for `pair`.
    Unsubscribe {
        /// A market, e.g. `btc-usd`.
        pair: String,
        /// The signing nonce in force when the request was sent.
        nonce: u64,
    },
}

/// What the server sends.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Update {
    /// A subscription is active.
    Subscribed {
        /// The market.
        pair: String,
    },
    /// A price.
    Tick(Tick),
    /// The server refused something.
    Error {
        /// Its explanation.
        message: String,
    },
}

/// One price of one market.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Tick {
    /// The market.
    pub pair: String,
    /// The price in cents.
    pub price_cents: u64,
    /// Numbers the ticks of one subscription, from 1.
    pub sequence: u64,
}
