use super::*;
use crate::backend_tests;
use crate::secrets::MasterKey;

fn service(store: &Store, policy: RegistrationPolicy) -> Registrations {
    let secrets = MasterKey::generate().secret_box();
    Registrations::new(
        store,
        secrets.clone(),
        Clients::new(store, secrets),
        AuditLog::new(store),
        RegistrationSettings {
            policy,
            allow_private_addresses: false,
        },
    )
    .unwrap()
}

fn app() -> NewClient {
    NewClient {
        name: "registered".into(),
        redirect_uris: vec!["https://rp.example/cb".into()],
        first_party: true,
        ..Default::default()
    }
}

fn refused(r: std::result::Result<impl std::fmt::Debug, RegistrationError>) -> bool {
    matches!(r, Err(RegistrationError::Unauthorized(_)))
}

backend_tests! {
    async fn a_token_admits_its_uses_then_nothing(store: Store) {
        let reg = service(&store, RegistrationPolicy::Token);
        let (view, token) = reg.create_initial_token(Duration::from_secs(60), Some(2), None).await.unwrap();
        assert!(view.active);
        assert!(refused(reg.register(None, app(), None).await), "no token");
        assert!(refused(reg.register(Some("wrong"), app(), None).await), "unknown token");
        let done = reg.register(Some(&token), app(), None).await.unwrap();
        assert!(!done.client.first_party, "dynamic clients are third-party");
        assert!(done.client_secret.is_some());
        // A refused registration spends nothing.
        let bad = NewClient { redirect_uris: vec!["https://rp.example/cb#frag".into()], ..app() };
        assert!(matches!(reg.register(Some(&token), bad, None).await,
            Err(RegistrationError::Domain(Error::Invalid { field: "redirect_uri", .. }))));
        reg.register(Some(&token), app(), None).await.unwrap();
        assert!(refused(reg.register(Some(&token), app(), None).await), "used up");
        let listed = reg.list_initial_tokens().await.unwrap();
        assert_eq!((listed[0].uses, listed[0].active), (2, false));
    }

    async fn a_revoked_token_admits_nothing(store: Store) {
        let reg = service(&store, RegistrationPolicy::Token);
        let (view, token) = reg.create_initial_token(Duration::from_secs(60), None, None).await.unwrap();
        reg.revoke_initial_token(&view.id).await.unwrap();
        assert!(refused(reg.register(Some(&token), app(), None).await));
        assert!(matches!(reg.revoke_initial_token("nope").await, Err(Error::NotFound(_))));
    }

    async fn the_registration_token_manages_only_its_client(store: Store) {
        let reg = service(&store, RegistrationPolicy::Open);
        let a = reg.register(None, app(), None).await.unwrap();
        let b = reg.register(None, app(), None).await.unwrap();
        let id = &a.client.client_id;
        assert_eq!(reg.read(id, Some(&a.registration_access_token)).await.unwrap().client_id, *id);
        assert!(refused(reg.read(id, Some(&b.registration_access_token)).await));
        assert!(refused(reg.read(id, None).await));
        let changed = NewClient { name: "renamed".into(), ..app() };
        assert!(matches!(
            reg.update(id, Some(&a.registration_access_token), changed.clone(), Some("not the secret"), None).await,
            Err(RegistrationError::Domain(Error::Invalid { field: "client_secret", .. }))
        ));
        let updated = reg.update(id, Some(&a.registration_access_token), changed, a.client_secret.as_deref(), None).await.unwrap();
        assert_eq!(updated.name, "renamed");
        reg.delete(id, Some(&a.registration_access_token), None).await.unwrap();
        assert!(refused(reg.read(id, Some(&a.registration_access_token)).await), "gone");
    }

    async fn response_types_must_fit_the_grant_types(store: Store) {
        let reg = service(&store, RegistrationPolicy::Open);
        let machine = NewClient {
            grant_types: vec!["client_credentials".into()],
            response_types: vec!["code".into()],
            ..app()
        };
        assert!(matches!(reg.register(None, machine, None).await,
            Err(RegistrationError::Domain(Error::Invalid { field: "response_type", .. }))));
    }

    async fn off_refuses_everyone(store: Store) {
        let reg = service(&store, RegistrationPolicy::Off);
        assert!(matches!(reg.register(None, app(), None).await, Err(RegistrationError::Off)));
    }
}
