//! Writing golive.toml from a mapped checklist, in a form a person reads
//! and corrects: every check says which line it verifies and why it was
//! mapped so, cloud items get a command template, manual items are listed.

use std::fmt::Write;

use golive_checklist::Checklist;
use golive_core::{Class, Plan};

fn value(v: &toml::Value) -> String {
    match v {
        toml::Value::Table(t) => {
            let inner: Vec<String> = t
                .iter()
                .map(|(k, v)| format!("{} = {}", key(k), value(v)))
                .collect();
            format!("{{ {} }}", inner.join(", "))
        }
        toml::Value::Array(a) => {
            format!("[{}]", a.iter().map(value).collect::<Vec<_>>().join(", "))
        }
        other => other.to_string(),
    }
}

fn key(k: &str) -> String {
    if !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    {
        k.to_string()
    } else {
        toml::Value::String(k.to_string()).to_string()
    }
}

fn string(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn comment(s: &str) -> String {
    s.replace('\n', " ")
}

/// Commented settings for a check the team completes.
fn template(kind: &str) -> &'static str {
    match kind {
        "flow" => concat!(
            "# base = \"${app}\"\n",
            "# [[check.step]]\n# name = \"login\"\n# path = \"/api/auth/login\"\n",
            "# json = { email = \"${LOGIN_EMAIL}\", password = \"${LOGIN_PASSWORD}\" }\n",
            "# capture = { token = \"json.token\" }\n",
            "# [[check.step]]\n# name = \"profile\"\n# path = \"/api/me\"\n",
            "# headers = { Authorization = \"Bearer {{token}}\" }"
        ),
        "auth" => "# url = \"${app}/api/…\"   # a route that needs a token",
        "webhook" => {
            "# url = \"${app}/webhooks/…\"\n# provider = \"stripe\"   # whatsapp, stripe, github or standard"
        }
        "websocket" => "# url = \"${app}/ws\"\n# send = \"ping\"\n# reply = \"pong\"",
        "backup" => {
            "# path = \"/var/backups/db/*.sql.gz\"\n# max_age = \"26h\"\n# min_size = \"1KB\""
        }
        _ => "# url = \"${app}/…\"",
    }
}

/// The config text for `plan`, bound to the checklist at `checklist_path`
/// (relative to where the config will be written).
pub fn render(checklist: &Checklist, plan: &Plan, checklist_path: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# golive.toml: the checks for {checklist_path}, written by `golive init`."
    );
    let _ = writeln!(
        out,
        "# Edit it freely: `golive run golive.toml` runs exactly what is here."
    );
    let _ = writeln!(out, "#");
    let _ = writeln!(
        out,
        "# ${{app}} is the deployment's base URL (--url, or [targets] below); ${{NAME}}"
    );
    let _ = writeln!(
        out,
        "# reads NAME from --env-file or the environment. Expectations read like"
    );
    let _ = writeln!(
        out,
        "# `status == 200`, `json.database == connected`, `time < 2s`, `header.x exists`."
    );
    let _ = writeln!(out);
    let _ = writeln!(out, "checklist = {}", string(checklist_path));
    let _ = writeln!(out);
    let _ = writeln!(out, "[targets]");
    let _ = writeln!(out, "# app = \"https://api.example.com\"");
    let _ = writeln!(out);
    let _ = writeln!(out, "[defaults]");
    let _ = writeln!(out, "timeout = \"10s\"");
    let _ = writeln!(out);
    let roles: Vec<String> = checklist.signoffs.iter().map(|s| string(&s.role)).collect();
    let _ = writeln!(out, "[policy]");
    if roles.is_empty() {
        let _ = writeln!(out, "# require_signoffs = [\"Tech Lead\"]");
    } else {
        let _ = writeln!(
            out,
            "# The checklist's sign-off table asks for these roles:"
        );
        let _ = writeln!(out, "require_signoffs = [{}]", roles.join(", "));
    }
    let _ = writeln!(out, "open_normal_items_block = false");

    let mut manual = Vec::new();
    let mut last_section = None;
    for planned in &plan.items {
        let item = &checklist.items[planned.index];
        if planned.class == Class::Manual && planned.checks.is_empty() {
            manual.push(planned.index);
            continue;
        }
        if last_section != Some(item.section) {
            last_section = Some(item.section);
            let path = checklist.section_path(item).join(" › ");
            let _ = writeln!(
                out,
                "\n# ── {} ──",
                if path.is_empty() {
                    "(no section)"
                } else {
                    &path
                }
            );
        }
        let _ = writeln!(out, "\n# line {}: {}", item.line, comment(&item.plain));
        let _ = writeln!(out, "#   {}", comment(&planned.why));
        if planned.checks.is_empty() && planned.class == Class::Cloud {
            let _ = writeln!(
                out,
                "#   needs a cloud provider's API: enable it with a command that checks it."
            );
            let _ = writeln!(
                out,
                "[[item]]\nid = {}\nclass = \"cloud\"",
                string(&item.id)
            );
            let _ = writeln!(
                out,
                "# [[check]]\n# item = {}\n# kind = \"command\"\n# class = \"cloud\"\n# run = \"aws ... \"",
                string(&item.id)
            );
            continue;
        }
        if planned.checks.is_empty() {
            // A probe fits but needs what only the team knows: the config
            // keeps the class and shows the check to complete.
            if let Some(kind) = planned.probe {
                for need in &planned.needs {
                    let _ = writeln!(out, "#   not verified until it has {}", comment(need));
                }
                let _ = writeln!(
                    out,
                    "[[item]]\nid = {}\nclass = {}",
                    string(&item.id),
                    string(planned.class.name())
                );
                let _ = writeln!(
                    out,
                    "# [[check]]\n# item = {}\n# kind = {}",
                    string(&item.id),
                    string(kind.name())
                );
                let _ = writeln!(out, "{}", template(kind.name()));
            }
            continue;
        }
        for &k in &planned.checks {
            let check = &plan.checks[k];
            let _ = writeln!(out, "[[check]]");
            if check.id != item.id && !check.id.starts_with(&format!("{}#", item.id)) {
                let _ = writeln!(out, "id = {}", string(&check.id));
            }
            let _ = writeln!(out, "item = {}", string(&item.id));
            let _ = writeln!(out, "kind = {}", string(check.kind.name()));
            for (k, v) in &check.settings {
                let _ = writeln!(out, "{} = {}", key(k), value(v));
            }
            if !check.expect.is_empty() {
                let list: Vec<String> = check.expect.iter().map(|e| string(e.source())).collect();
                let _ = writeln!(out, "expect = [{}]", list.join(", "));
            }
            if let Some(t) = check.timeout {
                let _ = writeln!(
                    out,
                    "timeout = {}",
                    string(&golive_core::format_duration(t))
                );
            }
        }
    }
    if !manual.is_empty() {
        let _ = writeln!(out, "\n# ── Manual items ──");
        let _ = writeln!(
            out,
            "# Only a person can settle these: mark them in the checklist. To verify one"
        );
        let _ = writeln!(out, "# by machine, add a [[check]] with its id.");
        for i in manual {
            let item = &checklist.items[i];
            let _ = writeln!(
                out,
                "#   line {:>4}  {}  ({})",
                item.line,
                comment(&item.plain),
                item.id
            );
        }
    }
    out
}
