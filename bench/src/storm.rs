//! A sign-in storm: many clients signing in at once, each honouring a refusal's `Retry-After`.

use std::sync::Arc;
use std::time::Duration;

use reqwest::Client;
use tokio::task::JoinSet;
use tokio::time::{sleep, Instant};

use crate::chain::{Account, Answer};
use crate::record::Recorder;

/// `clients` clients sign in over and over until `length` is over; after a 429 or 503 a client
/// waits as long as `Retry-After` says.
pub async fn sign_in_storm(
    client: &Client,
    account: Arc<Account>,
    clients: usize,
    length: Duration,
) -> Recorder {
    let start = Instant::now();
    let deadline = start + length;
    let mut workers = JoinSet::new();
    for _ in 0..clients {
        let (client, account) = (client.clone(), account.clone());
        workers.spawn(async move {
            let mut recorder = Recorder::default();
            while Instant::now() < deadline {
                let sent = Instant::now();
                let outcome = attempt(&client, &account).await;
                recorder.add(sent.elapsed(), &outcome);
                if let Ok(Answer {
                    retry_after: Some(wait),
                    ..
                }) = outcome
                {
                    sleep(wait.min(deadline.saturating_duration_since(Instant::now()))).await;
                }
            }
            recorder
        });
    }
    Recorder::default().gather(workers, start).await
}

async fn attempt(client: &Client, account: &Account) -> Result<Answer, String> {
    let response = account
        .sign_in(client)
        .await
        .map_err(|error| error.to_string())?;
    let answer = Answer::of(&response, false);
    response.bytes().await.map_err(|error| error.to_string())?;
    Ok(answer)
}
