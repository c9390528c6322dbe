//! Load generator for Gatehouse: N concurrent connections for D seconds against one
//! scenario; prints requests/s and latency percentiles. Driven by `bench/run.sh`.
//!
//! Usage: gatehouse-loadgen SCENARIO --base URL [--client-id ID --client-secret S]
//!        [--email E --password P] [--connections 16] [--seconds 15] [--label NAME]
//!        [--target-client-id ID --attack-rate 1000 --attacker-ip 127.0.0.2] [--rate R]
//! Scenarios: discovery, jwks, client_credentials, refresh, userinfo, introspection, decision
//! (AuthZEN, with the policy set and ACL entries bench/run.sh stores), signin,
//! abuse (a load check, not a throughput figure: wrong secrets for the target client at
//! --attack-rate per second from --attacker-ip, while the --client-id client asks for tokens
//! with its right secret; prints that client's rate without and with the attack, and what
//! the attacker got).

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
    /// `abuse`: the client whose secret is guessed.
    target_client_id: String,
    /// `abuse`: wrong-secret requests per second.
    attack_rate: u64,
    /// `abuse`: the loopback address the attack comes from.
    attacker_ip: String,
    /// Requests per second for the whole run, shared by the connections; 0: as fast as
    /// each connection can (the soak test paces its load with this).
    rate: f64,
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
        target_client_id: String::new(),
        attack_rate: 1000,
        attacker_ip: "127.0.0.2".into(),
        rate: 0.0,
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
            "--target-client-id" => o.target_client_id = value,
            "--attack-rate" => o.attack_rate = value.parse()?,
            "--attacker-ip" => o.attacker_ip = value,
            "--rate" => o.rate = value.parse()?,
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
    if options.scenario == "abuse" {
        return abuse(&options).await;
    }
    let (latencies, errors) = run(&options).await?;
    report(&options, &latencies, errors);
    Ok(())
}

/// Runs the scenario on every connection until the deadline: sorted latencies (µs), errors.
async fn run(options: &Options) -> anyhow::Result<(Vec<u32>, u64)> {
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
    Ok((latencies, errors))
}

/// Prints one result line.
fn report(options: &Options, latencies: &[u32], errors: u64) {
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
}

/// The load check of the rate limits: the good client alone, then under attack.
async fn abuse(o: &Options) -> anyhow::Result<()> {
    if o.target_client_id.is_empty() {
        bail!("abuse needs --target-client-id");
    }
    let good = Options {
        scenario: "client_credentials".into(),
        ..o.clone()
    };
    let (alone, errors) = run(&good).await?;
    report(
        &Options {
            label: "  other client, alone".into(),
            ..good.clone()
        },
        &alone,
        errors,
    );
    let attack = tokio::spawn(attack(o.clone()));
    let (under, errors) = run(&good).await?;
    let counts = attack.await??;
    report(
        &Options {
            label: "  other client, attacked".into(),
            ..good
        },
        &under,
        errors,
    );
    let sent = counts[0] + counts[1] + counts[2];
    println!(
        "  attacker: {sent} wrong secrets in {} s ({:.0}/s) from {}: {} answered 401, {} answered 429 (first 429 after {} failures), {} other",
        o.seconds,
        sent as f64 / o.seconds as f64,
        o.attacker_ip,
        counts[0],
        counts[1],
        counts[3],
        counts[2],
    );
    Ok(())
}

/// Sends wrong secrets for the target client at the attack rate until the deadline:
/// `[401s, 429s, others, 401s before the first 429]`.
async fn attack(o: Options) -> anyhow::Result<[u64; 4]> {
    let ip: std::net::IpAddr = o.attacker_ip.parse().context("--attacker-ip")?;
    let http = reqwest::Client::builder()
        .local_address(ip)
        .pool_max_idle_per_host(256)
        .build()?;
    let url = format!("{}/token", o.base);
    let deadline = Instant::now() + Duration::from_secs(o.seconds);
    let mut tick = tokio::time::interval(Duration::from_micros(1_000_000 / o.attack_rate.max(1)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let mut sent = Vec::new();
    while Instant::now() < deadline {
        tick.tick().await;
        let (http, url, id) = (http.clone(), url.clone(), o.target_client_id.clone());
        sent.push(tokio::spawn(async move {
            let res = http
                .post(url)
                .basic_auth(id, Some("wrong secret"))
                .form(&[("grant_type", "client_credentials")])
                .send()
                .await;
            res.map(|r| r.status().as_u16()).unwrap_or(0)
        }));
    }
    let mut counts = [0u64; 4];
    let mut limited = false;
    for s in sent {
        match s.await? {
            401 => {
                counts[0] += 1;
                if !limited {
                    counts[3] += 1;
                }
            }
            429 => {
                counts[1] += 1;
                limited = true;
            }
            _ => counts[2] += 1,
        }
    }
    Ok(counts)
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
    // Paced: each connection sends one request per `connections / rate` seconds.
    let mut pace = (o.rate > 0.0).then(|| {
        let mut every =
            tokio::time::interval(Duration::from_secs_f64(o.connections as f64 / o.rate));
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        every
    });
    while Instant::now() < deadline {
        if let Some(every) = &mut pace {
            every.tick().await;
        }
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
