//! Filters applied to real rows, on SQLite and PostgreSQL: case rules, missing values,
//! LIKE wildcards taken literally, times, `active`, group members.

use sea_orm::sea_query::Expr;
use sea_orm::{ActiveModelTrait as _, ColumnTrait as _, EntityTrait as _, QueryFilter as _, Set};

use super::filter::parse;
use super::query::{Resource, condition};
use crate::credentials::password::{PasswordHasher, PasswordParams};
use crate::entities::{group, user, user_group};
use crate::users::{NewUser, UserStatus, Users};
use crate::{Store, backend_tests, now};

fn users(store: &Store) -> Users {
    let hasher = PasswordHasher::new(&PasswordParams {
        memory_kib: 1024,
        iterations: 1,
        parallelism: 1,
        max_concurrent: 2,
    })
    .unwrap();
    Users::new(store, hasher)
}

async fn person(
    store: &Store,
    email: &str,
    given: Option<&str>,
    external: Option<&str>,
) -> user::Model {
    let u = users(store)
        .create(NewUser {
            email: email.into(),
            password: None,
            email_verified: true,
            display_name: None,
            status: UserStatus::Active,
        })
        .await
        .unwrap();
    user::Entity::update_many()
        .col_expr(
            user::Column::GivenName,
            Expr::value(given.map(str::to_owned)),
        )
        .col_expr(
            user::Column::ExternalId,
            Expr::value(external.map(str::to_owned)),
        )
        .filter(user::Column::Id.eq(&u.id))
        .exec(store.db())
        .await
        .unwrap();
    user::Entity::find_by_id(u.id)
        .one(store.db())
        .await
        .unwrap()
        .unwrap()
}

async fn users_matching(store: &Store, filter: &str) -> Vec<String> {
    let c = condition(Resource::User, &parse(filter).unwrap()).unwrap();
    let mut found: Vec<String> = user::Entity::find()
        .filter(c)
        .all(store.db())
        .await
        .unwrap()
        .into_iter()
        .filter_map(|u| u.email)
        .map(|e| e.trim_end_matches("@q.example").to_owned())
        .collect();
    found.sort();
    found
}

backend_tests! {
    async fn user_filters_select_the_right_rows(store: Store) {
        let ann = person(&store, "ann@q.example", Some("Ann"), Some("X-1")).await;
        let bob = person(&store, "bob@q.example", None, Some("x-2")).await;
        person(&store, "c%d@q.example", Some("C"), None).await;
        users(&store).set_status(&bob.id, UserStatus::Disabled, None).await.unwrap();
        let bob = user::Entity::find_by_id(bob.id).one(store.db()).await.unwrap().unwrap();
        let cases: &[(&str, &[&str])] = &[
            (r#"userName eq "ANN@Q.EXAMPLE""#, &["ann"]),
            (r#"userName sw "B""#, &["bob"]),
            (r#"emails.value ew "@Q.example""#, &["ann", "bob", "c%d"]),
            (r#"userName co "%""#, &["c%d"]),
            (r#"userName co "_""#, &[]),
            (r#"externalId eq "x-1""#, &[]),
            (r#"externalId eq "X-1""#, &["ann"]),
            (r#"externalId pr"#, &["ann", "bob"]),
            (r#"externalId eq null"#, &["c%d"]),
            (r#"name.givenName ne "Ann""#, &["bob", "c%d"]),
            (r#"not (name.givenName eq "Ann")"#, &["bob", "c%d"]),
            (r#"active eq false"#, &["bob"]),
            (r#"active eq true and not (userName sw "c")"#, &["ann"]),
            (r#"active ne "false" or externalId eq "x-2""#, &["ann", "bob", "c%d"]),
            (r#"emails[value sw "a" or value sw "b"]"#, &["ann", "bob"]),
            (r#"userName gt "b""#, &["bob", "c%d"]),
        ];
        for (filter, want) in cases {
            assert_eq!(users_matching(&store, filter).await, *want, "{filter}");
        }
        // Times: the value read back as RFC 3339 selects the row it came from.
        let fmt = time::format_description::well_known::Rfc3339;
        let at = |u: &user::Model| u.updated_at.format(&fmt).unwrap();
        assert_eq!(users_matching(&store, &format!(r#"meta.lastModified ge "{}""#, at(&bob))).await, ["bob"]);
        assert_eq!(users_matching(&store, &format!(r#"meta.lastModified lt "{}""#, at(&bob))).await, ["ann", "c%d"]);
        assert_eq!(users_matching(&store, &format!(r#"meta.lastModified le "{}""#, at(&ann))).await, ["ann"]);
        assert_eq!(users_matching(&store, r#"meta.created gt "2000-01-01T00:00:00+02:00""#).await, ["ann", "bob", "c%d"]);
        for bad in [r#"title pr"#, r#"active gt true"#, r#"userName eq 1"#, r#"meta.lastModified co "2""#,
                    r#"urn:x:User:userName eq "a""#, r#"members eq "a""#, r#"emails[value[x pr]]"#] {
            let parsed = parse(bad);
            let refused = !parsed.is_ok_and(|f| condition(Resource::User, &f).is_ok());
            assert!(refused, "{bad} accepted");
        }
    }

    async fn group_filters_see_display_names_and_members(store: Store) {
        let ann = person(&store, "ann@q.example", None, None).await;
        let mk = |name: &str, display: Option<&str>| group::ActiveModel {
            id: Set(format!("g-{name}")),
            name: Set(name.to_owned()),
            description: Set(None),
            created_at: Set(now()),
            parent_id: Set(None),
            external_id: Set(None),
            display_name: Set(display.map(str::to_owned)),
            updated_at: Set(Some(now())),
        };
        mk("sales-eu", Some("Sales EU")).insert(store.db()).await.unwrap();
        mk("ops", None).insert(store.db()).await.unwrap();
        user_group::ActiveModel { user_id: Set(ann.id.clone()), group_id: Set("g-ops".into()) }
            .insert(store.db()).await.unwrap();
        let groups = |f: String| {
            let store = store.clone();
            async move {
                let c = condition(Resource::Group, &parse(&f).unwrap()).unwrap();
                let mut names: Vec<String> = group::Entity::find().filter(c).all(store.db()).await.unwrap()
                    .into_iter().map(|g| g.name).collect();
                names.sort();
                names
            }
        };
        assert_eq!(groups(r#"displayName eq "sales eu""#.into()).await, ["sales-eu"]);
        assert_eq!(groups(r#"displayName eq "OPS""#.into()).await, ["ops"]);
        assert_eq!(groups(format!(r#"members[value eq "{}"]"#, ann.id)).await, ["ops"]);
        assert_eq!(groups(format!(r#"members.value ne "{}""#, ann.id)).await, ["sales-eu"]);
        assert_eq!(groups(r#"members pr"#.into()).await, ["ops"]);
        assert_eq!(groups(r#"id eq "g-ops" and members eq "nobody""#.into()).await, Vec::<String>::new());
        assert!(condition(Resource::Group, &parse(r#"userName eq "a""#).unwrap()).is_err());
    }
}
