//! Load generator for Gatehouse: N concurrent connections for D seconds against one
//! scenario; prints requests/s and latency percentiles. Driven by `bench/run.sh`.
//!
//! Usage: gatehouse-loadgen SCENARIO --base URL [--client-id ID --client-secret S]
//!        [--email E --password P] [--connections 16] [--seconds 15] [--label NAME]
//! Scenarios: discovery, jwks, client_credentials, refresh, userinfo, introspection, signin.

#![allow(clippy::print_stdout)]

use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};

mod flow;

/// Options from the command line.
#[derive(Debug, Clone)]
pub struct Options {
    scenario: String,
    /// What the result line is called (default: the scenario).
    label: String,
    base: String,
    client_id: String,
    client_secret: String,
    email: String,
    password: String,
    redirect_uri: String,
    connections: usize,
    seconds: u64,
}

fn parse() -> anyhow::Result<Options> {
    let mut args = std::env::args().skip(1);
    let scenario = args.next().context("missing scenario")?;
    let mut o = Options {
        label: scenario.clone(),
        scenario,
        base: "http://127.0.0.1:8080".into(),
        client_id: String::new(),
        client_secret: String::new(),
        email: String::new(),
        password: String::new(),
        redirect_uri: "http://127.0.0.1:9/cb".into(),
        connections: 16,
        seconds: 15,
    };
    while let Some(flag) = args.next() {
        let value = args
            .next()
            .with_context(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--label" => o.label = value,
            "--base" => o.base = value,
            "--client-id" => o.client_id = value,
            "--client-secret" => o.client_secret = value,
            "--email" => o.email = value,
            "--password" => o.password = value,
            "--redirect-uri" => o.redirect_uri = value,
            "--connections" => o.connections = value.parse()?,
            "--seconds" => o.seconds = value.parse()?,
            other => bail!("unknown option {other}"),
        }
    }
    Ok(o)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let options = parse()?;
    if options.scenario == "argon2" {
        return argon2_rate(&options).await;
    }
    let deadline = Instant::now() + Duration::from_secs(options.seconds);
    let mut workers = Vec::new();
    for _ in 0..options.connections {
        let o = options.clone();
        workers.push(tokio::spawn(async move { worker(o, deadline).await }));
    }
    let mut latencies: Vec<u32> = Vec::new();
    let mut errors = 0u64;
    for w in workers {
        let (lat, err) = w.await??;
        latencies.extend(lat);
        errors += err;
    }
    latencies.sort_unstable();
    let pct = |p: f64| -> f64 {
        if latencies.is_empty() {
            return 0.0;
        }
        let i = ((latencies.len() as f64 - 1.0) * p).round() as usize;
        f64::from(latencies[i]) / 1000.0
    };
    let rate = latencies.len() as f64 / options.seconds as f64;
    println!(
        "{:<24} {:>10.0} req/s   p50 {:>7.2} ms   p99 {:>7.2} ms   ({} ok, {} errors)",
        options.label,
        rate,
        pct(0.50),
        pct(0.99),
        latencies.len(),
        errors
    );
    Ok(())
}

/// The raw argon2id rate with Gatehouse's default parameters, one hashing thread per core:
/// the ceiling for password sign-ins.
async fn argon2_rate(o: &Options) -> anyhow::Result<()> {
    use argon2::{Algorithm, Argon2, Params, PasswordHasher as _, Version};
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2);
    let deadline = Instant::now() + Duration::from_secs(o.seconds);
    let threads: Vec<_> = (0..cores)
        .map(|_| {
            std::thread::spawn(move || {
                let a = Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::default());
                let mut n = 0u64;
                while Instant::now() < deadline {
                    if a.hash_password(b"correct horse battery staple").is_ok() {
                        n += 1;
                    }
                }
                n
            })
        })
        .collect();
    let mut total = 0;
    for t in threads {
        total += t
            .join()
            .map_err(|_| anyhow::anyhow!("hashing thread panicked"))?;
    }
    println!(
        "{:<24} {:>10.1} hashes/s on {cores} threads (m=19456 KiB, t=2, p=1)",
        "argon2 (raw)",
        total as f64 / o.seconds as f64
    );
    Ok(())
}

/// One connection: repeats the scenario's request until the deadline.
async fn worker(o: Options, deadline: Instant) -> anyhow::Result<(Vec<u32>, u64)> {
    let mut state = flow::Worker::prepare(&o).await?;
    let mut latencies = Vec::with_capacity(1 << 16);
    let mut errors = 0;
    while Instant::now() < deadline {
        let start = Instant::now();
        match state.step(&o).await {
            Ok(()) => {
                latencies.push(u32::try_from(start.elapsed().as_micros()).unwrap_or(u32::MAX))
            }
            Err(_) => errors += 1,
        }
    }
    Ok((latencies, errors))
}
