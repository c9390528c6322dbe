//! Wrong second-factor codes counted per account (finding l): a correct password does not
//! reset the count, so starting sign-in over no longer buys fresh guesses.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Adds `users.failed_second_factors`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261130_100005_second_factor_failures"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Users::Table)
                .add_column(integer(Users::FailedSecondFactors).default(0))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Users::Table)
                .drop_column(Users::FailedSecondFactors)
                .to_owned(),
        )
        .await
    }
}

#[derive(DeriveIden)]
enum Users {
    Table,
    FailedSecondFactors,
}
