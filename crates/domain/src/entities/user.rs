//! The `users` table.

use sea_orm::entity::prelude::*;

/// One row of `users`.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: String,
    #[sea_orm(unique)]
    pub subject: String,
    /// None for guests and for people whose upstream gave no address.
    #[sea_orm(unique)]
    pub email: Option<String>,
    pub email_verified: bool,
    pub status: String,
    pub status_reason: Option<String>,
    pub display_name: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub middle_name: Option<String>,
    pub nickname: Option<String>,
    pub preferred_username: Option<String>,
    pub picture: Option<String>,
    pub website: Option<String>,
    pub gender: Option<String>,
    pub birthdate: Option<String>,
    pub locale: Option<String>,
    pub zoneinfo: Option<String>,
    pub phone_number: Option<String>,
    pub phone_number_verified: bool,
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub address: Option<Json>,
    pub failed_logins: i32,
    pub locked_until: Option<TimeDateTimeWithTimeZone>,
    /// Wrong second-factor codes since the last correct one (finding l).
    pub failed_second_factors: i32,
    /// A guest account (no address, no credentials; purged when abandoned).
    pub guest: bool,
    /// The provisioning client's id of the account (SCIM `externalId`).
    pub external_id: Option<String>,
    pub created_at: TimeDateTimeWithTimeZone,
    pub updated_at: TimeDateTimeWithTimeZone,
}

/// Relations are resolved by explicit queries in the domain services.
#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

impl Model {
    /// How lists name the account: its address, or its `sub` when it has none.
    pub fn label(&self) -> String {
        match &self.email {
            Some(email) => email.clone(),
            None if self.guest => format!("guest {}", self.subject),
            None => format!("sub {}", self.subject),
        }
    }
}
