//! Administration: clients that can be disabled and whose secret rotates with a grace period,
//! and the bootstrap role renamed to the `gatehouse:admin` family.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Adds `clients.enabled`, `previous_secret_hash`, `previous_secret_expires_at`; renames the
/// global role `admin` to `gatehouse:admin` unless that exists already.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261205_300001_admin"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite adds one column at a time.
        let columns = [
            boolean(Clients::Enabled).default(true).to_owned(),
            // The secret before the last rotation, accepted until it expires.
            string_null(Clients::PreviousSecretHash),
            timestamp_with_time_zone_null(Clients::PreviousSecretExpiresAt),
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
        // The bootstrap administrator's role was `admin`; administration now reads the
        // `gatehouse:*` roles. A database that already has `gatehouse:admin` keeps both.
        let rename = Query::update()
            .table(Roles::Table)
            .value(Roles::Name, "gatehouse:admin")
            .and_where(Expr::col(Roles::Name).eq("admin"))
            .and_where(Expr::col(Roles::ClientId).is_null())
            .and_where(
                Expr::exists(
                    Query::select()
                        .expr(Expr::val(1))
                        .from_as(Roles::Table, Alias::new("other"))
                        .and_where(
                            Expr::col((Alias::new("other"), Roles::Name)).eq("gatehouse:admin"),
                        )
                        .to_owned(),
                )
                .not(),
            )
            .to_owned();
        m.exec_stmt(rename).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for column in [
            Clients::PreviousSecretExpiresAt,
            Clients::PreviousSecretHash,
            Clients::Enabled,
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
    Enabled,
    PreviousSecretHash,
    PreviousSecretExpiresAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Roles {
    Table,
    Name,
    ClientId,
}
