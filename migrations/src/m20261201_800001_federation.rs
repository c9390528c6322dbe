//! Sign-in through other identity providers: the configured upstreams, the links of local
//! accounts to upstream identities, and the server-side state of sign-ins in progress.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Creates `upstreams`, `upstream_links` and `upstream_flows`.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261201_800001_federation"
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
        m.create_table(
            Table::create()
                .table(Upstreams::Table)
                .col(string(Upstreams::Id).primary_key())
                .col(string_uniq(Upstreams::Name))
                .col(string(Upstreams::DisplayName))
                .col(string(Upstreams::Issuer))
                // Overrides of what discovery says (tests, sovereign clouds).
                .col(string_null(Upstreams::AuthorizationEndpoint))
                .col(string_null(Upstreams::TokenEndpoint))
                .col(string_null(Upstreams::UserinfoEndpoint))
                .col(string_null(Upstreams::JwksUri))
                .col(string(Upstreams::ClientId))
                // AEAD under the master key, bound to the row id.
                .col(text_null(Upstreams::ClientSecret))
                .col(json_binary(Upstreams::Scopes))
                .col(string(Upstreams::FirstLogin))
                .col(boolean(Upstreams::TrustedForEmail).default(false))
                .col(boolean(Upstreams::Enabled).default(true))
                // Client ids allowed to show it; NULL: every client.
                .col(json_binary_null(Upstreams::AllowedClients))
                .col(timestamp_with_time_zone(Upstreams::CreatedAt))
                .col(timestamp_with_time_zone(Upstreams::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(UpstreamLinks::Table)
                .col(string(UpstreamLinks::Id).primary_key())
                .col(string(UpstreamLinks::UserId))
                .col(string(UpstreamLinks::UpstreamId))
                .col(string(UpstreamLinks::Issuer))
                .col(string(UpstreamLinks::Subject))
                // The address the upstream gave at the last sign-in (shown, never a key).
                .col(string_null(UpstreamLinks::Email))
                .col(timestamp_with_time_zone(UpstreamLinks::CreatedAt))
                .col(timestamp_with_time_zone_null(UpstreamLinks::LastUsedAt))
                .foreign_key(&mut fk(
                    UpstreamLinks::Table,
                    UpstreamLinks::UserId,
                    Users::Table,
                    Users::Id,
                ))
                .foreign_key(&mut fk(
                    UpstreamLinks::Table,
                    UpstreamLinks::UpstreamId,
                    Upstreams::Table,
                    Upstreams::Id,
                ))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_upstream_links_identity")
                .table(UpstreamLinks::Table)
                .col(UpstreamLinks::Issuer)
                .col(UpstreamLinks::Subject)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_upstream_links_user")
                .table(UpstreamLinks::Table)
                .col(UpstreamLinks::UserId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(UpstreamFlows::Table)
                // Keyed hash of the `state` sent to the upstream.
                .col(string(UpstreamFlows::StateHash).primary_key())
                .col(string(UpstreamFlows::UpstreamId))
                .col(string(UpstreamFlows::Nonce))
                // AEAD under the master key, bound to the state hash.
                .col(text(UpstreamFlows::PkceVerifier))
                // The parked authorization request, or the local page, the sign-in is for.
                .col(string_null(UpstreamFlows::RequestId))
                .col(string_null(UpstreamFlows::Next))
                // Keyed hash of the browser-binding cookie set when the sign-in started.
                .col(string_null(UpstreamFlows::BrowserHash))
                .col(timestamp_with_time_zone(UpstreamFlows::CreatedAt))
                .col(timestamp_with_time_zone(UpstreamFlows::ExpiresAt))
                .col(timestamp_with_time_zone_null(UpstreamFlows::ClaimedAt))
                .foreign_key(&mut fk(
                    UpstreamFlows::Table,
                    UpstreamFlows::UpstreamId,
                    Upstreams::Table,
                    Upstreams::Id,
                ))
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(UpstreamFlows::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(UpstreamLinks::Table).to_owned())
            .await?;
        m.drop_table(Table::drop().table(Upstreams::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden, Clone, Copy)]
enum Upstreams {
    Table,
    Id,
    Name,
    DisplayName,
    Issuer,
    AuthorizationEndpoint,
    TokenEndpoint,
    UserinfoEndpoint,
    JwksUri,
    ClientId,
    ClientSecret,
    Scopes,
    FirstLogin,
    TrustedForEmail,
    Enabled,
    AllowedClients,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum UpstreamLinks {
    Table,
    Id,
    UserId,
    UpstreamId,
    Issuer,
    Subject,
    Email,
    CreatedAt,
    LastUsedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum UpstreamFlows {
    Table,
    StateHash,
    UpstreamId,
    Nonce,
    PkceVerifier,
    RequestId,
    Next,
    BrowserHash,
    CreatedAt,
    ExpiresAt,
    ClaimedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Users {
    Table,
    Id,
}
