//! Does a server accept a given TLS protocol version? Asked with one
//! hand-built ClientHello.
//!
//! rustls speaks only TLS 1.2 and 1.3, on purpose, so it cannot tell whether
//! a server still accepts SSLv3, TLS 1.0 or 1.1, which is exactly what a
//! go-live check must find out. No maintained Rust crate speaks those
//! versions without linking OpenSSL, and the question needs far less than a
//! TLS stack: the server's first answer to a ClientHello already says it.
//! So this module writes one ClientHello by hand that offers only the
//! version asked about (RFC 2246 §7.4.1.2 for its layout), with the cipher
//! suites and extensions that version's servers expect, and reads the first
//! handshake message or alert that comes back:
//!
//! - a ServerHello carrying that version: the server accepts it;
//! - an alert (`protocol_version`, `handshake_failure`, …), a ServerHello of
//!   another version, or a closed connection: it does not;
//! - bytes that are not TLS records, or silence until the deadline: the
//!   question has no answer, reported as such.
//!
//! The handshake is abandoned after the ServerHello: nothing is encrypted and
//! no key is agreed, so the ClientHello's random needs no cryptographic
//! quality. testssl.sh asks the same way ("via sockets"); this is not its
//! code, but the same RFC read again.
//!
//! TLS 1.2 is asked this way too, with a broad list of suites, because a
//! rustls handshake would fail on a TLS 1.2 server that offers only suites
//! rustls refuses (CBC ones), and that server still accepts TLS 1.2.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A protocol version the hand-built ClientHello can offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Legacy {
    Ssl3,
    Tls10,
    Tls11,
    Tls12,
}

impl Legacy {
    pub const ALL: [Legacy; 4] = [Self::Ssl3, Self::Tls10, Self::Tls11, Self::Tls12];

    fn wire(self) -> [u8; 2] {
        match self {
            Self::Ssl3 => [3, 0],
            Self::Tls10 => [3, 1],
            Self::Tls11 => [3, 2],
            Self::Tls12 => [3, 3],
        }
    }

    /// The name reports use, the same as for versions rustls negotiates.
    pub fn name(self) -> &'static str {
        match self {
            Self::Ssl3 => "SSLv3",
            Self::Tls10 => "TLSv1.0",
            Self::Tls11 => "TLSv1.1",
            Self::Tls12 => "TLSv1.2",
        }
    }
}

/// What the server answered to a ClientHello offering one version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    /// A ServerHello of the version offered.
    Accepted,
    /// An alert, another version or a closed connection: why, in words.
    Refused(String),
    /// No answer that says either way (not TLS, silence, a network error).
    Unknown(String),
}

impl fmt::Display for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Accepted => f.write_str("accepted"),
            Self::Refused(why) | Self::Unknown(why) => f.write_str(why),
        }
    }
}

/// Offers `version` alone to `addr` and reports the answer, within `limit`.
/// `sni` is sent as the server name when it is a DNS name.
pub async fn ask(addr: (&str, u16), sni: Option<&str>, version: Legacy, limit: Duration) -> Answer {
    match tokio::time::timeout(limit, exchange(addr, sni, version)).await {
        Ok(answer) => answer,
        Err(_) => Answer::Unknown(format!(
            "no answer to a {} ClientHello within {}",
            version.name(),
            golive_core::format_duration(limit)
        )),
    }
}

