//! Object ids that encode a record's position.
//!
//! Records are generated from their sequence number, so an id must lead
//! back to it without a lookup table: the sandbox serves a million records
//! without holding them. An id is the entity prefix and the base-62 form of
//! a keyed bijection of the sequence number (`cus_3kTMd9P2xQa`): opaque to
//! clients like Stripe's, different for every seed, and decodable.

/// Base-62 digits, in the order used for encoding.
const DIGITS: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Characters after the prefix: 62^11 > 2^64, so every `u64` fits.
const ID_LEN: usize = 11;

const MUL_1: u64 = 0xbf58_476d_1ce4_e5b9;
const MUL_2: u64 = 0x94d0_49bb_1331_11eb;

/// The SplitMix64 finalizer: a bijection on `u64` that scatters bits.
pub(crate) fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(MUL_1);
    z = (z ^ (z >> 27)).wrapping_mul(MUL_2);
    z ^ (z >> 31)
}

/// Inverse of [`mix`].
fn unmix(mut z: u64) -> u64 {
    z = unxorshift(z, 31);
    z = z.wrapping_mul(inverse(MUL_2));
    z = unxorshift(z, 27);
    z = z.wrapping_mul(inverse(MUL_1));
    unxorshift(z, 30)
}

/// Inverse of `x ^ (x >> shift)`: each round fixes `shift` more top bits.
fn unxorshift(y: u64, shift: u32) -> u64 {
    let mut x = y;
    for _ in 0..(64 / shift + 1) {
        x = y ^ (x >> shift);
    }
    x
}

/// Multiplicative inverse of an odd number modulo 2^64 (Newton's method:
/// every step doubles the number of correct low bits, starting from 3).
fn inverse(a: u64) -> u64 {
    let mut x = a;
    for _ in 0..5 {
        x = x.wrapping_mul(2u64.wrapping_sub(a.wrapping_mul(x)));
    }
    x
}

/// Encodes and decodes the ids of one entity for one seed.
#[derive(Debug, Clone)]
pub(crate) struct IdCodec {
    prefix: &'static str,
    key: u64,
}

impl IdCodec {
    /// A codec for ids `"{prefix}_…"`; `salt` keeps entities apart.
    pub(crate) fn new(prefix: &'static str, seed: u64, salt: u64) -> Self {
        Self {
            prefix,
            key: mix(seed ^ mix(salt)),
        }
    }

    /// The id of the record at `seq`.
    pub(crate) fn encode(&self, seq: u64) -> String {
        let mut n = mix(seq ^ self.key);
        let mut digits = [b'0'; ID_LEN];
        for slot in digits.iter_mut().rev() {
            *slot = DIGITS[(n % 62) as usize];
            n /= 62;
        }
        let mut id = String::with_capacity(self.prefix.len() + 1 + ID_LEN);
        id.push_str(self.prefix);
        id.push('_');
        id.extend(digits.iter().map(|&b| char::from(b)));
        id
    }

    /// The sequence number an id stands for, when it is one of ours.
    pub(crate) fn decode(&self, id: &str) -> Option<u64> {
        let body = id.strip_prefix(self.prefix)?.strip_prefix('_')?;
        if body.len() != ID_LEN {
            return None;
        }
        let mut n: u128 = 0;
        for b in body.bytes() {
            let digit = DIGITS.iter().position(|&d| d == b)?;
            n = n * 62 + digit as u128;
        }
        let n = u64::try_from(n).ok()?;
        Some(unmix(n) ^ self.key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn ids_look_like_stripe_ids_and_differ_by_seed() {
        let a = IdCodec::new("cus", 1, 7);
        let b = IdCodec::new("cus", 2, 7);
        let id = a.encode(0);
        assert!(id.starts_with("cus_"));
        assert_eq!(id.len(), 4 + ID_LEN);
        assert!(id[4..].bytes().all(|c| c.is_ascii_alphanumeric()));
        assert_ne!(a.encode(0), b.encode(0));
        assert_ne!(a.encode(0), a.encode(1));
        assert_eq!(b.decode(&a.encode(0)).map(|s| s == 0), Some(false));
    }

    #[test]
    fn foreign_ids_do_not_decode() {
        let c = IdCodec::new("cus", 1, 7);
        for id in [
            "",
            "cus",
            "cus_",
            "prod_0000000000A",
            "cus_000000000-0",
            "cus_zzzzzzzzzzz",
        ] {
            assert_eq!(c.decode(id), None, "{id}");
        }
    }

    proptest! {
        #[test]
        fn decode_inverts_encode(seed: u64, salt: u64, seq: u64) {
            let c = IdCodec::new("ch", seed, salt);
            prop_assert_eq!(c.decode(&c.encode(seq)), Some(seq));
        }

        #[test]
        fn unmix_inverts_mix(x: u64) {
            prop_assert_eq!(unmix(mix(x)), x);
        }
    }
}
