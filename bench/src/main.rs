//! `bench-client`: the load generator for the one scenario a replaying tool such as oha cannot
//! drive, refresh rotation. Each refresh spends its token and answers with the next one, so every
//! request must carry the cookie the previous answer set; replaying one cookie would measure the
//! grace-window path (or reuse detection), not rotation.
//!
//! The client signs in once per chain, then refreshes each chain in turn, either as fast as the
//! server answers (closed loop: throughput) or at a fixed rate with latencies measured from each
//! request's scheduled start (so a slow answer delays the schedule's count, not hides it). It
//! writes a JSON report in the shape of oha's, which `scripts/bench_report.py` reads.

mod chain;
mod drive;
mod record;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use clap::Parser;

#[derive(Parser)]
#[command(about = "Drives refresh rotation against a running server and reports like oha")]
struct Args {
    /// The server's base URL, e.g. http://127.0.0.1:3290.
    #[arg(long)]
    base: String,
    /// The account every chain signs in as.
    #[arg(long)]
    email: String,
    #[arg(long)]
    password: String,
    /// How many logins are refreshed side by side (each one's refreshes are sequential).
    #[arg(long, default_value_t = 16)]
    chains: usize,
    /// How long to load the server.
    #[arg(long, default_value_t = 5.0)]
    seconds: f64,
    /// Refreshes per second; without it, each chain refreshes again as soon as it is answered.
    #[arg(long)]
    rate: Option<f64>,
    /// Where to write the JSON report.
    #[arg(long)]
    output: PathBuf,
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args = Args::parse();
    if let Err(message) = run(args).await {
        eprintln!("bench-client: {message}");
        std::process::exit(1);
    }
}

async fn run(args: Args) -> Result<(), String> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.chains)
        .timeout(Duration::from_secs(30))
        .build()
        .map_err(|error| error.to_string())?;
    let account = Arc::new(chain::Account {
        base: args.base.trim_end_matches('/').to_owned(),
        email: args.email,
        password: args.password,
    });
    let mut chains = Vec::with_capacity(args.chains);
    for _ in 0..args.chains.max(1) {
        chains.push(chain::Chain::sign_in(&client, &account).await?);
    }
    let length = Duration::from_secs_f64(args.seconds);
    let recorder = match args.rate {
        Some(rate) => drive::fixed_rate(&client, account, chains, length, rate).await,
        None => drive::closed_loop(&client, account, chains, length).await,
    };
    std::fs::write(&args.output, recorder.to_json().to_string())
        .map_err(|error| format!("cannot write {}: {error}", args.output.display()))
}
