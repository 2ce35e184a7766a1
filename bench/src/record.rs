//! Latencies and answers of one run, reported in the shape of oha's JSON output.

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::chain::Answer;

#[derive(Default)]
pub struct Recorder {
    latencies: Vec<Duration>,
    statuses: BTreeMap<u16, u64>,
    errors: BTreeMap<String, u64>,
    elapsed: Duration,
}

impl Recorder {
    pub fn add(&mut self, latency: Duration, outcome: &Result<Answer, String>) {
        match outcome {
            Ok(answer) => {
                self.latencies.push(latency);
                *self.statuses.entry(answer.status.as_u16()).or_default() += 1;
            }
            Err(error) => *self.errors.entry(error.clone()).or_default() += 1,
        }
    }

    pub fn merge(&mut self, other: Recorder) {
        self.latencies.extend(other.latencies);
        for (status, count) in other.statuses {
            *self.statuses.entry(status).or_default() += count;
        }
        for (error, count) in other.errors {
            *self.errors.entry(error).or_default() += count;
        }
    }

    /// Adds what every worker recorded once all have finished; the run lasted from `start`.
    pub async fn gather(mut self, mut workers: JoinSet<Recorder>, start: Instant) -> Recorder {
        while let Some(Ok(recorder)) = workers.join_next().await {
            self.merge(recorder);
        }
        self.elapsed = start.elapsed();
        self
    }

    pub fn to_json(&self) -> Value {
        let mut sorted = self.latencies.clone();
        sorted.sort_unstable();
        let percentile = |p: f64| -> Value {
            if sorted.is_empty() {
                return Value::Null;
            }
            let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
            json!(sorted[rank.clamp(1, sorted.len()) - 1].as_secs_f64())
        };
        let seconds = self.elapsed.as_secs_f64();
        let answered = sorted.len() as f64;
        json!({
            "summary": {
                "total": seconds,
                "requestsPerSec": if seconds > 0.0 { answered / seconds } else { 0.0 },
            },
            "latencyPercentiles": {
                "p50": percentile(50.0),
                "p90": percentile(90.0),
                "p99": percentile(99.0),
                "p99.9": percentile(99.9),
            },
            "statusCodeDistribution": self.statuses.iter()
                .map(|(status, count)| (status.to_string(), json!(count)))
                .collect::<serde_json::Map<_, _>>(),
            "errorDistribution": self.errors,
        })
    }
}
