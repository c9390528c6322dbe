//! The decision benchmark in-process: Cedar's evaluation of one AuthZEN question against the
//! ten policies of `bench/policies/`, with the principal and its relations already known
//! (what a warm node does per decision, without HTTP and client authentication). Prints
//! µs per decision.
//!
//! Usage: gatehouse-decide [--iterations 200000] [--policies bench/policies]

#![allow(clippy::print_stdout)]

use std::str::FromStr as _;
use std::time::Instant;

use anyhow::Context as _;
use cedar_policy::{EntityId, EntityUid};
use domain::policies::{Principal, RequestFacts, compile, evaluate};
use serde_json::{Map, json};

fn main() -> anyhow::Result<()> {
    let mut iterations: usize = 200_000;
    let mut dir = String::from("bench/policies");
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args
            .next()
            .with_context(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--iterations" => iterations = value.parse()?,
            "--policies" => dir = value,
            other => anyhow::bail!("unknown option {other}"),
        }
    }
    let schema = std::fs::read_to_string(format!("{dir}/docs.cedarschema"))?;
    let policies = std::fs::read_to_string(format!("{dir}/docs.cedar"))?;
    let compiled = compile(&schema, &policies)?;
    let now = time::OffsetDateTime::now_utc();
    let principal = Principal {
        user_id: "u1".into(),
        subject: "7d1f3c1e-0000-4000-8000-000000000001".into(),
        email: "pdp@example.com".into(),
        email_verified: true,
        created_at: now - time::Duration::days(400),
        roles: vec![
            ("r1".into(), "staff".into()),
            ("r2".into(), "editor".into()),
        ],
        groups: vec![
            ("g1".into(), "/eng".into()),
            ("g2".into(), "/eng/backend".into()),
        ],
        permissions: vec!["documents:read".into(), "documents:share".into()],
    };
    let facts = RequestFacts {
        now,
        client_id: "bench".into(),
        ip: "127.0.0.1".into(),
    };
    let actions = [compiled.action("read")?, compiled.action("write")?];
    let doc_type = compiled.entity_type("Document")?;
    let relations: [Vec<String>; 3] = [vec!["owner".into()], vec!["editor".into()], vec![]];
    let properties = json!({ "owner_domain": "example.com", "public": false, "classification": 1 })
        .as_object()
        .cloned()
        .unwrap_or_default();
    let context = Map::new();

    let mut latencies = Vec::with_capacity(iterations);
    let mut allowed = 0usize;
    let started = Instant::now();
    for i in 0..iterations {
        let resource = EntityUid::from_type_name_and_id(
            doc_type.clone(),
            EntityId::from_str(&(i % 1000).to_string())?,
        );
        let t = Instant::now();
        let d = evaluate(
            &compiled,
            &principal,
            &relations[i % 3],
            (&resource, &properties),
            &actions[i % 2],
            (&context, None),
            &facts,
        )?;
        latencies.push(t.elapsed().as_nanos());
        allowed += usize::from(d.decision);
    }
    let total = started.elapsed();
    latencies.sort_unstable();
    let pct =
        |p: f64| latencies[((latencies.len() - 1) as f64 * p).round() as usize] as f64 / 1000.0;
    println!(
        "evaluate (in-process, one core)   {:>9.0} decisions/s   mean {:>6.1} µs   p50 {:>6.1} µs   p99 {:>6.1} µs   ({iterations} decisions, {allowed} allowed)",
        iterations as f64 / total.as_secs_f64(),
        total.as_secs_f64() * 1e6 / iterations as f64,
        pct(0.50),
        pct(0.99),
    );
    Ok(())
}
