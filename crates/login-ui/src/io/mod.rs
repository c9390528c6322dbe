//! What the pages send out or ask from outside: CAPTCHA checks, mail, text messages.

pub mod captcha;
pub mod mail;
pub mod sms;
