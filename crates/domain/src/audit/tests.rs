//! The audit log on both databases: the chain, verification, search, export, erasure.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashSet;

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _, QueryOrder as _};

use super::*;
use crate::backend_tests;
use crate::entities::audit_event::{self, Column};

async fn rows(store: &Store) -> Vec<audit_event::Model> {
    audit_event::Entity::find()
        .order_by_asc(Column::Seq)
        .all(store.db())
        .await
        .unwrap()
}

async fn record_n(log: &AuditLog, n: usize, kind: &'static str) {
    for i in 0..n {
        log.record(AuditEvent::success(kind).reason(format!("#{i}")))
            .await
            .unwrap();
    }
}

/// A row as a node older than the chain wrote it.
async fn insert_unchained(store: &Store, id: &str, at: time::OffsetDateTime) {
    use sea_orm::IntoActiveModel as _;
    let row = audit_event::Model {
        id: id.into(),
        occurred_at: at,
        kind: "user.created".into(),
        outcome: "success".into(),
        reason: Some("before the chain".into()),
        actor_user_id: None,
        subject_user_id: None,
        client_id: None,
        session_id: None,
        ip: None,
        user_agent: None,
        request_id: None,
        data: None,
        seq: None,
        prev_hash: None,
        hash: None,
        personal_digest: None,
    };
    audit_event::Entity::insert(row.into_active_model())
        .exec_without_returning(store.db())
        .await
        .unwrap();
}

async fn set_reason(store: &Store, seq: i64, reason: &str) {
    audit_event::Entity::update_many()
        .col_expr(Column::Reason, Expr::value(reason))
        .filter(Column::Seq.eq(seq))
        .exec(store.db())
        .await
        .unwrap();
}

async fn id_at(store: &Store, seq: i64) -> String {
    audit_event::Entity::find()
        .filter(Column::Seq.eq(seq))
        .one(store.db())
        .await
        .unwrap()
        .unwrap()
        .id
}

fn ids(page: &Page) -> Vec<String> {
    page.items.iter().map(|r| r.id.clone()).collect()
}

/// Every page of `filter`, newest first.
async fn all_pages(query: &AuditQuery, filter: &Filter, limit: u64) -> Vec<AuditRecord> {
    let mut out = Vec::new();
    let mut cursor = None;
    loop {
        let page = query
            .search(filter, cursor.as_deref(), limit)
            .await
            .unwrap();
        out.extend(page.items);
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => return out,
        }
    }
}

/// A minimal RFC 4180 reader, to check the writer from the other side.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let (mut record, mut field) = (Vec::new(), String::new());
    let (mut quoted, mut chars) = (false, text.chars().peekable());
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => field.push(c),
        }
    }
    records
}

#[test]
fn csv_fields_are_quoted_when_they_must_be() {
    assert_eq!(csv_field("plain"), "plain");
    assert_eq!(csv_field("a,b"), "\"a,b\"");
    assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    assert_eq!(csv_field("two\nlines"), "\"two\nlines\"");
    assert_eq!(csv_field("cr\rlf"), "\"cr\rlf\"");
    assert_eq!(csv_field(" lead"), "\" lead\"");
    assert_eq!(csv_field("=HYPERLINK(1)"), "\"'=HYPERLINK(1)\"");
    assert_eq!(csv_field(""), "");
    let line = format!(
        "{},{},{}\r\n",
        csv_field("a,\"b\"\r\nc"),
        csv_field("x"),
        csv_field("")
    );
    assert_eq!(parse_csv(&line), vec![vec!["a,\"b\"\r\nc", "x", ""]]);
}

