//! Argon2id hashing and verification in reusable work areas.
//!
//! The `argon2` crate's PHC-string API allocates the whole cost (19 MiB at OWASP settings) for
//! every hash. Under a burst of sign-ins on a busy allocator those blocks pile up in per-thread
//! arenas instead of going back to the system (measured: +155 MiB during a 64-sign-in storm with
//! one hashing permit). Here each hash borrows a work area from a small pool and returns it, so
//! memory stays at one area per concurrent hash.

use argon2::password_hash::{rand_core::OsRng, Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use std::sync::{Arc, Mutex};

/// Work areas ready for reuse, each `blocks` long.
#[derive(Clone)]
pub struct WorkAreas {
    free: Arc<Mutex<Vec<Vec<Block>>>>,
    blocks: usize,
}

impl WorkAreas {
    pub fn new(params: &Params) -> Self {
        Self {
            free: Arc::new(Mutex::new(Vec::new())),
            blocks: params.block_count(),
        }
    }

    /// Runs `work` with a work area of at least `blocks` blocks.
    fn with_area<T>(&self, blocks: usize, work: impl FnOnce(&mut [Block]) -> T) -> T {
        if blocks > self.blocks {
            // A stored hash made with a higher cost than ours: a one-off area.
            return work(&mut vec![Block::default(); blocks]);
        }
        let taken = self
            .free
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .pop();
        let mut area = taken.unwrap_or_else(|| vec![Block::default(); self.blocks]);
        let result = work(&mut area[..blocks]);
        self.free
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .push(area);
        result
    }
}

/// A new PHC string for `password` (random salt), as `Argon2::hash_password` would make it.
pub fn hash(
    argon: &Argon2<'static>,
    areas: &WorkAreas,
    password: &[u8],
) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_buffer = [0u8; 64];
    let salt_bytes = salt.as_salt().decode_b64(&mut salt_buffer)?;
    let mut output = [0u8; Params::DEFAULT_OUTPUT_LEN];
    areas.with_area(argon.params().block_count(), |area| {
        argon.hash_password_into_with_memory(password, salt_bytes, &mut output, area)
    })?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(argon.params())?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&output)?),
    };
    Ok(phc.to_string())
}

/// Whether `password` matches the PHC string `stored`, recomputed with the stored algorithm,
/// version and parameters; the comparison takes constant time.
pub fn verify(areas: &WorkAreas, password: &[u8], stored: &PasswordHash<'_>) -> bool {
    let (Some(expected), Some(salt)) = (stored.hash, stored.salt) else {
        return false;
    };
    let (Ok(algorithm), Ok(params)) = (
        Algorithm::try_from(stored.algorithm),
        Params::try_from(stored),
    ) else {
        return false;
    };
    let version = match stored.version.map(Version::try_from).transpose() {
        Ok(version) => version.unwrap_or_default(),
        Err(_) => return false,
    };
    let argon = Argon2::new(algorithm, version, params);
    let mut salt_buffer = [0u8; 64];
    let Ok(salt_bytes) = salt.decode_b64(&mut salt_buffer) else {
        return false;
    };
    let mut output = vec![0u8; expected.len()];
    let computed = areas.with_area(argon.params().block_count(), |area| {
        argon.hash_password_into_with_memory(password, salt_bytes, &mut output, area)
    });
    computed.is_ok() && Output::new(&output).is_ok_and(|output| output == expected)
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::{PasswordHasher as _, PasswordVerifier as _};

    fn small() -> (Argon2<'static>, WorkAreas) {
        let params = Params::new(1024, 1, 1, None).unwrap();
        let areas = WorkAreas::new(&params);
        (
            Argon2::new(Algorithm::Argon2id, Version::V0x13, params),
            areas,
        )
    }

    #[test]
    fn hashes_are_the_crates_own_phc_strings_both_ways() {
        let (argon, areas) = small();
        let ours = hash(&argon, &areas, b"correct horse").unwrap();
        let parsed = PasswordHash::new(&ours).unwrap();
        assert!(argon.verify_password(b"correct horse", &parsed).is_ok());
        assert!(argon.verify_password(b"wrong horse", &parsed).is_err());

        let salt = SaltString::generate(&mut OsRng);
        let theirs = argon
            .hash_password(b"correct horse", &salt)
            .unwrap()
            .to_string();
        let parsed = PasswordHash::new(&theirs).unwrap();
        assert!(verify(&areas, b"correct horse", &parsed));
        assert!(!verify(&areas, b"wrong horse", &parsed));
    }

    #[test]
    fn work_areas_are_reused_not_reallocated() {
        let (argon, areas) = small();
        for _ in 0..3 {
            hash(&argon, &areas, b"password").unwrap();
        }
        assert_eq!(areas.free.lock().unwrap().len(), 1);
    }
}
