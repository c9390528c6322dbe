//! Outgoing mail: messages are queued in the outbox table in the request's own database
//! work, and a delivery worker (in the binary) sends them with retries and backoff, so an
//! SMTP outage delays mail but loses none and no request waits on SMTP.

mod outbox;

pub use outbox::{Claimed, Message, Outbox, RetryPolicy};
