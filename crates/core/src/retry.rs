//! Waiting before trying again: exponential backoff with full jitter (a
//! random pause between zero and the ceiling), so that writers that
//! collided spread out instead of colliding again in step.

use std::time::Duration;

/// The ceiling of try number `attempt` (1-based): `base` doubled per try
/// after the first, at most `max`.
pub fn ceiling(base: Duration, attempt: u32, max: Duration) -> Duration {
    base.saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1)))
        .min(max)
}

/// A random pause in `[0, ceiling]`. Without randomness from the system it
/// is the ceiling: still bounded, only less spread.
pub fn jittered(ceiling: Duration) -> Duration {
    let mut bytes = [0u8; 8];
    let random = match getrandom::getrandom(&mut bytes) {
        Ok(()) => u64::from_le_bytes(bytes),
        Err(_) => u64::MAX,
    };
    let micros = u64::try_from(ceiling.as_micros()).unwrap_or(u64::MAX);
    Duration::from_micros(random % micros.saturating_add(1))
}

/// Backoff with full jitter for try number `attempt`.
pub fn backoff(base: Duration, attempt: u32, max: Duration) -> Duration {
    jittered(ceiling(base, attempt, max))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ceiling_doubles_up_to_its_maximum_and_the_pause_stays_under_it() {
        let ms = Duration::from_millis;
        assert_eq!(ceiling(ms(20), 1, ms(500)), ms(20));
        assert_eq!(ceiling(ms(20), 3, ms(500)), ms(80));
        assert_eq!(ceiling(ms(20), 30, ms(500)), ms(500));
        let pauses: Vec<Duration> = (0..200).map(|_| backoff(ms(20), 3, ms(500))).collect();
        assert!(pauses.iter().all(|p| *p <= ms(80)));
        assert!(
            pauses.iter().any(|p| *p != pauses[0]),
            "jittered, not fixed"
        );
    }
}
