//! Back- and front-channel logout metadata of clients (OIDC Back-Channel Logout 1.0,
//! Front-Channel Logout 1.0).

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Adds `clients.backchannel_logout_session_required`, `frontchannel_logout_uri` and
/// `frontchannel_logout_session_required`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261206_100001_logout_channels"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite adds one column at a time.
        let columns = [
            boolean(Clients::BackchannelLogoutSessionRequired)
                .default(false)
                .to_owned(),
            text_null(Clients::FrontchannelLogoutUri),
            boolean(Clients::FrontchannelLogoutSessionRequired)
                .default(false)
                .to_owned(),
        ];
        for mut column in columns {
            m.alter_table(
                Table::alter()
                    .table(Clients::Table)
                    .add_column(&mut column)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            Clients::FrontchannelLogoutSessionRequired,
            Clients::FrontchannelLogoutUri,
            Clients::BackchannelLogoutSessionRequired,
        ] {
            m.alter_table(
                Table::alter()
                    .table(Clients::Table)
                    .drop_column(column)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Clients {
    Table,
    BackchannelLogoutSessionRequired,
    FrontchannelLogoutUri,
    FrontchannelLogoutSessionRequired,
}
