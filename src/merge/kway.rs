//! The k-way merge of sorted streams every merged file is made with: one item of each stream is
//! held at a time, so memory follows the number of shards, not the size of the files.
use crate::error::bad;
use anyhow::Result;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

pub type Stream<'a, T> = Box<dyn Iterator<Item = Result<T>> + 'a>;

/// Calls `each` with the items of all streams that share the smallest key (with the index of
/// their stream, in stream order), smallest key first. A stream whose keys do not strictly
/// increase is bad input naming it (`names[i]`).
pub fn merge<T, K: Ord + Clone>(
    streams: Vec<Stream<'_, T>>,
    names: &[String],
    key: impl Fn(&T) -> K,
    mut each: impl FnMut(Vec<(usize, T)>) -> Result<()>,
) -> Result<()> {
    let mut streams = streams;
    let mut heads: Vec<Option<T>> = Vec::with_capacity(streams.len());
    let mut heap = BinaryHeap::new();
    for (i, s) in streams.iter_mut().enumerate() {
        let head = s.next().transpose()?;
        if let Some(h) = &head {
            heap.push(Reverse((key(h), i)));
        }
        heads.push(head);
    }
    while let Some(Reverse((k, i))) = heap.pop() {
        let mut group = vec![i];
        while heap.peek().is_some_and(|Reverse((k2, _))| *k2 == k) {
            let Reverse((_, j)) = heap.pop().expect("peeked");
            group.push(j);
        }
        group.sort_unstable();
        let mut items = Vec::with_capacity(group.len());
        for &j in &group {
            items.push((j, heads[j].take().expect("a head")));
            if let Some(next) = streams[j].next().transpose()? {
                let nk = key(&next);
                if nk <= k {
                    return Err(bad(format!("{}: not sorted", names[j])).into());
                }
                heap.push(Reverse((nk, j)));
                heads[j] = Some(next);
            }
        }
        each(items)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream(v: Vec<u32>) -> Stream<'static, u32> {
        Box::new(v.into_iter().map(Ok))
    }

    #[test]
    fn groups_equal_keys_in_order() {
        let names = vec!["a".to_owned(), "b".into(), "c".into()];
        let mut out = Vec::new();
        let streams = vec![
            stream(vec![1, 4, 9]),
            stream(vec![]),
            stream(vec![1, 2, 9, 10]),
        ];
        merge(
            streams,
            &names,
            |x| *x,
            |g| {
                out.push(g);
                Ok(())
            },
        )
        .unwrap();
        assert_eq!(
            out,
            vec![
                vec![(0, 1), (2, 1)],
                vec![(2, 2)],
                vec![(0, 4)],
                vec![(0, 9), (2, 9)],
                vec![(2, 10)]
            ]
        );
        let unsorted = vec![stream(vec![1, 3]), stream(vec![2, 2])];
        let e = merge(unsorted, &names, |x| *x, |_| Ok(())).unwrap_err();
        assert_eq!(e.to_string(), "b: not sorted");
    }
}