async fn exchange(addr: (&str, u16), sni: Option<&str>, version: Legacy) -> Answer {
    let mut stream = match TcpStream::connect(addr).await {
        Ok(s) => s,
        Err(e) => return Answer::Unknown(format!("cannot connect: {e}")),
    };
    let hello = client_hello(version, sni);
    if let Err(e) = stream.write_all(&hello).await {
        return Answer::Unknown(format!("cannot send the ClientHello: {e}"));
    }
    let mut header = [0u8; 5];
    match stream.read_exact(&mut header).await {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            return Answer::Refused(format!(
                "the server closed the connection on a {} ClientHello",
                version.name()
            ));
        }
        Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => {
            return Answer::Refused(format!(
                "the server reset the connection on a {} ClientHello",
                version.name()
            ));
        }
        Err(e) => return Answer::Unknown(format!("reading the answer failed: {e}")),
    }
    let (content_type, record_major, length) = (
        header[0],
        header[1],
        usize::from(u16::from_be_bytes([header[3], header[4]])),
    );
    // A TLS record is a known content type, major version 3 and at most
    // 2^14 + 2048 bytes (RFC 5246 §6.2.3); anything else is not TLS.
    if !(20..=24).contains(&content_type) || record_major != 3 || length > 18_432 || length == 0 {
        return Answer::Unknown(format!(
            "the answer is not TLS (first bytes {:02x} {:02x} {:02x})",
            header[0], header[1], header[2]
        ));
    }
    let mut body = vec![0u8; length.min(64)];
    let n = body.len();
    if let Err(e) = stream.read_exact(&mut body[..n]).await {
        return Answer::Unknown(format!("the answer was cut short: {e}"));
    }
    judge(content_type, &body, version)
}

/// Reads the first record's body: an alert, or the ServerHello's version.
fn judge(content_type: u8, body: &[u8], version: Legacy) -> Answer {
    match content_type {
        21 => {
            let description = body.get(1).copied().unwrap_or(0);
            Answer::Refused(format!(
                "{} refused with the alert {}",
                version.name(),
                alert_name(description)
            ))
        }
        22 => {
            // Handshake: type (1), length (3), then the ServerHello's version.
            if body.first() != Some(&2) {
                return Answer::Unknown(format!(
                    "the server's first handshake message is type {}, not a ServerHello",
                    body.first().copied().unwrap_or(0)
                ));
            }
            match body.get(4..6) {
                Some(v) if v == version.wire() => Answer::Accepted,
                Some(v) => Answer::Refused(format!(
                    "offered only {}, the server answered with {}",
                    version.name(),
                    wire_name([v[0], v[1]])
                )),
                None => Answer::Unknown("the ServerHello is cut short".into()),
            }
        }
        other => Answer::Unknown(format!(
            "the server answered with a TLS record of type {other} before any ServerHello"
        )),
    }
}

fn wire_name(v: [u8; 2]) -> String {
    match v {
        [3, 0] => "SSLv3".into(),
        [3, 1] => "TLSv1.0".into(),
        [3, 2] => "TLSv1.1".into(),
        [3, 3] => "TLSv1.2".into(),
        [3, 4] => "TLSv1.3".into(),
        [a, b] => format!("version {a}.{b}"),
    }
}

/// RFC 5246 §7.2 and RFC 8446 §6 names of the alerts a refusal carries.
fn alert_name(code: u8) -> String {
    let name = match code {
        0 => "close_notify",
        10 => "unexpected_message",
        20 => "bad_record_mac",
        22 => "record_overflow",
        40 => "handshake_failure",
        42 => "bad_certificate",
        47 => "illegal_parameter",
        50 => "decode_error",
        51 => "decrypt_error",
        70 => "protocol_version",
        71 => "insufficient_security",
        80 => "internal_error",
        86 => "inappropriate_fallback",
        90 => "user_canceled",
        109 => "missing_extension",
        110 => "unsupported_extension",
        112 => "unrecognized_name",
        120 => "no_application_protocol",
        other => return format!("#{other}"),
    };
    name.to_string()
}

