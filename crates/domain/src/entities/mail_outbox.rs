//! The `mail_outbox` table.

use sea_orm::entity::prelude::*;

/// One queued mail.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "mail_outbox")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    pub kind: String,
    pub to_address: String,
    pub subject: String,
    pub text_body: String,
    pub html_body: String,
    pub attempts: i32,
    pub next_attempt_at: TimeDateTimeWithTimeZone,
    pub last_error: Option<String>,
    pub created_at: TimeDateTimeWithTimeZone,
    pub sent_at: Option<TimeDateTimeWithTimeZone>,
    pub failed_at: Option<TimeDateTimeWithTimeZone>,
}

/// Relations are resolved by explicit queries in the domain services.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
