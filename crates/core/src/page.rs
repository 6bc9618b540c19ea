//! Limit/offset pagination shared by every list in the API and the UI.

use serde::{Deserialize, Serialize};

pub const DEFAULT_LIMIT: u32 = 50;
pub const MAX_LIMIT: u32 = 200;
/// The largest offset: the largest integer a JSON client (JavaScript) reads exactly, 2^53 - 1.
pub const MAX_OFFSET: u64 = (1 << 53) - 1;

/// Which slice of a list to return: `limit` 1-200 (default 50), `offset` 0 to 2^53 - 1
/// (default 0). Anything else is refused where the query is read, the same for every list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PageRequest {
    /// How many items to return (1-200, default 50).
    #[serde(default, deserialize_with = "limit")]
    #[param(minimum = 1, maximum = 200)]
    pub limit: Option<u32>,
    /// How many items to skip (default 0).
    #[serde(default, deserialize_with = "offset")]
    #[param(minimum = 0, maximum = 9_007_199_254_740_991_i64)]
    pub offset: Option<u64>,
}

/// Reads `limit` from a query string: a whole number from 1 to 200. For `deserialize_with` on
/// every list query, so all lists refuse the same values with the same words.
pub fn limit<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    let text = String::deserialize(d)?;
    match text.parse::<u32>() {
        Ok(n) if (1..=MAX_LIMIT).contains(&n) => Ok(Some(n)),
        _ => Err(serde::de::Error::custom(format!("limit must be a whole number from 1 to {MAX_LIMIT}"))),
    }
}

/// Reads `offset` from a query string: a whole number from 0 to 2^53 - 1.
pub fn offset<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    let text = String::deserialize(d)?;
    match text.parse::<u64>() {
        Ok(n) if n <= MAX_OFFSET => Ok(Some(n)),
        _ => Err(serde::de::Error::custom(format!("offset must be a whole number from 0 to {MAX_OFFSET}"))),
    }
}

impl PageRequest {
    pub fn first(limit: u32) -> Self {
        Self { limit: Some(limit), offset: None }
    }

    pub fn limit(&self) -> u32 {
        self.limit.unwrap_or(DEFAULT_LIMIT).clamp(1, MAX_LIMIT)
    }

    pub fn offset(&self) -> u64 {
        self.offset.unwrap_or(0)
    }
}

/// One page of a list, with the offset of the next page when there is one.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Number of items matching the query, over all pages; a lower bound when `total_capped`.
    pub total: u64,
    /// Counting stopped at `total`: more items match (lists count up to 10,000).
    pub total_capped: bool,
    pub limit: u32,
    pub offset: u64,
    /// Pass as `offset` to get the next page; `null` on the last page.
    pub next_offset: Option<u64>,
}

impl<T> Page<T> {
    pub fn new(items: Vec<T>, total: u64, req: PageRequest) -> Self {
        let (limit, offset) = (req.limit(), req.offset());
        let end = offset + items.len() as u64;
        let next_offset = (end < total && !items.is_empty()).then_some(end);
        Self { items, total, total_capped: false, limit, offset, next_offset }
    }

    /// One page cut from a whole list that was read at once (lists short by nature: a person's
    /// feeds and saved views, an organisation's commitments).
    pub fn slice(all: Vec<T>, req: PageRequest) -> Self {
        let total = all.len() as u64;
        let skip = usize::try_from(req.offset()).unwrap_or(usize::MAX);
        let items = all.into_iter().skip(skip).take(req.limit() as usize).collect();
        Self::new(items, total, req)
    }

    /// A page whose total was counted up to `cap` and no further: `counted > cap` means "more
    /// than `cap`". `items` are read one past the limit, so a next page is offered only when
    /// that one more item exists, never an empty page past the end.
    pub fn capped(mut items: Vec<T>, counted: u64, cap: u64, req: PageRequest) -> Self {
        let limit = req.limit() as usize;
        let more = items.len() > limit;
        items.truncate(limit);
        if counted <= cap {
            return Self::new(items, counted, req);
        }
        let offset = req.offset();
        let next_offset = more.then_some(offset + items.len() as u64);
        Self { items, total: cap, total_capped: true, limit: req.limit(), offset, next_offset }
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            total: self.total,
            total_capped: self.total_capped,
            limit: self.limit,
            offset: self.offset,
            next_offset: self.next_offset,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_offset_only_when_more_remain() {
        let req = PageRequest { limit: Some(2), offset: Some(2) };
        assert_eq!(Page::new(vec![1, 2], 5, req).next_offset, Some(4));
        assert_eq!(Page::new(vec![1], 3, req).next_offset, None);
    }

    #[test]
    fn slices_of_whole_lists() {
        let page = Page::slice((1..=5).collect(), PageRequest { limit: Some(2), offset: Some(2) });
        assert_eq!((page.items, page.total, page.next_offset), (vec![3, 4], 5, Some(4)));
        assert!(Page::slice(vec![1], PageRequest { limit: None, offset: Some(9) }).items.is_empty());
    }

    #[test]
    fn capped_totals_are_lower_bounds() {
        let req = PageRequest { limit: Some(2), offset: Some(10) };
        let page = Page::capped(vec![1, 2, 3], 11, 10, req);
        assert!(page.total_capped);
        assert_eq!((page.items.len(), page.total, page.next_offset), (2, 10, Some(12)));
        let last = Page::capped(vec![1, 2], 11, 10, req);
        assert_eq!(last.next_offset, None, "a full last page offers no empty one after it");
        let exact = Page::capped(vec![1], 7, 10, PageRequest { limit: Some(2), offset: Some(6) });
        assert!(!exact.total_capped);
        assert_eq!((exact.total, exact.next_offset), (7, None));
    }

    #[test]
    fn out_of_range_pages_are_refused() {
        let read = |q: &str| serde_urlencoded::from_str::<PageRequest>(q);
        assert_eq!(read("limit=200&offset=9007199254740991").unwrap().offset(), MAX_OFFSET);
        for bad in [
            "limit=0",
            "limit=201",
            "limit=-1",
            "limit=1099511627776",
            "offset=-1",
            "offset=9007199254740992",
            "limit=x",
        ] {
            let e = read(bad).unwrap_err().to_string();
            assert!(e.contains("must be a whole number"), "{bad}: {e}");
        }
    }

    #[test]
    fn limit_is_clamped() {
        assert_eq!(PageRequest { limit: Some(0), offset: None }.limit(), 1);
        assert_eq!(PageRequest { limit: Some(10_000), offset: None }.limit(), MAX_LIMIT);
        assert_eq!(PageRequest { limit: None, offset: None }.limit(), DEFAULT_LIMIT);
    }
}