/// Cipher suites for the version asked about: every suite a server of that
/// version is likely to be configured with, so that "refused" means the
/// version and not a missing suite. AEAD and SHA-256 suites exist only
/// from TLS 1.2 on.
fn suites(version: Legacy) -> Vec<u16> {
    let mut s: Vec<u16> = Vec::new();
    if version == Legacy::Tls12 {
        s.extend([
            0xc02c, 0xc02b, 0xc030, 0xc02f, // ECDHE-{ECDSA,RSA}-AES{256,128}-GCM
            0xcca9, 0xcca8, 0xccaa, // CHACHA20-POLY1305 (ECDSA, RSA, DHE)
            0x009f, 0x009e, 0x009d, 0x009c, // DHE-RSA and RSA AES-GCM
            0xc024, 0xc023, 0xc028, 0xc027, // ECDHE CBC-SHA384/256
            0x006b, 0x0067, 0x003d, 0x003c, // DHE-RSA and RSA CBC-SHA256
        ]);
    }
    s.extend([
        0xc00a, 0xc009, 0xc014, 0xc013, // ECDHE-{ECDSA,RSA}-AES{256,128}-SHA
        0x0039, 0x0038, 0x0033, 0x0032, // DHE-{RSA,DSS}-AES{256,128}-SHA
        0x0088, 0x0087, 0x0045, 0x0044, // DHE CAMELLIA
        0x0035, 0x002f, 0x0084, 0x0041, // RSA AES and CAMELLIA
        0x0096, 0x009a, // SEED
        0xc008, 0xc012, 0x0016, 0x0013, 0x000a, // 3DES
        0xc007, 0xc011, 0x0005, 0x0004, // RC4
        0xc005, 0xc004, 0xc00f, 0xc00e, // static ECDH
        0x0015, 0x0012, 0x0009, // single DES
    ]);
    // TLS_EMPTY_RENEGOTIATION_INFO_SCSV: some servers refuse a hello
    // without a word on secure renegotiation.
    s.push(0x00ff);
    s
}

/// The ClientHello record offering `version` only.
pub fn client_hello(version: Legacy, sni: Option<&str>) -> Vec<u8> {
    let mut body = Vec::with_capacity(512);
    body.extend_from_slice(&version.wire());
    body.extend_from_slice(&pseudo_random());
    body.push(0); // no session id
    let suites = suites(version);
    push_u16(&mut body, suites.len() * 2);
    for s in suites {
        body.extend_from_slice(&s.to_be_bytes());
    }
    body.extend_from_slice(&[1, 0]); // compression: null only
    if version != Legacy::Ssl3 {
        let ext = extensions(version, sni);
        push_u16(&mut body, ext.len());
        body.extend_from_slice(&ext);
    }
    let mut handshake = Vec::with_capacity(body.len() + 4);
    handshake.push(1); // client_hello
    push_u24(&mut handshake, body.len());
    handshake.extend_from_slice(&body);
    let mut record = Vec::with_capacity(handshake.len() + 5);
    record.push(22); // handshake
    // The record layer says TLS 1.0 for every version but SSLv3, as
    // browsers did: some servers reject a first record above 1.0.
    record.extend_from_slice(if version == Legacy::Ssl3 {
        &[3, 0]
    } else {
        &[3, 1]
    });
    push_u16(&mut record, handshake.len());
    record.extend_from_slice(&handshake);
    record
}

