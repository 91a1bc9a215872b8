//! Just enough JSON Web Token to test a server: HMAC-signed tokens (HS256,
//! HS384, HS512) minted, verified and taken apart, and the malformed ones
//! an attacker sends (`alg: none`, a foreign signature) built on purpose.
//! Written here rather than taken from a JWT crate because those crates
//! exist to refuse exactly the tokens this module must make, and HMAC over
//! base64url is a few lines over `hmac` and `sha2`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, Mac};
use sha2::{Sha256, Sha384, Sha512};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alg {
    Hs256,
    Hs384,
    Hs512,
}

impl Alg {
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_uppercase().as_str() {
            "HS256" => Some(Self::Hs256),
            "HS384" => Some(Self::Hs384),
            "HS512" => Some(Self::Hs512),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Hs256 => "HS256",
            Self::Hs384 => "HS384",
            Self::Hs512 => "HS512",
        }
    }
}

/// The MAC of `input` under `key`.
pub fn mac(alg: Alg, key: &[u8], input: &[u8]) -> Vec<u8> {
    fn run<M: Mac + hmac::digest::KeyInit>(key: &[u8], input: &[u8]) -> Vec<u8> {
        // HMAC takes keys of any length, so this cannot fail.
        let mut m = <M as hmac::digest::KeyInit>::new_from_slice(key)
            .unwrap_or_else(|_| unreachable!("HMAC accepts any key length"));
        m.update(input);
        m.finalize().into_bytes().to_vec()
    }
    match alg {
        Alg::Hs256 => run::<Hmac<Sha256>>(key, input),
        Alg::Hs384 => run::<Hmac<Sha384>>(key, input),
        Alg::Hs512 => run::<Hmac<Sha512>>(key, input),
    }
}

fn b64(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// A token from an encoded header and payload, signed with `key`.
pub fn sign_parts(alg: Alg, header_b64: &str, payload_b64: &str, key: &[u8]) -> String {
    let input = format!("{header_b64}.{payload_b64}");
    let sig = mac(alg, key, input.as_bytes());
    format!("{input}.{}", b64(&sig))
}

/// A signed token carrying `claims`.
pub fn encode(alg: Alg, claims: &serde_json::Value, key: &[u8]) -> String {
    let header = serde_json::json!({ "alg": alg.name(), "typ": "JWT" });
    sign_parts(
        alg,
        &b64(header.to_string().as_bytes()),
        &b64(claims.to_string().as_bytes()),
        key,
    )
}

/// A token that claims no signature at all: `alg: none`, an empty third part.
pub fn unsigned(claims: &serde_json::Value) -> String {
    let header = serde_json::json!({ "alg": "none", "typ": "JWT" });
    format!(
        "{}.{}.",
        b64(header.to_string().as_bytes()),
        b64(claims.to_string().as_bytes())
    )
}

/// The claims of a token, if it is a JWT with a JSON object payload.
pub fn claims(token: &str) -> Option<serde_json::Map<String, serde_json::Value>> {
    let mut parts = token.trim().split('.');
    let (_, payload, _) = (parts.next()?, parts.next()?, parts.next()?);
    let bytes = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    match serde_json::from_slice(&bytes).ok()? {
        serde_json::Value::Object(m) => Some(m),
        _ => None,
    }
}

/// The `alg` a token's header names.
pub fn algorithm(token: &str) -> Option<Alg> {
    let header = token.trim().split('.').next()?;
    let bytes = URL_SAFE_NO_PAD.decode(header.trim_end_matches('=')).ok()?;
    let v: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    Alg::parse(v.get("alg")?.as_str()?)
}

/// Whether `token` is signed with `key` (signature only; claims unchecked).
pub fn verifies(token: &str, key: &[u8]) -> bool {
    let token = token.trim();
    let Some(alg) = algorithm(token) else {
        return false;
    };
    let Some((input, sig)) = token.rsplit_once('.') else {
        return false;
    };
    let Ok(sig) = URL_SAFE_NO_PAD.decode(sig.trim_end_matches('=')) else {
        return false;
    };
    let expected = mac(alg, key, input.as_bytes());
    // Constant time is irrelevant here: this runs on our side only.
    expected == sig
}

/// Secrets found in tutorials, defaults and leaked configs; a server that
/// accepts a token signed with one of them accepts anyone's.
pub const GUESSABLE_SECRETS: &[&str] = &[
    "secret",
    "your-256-bit-secret",
    "changeme",
    "jwt_secret",
    "jwtsecret",
    "your_jwt_secret",
    "your-secret-key",
    "secretkey",
    "supersecret",
    "mysecret",
    "password",
    "123456",
    "shhhhh",
    "keyboard cat",
    "default",
    "test",
];

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7515 (JSON Web Signature), Appendix A.1: the HS256 example's
    /// encoded header and payload, key (the JWK's `k`) and signature.
    #[test]
    fn rfc7515_a1_vector() {
        let header = "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9";
        let payload = "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ";
        let key = URL_SAFE_NO_PAD
            .decode("AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow")
            .unwrap();
        let token = sign_parts(Alg::Hs256, header, payload, &key);
        assert_eq!(
            token.rsplit('.').next().unwrap(),
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
        );
        assert!(verifies(&token, &key));
        assert!(!verifies(&token, b"other"));
        let c = claims(&token).unwrap();
        assert_eq!(c["iss"], "joe");
        assert_eq!(c["exp"], 1_300_819_380);
    }

    #[test]
    fn minted_and_unsigned_tokens() {
        let claims_in = serde_json::json!({"sub": "u1", "exp": 4_000_000_000u64});
        for alg in [Alg::Hs256, Alg::Hs384, Alg::Hs512] {
            let t = encode(alg, &claims_in, b"k3y");
            assert!(verifies(&t, b"k3y"), "{alg:?}");
            assert_eq!(algorithm(&t), Some(alg));
            assert_eq!(claims(&t).unwrap()["sub"], "u1");
        }
        let none = unsigned(&claims_in);
        assert!(none.ends_with('.'));
        assert_eq!(algorithm(&none), None);
        assert!(!verifies(&none, b"k3y"));
        assert_eq!(claims(&none).unwrap()["sub"], "u1");
        assert!(claims("opaque-token").is_none());
    }
}