backend_tests! {
    async fn the_chain_stays_one_line_over_batches_concurrent_callers_and_two_writers(store: Store) {
        let log = AuditLog::new(&store);
        record_n(&log, 5, "user.created").await;
        // Two writers on one database, as two nodes have, and many callers at once.
        let other = AuditLog::new(&store);
        let tasks: Vec<_> = (0..40)
            .map(|i| {
                let log = if i % 2 == 0 { log.clone() } else { other.clone() };
                tokio::spawn(async move {
                    for j in 0..5 {
                        let event = AuditEvent::success("login.succeeded")
                            .subject(format!("u{i}"))
                            .data(serde_json::json!({
                                "n": j, "nested": {"b": [1.5, -2, "é\u{1F600}"], "a": null},
                                "big": u64::MAX, "zero": -0.0, "t": true
                            }));
                        log.record(event).await.unwrap();
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.unwrap();
        }
        let stored = rows(&store).await;
        assert_eq!(stored.len(), 205);
        let seqs: Vec<i64> = stored.iter().map(|r| r.seq.unwrap()).collect();
        assert_eq!(seqs, (1..=205).collect::<Vec<_>>(), "no gap, no repeat");
        assert_eq!(stored[0].prev_hash.as_deref(), Some(chain::GENESIS));
        for pair in stored.windows(2) {
            assert_eq!(pair[1].prev_hash, pair[0].hash, "seq {:?}", pair[1].seq);
        }
        // Recomputed from what the database gives back (timestamps, JSON) as verify does.
        for row in &stored {
            assert_eq!(row.hash.as_deref(), Some(chain::row_hash(row.prev_hash.as_deref().unwrap(), row).as_str()));
        }
        let report = verify(store.db()).await.unwrap();
        assert!(report.intact, "{report:?}");
        assert_eq!((report.checked, report.before_chain, report.erased), (205, 0, 0));
        assert_eq!(report.head.seq, 205);
        assert_eq!(Some(report.head.hash), stored[204].hash);
    }

    async fn verify_names_a_changed_row_and_counts_rows_before_the_chain(store: Store) {
        insert_unchained(&store, "legacy-1", crate::now() - time::Duration::days(3)).await;
        let log = AuditLog::new(&store);
        record_n(&log, 12, "user.updated").await;
        let report = verify(store.db()).await.unwrap();
        assert!(report.intact, "{report:?}");
        assert_eq!((report.checked, report.before_chain), (12, 1));
        // A row older than the chain may change: nothing covers it.
        audit_event::Entity::update_many()
            .col_expr(Column::Reason, Expr::value("edited"))
            .filter(Column::Id.eq("legacy-1"))
            .exec(store.db())
            .await
            .unwrap();
        assert!(verify(store.db()).await.unwrap().intact);

        set_reason(&store, 7, "nothing to see").await;
        let report = verify(store.db()).await.unwrap();
        assert!(!report.intact);
        assert_eq!(report.checked, 6, "stops at the first broken row");
        assert_eq!(
            report.broken,
            Some(Broken { id: Some(id_at(&store, 7).await), seq: 7, problem: Problem::HashMismatch })
        );
        // Put back, it verifies again: the check is of content, not of a flag.
        set_reason(&store, 7, "#6").await;
        assert!(verify(store.db()).await.unwrap().intact);
    }

    async fn verify_reports_a_deleted_row_as_a_gap_and_deleted_newest_rows_at_the_head(store: Store) {
        let log = AuditLog::new(&store);
        record_n(&log, 10, "user.updated").await;
        let after = id_at(&store, 5).await;
        audit_event::Entity::delete_many().filter(Column::Seq.eq(4)).exec(store.db()).await.unwrap();
        let report = verify(store.db()).await.unwrap();
        assert_eq!(
            report.broken,
            Some(Broken { id: Some(after), seq: 5, problem: Problem::Gap { expected: 4 } })
        );

        audit_event::Entity::delete_many().filter(Column::Seq.gte(4)).exec(store.db()).await.unwrap();
        // Rows 4.. gone, yet rows 1..3 link: only the head notices the end is missing.
        let report = verify(store.db()).await.unwrap();
        assert_eq!(
            report.broken,
            Some(Broken { id: None, seq: 10, problem: Problem::HeadMismatch { last_seq: 3 } })
        );
        // Swapping two rows' places breaks the link.
        audit_event::Entity::update_many().col_expr(Column::Seq, Expr::value(100)).filter(Column::Seq.eq(2)).exec(store.db()).await.unwrap();
        audit_event::Entity::update_many().col_expr(Column::Seq, Expr::value(2)).filter(Column::Seq.eq(3)).exec(store.db()).await.unwrap();
        audit_event::Entity::update_many().col_expr(Column::Seq, Expr::value(3)).filter(Column::Seq.eq(100)).exec(store.db()).await.unwrap();
        let report = verify(store.db()).await.unwrap();
        assert_eq!(report.broken.map(|b| (b.seq, b.problem)), Some((2, Problem::PrevHashMismatch)));
    }

    async fn each_filter_narrows_the_search(store: Store) {
        let log = AuditLog::new(&store);
        let at = crate::now();
        log.record(AuditEvent::success("user.created").actor("admin").subject("alice").ip("192.0.2.1")).await.unwrap();
        log.record(AuditEvent::failure("login.failed", "bad password").subject("alice").client("app").ip("192.0.2.2")).await.unwrap();
        log.record(AuditEvent::success("user.mfa.enrolled").subject("bob").client("app")).await.unwrap();
        log.record(AuditEvent::success("users_x.y").actor("admin")).await.unwrap();
        log.record(AuditEvent::success("userxmfa.z")).await.unwrap();
        insert_unchained(&store, "old", at - time::Duration::days(30)).await;
        let query = AuditQuery::new(&store);
        let kinds = |f: Filter| {
            let query = query.clone();
            async move {
                let mut k: Vec<String> = all_pages(&query, &f, 2).await.into_iter().map(|r| r.kind).collect();
                k.sort();
                k
            }
        };
        let all = kinds(Filter::default()).await;
        assert_eq!(all.len(), 6);
        assert_eq!(kinds(Filter { kind: Some("user.created".into()), ..Filter::default() }).await, ["user.created", "user.created"]);
        assert_eq!(kinds(Filter { kind: Some("user.*".into()), ..Filter::default() }).await, ["user.created", "user.created", "user.mfa.enrolled"]);
        assert_eq!(kinds(Filter { kind: Some("users_x.*".into()), ..Filter::default() }).await, ["users_x.y"]);
        assert_eq!(kinds(Filter { kind: Some("user.mfa".into()), ..Filter::default() }).await, Vec::<String>::new());
        assert_eq!(kinds(Filter { actor: Some("admin".into()), ..Filter::default() }).await, ["user.created", "users_x.y"]);
        assert_eq!(kinds(Filter { subject: Some("alice".into()), ..Filter::default() }).await, ["login.failed", "user.created"]);
        assert_eq!(kinds(Filter { client: Some("app".into()), ..Filter::default() }).await, ["login.failed", "user.mfa.enrolled"]);
        assert_eq!(kinds(Filter { outcome: Some(Outcome::Failure), ..Filter::default() }).await, ["login.failed"]);
        assert_eq!(kinds(Filter { outcome: Some(Outcome::Success), ..Filter::default() }).await.len(), 5);
        assert_eq!(kinds(Filter { ip: Some("192.0.2.2".into()), ..Filter::default() }).await, ["login.failed"]);
        assert_eq!(kinds(Filter { from: Some(at), ..Filter::default() }).await.len(), 5);
        assert_eq!(kinds(Filter { to: Some(at), ..Filter::default() }).await, ["user.created"], "only the old row");
        assert_eq!(
            kinds(Filter { subject: Some("alice".into()), outcome: Some(Outcome::Success), ..Filter::default() }).await,
            ["user.created"],
            "filters combine"
        );
        let bad = query.search(&Filter { kind: Some("user%".into()), ..Filter::default() }, None, 10).await.unwrap_err();
        assert!(matches!(bad, Error::Invalid { field: "kind", .. }), "{bad}");
        for limit in [0, MAX_LIMIT + 1] {
            let bad = query.search(&Filter::default(), None, limit).await.unwrap_err();
            assert!(matches!(bad, Error::Invalid { field: "limit", .. }), "{bad}");
        }
        let bad = query.search(&Filter::default(), Some("not a cursor"), 10).await.unwrap_err();
        assert!(matches!(bad, Error::Invalid { field: "cursor", .. }), "{bad}");
    }

    async fn pages_return_every_row_once_while_rows_are_written(store: Store) {
        let base = crate::now() - time::Duration::days(1);
        for i in 0..5 {
            insert_unchained(&store, &format!("old-{i}"), base + time::Duration::seconds(i / 2)).await;
        }
        let log = AuditLog::new(&store);
        record_n(&log, 23, "user.updated").await;
        let mut expected: Vec<String> = rows(&store).await.into_iter().filter(|r| r.seq.is_some()).map(|r| r.id).collect();
        expected.reverse();
        // Older rows: by time then id, newest first.
        expected.extend(["old-4", "old-3", "old-2", "old-1", "old-0"].map(String::from));
        let query = AuditQuery::new(&store);
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        let mut pages = 0;
        loop {
            let page = query.search(&Filter::default(), cursor.as_deref(), 4).await.unwrap();
            assert!(page.items.len() <= 4);
            seen.extend(ids(&page));
            pages += 1;
            // New rows arrive between pages: they are newer than any page still to come.
            record_n(&log, 3, "user.created").await;
            match page.next_cursor {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        assert_eq!(seen, expected, "each row once, newest first");
        assert_eq!(pages, 7);
        let unique: HashSet<_> = seen.iter().collect();
        assert_eq!(unique.len(), seen.len());
    }

    async fn export_writes_every_matching_row_as_json_lines_or_csv(store: Store) {
        let log = AuditLog::new(&store);
        log.record(
            AuditEvent::failure("login.failed", "said \"no\", twice\nthen left")
                .subject("alice")
                .user_agent("Agent, v1")
                .data(serde_json::json!({"why": "a,b", "n": 1})),
        )
        .await
        .unwrap();
        record_n(&log, 3, "user.updated").await;
        let query = AuditQuery::new(&store);
        let filter = Filter { kind: Some("login.failed".into()), ..Filter::default() };

        let mut out = Vec::new();
        assert_eq!(query.export(&filter, Format::Csv, &mut out).await.unwrap(), 1);
        let table = parse_csv(&String::from_utf8(out).unwrap());
        assert_eq!(table.len(), 2, "header and one row");
        assert_eq!(table[0][..5], ["id", "seq", "occurred_at", "kind", "outcome"]);
        let row: std::collections::HashMap<_, _> = table[0].iter().zip(&table[1]).collect();
        assert_eq!(row[&"reason".to_owned()], "said \"no\", twice\nthen left");
        assert_eq!(row[&"user_agent".to_owned()], "Agent, v1");
        assert_eq!(row[&"subject".to_owned()], "alice");
        assert_eq!(row[&"ip".to_owned()], "");
        let data: serde_json::Value = serde_json::from_str(row[&"data".to_owned()]).unwrap();
        assert_eq!(data, serde_json::json!({"why": "a,b", "n": 1}));

        // More rows than one page of the database.
        record_n(&log, (MAX_LIMIT + 10) as usize, "user.created").await;
        let mut out = Vec::new();
        let n = query.export(&Filter::default(), Format::JsonLines, &mut out).await.unwrap();
        assert_eq!(n, MAX_LIMIT + 14);
        let lines: Vec<AuditRecord> = String::from_utf8(out).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines.len() as u64, n);
        let unique: HashSet<_> = lines.iter().map(|r| r.id.clone()).collect();
        assert_eq!(unique.len() as u64, n);
        assert_eq!(lines.last().unwrap().kind, "login.failed");
    }

    async fn erasing_a_person_keeps_the_chain_verifiable(store: Store) {
        let log = AuditLog::new(&store);
        log.record(AuditEvent::success("login.succeeded").subject("alice").ip("192.0.2.1").user_agent("UA")).await.unwrap();
        log.record(AuditEvent::success("user.updated").actor("alice").subject("bob").data(serde_json::json!({"f": 1}))).await.unwrap();
        log.record(AuditEvent::success("login.succeeded").subject("bob")).await.unwrap();
        pseudonymise(store.db(), "alice", "erased:x").await.unwrap();
        let stored = rows(&store).await;
        assert_eq!(stored[0].subject_user_id.as_deref(), Some("erased:x"));
        assert!(stored[0].ip.is_none() && stored[0].user_agent.is_none());
        assert_eq!((stored[1].actor_user_id.as_deref(), stored[1].subject_user_id.as_deref()), (Some("erased:x"), Some("bob")));
        assert!(stored[1].data.is_none());
        assert!(stored[2].personal_digest.is_none(), "bob's own event is untouched");
        let report = verify(store.db()).await.unwrap();
        assert!(report.intact, "{report:?}");
        assert_eq!(report.erased, 2);
        // What erasure leaves is still covered.
        set_reason(&store, 2, "changed").await;
        assert_eq!(verify(store.db()).await.unwrap().broken.map(|b| b.seq), Some(2));
    }
}
