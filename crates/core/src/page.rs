//! Limit/offset pagination shared by every list in the API and the UI.

use serde::{Deserialize, Serialize};

pub const DEFAULT_LIMIT: u32 = 50;
pub const MAX_LIMIT: u32 = 200;

/// Which slice of a list to return. `limit` is clamped to 1..=200.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PageRequest {
    /// How many items to return (1-200, default 50).
    pub limit: Option<u32>,
    /// How many items to skip (default 0).
    pub offset: Option<u64>,
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
    /// Pass as `offset` to get the next page; absent on the last page.
    pub next_offset: Option<u64>,
}

impl<T> Page<T> {
    pub fn new(items: Vec<T>, total: u64, req: PageRequest) -> Self {
        let (limit, offset) = (req.limit(), req.offset());
        let end = offset + items.len() as u64;
        let next_offset = (end < total && !items.is_empty()).then_some(end);
        Self { items, total, total_capped: false, limit, offset, next_offset }
    }

    /// A page whose total was counted up to `cap` and no further: `counted > cap` means "more
    /// than `cap`", so the next page is offered whenever this one is full.
    pub fn capped(items: Vec<T>, counted: u64, cap: u64, req: PageRequest) -> Self {
        if counted <= cap {
            return Self::new(items, counted, req);
        }
        let (limit, offset) = (req.limit(), req.offset());
        let end = offset + items.len() as u64;
        let next_offset = (items.len() as u64 == u64::from(limit)).then_some(end);
        Self { items, total: cap, total_capped: true, limit, offset, next_offset }
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
    fn capped_totals_are_lower_bounds() {
        let req = PageRequest { limit: Some(2), offset: Some(10) };
        let page = Page::capped(vec![1, 2], 11, 10, req);
        assert!(page.total_capped);
        assert_eq!((page.total, page.next_offset), (10, Some(12)));
        let exact = Page::capped(vec![1], 7, 10, PageRequest { limit: Some(2), offset: Some(6) });
        assert!(!exact.total_capped);
        assert_eq!((exact.total, exact.next_offset), (7, None));
    }

    #[test]
    fn limit_is_clamped() {
        assert_eq!(PageRequest { limit: Some(0), offset: None }.limit(), 1);
        assert_eq!(PageRequest { limit: Some(10_000), offset: None }.limit(), MAX_LIMIT);
        assert_eq!(PageRequest { limit: None, offset: None }.limit(), DEFAULT_LIMIT);
    }
}
