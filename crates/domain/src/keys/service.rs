//! Storing, listing and rotating signing keys.

use std::time::Duration;

use josekit::jwk::Jwk;
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, ConnectionTrait, DatabaseConnection, EntityTrait as _,
    QueryFilter as _, QueryOrder as _, Set,
};
use serde::Serialize;

use super::generate::generate;
use super::ring::{KeyRing, RingEntry};
use super::{KeyAlg, KeyState};
use crate::entities::signing_key;
use crate::secrets::SecretBox;
use crate::{Error, Result, Store, now, random};

/// A signing key as listed to administrators: never the private part.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct KeyInfo {
    /// Key id.
    pub kid: String,
    /// Algorithm.
    pub alg: String,
    /// `next`, `active` or `retired`.
    pub state: String,
    /// When it was generated.
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: time::OffsetDateTime,
    /// When it began signing.
    #[serde(with = "time::serde::rfc3339::option")]
    pub activated_at: Option<time::OffsetDateTime>,
    /// When a retired key leaves JWKS.
    #[serde(with = "time::serde::rfc3339::option")]
    pub expires_at: Option<time::OffsetDateTime>,
}

/// The signing key service.
#[derive(Debug, Clone)]
pub struct Keys {
    db: DatabaseConnection,
    secrets: SecretBox,
    retention: Duration,
}

impl Keys {
    /// Builds the service. `retention` is how long a retired key stays published: at least
    /// the lifetime of the longest-lived token it may have signed.
    pub fn new(store: &Store, secrets: SecretBox, retention: Duration) -> Self {
        Self {
            db: store.db().clone(),
            secrets,
            retention,
        }
    }

    /// Makes sure each algorithm has an active and a next key; returns how many were made.
    pub async fn ensure(&self, algs: &[KeyAlg]) -> Result<usize> {
        let mut made = 0;
        for &alg in algs {
            let existing = self.rows_of(&self.db, alg).await?;
            for state in [KeyState::Active, KeyState::Next] {
                if !existing.iter().any(|k| k.state == state.as_str()) {
                    let row = self.new_row(alg, state).await?;
                    row.insert(&self.db).await?;
                    made += 1;
                }
            }
        }
        Ok(made)
    }

