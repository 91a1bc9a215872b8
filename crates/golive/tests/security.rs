//! No secret value reaches any report: `golive run` with the security
//! probes against real servers, in every format, searched for every secret
//! it was given (env values, signing secrets, tokens).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use assert_cmd::Command;
use golive_testkit::security::{JwtFlaw, Provider, WebhookFlaw, jwt_server, webhook_server};

const JWT_SECRET: &str = "Kq3mZ8vR2xT7pL4wN9cB6hF1dS5gY0aJ";
const APP_SECRET: &str = "9e4c1f7a2b8d5e3f6a0c4b7d1e8f2a5c";
const VERIFY_TOKEN: &str = "verify-token-Hx7Lq2Zp9";
const SHORT_SECRET: &str = "tooshort-123";
const WEAK_TOKEN: &str = "abababababababababababababababababab";

#[test]
fn no_secret_in_any_report_format() {
    // A flawed server, so that failures and their reasons are reported too.
    let app = jwt_server(JWT_SECRET, JwtFlaw::IgnoresExpiry);
    let hook = webhook_server(
        Provider::Whatsapp,
        APP_SECRET,
        VERIFY_TOKEN,
        WebhookFlaw::None,
    );
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(
        root.join("CHECKLIST.md"),
        "# Launch\n\n## Security\n\n- [ ] JWT tokens expire correctly\n- [ ] Webhook signature verification is working\n- [ ] All secrets are at least 32 characters long\n",
    )
    .unwrap();
    std::fs::write(
        root.join(".env.production"),
        format!(
            "JWT_SECRET={JWT_SECRET}\nWHATSAPP_APP_SECRET={APP_SECRET}\nWHATSAPP_VERIFY_TOKEN={VERIFY_TOKEN}\nSESSION_SECRET={SHORT_SECRET}\nAPI_TOKEN={WEAK_TOKEN}\n"
        ),
    )
    .unwrap();
    std::fs::write(
        root.join("golive.toml"),
        format!(
            r#"checklist = "CHECKLIST.md"
env_files = [".env.production"]

[targets]
app = "{}"
hook = "{}"

[[check]]
item = "security/jwt-tokens-expire-correctly"
kind = "auth"
url = "${{app}}/dashboard"

[[check]]
item = "security/webhook-signature-verification-is-working"
kind = "webhook"
provider = "whatsapp"
url = "${{hook}}/webhook"

[[check]]
item = "security/all-secrets-are-at-least-32-characters-long"
kind = "env"
"#,
            app.url(),
            hook.url()
        ),
    )
    .unwrap();
    for format in ["human", "json", "junit", "markdown", "html"] {
        let out_file = root.join(format!("report.{format}"));
        let assert = Command::cargo_bin("golive")
            .unwrap()
            .current_dir(root)
            .args(["run", "golive.toml", "--format", format, "-o"])
            .arg(&out_file)
            .env("NO_COLOR", "1")
            .assert();
        let output = assert.get_output();
        assert_eq!(
            output.status.code(),
            Some(1),
            "{format}: NO-GO expected (expired tokens accepted, weak secrets): {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let mut text = std::fs::read_to_string(&out_file).unwrap();
        text.push_str(&String::from_utf8_lossy(&output.stdout));
        text.push_str(&String::from_utf8_lossy(&output.stderr));
        for secret in [
            JWT_SECRET,
            APP_SECRET,
            VERIFY_TOKEN,
            SHORT_SECRET,
            WEAK_TOKEN,
        ] {
            assert!(
                !text.contains(secret),
                "{format} report leaks {secret}:\n{text}"
            );
        }
        assert!(
            !text.contains("eyJ"),
            "{format} report holds a token:\n{text}"
        );
        if format == "json" {
            // The report says what failed, by name, without the values.
            assert!(
                text.contains("SESSION_SECRET") && text.contains("short_secret"),
                "{text}"
            );
            assert!(text.contains("accepted_cases"), "{text}");
        }
    }
}
