//! `mirror://site/path` urls expanded with the site lists of the tree's own fetchurl: each
//! fetchurl .drv names a `mirrors-list` input derivation whose environment holds one
//! space-separated list per site, so no copy of the tree's mirrors.nix is needed.
use std::collections::{BTreeMap, HashMap};
use std::path::Path;

/// Each site's url prefixes, in the order fetchurl tries them.
pub type Lists = BTreeMap<String, Vec<String>>;

pub struct Sites<'a> {
    store_root: &'a Path,
    /// Per mirrors-list .drv path; `None` when it could not be read.
    lists: HashMap<String, Option<Lists>>,
}

impl<'a> Sites<'a> {
    pub fn new(store_root: &'a Path) -> Self {
        Sites {
            store_root,
            lists: HashMap::new(),
        }
    }

    /// Sites whose lists are already known (a merge's, from the shards): `store_root` is read
    /// only for a mirrors-list .drv that is not among them.
    pub fn known(store_root: &'a Path, lists: BTreeMap<String, Option<Lists>>) -> Self {
        Sites {
            store_root,
            lists: lists.into_iter().collect(),
        }
    }

    /// The site lists of one mirrors-list .drv (`None`: it cannot be read).
    pub fn lists_of(&mut self, drv: &str) -> Option<Lists> {
        let store_root = self.store_root;
        self.lists
            .entry(drv.to_owned())
            .or_insert_with(|| {
                crate::nix::drv::read_env(store_root, drv)
                    .ok()
                    .map(site_lists)
            })
            .clone()
    }

    /// The urls fetchurl tries for `url`: itself, or for `mirror://site/path` each site prefix
    /// followed by `path` (as fetchurl's builder joins them). `None`: an unknown site.
    pub fn expand(&mut self, url: &str, mirrors_drv: Option<&str>) -> Option<Vec<String>> {
        let Some(rest) = url.strip_prefix("mirror://") else {
            return Some(vec![url.to_owned()]);
        };
        let (site, path) = rest.split_once('/').unwrap_or((rest, ""));
        let drv = mirrors_drv?;
        let store_root = self.store_root;
        let lists = self
            .lists
            .entry(drv.to_owned())
            .or_insert_with(|| {
                crate::nix::drv::read_env(store_root, drv)
                    .ok()
                    .map(site_lists)
            })
            .as_ref()?;
        let prefixes = lists.get(site)?;
        Some(prefixes.iter().map(|p| format!("{p}{path}")).collect())
    }

    #[cfg(test)]
    pub fn with_lists(store_root: &'a Path, drv: &str, env: BTreeMap<String, String>) -> Self {
        let mut s = Sites::new(store_root);
        s.lists.insert(drv.to_owned(), Some(site_lists(env)));
        s
    }
}

/// The environment variables that are lists of urls: the sites (nixpkgs 16.03 names them as the
/// site; newer trees may prefix `_mirror_`).
fn site_lists(env: BTreeMap<String, String>) -> Lists {
    env.into_iter()
        .filter_map(|(k, v)| {
            let urls: Vec<String> = v.split_whitespace().map(str::to_owned).collect();
            let is_list = !urls.is_empty() && urls.iter().all(|u| u.contains("://"));
            let site = k.strip_prefix("_mirror_").map_or(k.clone(), str::to_owned);
            is_list.then_some((site, urls))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn expands_known_sites_in_list_order() {
        let lists = env(&[
            (
                "gnu",
                "http://ftpmirror.gnu.org/ ftp://ftp.gnu.org/pub/gnu/",
            ),
            ("_mirror_kde", "https://download.kde.org/"),
            ("builder", "/nix/store/x-bash/bin/bash"),
            ("name", "mirrors-list"),
        ]);
        let mut s = Sites::with_lists(Path::new("/nonexistent"), "/m.drv", lists);
        let m = Some("/m.drv");
        assert_eq!(
            s.expand("mirror://gnu/hello/hello-2.10.tar.gz", m).unwrap(),
            vec![
                "http://ftpmirror.gnu.org/hello/hello-2.10.tar.gz",
                "ftp://ftp.gnu.org/pub/gnu/hello/hello-2.10.tar.gz"
            ]
        );
        assert_eq!(
            s.expand("mirror://kde/x.tar.xz", m).unwrap(),
            vec!["https://download.kde.org/x.tar.xz"]
        );
        assert_eq!(
            s.expand("http://a/b", None).unwrap(),
            vec!["http://a/b"],
            "plain urls pass"
        );
        assert_eq!(s.expand("mirror://name/x", m), None, "not a url list");
        assert_eq!(s.expand("mirror://nosuch/x", m), None);
        assert_eq!(s.expand("mirror://gnu/x", None), None, "no list known");
        assert_eq!(s.expand("mirror://gnu/x", Some("/unreadable.drv")), None);
    }

    use proptest::prelude::*;

    fn gnu() -> Sites<'static> {
        let lists = env(&[
            (
                "gnu",
                "http://ftpmirror.gnu.org/ ftp://ftp.gnu.org/pub/gnu/",
            ),
            ("name", "mirrors-list"),
        ]);
        Sites::with_lists(Path::new("/nonexistent"), "/m.drv", lists)
    }

    proptest! {
        /// Any url: its expansion or none, never a panic; a url that is not `mirror://` is
        /// itself.
        #[test]
        fn any_url_is_an_answer(url in "(?s)(mirror:/{0,3}(gnu|name|GNU)?/?)?.{0,30}") {
            let got = gnu().expand(&url, Some("/m.drv"));
            if !url.starts_with("mirror://") {
                prop_assert_eq!(got, Some(vec![url.clone()]));
            }
        }

        /// `mirror://gnu/PATH` for any path gives each prefix then PATH; another site, or the
        /// site cut short or extended, gives none.
        #[test]
        fn sites_and_near_misses(path in "(?s).{0,40}", more in "[a-z]{1,3}") {
            let got = gnu().expand(&format!("mirror://gnu/{path}"), Some("/m.drv"));
            prop_assert_eq!(
                got,
                Some(vec![
                    format!("http://ftpmirror.gnu.org/{path}"),
                    format!("ftp://ftp.gnu.org/pub/gnu/{path}"),
                ])
            );
            for site in ["gn".to_owned(), format!("gnu{more}"), "".into(), "GNU".into()] {
                prop_assert_eq!(gnu().expand(&format!("mirror://{site}/{path}"), Some("/m.drv")), None);
            }
        }

        /// Any environment: only lists of urls are sites, each with at least one url.
        #[test]
        fn any_environment(pairs in proptest::collection::btree_map("(_mirror_)?[a-z]{0,5}", "(?s).{0,40}", 0..6)) {
            for (_, urls) in site_lists(pairs) {
                prop_assert!(!urls.is_empty() && urls.iter().all(|u| u.contains("://") && !u.contains(char::is_whitespace)));
            }
        }
    }
}
