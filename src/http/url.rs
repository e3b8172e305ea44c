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
}
