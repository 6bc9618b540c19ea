//! PostgreSQL connections for the engine's threads: the synchronous client, which drives its
//! socket on the calling thread, so a unit of work runs without handing statements to another.

use std::collections::HashMap;
use std::str::FromStr;

use ::postgres::types::{IsNull, ToSql, Type};
use ::postgres::{Client, Config, NoTls, Statement};

use super::{Arg, DbError, RowRef};

/// Prepared statements kept per connection; past this the cache starts again (statements built
/// with a varying number of parameters would otherwise grow it without end).
const STATEMENT_CACHE: usize = 1024;

pub(crate) struct Conn {
    client: Client,
    config: Config,
    statements: HashMap<String, Statement>,
}

impl std::fmt::Debug for Conn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("postgres::Conn").field("statements", &self.statements.len()).finish_non_exhaustive()
    }
}

/// Opens one connection to `url`. Must run on a thread outside the async runtime.
pub(crate) fn connect_url(url: &str) -> Result<Client, DbError> {
    Ok(config_of(url)?.connect(NoTls)?)
}

fn config_of(url: &str) -> Result<Config, DbError> {
    let mut config = Config::from_str(url)?;
    config.application_name("concentric");
    Ok(config)
}

impl Conn {
    pub(crate) fn open(url: &str) -> Result<Self, DbError> {
        let config = config_of(url)?;
        let client = config.connect(NoTls)?;
        Ok(Self { client, config, statements: HashMap::new() })
    }

    /// Connects again when the server closed the connection (a restart, a failover).
    pub(crate) fn revive(&mut self) -> Result<(), DbError> {
        if self.client.is_closed() {
            self.client = self.config.connect(NoTls)?;
            self.statements.clear();
        }
        Ok(())
    }

    pub(crate) fn batch(&mut self, sql: &str) -> Result<(), DbError> {
        Ok(self.client.batch_execute(sql)?)
    }

    /// A cached statement whose parameter types are declared from the arguments, as the
    /// server cannot always infer them (`$1 IS NULL`).
    fn prepare(&mut self, sql: &str, args: &[Arg]) -> Result<Statement, DbError> {
        let mut key = String::with_capacity(args.len() + 1 + sql.len());
        key.extend(args.iter().map(|a| match a {
            Arg::Int(_) => 'i',
            Arg::Real(_) => 'r',
            Arg::Text(_) => 't',
            Arg::Bool(_) => 'b',
            Arg::Bytes(_) => 'y',
        }));
        key.push(':');
        key.push_str(sql);
        if let Some(st) = self.statements.get(&key) {
            return Ok(st.clone());
        }
        let types: Vec<Type> = args.iter().map(Arg::pg_type).collect();
        let st = self.client.prepare_typed(sql, &types)?;
        if args.len() > super::ONE_OFF_ARGS {
            return Ok(st);
        }
        if self.statements.len() >= STATEMENT_CACHE {
            self.statements.clear();
        }
        self.statements.insert(key, st.clone());
        Ok(st)
    }

    pub(crate) fn execute(&mut self, sql: &str, args: &[Arg]) -> Result<u64, DbError> {
        let st = self.prepare(sql, args)?;
        let params: Vec<&(dyn ToSql + Sync)> = args.iter().map(|a| a as &(dyn ToSql + Sync)).collect();
        Ok(self.client.execute(&st, &params)?)
    }

    pub(crate) fn query(
        &mut self,
        sql: &str,
        args: &[Arg],
        each: &mut dyn FnMut(&RowRef<'_>) -> Result<bool, DbError>,
    ) -> Result<(), DbError> {
        let st = self.prepare(sql, args)?;
        let params: Vec<&(dyn ToSql + Sync)> = args.iter().map(|a| a as &(dyn ToSql + Sync)).collect();
        for row in self.client.query(&st, &params)? {
            if !each(&RowRef::Postgres(&row))? {
                break;
            }
        }
        Ok(())
    }
}

impl Arg {
    fn pg_type(&self) -> Type {
        match self {
            Arg::Int(_) => Type::INT8,
            Arg::Real(_) => Type::FLOAT8,
            Arg::Text(_) => Type::TEXT,
            Arg::Bool(_) => Type::BOOL,
            Arg::Bytes(_) => Type::BYTEA,
        }
    }
}

impl ToSql for Arg {
    fn to_sql(&self, ty: &Type, out: &mut bytes::BytesMut) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            Arg::Int(v) => v.to_sql(ty, out),
            Arg::Real(v) => v.to_sql(ty, out),
            Arg::Text(v) => v.to_sql(ty, out),
            Arg::Bool(v) => v.to_sql(ty, out),
            Arg::Bytes(v) => v.to_sql(ty, out),
        }
    }

    /// Every statement declares its parameter types from the arguments themselves.
    fn accepts(_: &Type) -> bool {
        true
    }

    ::postgres::types::to_sql_checked!();
}
