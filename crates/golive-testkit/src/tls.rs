//! Certificates made on the spot, and nginx serving them: a private CA, a
//! valid leaf, an expired one, one expiring soon, one for the wrong host, a
//! self-signed one, a TLS 1.3-only server and one that still accepts TLS 1.0
//! and 1.1. The `tls` probe's tests and `scripts/bench-tls.sh` (through the
//! `tls-lab` binary) use the same cases, so what the benchmark compares is
//! what the tests assert.

use std::path::{Path, PathBuf};
use std::process::Command;

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose,
};
use time::{Duration, OffsetDateTime};

use crate::{Nginx, free_port, program};

/// The host name every leaf but the wrong-host one is issued for.
pub const HOST: &str = "localhost";

/// One nginx server of the lab, and what a correct TLS checker says of it.
#[derive(Debug, Clone)]
pub struct Case {
    pub name: &'static str,
    pub port: u16,
    /// The verdict on the certificate: `ok`, `expired`, `wrong_host`,
    /// `self_signed`.
    pub verdict: &'static str,
    /// Does the server accept TLS 1.0 or 1.1?
    pub old_protocols: bool,
    /// The lowest protocol version it accepts.
    pub min_protocol: &'static str,
}

/// The lab: one nginx with a server per case, on its own port each.
pub struct TlsLab {
    pub nginx: Nginx,
    pub cases: Vec<Case>,
    /// The private CA's certificate (PEM), to trust with `--ca` or `ca =`.
    pub ca: PathBuf,
}

struct Spec {
    name: &'static str,
    cert: &'static str,
    protocols: &'static str,
    ciphers: Option<&'static str>,
    verdict: &'static str,
    old_protocols: bool,
    min_protocol: &'static str,
}

const SPECS: &[Spec] = &[
    Spec {
        name: "valid",
        cert: "valid",
        protocols: "TLSv1.2 TLSv1.3",
        ciphers: None,
        verdict: "ok",
        old_protocols: false,
        min_protocol: "TLSv1.2",
    },
    Spec {
        name: "expired",
        cert: "expired",
        protocols: "TLSv1.2 TLSv1.3",
        ciphers: None,
        verdict: "expired",
        old_protocols: false,
        min_protocol: "TLSv1.2",
    },
    Spec {
        name: "expiring",
        cert: "expiring",
        protocols: "TLSv1.2 TLSv1.3",
        ciphers: None,
        verdict: "ok",
        old_protocols: false,
        min_protocol: "TLSv1.2",
    },
    Spec {
        name: "wrong_host",
        cert: "wrong_host",
        protocols: "TLSv1.2 TLSv1.3",
        ciphers: None,
        verdict: "wrong_host",
        old_protocols: false,
        min_protocol: "TLSv1.2",
    },
    Spec {
        name: "self_signed",
        cert: "self_signed",
        protocols: "TLSv1.2 TLSv1.3",
        ciphers: None,
        verdict: "self_signed",
        old_protocols: false,
        min_protocol: "TLSv1.2",
    },
    Spec {
        name: "tls13_only",
        cert: "valid",
        protocols: "TLSv1.3",
        ciphers: None,
        verdict: "ok",
        old_protocols: false,
        min_protocol: "TLSv1.3",
    },
    Spec {
        // Debian's OpenSSL refuses TLS 1.0 and 1.1 at its default security
        // level; level 0 lets nginx offer them, as an old server would.
        name: "old_protocols",
        cert: "rsa",
        protocols: "TLSv1 TLSv1.1 TLSv1.2",
        ciphers: Some("DEFAULT@SECLEVEL=0"),
        verdict: "ok",
        old_protocols: true,
        min_protocol: "TLSv1.0",
    },
];

impl TlsLab {
    /// Makes the certificates and starts nginx with every case.
    pub fn start() -> Self {
        let ports: Vec<u16> = SPECS.iter().map(|_| free_port()).collect();
        let mut servers = String::new();
        for (spec, port) in SPECS.iter().zip(&ports) {
            let ciphers = spec
                .ciphers
                .map(|c| format!("ssl_ciphers {c};"))
                .unwrap_or_default();
            servers.push_str(&format!(
                "server {{\n  listen 127.0.0.1:{port} ssl;\n  server_name {HOST};\n  \
                 ssl_certificate {{dir}}/certs/{cert}.crt;\n  ssl_certificate_key {{dir}}/certs/{cert}.key;\n  \
                 ssl_protocols {protocols};\n  {ciphers}\n  location / {{ return 200 '{name}'; }}\n}}\n",
                cert = spec.cert,
                protocols = spec.protocols,
                name = spec.name,
            ));
        }
        // nginx's own port serves the valid case too: `Nginx` waits on it.
        servers.push_str(
            "server { listen 127.0.0.1:{port} ssl; ssl_certificate {dir}/certs/valid.crt; \
             ssl_certificate_key {dir}/certs/valid.key; location / { return 200 'lab'; } }\n",
        );
        let nginx = Nginx::start_with(&servers, |dir| {
            write_certificates(&dir.join("certs"));
        });
        for port in &ports {
            crate::wait_for_port(
                ([127, 0, 0, 1], *port).into(),
                std::time::Duration::from_secs(10),
                "nginx (TLS lab)",
            );
        }
        let ca = nginx.dir.path().join("certs/ca.pem");
        let cases = SPECS
            .iter()
            .zip(ports)
            .map(|(s, port)| Case {
                name: s.name,
                port,
                verdict: s.verdict,
                old_protocols: s.old_protocols,
                min_protocol: s.min_protocol,
            })
            .collect();
        let lab = Self { nginx, cases, ca };
        lab.assert_old_protocols_really_offered();
        lab
    }

