//! file:// URLs, as curl reads them: a file that exists answers 200 with its size, one that does
//! not answers 404, and any other error (permissions, a symlink loop) is a failure, never "not
//! found".
use super::Method;
use super::reply::{Failure, Kind, Reply};

pub fn request(url: &str, method: Method) -> Result<Reply, Failure> {
    let path = url.strip_prefix("file://").unwrap_or(url);
    // `file://localhost/x` names the same file as `file:///x`.
    let path = path.strip_prefix("localhost").unwrap_or(path);
    if !path.starts_with('/') {
        return Err(Failure::new(
            Kind::Unsupported,
            "a file URL is file:///ABSOLUTE/PATH",
        ));
    }
    let path = percent_decoded(path);
    let local = |e: std::io::Error| Failure::new(Kind::Local, &format!("{path}: {e}"));
    match std::fs::metadata(&path) {
        Ok(m) => {
            let file = match method {
                Method::Get => Some(std::fs::File::open(&path).map_err(local)?),
                _ => None,
            };
            Ok(Reply::from_file(url, file, m.len()))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Reply::not_found(url)),
        Err(e) => Err(local(e)),
    }
}

/// `%20` and the like decoded, as curl does for file:// URLs.
fn percent_decoded(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match (
            b[i],
            b.get(i + 1).copied().and_then(hex),
            b.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(h), Some(l)) => {
                out.push((h * 16 + l) as u8);
                i += 3;
            }
            (c, ..) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_answer_like_a_server() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("a b.narinfo");
        std::fs::write(&f, "StorePath: x\n").unwrap();
        let url = format!("file://{}/a%20b.narinfo", dir.path().display());
        let r = request(&url, Method::Head).unwrap();
        assert_eq!((r.status, r.content_length), (200, Some(13)));
        assert_eq!(
            request(&url, Method::Get).unwrap().text(100).unwrap(),
            "StorePath: x\n"
        );
        let missing = format!("file://{}/nope", dir.path().display());
        assert_eq!(request(&missing, Method::Head).unwrap().status, 404);
        let looped = dir.path().join("loop");
        std::os::unix::fs::symlink(&looped, &looped).unwrap();
        let e = request(&format!("file://{}", looped.display()), Method::Head).unwrap_err();
        assert_eq!(e.kind, Kind::Local);
        assert!(request("file://relative", Method::Head).is_err());
    }
}
