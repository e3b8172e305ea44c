//! The few things the HTTP layer needs to know of a URL: its scheme, its host (what the per-host
//! limits count), and where a redirect's `Location` points.

/// `http`, `https`, `file`, `ftp` …, lowercased; `None` without `scheme://`.
pub fn scheme(url: &str) -> Option<String> {
    let (s, _) = url.split_once("://")?;
    let ok = !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b));
    ok.then(|| s.to_ascii_lowercase())
}

/// `host[:port]` of `scheme://[user@]host[:port]/…`, lowercased: the key of the per-host limits
/// (the port counts, so that two servers on one machine are two hosts).
pub fn authority(url: &str) -> Option<String> {
    let (_, rest) = url.split_once("://")?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let auth = &rest[..end];
    let auth = auth.rsplit_once('@').map_or(auth, |(_, a)| a);
    (!auth.is_empty()).then(|| auth.to_ascii_lowercase())
}

/// The host alone (no port, no brackets around an IPv6 address), for `NO_PROXY`.
pub fn host(url: &str) -> Option<String> {
    let auth = authority(url)?;
    if let Some(v6) = auth.strip_prefix('[') {
        return v6.split_once(']').map(|(h, _)| h.to_owned());
    }
    Some(
        auth.rsplit_once(':')
            .map_or(auth.clone(), |(h, _)| h.to_owned()),
    )
}

/// `location` (a redirect's target: absolute, scheme-relative, absolute-path or relative) read
/// against `base`, the URL that answered with it.
pub fn join(base: &str, location: &str) -> Option<String> {
    let location = location.trim();
    if scheme(location).is_some() {
        return Some(location.to_owned());
    }
    let s = scheme(base)?;
    if let Some(rest) = location.strip_prefix("//") {
        return Some(format!("{s}://{rest}"));
    }
    let (_, after) = base.split_once("://")?;
    let path_at = after.find(['/', '?', '#']).unwrap_or(after.len());
    let origin = &base[..base.len() - after.len() + path_at];
    if location.starts_with('/') {
        return Some(format!("{origin}{location}"));
    }
    let path = &after[path_at..];
    let path = &path[..path.find(['?', '#']).unwrap_or(path.len())];
    if location.starts_with('?') {
        return Some(format!("{origin}{path}{location}"));
    }
    let dir = path.rfind('/').map_or("/", |i| &path[..=i]);
    Some(format!("{origin}{dir}{location}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts() {
        assert_eq!(scheme("HTTPS://x/y").as_deref(), Some("https"));
        assert_eq!(scheme("mirror://gnu/x").as_deref(), Some("mirror"));
        assert_eq!(scheme("/no/scheme"), None);
        let u = "http://user:pw@Example.ORG:8080/a/b?q#f";
        assert_eq!(authority(u).as_deref(), Some("example.org:8080"));
        assert_eq!(host(u).as_deref(), Some("example.org"));
        assert_eq!(host("http://[::1]:80/").as_deref(), Some("::1"));
        assert_eq!(authority("http://h?x").as_deref(), Some("h"));
        assert_eq!(authority("file:///etc/x"), None);
    }

    #[test]
    fn locations() {
        let base = "http://a.org:81/dir/file.tar.gz?x=1";
        for (loc, want) in [
            ("https://b.org/y", "https://b.org/y"),
            ("//c.org/z", "http://c.org/z"),
            ("/root.tgz", "http://a.org:81/root.tgz"),
            ("other.tgz", "http://a.org:81/dir/other.tgz"),
            ("?y=2", "http://a.org:81/dir/file.tar.gz?y=2"),
        ] {
            assert_eq!(join(base, loc).as_deref(), Some(want), "{loc}");
        }
        assert_eq!(join("http://a.org", "x").as_deref(), Some("http://a.org/x"));
    }

    use proptest::prelude::*;

    proptest! {
        /// Any text: each reading an answer, never a panic, and what it gives is in the text.
        #[test]
        fn any_text_is_an_answer(url in "(?s)([A-Za-z+.-]{0,6}(:|//|://|:///))?.{0,40}", loc in "(?s).{0,30}") {
            if let Some(s) = scheme(&url) {
                prop_assert!(url.to_ascii_lowercase().starts_with(&format!("{s}://")), "{}", url);
            }
            if let Some(a) = authority(&url) {
                prop_assert!(!a.is_empty() && !a.contains(['/', '?', '#']));
                prop_assert!(url.to_ascii_lowercase().contains(&a));
            }
            let _ = host(&url);
            if let Some(j) = join(&url, &loc) {
                prop_assert!(scheme(&j).is_some());
            }
        }

        /// Valid URLs read back; without `://`, or with a character no scheme has, there is no
        /// scheme; an absolute location replaces the base.
        #[test]
        fn urls_and_near_misses(
            s in "[a-z][a-z0-9+.-]{0,8}",
            h in "[a-z0-9.-]{1,20}",
            port in proptest::option::of(any::<u16>()),
            path in "(/[^/?#\\s]{0,8}){0,4}",
            bad in "[^A-Za-z0-9+.:/-]",
        ) {
            let auth = port.map_or(h.clone(), |p| format!("{h}:{p}"));
            let url = format!("{s}://{auth}{path}");
            prop_assert_eq!(scheme(&url), Some(s.clone()));
            prop_assert_eq!(authority(&url), Some(auth.clone()));
            prop_assert_eq!(host(&url), Some(h.clone()));
            prop_assert_eq!(scheme(&format!("{s}:/{h}")), None);
            prop_assert_eq!(scheme(&format!("{s}//{h}")), None);
            prop_assert_eq!(scheme(&format!("{s}{bad}://x")), None);
            prop_assert_eq!(scheme(&format!("://{auth}")), None);
            prop_assert_eq!(join("http://b/c", &url), Some(url.clone()));
            let joined = join(&url, "x").unwrap();
            prop_assert!(joined.starts_with(&format!("{s}://")) && joined.ends_with("/x"), "{}", joined);
        }
    }
}
