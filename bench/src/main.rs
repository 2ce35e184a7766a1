//! `bench-client`: the load generator for the scenarios a replaying tool such as oha cannot
//! drive.
//!
//! - `refresh`: each refresh spends its token and answers with the next one, so every request
//!   must carry the cookie the previous answer set; replaying one cookie would measure the
//!   grace-window path (or reuse detection), not rotation. The client signs in once per chain,
//!   then refreshes each chain in turn, either as fast as the server answers (closed loop:
//!   throughput) or at a fixed rate with latencies measured from each request's scheduled start
//!   (so a slow answer is counted, not hidden).
//! - `sign-in-storm`: many clients signing in at once, each waiting as long as a refusal's
//!   `Retry-After` says before trying again, as a browser-driven client or a polite script does.
//!
//! - `passkey-sign-in`: password and passkey sign-ins of one account, alternating, each timed as
//!   its user waits for it (the passkey's two requests together).
//!
//! - `replay`: one request over and over, with oha's flags, so the harness's smoke run works
//!   without compiling oha.
//!
//! All write a JSON report in the shape of oha's, which `scripts/bench_report.py` reads.

mod chain;
mod drive;
mod passkey;
mod record;
mod replay;
mod storm;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

#[derive(Parser)]
#[command(
    about = "Drives refresh rotation or a sign-in storm against a running server and reports like oha"
)]
struct Cli {
    #[command(subcommand)]
    scenario: Scenario,
}

#[derive(Subcommand)]
enum Scenario {
    /// Refreshes logins, following each answer's refresh cookie.
    Refresh {
        #[command(flatten)]
        run: Run,
        /// How many logins are refreshed side by side (each one's refreshes are sequential).
        #[arg(long, default_value_t = 16)]
        chains: usize,
        /// Refreshes per second; without it, each chain refreshes again as soon as it is answered.
        #[arg(long)]
        rate: Option<f64>,
    },
    /// Signs in from many clients at once; a refused client waits its `Retry-After`.
    SignInStorm {
        #[command(flatten)]
        run: Run,
        /// How many clients sign in side by side.
        #[arg(long, default_value_t = 64)]
        clients: usize,
    },
    /// Times password and passkey sign-ins of one account, alternating, one at a time.
    PasskeySignIn {
        #[command(flatten)]
        run: Run,
        /// The site's origin as its pages are served (the passkey is made for its host).
        #[arg(long)]
        origin: String,
        /// Sign-ins of each kind.
        #[arg(long, default_value_t = 50)]
        count: usize,
    },
    /// Sends one request over and over, as oha does (its flags); the report goes to stdout.
    Replay(replay::Replay),
}

#[derive(Args)]
struct Run {
    /// The server's base URL, e.g. http://127.0.0.1:3290.
    #[arg(long)]
    base: String,
    /// The account to sign in as.
    #[arg(long)]
    email: String,
    #[arg(long)]
    password: String,
    /// How long to load the server.
    #[arg(long, default_value_t = 5.0)]
    seconds: f64,
    /// Where to write the JSON report.
    #[arg(long)]
    output: PathBuf,
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    if let Err(message) = run(Cli::parse().scenario).await {
        eprintln!("bench-client: {message}");
        std::process::exit(1);
    }
}

fn client(connections: usize) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .pool_max_idle_per_host(connections)
        .timeout(Duration::from_secs(30))
        .build()
        .map_err(|error| error.to_string())
}

async fn run(scenario: Scenario) -> Result<(), String> {
    match scenario {
        Scenario::Replay(replay) => {
            let client = client(replay.connections())?;
            println!("{}", replay.run(&client).await.to_json());
            Ok(())
        }
        Scenario::Refresh { run, chains, rate } => {
            let (client, account, length) = prepare(&run, chains)?;
            let mut signed_in = Vec::with_capacity(chains);
            for _ in 0..chains.max(1) {
                signed_in.push(chain::Chain::sign_in(&client, &account).await?);
            }
            let recorder = match rate {
                Some(rate) => drive::fixed_rate(&client, account, signed_in, length, rate).await,
                None => drive::closed_loop(&client, account, signed_in, length).await,
            };
            write_report(&run, &recorder)
        }
        Scenario::PasskeySignIn { run, origin, count } => {
            let (client, account, _) = prepare(&run, 1)?;
            let timings = passkey::compare(&client, &account, &origin, count.max(1)).await?;
            std::fs::write(&run.output, timings.to_json().to_string())
                .map_err(|error| format!("cannot write {}: {error}", run.output.display()))
        }
        Scenario::SignInStorm { run, clients } => {
            let (client, account, length) = prepare(&run, clients)?;
            let recorder = storm::sign_in_storm(&client, account, clients.max(1), length).await;
            write_report(&run, &recorder)
        }
    }
}

/// A client for `connections` side by side, the account to sign in as, and the run's length.
fn prepare(
    run: &Run,
    connections: usize,
) -> Result<(reqwest::Client, Arc<chain::Account>, Duration), String> {
    let account = Arc::new(chain::Account {
        base: run.base.trim_end_matches('/').to_owned(),
        email: run.email.clone(),
        password: run.password.clone(),
    });
    Ok((
        client(connections)?,
        account,
        Duration::from_secs_f64(run.seconds),
    ))
}

fn write_report(run: &Run, recorder: &record::Recorder) -> Result<(), String> {
    std::fs::write(&run.output, recorder.to_json().to_string())
        .map_err(|error| format!("cannot write {}: {error}", run.output.display()))
}
