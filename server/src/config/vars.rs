//! Reading variables: a value, or a default when unset, with a clear error for a bad one.

use super::ConfigError;
use std::time::Duration;

/// A source of variables (the environment, or a map in tests).
pub(super) struct Vars<F> {
    lookup: F,
}

impl<F: Fn(&str) -> Option<String>> Vars<F> {
    pub(super) fn new(lookup: F) -> Self {
        Self { lookup }
    }

    pub(super) fn get(&self, name: &str) -> Option<String> {
        (self.lookup)(name)
    }

    pub(super) fn is_set(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// A positive whole number of `unit`s, or `default` when unset.
    pub(super) fn positive(
        &self,
        name: &'static str,
        default: u64,
        unit: &str,
    ) -> Result<u64, ConfigError> {
        match self.get(name) {
            None => Ok(default),
            Some(value) => match value.trim().parse::<u64>() {
                Ok(number) if number > 0 => Ok(number),
                _ => Err(ConfigError::Invalid {
                    name,
                    reason: format!("expected a positive number of {unit}, got {value:?}"),
                }),
            },
        }
    }

    /// A positive number of seconds, or `default` when unset.
    pub(super) fn seconds(
        &self,
        name: &'static str,
        default: Duration,
    ) -> Result<Duration, ConfigError> {
        self.positive(name, default.as_secs(), "seconds")
            .map(Duration::from_secs)
    }

    /// [`Self::seconds`], refused above `max`.
    pub(super) fn seconds_at_most(
        &self,
        name: &'static str,
        default: Duration,
        max: Duration,
    ) -> Result<Duration, ConfigError> {
        let seconds = self.seconds(name, default)?;
        if seconds > max {
            return Err(ConfigError::Invalid {
                name,
                reason: format!(
                    "{} s is longer than the {} s allowed",
                    seconds.as_secs(),
                    max.as_secs()
                ),
            });
        }
        Ok(seconds)
    }

    /// A value parsed by `parse`, or `None` when unset; `expected` describes a good one.
    pub(super) fn parsed<T>(
        &self,
        name: &'static str,
        expected: &str,
        parse: impl Fn(&str) -> Option<T>,
    ) -> Result<Option<T>, ConfigError> {
        let Some(value) = self.get(name) else {
            return Ok(None);
        };
        parse(value.trim())
            .map(Some)
            .ok_or_else(|| ConfigError::Invalid {
                name,
                reason: format!("expected {expected}, got {value:?}"),
            })
    }
}
