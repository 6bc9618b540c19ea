//! Reading rows into Rust values, the same way from either backend.

use super::DbError;

/// A single column value readable from both backends.
pub(crate) trait Scalar: rusqlite::types::FromSql + for<'a> ::postgres::types::FromSql<'a> {}
impl<T> Scalar for T where T: rusqlite::types::FromSql + for<'a> ::postgres::types::FromSql<'a> {}

/// One row being read, from whichever backend is live.
#[derive(Debug)]
pub(crate) enum RowRef<'a> {
    Sqlite(&'a rusqlite::Row<'a>),
    Postgres(&'a ::postgres::Row),
}

impl RowRef<'_> {
    /// The column named `column`.
    pub(crate) fn get<T: Scalar>(&self, column: &str) -> Result<T, DbError> {
        Ok(match self {
            Self::Sqlite(r) => r.get(column)?,
            Self::Postgres(r) => r.try_get(column)?,
        })
    }

    /// The column at `index`, from 0.
    pub(crate) fn at<T: Scalar>(&self, index: usize) -> Result<T, DbError> {
        Ok(match self {
            Self::Sqlite(r) => r.get(index)?,
            Self::Postgres(r) => r.try_get(index)?,
        })
    }
}

/// A type built from one row.
pub(crate) trait FromRow: Sized {
    fn from_row(row: &RowRef<'_>) -> Result<Self, DbError>;
}

/// Tuples read their columns by position.
macro_rules! tuple_rows {
    ($($n:tt $t:ident),+) => {
        impl<$($t: Scalar),+> FromRow for ($($t,)+) {
            fn from_row(row: &RowRef<'_>) -> Result<Self, DbError> {
                Ok(($(row.at::<$t>($n)?,)+))
            }
        }
    };
}
tuple_rows!(0 A);
tuple_rows!(0 A, 1 B);
tuple_rows!(0 A, 1 B, 2 C);
tuple_rows!(0 A, 1 B, 2 C, 3 D);
tuple_rows!(0 A, 1 B, 2 C, 3 D, 4 E);
tuple_rows!(0 A, 1 B, 2 C, 3 D, 4 E, 5 F);
tuple_rows!(0 A, 1 B, 2 C, 3 D, 4 E, 5 F, 6 G);
tuple_rows!(0 A, 1 B, 2 C, 3 D, 4 E, 5 F, 6 G, 7 H);

/// Declares a struct read from a row by column name, one field per column.
macro_rules! row {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident {
            $($(#[$field_meta:meta])* $field_vis:vis $field:ident : $ty:ty),* $(,)?
        }
    ) => {
        $(#[$meta])*
        $vis struct $name {
            $($(#[$field_meta])* $field_vis $field: $ty),*
        }

        impl $crate::db::FromRow for $name {
            fn from_row(row: &$crate::db::RowRef<'_>) -> ::std::result::Result<Self, $crate::db::DbError> {
                Ok(Self { $($field: row.get(stringify!($field))?),* })
            }
        }
    };
}
pub(crate) use row;