    /// Every stored key, by algorithm then age.
    pub async fn list(&self) -> Result<Vec<KeyInfo>> {
        let rows = signing_key::Entity::find()
            .order_by_asc(signing_key::Column::Alg)
            .order_by_asc(signing_key::Column::CreatedAt)
            .all(&self.db)
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| KeyInfo {
                kid: r.kid,
                alg: r.alg,
                state: r.state,
                created_at: r.created_at,
                activated_at: r.activated_at,
                expires_at: r.expires_at,
            })
            .collect())
    }

    /// Rotates the given algorithms: the next key (already published) starts signing, the
    /// active one retires (published until `retention` has passed), a new next key is made,
    /// and retired keys past their time are removed. Returns the newly active key ids.
    pub async fn rotate(&self, algs: &[KeyAlg]) -> Result<Vec<(KeyAlg, String)>> {
        // Generate outside the transaction: RSA generation takes a while.
        let mut fresh = Vec::with_capacity(algs.len());
        for &alg in algs {
            fresh.push((alg, self.new_row(alg, KeyState::Next).await?));
        }
        let at = now();
        let txn = crate::store::begin_write(&self.db).await?;
        let mut activated = Vec::new();
        for (alg, next_row) in fresh {
            let rows = self.rows_of(&txn, alg).await?;
            for row in rows.iter().filter(|r| r.state == KeyState::Active.as_str()) {
                let mut r: signing_key::ActiveModel = row.clone().into();
                r.state = Set(KeyState::Retired.as_str().to_owned());
                r.retired_at = Set(Some(at));
                r.expires_at = Set(Some(at + self.retention));
                r.update(&txn).await?;
            }
            let promoted = match rows.iter().find(|r| r.state == KeyState::Next.as_str()) {
                Some(next) => {
                    let mut r: signing_key::ActiveModel = next.clone().into();
                    r.state = Set(KeyState::Active.as_str().to_owned());
                    r.activated_at = Set(Some(at));
                    r.update(&txn).await?.kid
                }
                // No pre-published key (e.g. a database from before keys were ensured):
                // the new key has to sign at once.
                None => {
                    let mut r = next_row;
                    r.state = Set(KeyState::Active.as_str().to_owned());
                    r.activated_at = Set(Some(at));
                    let kid = r.insert(&txn).await?.kid;
                    activated.push((alg, kid));
                    continue;
                }
            };
            next_row.insert(&txn).await?;
            activated.push((alg, promoted));
        }
        signing_key::Entity::delete_many()
            .filter(signing_key::Column::State.eq(KeyState::Retired.as_str()))
            .filter(signing_key::Column::ExpiresAt.lt(at))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        Ok(activated)
    }

    /// Takes a retired key out of the published set now, before its time (a key believed
    /// compromised): tokens it signed stop verifying once nodes reload their keys. Active
    /// and next keys cannot be retired this way: rotate first.
    pub async fn retire_now(&self, kid: &str) -> Result<KeyInfo> {
        let row = signing_key::Entity::find()
            .filter(signing_key::Column::Kid.eq(kid))
            .one(&self.db)
            .await?
            .ok_or(Error::NotFound("key"))?;
        if row.state != KeyState::Retired.as_str() {
            return Err(Error::WrongState(format!(
                "the key is {}: rotate first, then retire it",
                row.state
            )));
        }
        signing_key::Entity::delete_many()
            .filter(signing_key::Column::Kid.eq(kid))
            .exec(&self.db)
            .await?;
        Ok(KeyInfo {
            kid: row.kid,
            alg: row.alg,
            state: "removed".into(),
            created_at: row.created_at,
            activated_at: row.activated_at,
            expires_at: Some(now()),
        })
    }

    /// Loads every published key and parses the active ones into a [`KeyRing`].
    pub async fn load_ring(&self) -> Result<KeyRing> {
        let at = now();
        let rows = signing_key::Entity::find().all(&self.db).await?;
        let mut entries = Vec::with_capacity(rows.len());
        for row in rows {
            if row.expires_at.is_some_and(|e| e <= at) {
                continue;
            }
            let alg = KeyAlg::parse(&row.alg)?;
            let state = match row.state.as_str() {
                "active" => KeyState::Active,
                "next" => KeyState::Next,
                "retired" => KeyState::Retired,
                other => return Err(Error::Corrupt(format!("key state {other:?}"))),
            };
            let public = Jwk::from_map(match row.public_jwk {
                serde_json::Value::Object(m) => m,
                _ => return Err(Error::Corrupt(format!("public JWK of {}", row.kid))),
            })
            .map_err(|e| Error::Corrupt(format!("public JWK of {}: {e}", row.kid)))?;
            let private = if state == KeyState::Active {
                let bytes = self.secrets.decrypt(&row.private_key, &context(&row.kid))?;
                Some(
                    Jwk::from_bytes(bytes)
                        .map_err(|e| Error::Corrupt(format!("private JWK of {}: {e}", row.kid)))?,
                )
            } else {
                None
            };
            entries.push(RingEntry {
                kid: row.kid,
                alg,
                state,
                public,
                private,
            });
        }
        // Parsing RSA keys is cheap next to generating them, but keep it off the executor.
        tokio::task::spawn_blocking(move || KeyRing::build(entries))
            .await
            .map_err(|e| Error::Task(e.to_string()))?
    }

    async fn rows_of(
        &self,
        db: &impl ConnectionTrait,
        alg: KeyAlg,
    ) -> Result<Vec<signing_key::Model>> {
        Ok(signing_key::Entity::find()
            .filter(signing_key::Column::Alg.eq(alg.as_str()))
            .order_by_asc(signing_key::Column::CreatedAt)
            .all(db)
            .await?)
    }

    async fn new_row(&self, alg: KeyAlg, state: KeyState) -> Result<signing_key::ActiveModel> {
        let kid = random::token::<12>();
        let kid_for_gen = kid.clone();
        let (private, public) = tokio::task::spawn_blocking(move || generate(alg, &kid_for_gen))
            .await
            .map_err(|e| Error::Task(e.to_string()))??;
        let sealed = self
            .secrets
            .encrypt(private.to_string().as_bytes(), &context(&kid))?;
        let at = now();
        Ok(signing_key::ActiveModel {
            kid: Set(kid),
            alg: Set(alg.as_str().to_owned()),
            state: Set(state.as_str().to_owned()),
            private_key: Set(sealed),
            public_jwk: Set(serde_json::Value::Object(public.as_ref().clone())),
            created_at: Set(at),
            activated_at: Set((state == KeyState::Active).then_some(at)),
            retired_at: Set(None),
            expires_at: Set(None),
        })
    }
}

