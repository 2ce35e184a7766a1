//! `replay`: one request sent over and over, as oha sends it, with oha's flags, so the harness's
//! smoke run needs no load generator of its own to be compiled. Closed loop with `-c` workers,
//! or with `-q` a fixed rate whose latencies count from each request's scheduled start.

use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use reqwest::{Client, Method, RequestBuilder};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tokio::time::{sleep_until, Instant};

use crate::chain::Answer;
use crate::record::Recorder;

/// The request and the load, in oha's spelling (`-z 5s -c 16 -q 200 -m POST -H 'K: V' -d BODY URL`).
#[derive(Args)]
pub struct Replay {
    /// How long to load the server: `5s`, `500ms`.
    #[arg(short = 'z', value_parser = parse_duration)]
    length: Duration,
    /// Requests in flight at once.
    #[arg(short = 'c', default_value_t = 16)]
    concurrency: usize,
    /// Requests per second; without it, each worker sends again as soon as it is answered.
    #[arg(short = 'q')]
    rate: Option<f64>,
    /// Accepted for oha's sake: latencies at a fixed rate always count from the schedule.
    #[arg(long)]
    latency_correction: bool,
    #[arg(short = 'm', default_value = "GET")]
    method: Method,
    /// A header, `Name: value`; repeatable.
    #[arg(short = 'H')]
    headers: Vec<String>,
    #[arg(short = 'd')]
    body: Option<String>,
    url: String,
}

fn parse_duration(text: &str) -> Result<Duration, String> {
    let (number, unit) = text
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .map_or((text, "s"), |at| text.split_at(at));
    let number: f64 = number
        .parse()
        .map_err(|_| format!("not a duration: {text}"))?;
    match unit {
        "s" => Ok(Duration::from_secs_f64(number)),
        "ms" => Ok(Duration::from_secs_f64(number / 1000.0)),
        _ => Err(format!("not a duration: {text} (use s or ms)")),
    }
}

impl Replay {
    pub fn connections(&self) -> usize {
        self.concurrency.max(1)
    }

    fn request(&self, client: &Client) -> RequestBuilder {
        let mut request = client.request(self.method.clone(), &self.url);
        for header in &self.headers {
            if let Some((name, value)) = header.split_once(':') {
                request = request.header(name.trim(), value.trim());
            }
        }
        if let Some(body) = &self.body {
            request = request.body(body.clone());
        }
        request
    }

    pub async fn run(self, client: &Client) -> Recorder {
        let replay = Arc::new(self);
        match replay.rate {
            Some(rate) => fixed_rate(client, replay, rate).await,
            None => closed_loop(client, replay).await,
        }
    }
}

async fn send(client: &Client, replay: &Replay) -> Result<Answer, String> {
    let response = replay
        .request(client)
        .send()
        .await
        .map_err(|error| error.to_string())?;
    let answer = Answer::of(&response, false);
    // Read the body so the connection goes back to the pool.
    response.bytes().await.map_err(|error| error.to_string())?;
    Ok(answer)
}

async fn closed_loop(client: &Client, replay: Arc<Replay>) -> Recorder {
    let start = Instant::now();
    let deadline = start + replay.length;
    let mut workers = JoinSet::new();
    for _ in 0..replay.connections() {
        let (client, replay) = (client.clone(), replay.clone());
        workers.spawn(async move {
            let mut recorder = Recorder::default();
            while Instant::now() < deadline {
                let sent = Instant::now();
                let outcome = send(&client, &replay).await;
                recorder.add(sent.elapsed(), &outcome);
            }
            recorder
        });
    }
    Recorder::default().gather(workers, start).await
}

async fn fixed_rate(client: &Client, replay: Arc<Replay>, rate: f64) -> Recorder {
    let in_flight = Arc::new(Semaphore::new(replay.connections()));
    let start = Instant::now();
    let count = (rate * replay.length.as_secs_f64()).round() as u64;
    let mut requests = JoinSet::new();
    let mut total = Recorder::default();
    for index in 0..count {
        let scheduled = start + Duration::from_secs_f64(index as f64 / rate);
        sleep_until(scheduled).await;
        let Ok(permit) = in_flight.clone().acquire_owned().await else {
            break;
        };
        let (client, replay) = (client.clone(), replay.clone());
        requests.spawn(async move {
            let outcome = send(&client, &replay).await;
            drop(permit);
            let mut recorder = Recorder::default();
            recorder.add(scheduled.elapsed(), &outcome);
            recorder
        });
        while let Some(Ok(recorder)) = requests.try_join_next() {
            total.merge(recorder);
        }
    }
    total.gather(requests, start).await
}

#[cfg(test)]
mod tests {
    use super::parse_duration;
    use std::time::Duration;

    #[test]
    fn durations_are_read_as_oha_writes_them() {
        assert_eq!(parse_duration("5s"), Ok(Duration::from_secs(5)));
        assert_eq!(parse_duration("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse_duration("2"), Ok(Duration::from_secs(2)));
        assert!(parse_duration("5m").is_err());
        assert!(parse_duration("s").is_err());
    }
}