    pub fn case(&self, name: &str) -> &Case {
        self.cases
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("no TLS lab case `{name}`"))
    }

    /// The lab is only worth its verdicts if the old-protocol server really
    /// speaks TLS 1.0, and the others really do not: asked with OpenSSL's
    /// own client, not with the code under test.
    fn assert_old_protocols_really_offered(&self) {
        for case in &self.cases {
            // A handshake that fails once on a loaded machine (the server
            // just started, the client timed out) is asked again; a server
            // that refuses TLS 1.0 refuses it every time.
            let tries = if case.old_protocols { 3 } else { 1 };
            let speaks = (0..tries).any(|attempt| {
                if attempt > 0 {
                    std::thread::sleep(std::time::Duration::from_millis(300));
                }
                openssl_speaks_tls1(case.port)
            });
            assert_eq!(
                speaks,
                case.old_protocols,
                "TLS lab `{}` on port {}: openssl s_client -tls1 says TLS 1.0 is {}",
                case.name,
                case.port,
                if speaks { "accepted" } else { "refused" }
            );
        }
    }
}

/// `openssl s_client -tls1` against a loopback port: did TLS 1.0 complete?
pub fn openssl_speaks_tls1(port: u16) -> bool {
    let out = Command::new(program("openssl"))
        .args([
            "s_client",
            "-tls1",
            "-cipher",
            "DEFAULT@SECLEVEL=0",
            "-connect",
            &format!("127.0.0.1:{port}"),
            "-servername",
            HOST,
        ])
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run openssl s_client");
    let text = String::from_utf8_lossy(&out.stdout);
    // `New, TLSv1.0, Cipher is …` only when the handshake completed; the
    // session block below it names the version tried even on failure.
    text.lines()
        .any(|l| l.starts_with("New, TLSv1.0,") && !l.contains("(NONE)"))
}

/// Writes `ca.pem` and, for each leaf, `NAME.crt` (leaf then CA for the
/// CA-signed ones) and `NAME.key` into `dir`.
pub fn write_certificates(dir: &Path) {
    std::fs::create_dir_all(dir).expect("certificate folder");
    let now = OffsetDateTime::now_utc();
    let ca_key = KeyPair::generate().expect("CA key");
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca_params
        .distinguished_name
        .push(DnType::CommonName, "golive test CA");
    ca_params
        .distinguished_name
        .push(DnType::OrganizationName, "golive tests");
    ca_params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    ca_params.not_before = now - Duration::days(400);
    ca_params.not_after = now + Duration::days(3650);
    let ca_cert = ca_params.self_signed(&ca_key).expect("CA certificate");
    let ca_pem = ca_cert.pem();
    std::fs::write(dir.join("ca.pem"), &ca_pem).expect("write ca.pem");
    let issuer = Issuer::new(ca_params, ca_key);

    let leaf = |names: &[&str], from: i64, to: i64| {
        let mut p =
            CertificateParams::new(names.iter().map(|s| (*s).to_string()).collect::<Vec<_>>())
                .expect("leaf params");
        p.distinguished_name
            .push(DnType::CommonName, names.first().copied().unwrap_or(HOST));
        p.not_before = now + Duration::days(from);
        p.not_after = now + Duration::days(to);
        p.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
        p.key_usages = vec![
            KeyUsagePurpose::DigitalSignature,
            KeyUsagePurpose::KeyEncipherment,
        ];
        p
    };
    let write = |name: &str, cert_pem: String, key: &KeyPair, chain: bool| {
        let pem = if chain {
            format!("{cert_pem}{ca_pem}")
        } else {
            cert_pem
        };
        std::fs::write(dir.join(format!("{name}.crt")), pem).expect("write certificate");
        std::fs::write(dir.join(format!("{name}.key")), key.serialize_pem()).expect("write key");
    };
    let signed = |name: &str, params: CertificateParams, key: KeyPair| {
        let cert = params.signed_by(&key, &issuer).expect("sign leaf");
        write(name, cert.pem(), &key, true);
    };
    let key = || KeyPair::generate().expect("leaf key");
    signed("valid", leaf(&[HOST, "127.0.0.1"], -1, 90), key());
    signed("expired", leaf(&[HOST, "127.0.0.1"], -90, -2), key());
    signed("expiring", leaf(&[HOST, "127.0.0.1"], -80, 5), key());
    signed("wrong_host", leaf(&["wrong.golive.test"], -1, 90), key());
    signed("rsa", leaf(&[HOST, "127.0.0.1"], -1, 90), rsa_key(dir));
    let own = key();
    let cert = leaf(&[HOST, "127.0.0.1"], -1, 90)
        .self_signed(&own)
        .expect("self-signed certificate");
    write("self_signed", cert.pem(), &own, false);
}

/// An RSA 2048 key, which ring cannot generate, made by OpenSSL.
fn rsa_key(dir: &Path) -> KeyPair {
    let path = dir.join("rsa-gen.key");
    let status = Command::new(program("openssl"))
        .args([
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-out",
        ])
        .arg(&path)
        .stderr(std::process::Stdio::null())
        .status()
        .expect("run openssl genpkey");
    assert!(status.success(), "openssl genpkey failed");
    let pem = std::fs::read_to_string(&path).expect("read RSA key");
    KeyPair::from_pem(&pem).expect("RSA key usable by rcgen")
}
