//! Proxies from the environment, as curl (and so Nix's fetchers) reads them: `http_proxy` for
//! http:// URLs, `https_proxy`/`HTTPS_PROXY` for https://, `all_proxy`/`ALL_PROXY` for either,
//! and `no_proxy`/`NO_PROXY` (comma-separated hosts or domain suffixes, `*` for all) to go
//! direct. (ureq's own reading of the environment uses one proxy for both schemes and also
//! `HTTP_PROXY`, which curl ignores.)
use anyhow::{Result, anyhow};

pub struct Proxies {
    pub http: Option<ureq::Proxy>,
    pub https: Option<ureq::Proxy>,
    no_proxy: Vec<String>,
}

impl Proxies {
    pub fn from_env() -> Result<Proxies> {
        Self::from(|k| std::env::var(k).ok().filter(|v| !v.trim().is_empty()))
    }

    fn from(var: impl Fn(&str) -> Option<String>) -> Result<Proxies> {
        let first = |keys: &[&'static str]| keys.iter().find_map(|&k| var(k).map(|v| (k, v)));
        let proxy = |keys: &[&'static str]| -> Result<Option<ureq::Proxy>> {
            first(keys)
                .map(|(k, v)| ureq::Proxy::new(&v).map_err(|e| anyhow!("{k}={v}: {e}")))
                .transpose()
        };
        let no_proxy = first(&["no_proxy", "NO_PROXY"])
            .map(|(_, v)| {
                v.split(',')
                    .map(|e| e.trim().trim_start_matches("*.").trim_start_matches('.'))
                    .filter(|e| !e.is_empty())
                    .map(str::to_ascii_lowercase)
                    .collect()
            })
            .unwrap_or_default();
        Ok(Proxies {
            http: proxy(&["http_proxy", "all_proxy", "ALL_PROXY"])?,
            https: proxy(&["https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"])?,
            no_proxy,
        })
    }

    /// Whether `host` is reached directly, whatever proxy is set.
    pub fn bypass(&self, host: &str) -> bool {
        let host = host.to_ascii_lowercase();
        self.no_proxy.iter().any(|e| {
            e == "*"
                || host == *e
                || host
                    .strip_suffix(e.as_str())
                    .is_some_and(|p| p.ends_with('.'))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn from(vars: &[(&str, &str)]) -> Proxies {
        let m: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Proxies::from(|k| m.get(k).cloned()).unwrap()
    }

    #[test]
    fn scheme_specific_proxies() {
        let p = from(&[
            ("http_proxy", "http://p1:3128"),
            ("HTTPS_PROXY", "http://p2:3128"),
        ]);
        assert_eq!(p.http.unwrap().host(), "p1");
        assert_eq!(p.https.unwrap().host(), "p2");
        let p = from(&[
            ("HTTP_PROXY", "http://ignored:1"),
            ("ALL_PROXY", "http://all:1"),
        ]);
        assert_eq!(p.http.unwrap().host(), "all", "curl ignores HTTP_PROXY");
        assert_eq!(p.https.unwrap().host(), "all");
        assert!(from(&[]).http.is_none());
    }

    #[test]
    fn no_proxy_matches_hosts_and_suffixes() {
        let p = from(&[("NO_PROXY", "localhost, .example.org,*.lan,127.0.0.1")]);
        assert!(p.bypass("localhost"));
        assert!(p.bypass("example.org"));
        assert!(p.bypass("ftp.Example.org"));
        assert!(p.bypass("nas.lan"));
        assert!(p.bypass("127.0.0.1"));
        assert!(!p.bypass("badexample.org"));
        assert!(!p.bypass("cache.nixos.org"));
        assert!(from(&[("no_proxy", "*")]).bypass("anything"));
    }
}
