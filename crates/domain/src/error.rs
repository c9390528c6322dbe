//! The domain error type, mapped to HTTP and CLI errors at the edges.

/// Everything a domain operation can fail with.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The database refused or failed the operation.
    #[error("database error: {0}")]
    Database(#[from] sea_orm::DbErr),
    /// The named thing does not exist.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The named thing already exists.
    #[error("{0} already exists")]
    Conflict(&'static str),
    /// The operation does not apply to the thing in its current state.
    #[error("{0}")]
    WrongState(String),
    /// A value given by the caller breaks a rule; `field` names it.
    #[error("invalid {field}: {reason}")]
    Invalid {
        /// The offending field, as the caller named it.
        field: &'static str,
        /// Why it was refused, in words for a person.
        reason: String,
    },
    /// Encryption, decryption, hashing or key handling failed.
    #[error("cryptography error: {0}")]
    Crypto(String),
    /// A stored value could not be decoded (a bug or a manual edit of the database).
    #[error("stored data is malformed: {0}")]
    Corrupt(String),
    /// The cache backend failed.
    #[error("cache error: {0}")]
    Cache(String),
    /// A file could not be read or written.
    #[error("i/o error: {0}")]
    Io(#[from] std::io::Error),
    /// A blocking task was cancelled or panicked.
    #[error("background task failed: {0}")]
    Task(String),
    /// The caller may not do this (an administrator lacking the role); the reason names
    /// what would allow it.
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// The thing changed since the caller read it (a stale `If-Match`).
    #[error("{0} was changed by someone else: read it again")]
    Stale(&'static str),
    /// A background writer could not reach the database (its error, in words).
    #[error("storage unavailable: {0}")]
    Unavailable(String),
}

impl Error {
    /// Shorthand for [`Error::Invalid`].
    pub fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        Error::Invalid {
            field,
            reason: reason.into(),
        }
    }

    /// Whether the database or the cache could not be reached (down, restarting, pool
    /// exhausted): a retry later may succeed, so the edges answer 503, not 500.
    pub fn is_unavailable(&self) -> bool {
        match self {
            Error::Database(e) => database_unavailable(e),
            Error::Cache(_) | Error::Unavailable(_) => true,
            _ => false,
        }
    }
}

fn database_unavailable(e: &sea_orm::DbErr) -> bool {
    use sea_orm::{DbErr, RuntimeErr};
    match e {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => {
            sqlx_unavailable(e)
        }
        _ => false,
    }
}

fn sqlx_unavailable(e: &sea_orm::sqlx::Error) -> bool {
    use sea_orm::sqlx::Error as E;
    match e {
        E::Io(_)
        | E::Tls(_)
        | E::Protocol(_)
        | E::PoolTimedOut
        | E::PoolClosed
        | E::WorkerCrashed => true,
        // SQLSTATE class 08 (connection exception) and 57P (the server shutting down,
        // restarting or starting up); SQLite's 5 and 6 (busy, locked) past their timeout.
        E::Database(d) => d
            .code()
            .is_some_and(|c| c.starts_with("08") || c.starts_with("57P") || c == "5" || c == "6"),
        _ => false,
    }
}

/// Result of a domain operation.
pub type Result<T, E = Error> = std::result::Result<T, E>;
