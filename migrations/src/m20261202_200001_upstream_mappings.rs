//! Federation, stage 2: claim-to-role mapping rules per upstream and the record of the grants
//! each rule made (so that re-applying a rule touches only those, never a manual grant); the
//! upstream's trust for `acr` and for MFA; and the browser session a *link* sign-in (from the
//! account page) is bound to.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Creates `upstream_mappings` and `upstream_mapping_grants`; adds
/// `upstreams.trusted_for_acr`, `upstreams.trusted_for_mfa` and `upstream_flows.link_session_id`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261202_200001_upstream_mappings"
    }
}

fn fk(
    from: impl IntoIden + Copy + 'static,
    col: impl IntoIden + 'static,
    to: impl IntoIden + 'static,
    to_col: impl IntoIden + 'static,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .from(from, col)
        .to(to, to_col)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one column at a time.
        m.alter_table(
            Table::alter()
                .table(Upstreams::Table)
                .add_column(boolean(Upstreams::TrustedForAcr).default(false))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Upstreams::Table)
                .add_column(boolean(Upstreams::TrustedForMfa).default(false))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(UpstreamFlows::Table)
                // The browser session that started a link sign-in; NULL: a sign-in.
                .add_column(string_null(UpstreamFlows::LinkSessionId))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(UpstreamMappings::Table)
                .col(string(UpstreamMappings::Id).primary_key())
                .col(string(UpstreamMappings::UpstreamId))
                // A dot path into the upstream's claims, and the value it must have (or hold).
                .col(string(UpstreamMappings::Claim))
                .col(string(UpstreamMappings::Value))
                // Exactly one of the two: the role granted or the group joined.
                .col(string_null(UpstreamMappings::RoleId))
                .col(string_null(UpstreamMappings::GroupId))
                .col(timestamp_with_time_zone(UpstreamMappings::CreatedAt))
                .foreign_key(&mut fk(
                    UpstreamMappings::Table,
                    UpstreamMappings::UpstreamId,
                    Upstreams::Table,
                    Upstreams::Id,
                ))
                .foreign_key(&mut fk(
                    UpstreamMappings::Table,
                    UpstreamMappings::RoleId,
                    Roles::Table,
                    Roles::Id,
                ))
                .foreign_key(&mut fk(
                    UpstreamMappings::Table,
                    UpstreamMappings::GroupId,
                    Groups::Table,
                    Groups::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_upstream_mappings_upstream")
                .table(UpstreamMappings::Table)
                .col(UpstreamMappings::UpstreamId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(UpstreamMappingGrants::Table)
                // This rule made (or holds) this user's grant of the rule's role or group.
                .col(string(UpstreamMappingGrants::MappingId))
                .col(string(UpstreamMappingGrants::UserId))
                .col(timestamp_with_time_zone(UpstreamMappingGrants::CreatedAt))
                .primary_key(
                    Index::create()
                        .col(UpstreamMappingGrants::MappingId)
                        .col(UpstreamMappingGrants::UserId),
                )
                .foreign_key(&mut fk(
                    UpstreamMappingGrants::Table,
                    UpstreamMappingGrants::MappingId,
                    UpstreamMappings::Table,
                    UpstreamMappings::Id,
                ))
                .foreign_key(&mut fk(
                    UpstreamMappingGrants::Table,
                    UpstreamMappingGrants::UserId,
                    Users::Table,
                    Users::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_upstream_mapping_grants_user")
                .table(UpstreamMappingGrants::Table)
                .col(UpstreamMappingGrants::UserId)
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(UpstreamMappingGrants::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(UpstreamMappings::Table).to_owned())
            .await?;
        m.alter_table(
            Table::alter()
                .table(UpstreamFlows::Table)
                .drop_column(UpstreamFlows::LinkSessionId)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Upstreams::Table)
                .drop_column(Upstreams::TrustedForMfa)
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Upstreams::Table)
                .drop_column(Upstreams::TrustedForAcr)
                .to_owned(),
        )
        .await
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Upstreams {
    Table,
    Id,
    TrustedForAcr,
    TrustedForMfa,
}

#[derive(DeriveIden, Clone, Copy)]
enum UpstreamFlows {
    Table,
    LinkSessionId,
}

#[derive(DeriveIden, Clone, Copy)]
enum UpstreamMappings {
    Table,
    Id,
    UpstreamId,
    Claim,
    Value,
    RoleId,
    GroupId,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum UpstreamMappingGrants {
    Table,
    MappingId,
    UserId,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Roles {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum Groups {
    Table,
    Id,
}

#[derive(DeriveIden, Clone, Copy)]
enum Users {
    Table,
    Id,
}
