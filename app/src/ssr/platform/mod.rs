//! What the engine stands on: state every instance shares ([`coordination`]), time
//! ([`clock`]), randomness ([`random`]), plain ([`digest`]) and keyed hashes of identifiers
//! ([`keyed_hash`]), this
//! machine's own names in a `Host` header ([`loopback`]), the keys made at first start when
//! none is configured ([`server_secrets`]), sealing values at rest ([`sealing`]), the passkey
//! relying party and its verifier ([`relying_party`]), and hourly housekeeping ([`periodic`]).

pub mod clock;
pub mod coordination;
pub mod digest;
pub mod keyed_hash;
pub mod loopback;
pub mod periodic;
pub mod random;
pub mod relying_party;
pub mod sealing;
pub mod server_secrets;
