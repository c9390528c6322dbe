//! Paging by cursor: a page never repeats or skips an item because others were added.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;

use crate::{Error, Result};

/// Most items in one page.
pub const MAX_LIMIT: u64 = 500;

/// Which page to read.
#[derive(Debug, Clone, Default)]
pub struct PageRequest {
    /// The `next_cursor` of the previous page; none for the first.
    pub cursor: Option<String>,
    /// Items per page (1 to [`MAX_LIMIT`]; default 50).
    pub limit: Option<u64>,
}

impl PageRequest {
    /// The limit, checked.
    pub fn limit(&self) -> Result<u64> {
        match self.limit {
            None => Ok(50),
            Some(n) if (1..=MAX_LIMIT).contains(&n) => Ok(n),
            Some(_) => Err(Error::invalid("limit", format!("must be 1 to {MAX_LIMIT}"))),
        }
    }

    /// The key the cursor stands for (the last key of the previous page).
    pub fn after(&self) -> Result<Option<String>> {
        let Some(cursor) = &self.cursor else {
            return Ok(None);
        };
        URL_SAFE_NO_PAD
            .decode(cursor)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .filter(|k| !k.is_empty() && k.len() <= 200)
            .map(Some)
            .ok_or_else(|| Error::invalid("cursor", "is not a cursor this server gave"))
    }
}

/// One page of items.
#[derive(Debug, Clone, Serialize)]
pub struct Page<T> {
    /// The items, in a stable order.
    pub items: Vec<T>,
    /// The cursor of the next page; none on the last.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// A page of `rows` read with one extra row: that extra row tells a next page exists.
    pub(crate) fn from_rows<R>(
        mut rows: Vec<R>,
        limit: u64,
        key: impl Fn(&R) -> String,
        view: impl FnMut(R) -> T,
    ) -> Self {
        let more = rows.len() as u64 > limit;
        rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        let next_cursor = more
            .then(|| rows.last().map(|r| URL_SAFE_NO_PAD.encode(key(r))))
            .flatten();
        Self {
            items: rows.into_iter().map(view).collect(),
            next_cursor,
        }
    }
}
