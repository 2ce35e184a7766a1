//! The two ways of loading the server: a closed loop for throughput, a fixed rate for latency.

use std::sync::Arc;
use std::time::Duration;

use reqwest::Client;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::{sleep_until, Instant};

use crate::chain::{Account, Chain};
use crate::record::Recorder;

/// Every chain refreshes again as soon as its last refresh is answered, until `length` is over.
pub async fn closed_loop(
    client: &Client,
    account: Arc<Account>,
    chains: Vec<Chain>,
    length: Duration,
) -> Recorder {
    let start = Instant::now();
    let deadline = start + length;
    let mut workers = JoinSet::new();
    for mut chain in chains {
        let (client, account) = (client.clone(), account.clone());
        workers.spawn(async move {
            let mut recorder = Recorder::default();
            while Instant::now() < deadline {
                let sent = Instant::now();
                let outcome = chain.refresh(&client, &account).await;
                recorder.add(sent.elapsed(), &outcome);
                if !restart_if_broken(&mut chain, &outcome, &client, &account).await {
                    break;
                }
            }
            recorder
        });
    }
    Recorder::default().gather(workers, start).await
}

/// `rate` refreshes a second, each given to a chain that is not waiting for an answer. A
/// request's latency counts from when the schedule said it should start, so time spent waiting
/// for a free chain (because the server is slow) is counted, not omitted.
pub async fn fixed_rate(
    client: &Client,
    account: Arc<Account>,
    chains: Vec<Chain>,
    length: Duration,
    rate: f64,
) -> Recorder {
    let (free, mut next_free) = mpsc::unbounded_channel();
    for chain in chains {
        let _ = free.send(chain);
    }
    let start = Instant::now();
    let count = (rate * length.as_secs_f64()).round() as u64;
    let mut requests = JoinSet::new();
    let mut total = Recorder::default();
    for index in 0..count {
        let scheduled = start + Duration::from_secs_f64(index as f64 / rate);
        sleep_until(scheduled).await;
        let Some(mut chain) = next_free.recv().await else {
            break;
        };
        let (client, account, free) = (client.clone(), account.clone(), free.clone());
        requests.spawn(async move {
            let outcome = chain.refresh(&client, &account).await;
            let mut recorder = Recorder::default();
            recorder.add(scheduled.elapsed(), &outcome);
            if restart_if_broken(&mut chain, &outcome, &client, &account).await {
                let _ = free.send(chain);
            }
            recorder
        });
        // Collect finished requests as we go, so the set does not grow with the run.
        while let Some(Ok(recorder)) = requests.try_join_next() {
            total.merge(recorder);
        }
    }
    total.gather(requests, start).await
}

/// After a refresh that set no new token the chain is spent: sign in again (outside the
/// timing). Returns whether the chain can go on.
async fn restart_if_broken(
    chain: &mut Chain,
    outcome: &Result<crate::chain::Answer, String>,
    client: &Client,
    account: &Account,
) -> bool {
    if matches!(outcome, Ok(answer) if answer.rotated) {
        return true;
    }
    match Chain::sign_in(client, account).await {
        Ok(fresh) => {
            *chain = fresh;
            true
        }
        Err(error) => {
            eprintln!("bench-client: a chain stopped: {error}");
            false
        }
    }
}