fn extensions(version: Legacy, sni: Option<&str>) -> Vec<u8> {
    let mut ext = Vec::new();
    if let Some(name) = sni.filter(|n| n.parse::<std::net::IpAddr>().is_err() && !n.is_empty()) {
        let name = name.trim_end_matches('.').as_bytes();
        let mut list = vec![0u8]; // host_name
        push_u16(&mut list, name.len());
        list.extend_from_slice(name);
        let mut data = Vec::new();
        push_u16(&mut data, list.len());
        data.extend_from_slice(&list);
        push_ext(&mut ext, 0x0000, &data);
    }
    // supported_groups: x25519, P-256, P-384, P-521, for ECDHE suites.
    let groups: [u16; 4] = [0x001d, 0x0017, 0x0018, 0x0019];
    let mut data = Vec::new();
    push_u16(&mut data, groups.len() * 2);
    for g in groups {
        data.extend_from_slice(&g.to_be_bytes());
    }
    push_ext(&mut ext, 0x000a, &data);
    push_ext(&mut ext, 0x000b, &[1, 0]); // ec_point_formats: uncompressed
    if version == Legacy::Tls12 {
        // signature_algorithms exists from TLS 1.2 on (RFC 5246 §7.4.1.4.1).
        let schemes: [u16; 9] = [
            0x0403, 0x0503, 0x0603, // ECDSA SHA-256/384/512
            0x0804, 0x0805, 0x0806, // RSA-PSS
            0x0401, 0x0501, 0x0601, // RSA PKCS#1
        ];
        let mut data = Vec::new();
        push_u16(&mut data, schemes.len() * 2 + 4);
        for s in schemes {
            data.extend_from_slice(&s.to_be_bytes());
        }
        data.extend_from_slice(&[0x02, 0x01, 0x02, 0x03]); // SHA-1 RSA and ECDSA
        push_ext(&mut ext, 0x000d, &data);
    }
    ext
}

fn push_ext(out: &mut Vec<u8>, kind: u16, data: &[u8]) {
    out.extend_from_slice(&kind.to_be_bytes());
    push_u16(out, data.len());
    out.extend_from_slice(data);
}

fn push_u16(out: &mut Vec<u8>, n: usize) {
    out.extend_from_slice(&u16::try_from(n).unwrap_or(u16::MAX).to_be_bytes());
}

fn push_u24(out: &mut Vec<u8>, n: usize) {
    let n = u32::try_from(n).unwrap_or(u32::MAX).to_be_bytes();
    out.extend_from_slice(&n[1..]);
}

/// 32 bytes that differ from one hello to the next. The handshake never
/// reaches key agreement, so no secret depends on them.
fn pseudo_random() -> [u8; 32] {
    let mut seed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0x9E37_79B9_7F4A_7C15, |d| d.as_nanos() as u64)
        | 1;
    let mut out = [0u8; 32];
    for chunk in out.chunks_mut(8) {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        chunk.copy_from_slice(&seed.to_be_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hello_layout_is_consistent() {
        for v in Legacy::ALL {
            let rec = client_hello(v, Some("api.example.com"));
            assert_eq!(rec[0], 22);
            let record_len = usize::from(u16::from_be_bytes([rec[3], rec[4]]));
            assert_eq!(record_len, rec.len() - 5, "{v:?}");
            assert_eq!(rec[5], 1, "client_hello");
            let hs_len =
                (usize::from(rec[6]) << 16) | (usize::from(rec[7]) << 8) | usize::from(rec[8]);
            assert_eq!(hs_len, rec.len() - 9);
            assert_eq!(&rec[9..11], &v.wire());
            let has_sni = rec.windows(15).any(|w| w == b"api.example.com");
            assert_eq!(has_sni, v != Legacy::Ssl3, "{v:?}");
        }
        let ip = client_hello(Legacy::Tls10, Some("127.0.0.1"));
        assert!(
            !ip.windows(9).any(|w| w == b"127.0.0.1"),
            "no SNI for addresses"
        );
    }

    #[test]
    fn answers_are_read() {
        // Alert: fatal protocol_version.
        assert_eq!(
            judge(21, &[2, 70], Legacy::Tls10),
            Answer::Refused("TLSv1.0 refused with the alert protocol_version".into())
        );
        // ServerHello of TLS 1.0.
        assert_eq!(
            judge(22, &[2, 0, 0, 70, 3, 1], Legacy::Tls10),
            Answer::Accepted
        );
        // ServerHello of another version.
        assert!(matches!(
            judge(22, &[2, 0, 0, 70, 3, 3], Legacy::Tls11),
            Answer::Refused(m) if m.contains("answered with TLSv1.2")
        ));
        assert!(matches!(
            judge(22, &[11, 0], Legacy::Tls10),
            Answer::Unknown(_)
        ));
    }
}