/// The AEAD context binding a sealed private key to its row.
fn context(kid: &str) -> String {
    format!("signing_key:{kid}")
}

#[cfg(test)]
mod tests {
    use josekit::jws::JwsHeader;
    use josekit::jwt::{self, JwtPayload};

    use super::*;
    use crate::backend_tests;
    use crate::secrets::MasterKey;

    fn keys(store: &Store) -> Keys {
        Keys::new(
            store,
            MasterKey::generate().secret_box(),
            Duration::from_secs(3600),
        )
    }

    fn sign_and_verify(ring: &KeyRing, alg: KeyAlg) -> String {
        let key = ring.active(alg).expect("active key");
        let mut header = JwsHeader::new();
        header.set_key_id(&key.kid);
        let mut payload = JwtPayload::new();
        payload.set_subject("s");
        let token = jwt::encode_with_signer(&payload, &header, key.signer()).unwrap();
        let (_, verifier) = ring.verifier(&key.kid).unwrap();
        let (p, h) = jwt::decode_with_verifier(&token, verifier).unwrap();
        assert_eq!(p.subject(), Some("s"));
        assert_eq!(h.algorithm(), Some(alg.as_str()));
        key.kid.clone()
    }

    fn published(ring: &KeyRing) -> Vec<serde_json::Value> {
        let doc: serde_json::Value = serde_json::from_slice(&ring.jwks_json()).unwrap();
        doc["keys"].as_array().unwrap().clone()
    }

    backend_tests! {
        async fn ensure_makes_an_active_and_a_next_key_per_alg_once(store: Store) {
            let keys = keys(&store);
            assert_eq!(keys.ensure(&KeyAlg::ALL).await.unwrap(), 8);
            assert_eq!(keys.ensure(&KeyAlg::ALL).await.unwrap(), 0);
            let ring = keys.load_ring().await.unwrap();
            for alg in KeyAlg::ALL {
                sign_and_verify(&ring, alg);
            }
            let jwks = published(&ring);
            assert_eq!(jwks.len(), 8);
            for k in &jwks {
                assert!(k["kid"].is_string() && k["alg"].is_string());
                assert_eq!(k["use"], "sig");
                for private in ["d", "p", "q", "dp", "dq", "qi"] {
                    assert!(k.get(private).is_none(), "private member {private} published");
                }
            }
            let stored = signing_key::Entity::find().all(store.db()).await.unwrap();
            assert!(stored.iter().all(|r| !r.private_key.contains("\"d\"")), "private key stored in clear");
        }

        async fn rotation_signs_with_the_pre_published_key_and_keeps_the_old_one(store: Store) {
            let keys = keys(&store);
            keys.ensure(&[KeyAlg::Es256]).await.unwrap();
            let before = keys.load_ring().await.unwrap();
            let old_kid = sign_and_verify(&before, KeyAlg::Es256);
            let next_kid = keys.list().await.unwrap().into_iter()
                .find(|k| k.state == "next").unwrap().kid;
            assert!(published(&before).iter().any(|k| k["kid"] == next_kid.as_str()),
                "the next key is published before it signs");

            let rotated = keys.rotate(&[KeyAlg::Es256]).await.unwrap();
            assert_eq!(rotated, vec![(KeyAlg::Es256, next_kid.clone())]);
            let after = keys.load_ring().await.unwrap();
            assert_eq!(sign_and_verify(&after, KeyAlg::Es256), next_kid);
            assert!(after.verifier(&old_kid).is_some(), "retired key still verifies");
            let states: Vec<String> = keys.list().await.unwrap().into_iter().map(|k| k.state).collect();
            assert_eq!(states, ["retired", "active", "next"]);
        }

        async fn expired_retired_keys_leave_jwks(store: Store) {
            let keys = Keys::new(&store, MasterKey::generate().secret_box(), Duration::ZERO);
            keys.ensure(&[KeyAlg::EdDsa]).await.unwrap();
            keys.rotate(&[KeyAlg::EdDsa]).await.unwrap();
            keys.rotate(&[KeyAlg::EdDsa]).await.unwrap();
            let ring = keys.load_ring().await.unwrap();
            assert_eq!(published(&ring).len(), 2, "only active and next remain");
        }

        async fn a_different_master_key_cannot_load_the_keys(store: Store) {
            keys(&store).ensure(&[KeyAlg::Es256]).await.unwrap();
            let err = keys(&store).load_ring().await.unwrap_err();
            assert!(err.to_string().contains("decryption failed"), "{err}");
        }
    }
}
