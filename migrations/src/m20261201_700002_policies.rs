//! Cedar policy sets and ACL entries of resource servers.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Creates `policy_sets` (one Cedar schema and policy set per resource server) and
/// `acl_entries` (subject, relation, resource tuples per resource server).
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_700002_policies"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(PolicySets::Table)
                .col(string(PolicySets::ClientId).primary_key())
                .col(text(PolicySets::Schema))
                .col(text(PolicySets::Policies))
                .col(big_integer(PolicySets::Version))
                .col(timestamp_with_time_zone(PolicySets::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(PolicySets::Table, PolicySets::ClientId)
                        .to(Clients::Table, Clients::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(AclEntries::Table)
                .col(string(AclEntries::Id).primary_key())
                .col(string(AclEntries::ClientId))
                // `user`, `group` or `role`; `subject` holds that row's id.
                .col(string(AclEntries::SubjectKind))
                .col(string(AclEntries::Subject))
                .col(string(AclEntries::Relation))
                .col(string(AclEntries::ResourceType))
                .col(string(AclEntries::ResourceId))
                .col(timestamp_with_time_zone(AclEntries::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .from(AclEntries::Table, AclEntries::ClientId)
                        .to(Clients::Table, Clients::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_acl_entries_unique")
                .table(AclEntries::Table)
                .col(AclEntries::ClientId)
                .col(AclEntries::ResourceType)
                .col(AclEntries::ResourceId)
                .col(AclEntries::Relation)
                .col(AclEntries::SubjectKind)
                .col(AclEntries::Subject)
                .unique()
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(AclEntries::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(PolicySets::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum PolicySets {
    Table,
    ClientId,
    Schema,
    Policies,
    Version,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum AclEntries {
    Table,
    Id,
    ClientId,
    SubjectKind,
    Subject,
    Relation,
    ResourceType,
    ResourceId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Clients {
    Table,
    Id,
}
