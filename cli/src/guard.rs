//! What `aipm serve` checks before anything else: that a loopback server is
//! asked under its own name (a page that rebinds `evil.example` to 127.0.0.1
//! sends `Host: evil.example`), that a public address has a strong token, and
//! the headers that keep the web UI from being framed, sniffed or scripted
//! from elsewhere.

use http::{HeaderMap, HeaderValue};
use std::net::SocketAddr;

/// Shortest API token accepted on a non-loopback address.
pub const MIN_PUBLIC_TOKEN_CHARS: usize = 32;

/// The Host names a server answers to.
#[derive(Debug, Clone)]
pub struct HostCheck {
    /// `None`: any Host (a non-loopback address without configured names).
    allowed: Option<Vec<String>>,
}

impl HostCheck {
    /// A loopback server answers to localhost, 127.0.0.1 and [::1] on its
    /// port, and to the configured names (`name` for any port, `name:port`
    /// for one). A public server checks only when names are configured.
    pub fn new(listen: SocketAddr, configured: &[String]) -> HostCheck {
        let mut names: Vec<String> = configured
            .iter()
            .map(|n| n.trim().to_ascii_lowercase())
            .filter(|n| !n.is_empty())
            .collect();
        if !listen.ip().is_loopback() && names.is_empty() {
            return HostCheck { allowed: None };
        }
        let port = listen.port();
        for local in ["localhost", "127.0.0.1", "[::1]"] {
            names.push(format!("{local}:{port}"));
            if port == 80 {
                names.push(local.to_string());
            }
        }
        HostCheck {
            allowed: Some(names),
        }
    }

    /// `Err` with the refused Host (as sent) when the request may not be answered.
    pub fn check(&self, headers: &HeaderMap) -> Result<(), String> {
        let Some(allowed) = &self.allowed else {
            return Ok(());
        };
        let sent = headers
            .get(http::header::HOST)
            .map(|v| v.to_str().unwrap_or("?"))
            .unwrap_or("");
        let host = sent.trim().to_ascii_lowercase();
        let name_only = match host.rsplit_once(':') {
            Some((name, port)) if !port.contains(']') => name,
            _ => host.as_str(),
        };
        if allowed.iter().any(|a| *a == host || *a == name_only) {
            Ok(())
        } else {
            Err(sent.to_string())
        }
    }
}

/// Why a token is too weak for a public address, if it is.
pub fn weak_token(token: &str) -> Option<String> {
    let chars = token.chars().count();
    let distinct = {
        let mut seen: Vec<char> = token.chars().collect();
        seen.sort_unstable();
        seen.dedup();
        seen.len()
    };
    if chars < MIN_PUBLIC_TOKEN_CHARS {
        Some(format!(
            "AIPM_API_TOKEN has {chars} characters; a non-loopback address needs at least {MIN_PUBLIC_TOKEN_CHARS} (e.g. `openssl rand -hex 32`)"
        ))
    } else if distinct < 8 {
        Some(format!(
            "AIPM_API_TOKEN uses only {distinct} different characters; use a random one (e.g. `openssl rand -hex 32`)"
        ))
    } else {
        None
    }
}

/// The web UI's protections: scripts, styles and connections from its own
/// origin only (the UI has no inline script or style), no framing, no
/// content sniffing, no referrer to other sites.
pub fn add_ui_headers(headers: &mut HeaderMap) {
    headers.insert(
        http::header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
             frame-ancestors 'none'",
        ),
    );
    headers.insert(
        http::header::X_FRAME_OPTIONS,
        HeaderValue::from_static("DENY"),
    );
    headers.insert(
        http::header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    add_api_headers(headers);
}

/// Every answer: its type is the one declared.
pub fn add_api_headers(headers: &mut HeaderMap) {
    headers.insert(
        http::header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(h: &'static str) -> HeaderMap {
        let mut m = HeaderMap::new();
        m.insert(http::header::HOST, HeaderValue::from_static(h));
        m
    }

    #[test]
    fn a_loopback_server_answers_to_its_own_names_only() {
        let check = HostCheck::new("127.0.0.1:8080".parse().unwrap(), &["aipm.lan".into()]);
        for ok in [
            "127.0.0.1:8080",
            "localhost:8080",
            "[::1]:8080",
            "LOCALHOST:8080",
            "aipm.lan",
            "aipm.lan:9",
        ] {
            assert!(check.check(&host(ok)).is_ok(), "{ok}");
        }
        for bad in [
            "evil.example",
            "evil.example:8080",
            "127.0.0.1:9999",
            "localhost",
        ] {
            assert_eq!(check.check(&host(bad)), Err(bad.to_string()));
        }
        assert!(check.check(&HeaderMap::new()).is_err());
    }

    #[test]
    fn a_public_server_without_names_answers_any_host() {
        let check = HostCheck::new("0.0.0.0:8080".parse().unwrap(), &[]);
        assert!(check.check(&host("aipm.example.com")).is_ok());
    }

    #[test]
    fn public_tokens_are_long_and_varied() {
        assert!(weak_token("x").is_some());
        assert!(weak_token(&"a".repeat(40)).is_some());
        assert!(weak_token("3f9c2a7e41b08d6655e0c1a9b7d43f2e").is_none());
    }
}
