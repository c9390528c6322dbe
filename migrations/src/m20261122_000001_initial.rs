//! The initial schema: everything the provider stores, for SQLite and PostgreSQL alike.
//!
//! Identifiers are text (UUIDv7 or opaque random values) so they read the same on both
//! databases; secrets are stored only as hashes or AEAD ciphertext; lists and structured
//! claims are JSON.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

/// Creates every table of the first release.
pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261122_000001_initial"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for table in tables() {
            m.create_table(table).await?;
        }
        for index in indexes() {
            m.create_index(index).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // Reverse order so that foreign keys never point at a dropped table.
        for name in DROP_ORDER {
            m.drop_table(
                Table::drop()
                    .table(Alias::new(*name))
                    .if_exists()
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}

const DROP_ORDER: &[&str] = &[
    "audit_events",
    "consents",
    "access_tokens",
    "refresh_tokens",
    "refresh_token_families",
    "authorization_codes",
    "authorization_requests",
    "browser_sessions",
    "signing_keys",
    "clients",
    "group_roles",
    "user_groups",
    "user_roles",
    "role_permissions",
    "groups",
    "permissions",
    "roles",
    "credentials",
    "users",
];

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

fn tables() -> Vec<TableCreateStatement> {
    vec![
        Table::create()
            .table(Users::Table)
            .col(string(Users::Id).primary_key())
            .col(string_uniq(Users::Subject))
            .col(string_uniq(Users::Email))
            .col(boolean(Users::EmailVerified).default(false))
            .col(string(Users::Status))
            .col(text_null(Users::StatusReason))
            .col(string_null(Users::DisplayName))
            .col(string_null(Users::GivenName))
            .col(string_null(Users::FamilyName))
            .col(string_null(Users::MiddleName))
            .col(string_null(Users::Nickname))
            .col(string_null(Users::PreferredUsername))
            .col(text_null(Users::Picture))
            .col(text_null(Users::Website))
            .col(string_null(Users::Gender))
            .col(string_null(Users::Birthdate))
            .col(string_null(Users::Locale))
            .col(string_null(Users::Zoneinfo))
            .col(string_null(Users::PhoneNumber))
            .col(boolean(Users::PhoneNumberVerified).default(false))
            .col(json_binary_null(Users::Address))
            .col(integer(Users::FailedLogins).default(0))
            .col(timestamp_with_time_zone_null(Users::LockedUntil))
            .col(timestamp_with_time_zone(Users::CreatedAt))
            .col(timestamp_with_time_zone(Users::UpdatedAt))
            .to_owned(),
        Table::create()
            .table(Credentials::Table)
            .col(string(Credentials::Id).primary_key())
            .col(string(Credentials::UserId))
            .col(string(Credentials::Kind))
            .col(string_null(Credentials::Name))
            .col(text(Credentials::Secret))
            .col(json_binary_null(Credentials::Data))
            .col(timestamp_with_time_zone(Credentials::CreatedAt))
            .col(timestamp_with_time_zone_null(Credentials::LastUsedAt))
            .foreign_key(&mut fk(
                Credentials::Table,
                Credentials::UserId,
                Users::Table,
                Users::Id,
            ))
            .to_owned(),
        Table::create()
            .table(Roles::Table)
            .col(string(Roles::Id).primary_key())
            .col(string_uniq(Roles::Name))
            .col(text_null(Roles::Description))
            .col(timestamp_with_time_zone(Roles::CreatedAt))
            .to_owned(),
        Table::create()
            .table(Permissions::Table)
            .col(string(Permissions::Id).primary_key())
            .col(string_uniq(Permissions::Name))
            .col(text_null(Permissions::Description))
            .col(timestamp_with_time_zone(Permissions::CreatedAt))
            .to_owned(),
        Table::create()
            .table(Groups::Table)
            .col(string(Groups::Id).primary_key())
            .col(string_uniq(Groups::Name))
            .col(text_null(Groups::Description))
            .col(timestamp_with_time_zone(Groups::CreatedAt))
            .to_owned(),
        join_table(
            RolePermissions::Table,
            (RolePermissions::RoleId, Roles::Table, Roles::Id),
            (
                RolePermissions::PermissionId,
                Permissions::Table,
                Permissions::Id,
            ),
        ),
        join_table(
            UserRoles::Table,
            (UserRoles::UserId, Users::Table, Users::Id),
            (UserRoles::RoleId, Roles::Table, Roles::Id),
        ),
        join_table(
            UserGroups::Table,
            (UserGroups::UserId, Users::Table, Users::Id),
            (UserGroups::GroupId, Groups::Table, Groups::Id),
        ),
        join_table(
            GroupRoles::Table,
            (GroupRoles::GroupId, Groups::Table, Groups::Id),
            (GroupRoles::RoleId, Roles::Table, Roles::Id),
        ),
        Table::create()
            .table(Clients::Table)
            .col(string(Clients::Id).primary_key())
            .col(string(Clients::Name))
            .col(text_null(Clients::SecretHash))
            .col(string(Clients::TokenEndpointAuthMethod))
            .col(json_binary(Clients::RedirectUris))
            .col(json_binary(Clients::PostLogoutRedirectUris))
            .col(json_binary(Clients::GrantTypes))
            .col(json_binary(Clients::ResponseTypes))
            .col(json_binary(Clients::Scopes))
            .col(string(Clients::AccessTokenFormat))
            .col(string(Clients::IdTokenSignedResponseAlg))
            .col(string_null(Clients::UserinfoSignedResponseAlg))
            .col(string(Clients::AccessTokenSigningAlg))
            .col(boolean(Clients::FirstParty).default(false))
            .col(boolean(Clients::RequirePkce).default(true))
            .col(text_null(Clients::ClientUri))
            .col(text_null(Clients::LogoUri))
            .col(text_null(Clients::PolicyUri))
            .col(text_null(Clients::TosUri))
            .col(text_null(Clients::BackchannelLogoutUri))
            .col(timestamp_with_time_zone(Clients::CreatedAt))
            .col(timestamp_with_time_zone(Clients::UpdatedAt))
            .to_owned(),
        Table::create()
            .table(SigningKeys::Table)
            .col(string(SigningKeys::Kid).primary_key())
            .col(string(SigningKeys::Alg))
            .col(string(SigningKeys::State))
            .col(text(SigningKeys::PrivateKey))
            .col(json_binary(SigningKeys::PublicJwk))
            .col(timestamp_with_time_zone(SigningKeys::CreatedAt))
            .col(timestamp_with_time_zone_null(SigningKeys::ActivatedAt))
            .col(timestamp_with_time_zone_null(SigningKeys::RetiredAt))
            .col(timestamp_with_time_zone_null(SigningKeys::ExpiresAt))
            .to_owned(),
        Table::create()
            .table(BrowserSessions::Table)
            .col(string(BrowserSessions::Id).primary_key())
            .col(string_uniq(BrowserSessions::SecretHash))
            .col(string(BrowserSessions::UserId))
            .col(timestamp_with_time_zone(BrowserSessions::AuthTime))
            .col(json_binary(BrowserSessions::Amr))
            .col(string_null(BrowserSessions::Acr))
            .col(string_null(BrowserSessions::Ip))
            .col(text_null(BrowserSessions::UserAgent))
            .col(timestamp_with_time_zone(BrowserSessions::CreatedAt))
            .col(timestamp_with_time_zone(BrowserSessions::LastSeenAt))
            .col(timestamp_with_time_zone(BrowserSessions::ExpiresAt))
            .col(timestamp_with_time_zone_null(BrowserSessions::RevokedAt))
            .foreign_key(&mut fk(
                BrowserSessions::Table,
                BrowserSessions::UserId,
                Users::Table,
                Users::Id,
            ))
            .to_owned(),
        Table::create()
            .table(AuthorizationRequests::Table)
            .col(string(AuthorizationRequests::Id).primary_key())
            .col(string(AuthorizationRequests::ClientId))
            .col(json_binary(AuthorizationRequests::Parameters))
            .col(timestamp_with_time_zone(AuthorizationRequests::CreatedAt))
            .col(timestamp_with_time_zone(AuthorizationRequests::ExpiresAt))
            .foreign_key(&mut fk(
                AuthorizationRequests::Table,
                AuthorizationRequests::ClientId,
                Clients::Table,
                Clients::Id,
            ))
            .to_owned(),
        Table::create()
            .table(AuthorizationCodes::Table)
            .col(string(AuthorizationCodes::CodeHash).primary_key())
            .col(string(AuthorizationCodes::ClientId))
            .col(string(AuthorizationCodes::UserId))
            .col(string_null(AuthorizationCodes::SessionId))
            .col(text(AuthorizationCodes::RedirectUri))
            .col(text(AuthorizationCodes::Scope))
            .col(text_null(AuthorizationCodes::Nonce))
            .col(string_null(AuthorizationCodes::CodeChallenge))
            .col(string_null(AuthorizationCodes::CodeChallengeMethod))
            .col(json_binary_null(AuthorizationCodes::Claims))
            .col(timestamp_with_time_zone(AuthorizationCodes::AuthTime))
            .col(string_null(AuthorizationCodes::Acr))
            .col(json_binary(AuthorizationCodes::Amr))
            .col(timestamp_with_time_zone(AuthorizationCodes::CreatedAt))
            .col(timestamp_with_time_zone(AuthorizationCodes::ExpiresAt))
            .col(timestamp_with_time_zone_null(
                AuthorizationCodes::RedeemedAt,
            ))
            .foreign_key(&mut fk(
                AuthorizationCodes::Table,
                AuthorizationCodes::ClientId,
                Clients::Table,
                Clients::Id,
            ))
            .foreign_key(&mut fk(
                AuthorizationCodes::Table,
                AuthorizationCodes::UserId,
                Users::Table,
                Users::Id,
            ))
            .to_owned(),
        Table::create()
            .table(RefreshTokenFamilies::Table)
            .col(string(RefreshTokenFamilies::Id).primary_key())
            .col(string(RefreshTokenFamilies::ClientId))
            .col(string(RefreshTokenFamilies::UserId))
            .col(string_null(RefreshTokenFamilies::SessionId))
            .col(string_null(RefreshTokenFamilies::CodeHash))
            .col(text(RefreshTokenFamilies::Scope))
            .col(json_binary_null(RefreshTokenFamilies::Claims))
            .col(timestamp_with_time_zone(RefreshTokenFamilies::AuthTime))
            .col(string_null(RefreshTokenFamilies::Acr))
            .col(json_binary(RefreshTokenFamilies::Amr))
            .col(string_null(RefreshTokenFamilies::Fingerprint))
            .col(timestamp_with_time_zone(RefreshTokenFamilies::CreatedAt))
            .col(timestamp_with_time_zone(RefreshTokenFamilies::ExpiresAt))
            .col(timestamp_with_time_zone_null(
                RefreshTokenFamilies::RevokedAt,
            ))
            .col(string_null(RefreshTokenFamilies::RevokedReason))
            .foreign_key(&mut fk(
                RefreshTokenFamilies::Table,
                RefreshTokenFamilies::ClientId,
                Clients::Table,
                Clients::Id,
            ))
            .foreign_key(&mut fk(
                RefreshTokenFamilies::Table,
                RefreshTokenFamilies::UserId,
                Users::Table,
                Users::Id,
            ))
            .to_owned(),
        Table::create()
            .table(RefreshTokens::Table)
            .col(string(RefreshTokens::TokenHash).primary_key())
            .col(string(RefreshTokens::FamilyId))
            .col(timestamp_with_time_zone(RefreshTokens::CreatedAt))
            .col(timestamp_with_time_zone(RefreshTokens::ExpiresAt))
            .col(timestamp_with_time_zone_null(RefreshTokens::RotatedAt))
            .foreign_key(&mut fk(
                RefreshTokens::Table,
                RefreshTokens::FamilyId,
                RefreshTokenFamilies::Table,
                RefreshTokenFamilies::Id,
            ))
            .to_owned(),
        Table::create()
            .table(AccessTokens::Table)
            .col(string(AccessTokens::Jti).primary_key())
            .col(string_null(AccessTokens::TokenHash).unique_key())
            .col(string(AccessTokens::ClientId))
            .col(string_null(AccessTokens::UserId))
            .col(string_null(AccessTokens::SessionId))
            .col(string_null(AccessTokens::FamilyId))
            .col(string_null(AccessTokens::CodeHash))
            .col(text(AccessTokens::Scope))
            .col(json_binary_null(AccessTokens::Claims))
            .col(timestamp_with_time_zone(AccessTokens::CreatedAt))
            .col(timestamp_with_time_zone(AccessTokens::ExpiresAt))
            .col(timestamp_with_time_zone_null(AccessTokens::RevokedAt))
            .foreign_key(&mut fk(
                AccessTokens::Table,
                AccessTokens::ClientId,
                Clients::Table,
                Clients::Id,
            ))
            .to_owned(),
        Table::create()
            .table(Consents::Table)
            .col(string(Consents::Id).primary_key())
            .col(string(Consents::UserId))
            .col(string(Consents::ClientId))
            .col(json_binary(Consents::Scopes))
            .col(timestamp_with_time_zone(Consents::CreatedAt))
            .col(timestamp_with_time_zone(Consents::UpdatedAt))
            .col(timestamp_with_time_zone_null(Consents::RevokedAt))
            .foreign_key(&mut fk(
                Consents::Table,
                Consents::UserId,
                Users::Table,
                Users::Id,
            ))
            .foreign_key(&mut fk(
                Consents::Table,
                Consents::ClientId,
                Clients::Table,
                Clients::Id,
            ))
            .to_owned(),
        // Audit rows deliberately carry no foreign keys: they outlive the users and clients
        // they mention (pseudonymised on account deletion).
        Table::create()
            .table(AuditEvents::Table)
            .col(string(AuditEvents::Id).primary_key())
            .col(timestamp_with_time_zone(AuditEvents::OccurredAt))
            .col(string(AuditEvents::Kind))
            .col(string(AuditEvents::Outcome))
            .col(string_null(AuditEvents::Reason))
            .col(string_null(AuditEvents::ActorUserId))
            .col(string_null(AuditEvents::SubjectUserId))
            .col(string_null(AuditEvents::ClientId))
            .col(string_null(AuditEvents::SessionId))
            .col(string_null(AuditEvents::Ip))
            .col(text_null(AuditEvents::UserAgent))
            .col(string_null(AuditEvents::RequestId))
            .col(json_binary_null(AuditEvents::Data))
            .to_owned(),
    ]
}

fn join_table<T, A, B, TA, TB, CA, CB>(
    table: T,
    (a, a_table, a_col): (A, TA, CA),
    (b, b_table, b_col): (B, TB, CB),
) -> TableCreateStatement
where
    T: IntoIden + Copy + 'static,
    A: IntoIden + Copy + 'static,
    B: IntoIden + Copy + 'static,
    TA: IntoIden + 'static,
    TB: IntoIden + 'static,
    CA: IntoIden + 'static,
    CB: IntoIden + 'static,
{
    Table::create()
        .table(table)
        .col(string(a))
        .col(string(b))
        .primary_key(Index::create().col(a).col(b))
        .foreign_key(&mut fk(table, a, a_table, a_col))
        .foreign_key(&mut fk(table, b, b_table, b_col))
        .to_owned()
}

fn index(name: &str, table: impl IntoIden + 'static, cols: &[&str]) -> IndexCreateStatement {
    let mut stmt = Index::create();
    stmt.name(name).table(table);
    for col in cols {
        stmt.col(Alias::new(*col));
    }
    stmt.to_owned()
}

fn indexes() -> Vec<IndexCreateStatement> {
    vec![
        index(
            "idx_credentials_user",
            Credentials::Table,
            &["user_id", "kind"],
        ),
        index("idx_user_roles_role", UserRoles::Table, &["role_id"]),
        index(
            "idx_browser_sessions_user",
            BrowserSessions::Table,
            &["user_id"],
        ),
        index(
            "idx_refresh_families_user",
            RefreshTokenFamilies::Table,
            &["user_id", "client_id"],
        ),
        index(
            "idx_refresh_families_session",
            RefreshTokenFamilies::Table,
            &["session_id"],
        ),
        index(
            "idx_refresh_tokens_family",
            RefreshTokens::Table,
            &["family_id"],
        ),
        index(
            "idx_access_tokens_family",
            AccessTokens::Table,
            &["family_id"],
        ),
        index(
            "idx_access_tokens_session",
            AccessTokens::Table,
            &["session_id"],
        ),
        index(
            "idx_access_tokens_code",
            AccessTokens::Table,
            &["code_hash"],
        ),
        index(
            "idx_codes_expires",
            AuthorizationCodes::Table,
            &["expires_at"],
        ),
        {
            let mut i = index(
                "idx_consents_user_client",
                Consents::Table,
                &["user_id", "client_id"],
            );
            i.unique();
            i
        },
        index("idx_audit_occurred", AuditEvents::Table, &["occurred_at"]),
        index(
            "idx_audit_subject",
            AuditEvents::Table,
            &["subject_user_id"],
        ),
    ]
}

#[derive(DeriveIden, Clone, Copy)]
enum Users {
    Table,
    Id,
    Subject,
    Email,
    EmailVerified,
    Status,
    StatusReason,
    DisplayName,
    GivenName,
    FamilyName,
    MiddleName,
    Nickname,
    PreferredUsername,
    Picture,
    Website,
    Gender,
    Birthdate,
    Locale,
    Zoneinfo,
    PhoneNumber,
    PhoneNumberVerified,
    Address,
    FailedLogins,
    LockedUntil,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Credentials {
    Table,
    Id,
    UserId,
    Kind,
    Name,
    Secret,
    Data,
    CreatedAt,
    LastUsedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Roles {
    Table,
    Id,
    Name,
    Description,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Permissions {
    Table,
    Id,
    Name,
    Description,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Groups {
    Table,
    Id,
    Name,
    Description,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum RolePermissions {
    Table,
    RoleId,
    PermissionId,
}

#[derive(DeriveIden, Clone, Copy)]
enum UserRoles {
    Table,
    UserId,
    RoleId,
}

#[derive(DeriveIden, Clone, Copy)]
enum UserGroups {
    Table,
    UserId,
    GroupId,
}

#[derive(DeriveIden, Clone, Copy)]
enum GroupRoles {
    Table,
    GroupId,
    RoleId,
}

#[derive(DeriveIden, Clone, Copy)]
enum Clients {
    Table,
    Id,
    Name,
    SecretHash,
    TokenEndpointAuthMethod,
    RedirectUris,
    PostLogoutRedirectUris,
    GrantTypes,
    ResponseTypes,
    Scopes,
    AccessTokenFormat,
    IdTokenSignedResponseAlg,
    UserinfoSignedResponseAlg,
    AccessTokenSigningAlg,
    FirstParty,
    RequirePkce,
    ClientUri,
    LogoUri,
    PolicyUri,
    TosUri,
    BackchannelLogoutUri,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum SigningKeys {
    Table,
    Kid,
    Alg,
    State,
    PrivateKey,
    PublicJwk,
    CreatedAt,
    ActivatedAt,
    RetiredAt,
    ExpiresAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum BrowserSessions {
    Table,
    Id,
    SecretHash,
    UserId,
    AuthTime,
    Amr,
    Acr,
    Ip,
    UserAgent,
    CreatedAt,
    LastSeenAt,
    ExpiresAt,
    RevokedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum AuthorizationRequests {
    Table,
    Id,
    ClientId,
    Parameters,
    CreatedAt,
    ExpiresAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum AuthorizationCodes {
    Table,
    CodeHash,
    ClientId,
    UserId,
    SessionId,
    RedirectUri,
    Scope,
    Nonce,
    CodeChallenge,
    CodeChallengeMethod,
    Claims,
    AuthTime,
    Acr,
    Amr,
    CreatedAt,
    ExpiresAt,
    RedeemedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum RefreshTokenFamilies {
    Table,
    Id,
    ClientId,
    UserId,
    SessionId,
    CodeHash,
    Scope,
    Claims,
    AuthTime,
    Acr,
    Amr,
    Fingerprint,
    CreatedAt,
    ExpiresAt,
    RevokedAt,
    RevokedReason,
}

#[derive(DeriveIden, Clone, Copy)]
enum RefreshTokens {
    Table,
    TokenHash,
    FamilyId,
    CreatedAt,
    ExpiresAt,
    RotatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum AccessTokens {
    Table,
    Jti,
    TokenHash,
    ClientId,
    UserId,
    SessionId,
    FamilyId,
    CodeHash,
    Scope,
    Claims,
    CreatedAt,
    ExpiresAt,
    RevokedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Consents {
    Table,
    Id,
    UserId,
    ClientId,
    Scopes,
    CreatedAt,
    UpdatedAt,
    RevokedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum AuditEvents {
    Table,
    Id,
    OccurredAt,
    Kind,
    Outcome,
    Reason,
    ActorUserId,
    SubjectUserId,
    ClientId,
    SessionId,
    Ip,
    UserAgent,
    RequestId,
    Data,
}
