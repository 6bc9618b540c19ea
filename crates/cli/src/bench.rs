//! `concentric bench`: speed measurements whose figures go into docs/performance.md.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeDelta, Utc};
use concentric_core::business_time::{add_business_time, business_time_between};
use concentric_core::calendar::{Calendar, CalendarSpec};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn spec(zone: &str, days: &[&str], intervals: &[&str], holidays: &[&str]) -> anyhow::Result<Calendar> {
    let week = days.iter().map(|d| ((*d).to_owned(), intervals.iter().map(|i| (*i).to_owned()).collect())).collect();
    let holidays = holidays.iter().map(|d| d.parse()).collect::<Result<_, _>>()?;
    Ok(Calendar::from_spec(&CalendarSpec { zone: zone.into(), week, holidays, special_days: BTreeMap::new() })?)
}

/// Typical calendars: an office with a lunch break, plain 9-5s in three hemispheres' DST regimes,
/// a six-day week, and a night shift across midnight.
fn calendars() -> anyhow::Result<Vec<(&'static str, Calendar)>> {
    const WEEK: &[&str] = &["mon", "tue", "wed", "thu", "fri"];
    Ok(vec![
        (
            "Berlin, split day",
            spec("Europe/Berlin", WEEK, &["09:00-12:30", "13:30-17:30"], &["2026-12-24", "2026-12-25", "2026-12-26"])?,
        ),
        ("New York, 9-5", spec("America/New_York", WEEK, &["09:00-17:00"], &["2026-11-26", "2026-12-25"])?),
        ("Sydney, 8-4", spec("Australia/Sydney", WEEK, &["08:00-16:00"], &["2026-12-25", "2026-12-28"])?),
        (
            "Kolkata, six days",
            spec("Asia/Kolkata", &["mon", "tue", "wed", "thu", "fri", "sat"], &["09:30-18:30"], &["2026-11-08"])?,
        ),
        ("London, night shift", {
            let mut s = CalendarSpec { zone: "Europe/London".into(), ..Default::default() };
            s.week.insert("mon".into(), vec!["22:00-24:00".into()]);
            for d in ["tue", "wed", "thu", "fri"] {
                s.week.insert(d.into(), vec!["00:00-06:00".into(), "22:00-24:00".into()]);
            }
            s.week.insert("sat".into(), vec!["00:00-06:00".into()]);
            Calendar::from_spec(&s)?
        }),
    ])
}

/// Measures `add_business_time` and `business_time_between` with targets of 1-40 working hours
/// from random starts over two years (so DST transitions and holidays are crossed).
pub fn clock(evaluations: usize) -> anyhow::Result<()> {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let base = DateTime::<Utc>::from_timestamp(1_767_225_600, 0).unwrap_or_default(); // 2026-01-01
    let inputs: Vec<(DateTime<Utc>, TimeDelta)> = (0..evaluations)
        .map(|_| {
            let start = base + TimeDelta::minutes(rng.random_range(0..2 * 365 * 24 * 60));
            let hours = [1, 4, 8, 8, 8, 16, 24, 40][rng.random_range(0..8)];
            (start, TimeDelta::hours(hours))
        })
        .collect();
    println!("business-time clock: {evaluations} evaluations per calendar, targets of 1-40 working hours");
    println!("{:<22} {:>16} {:>16}", "calendar", "add (evals/s)", "between (evals/s)");
    let (mut all_add, mut all_between) = (0.0, 0.0);
    let cals = calendars()?;
    for (name, cal) in &cals {
        let started = Instant::now();
        let dues: Vec<DateTime<Utc>> = inputs.iter().map(|(s, d)| black_box(add_business_time(*s, *d, cal))).collect();
        let add_rate = evaluations as f64 / started.elapsed().as_secs_f64();
        let started = Instant::now();
        for ((s, _), due) in inputs.iter().zip(&dues) {
            black_box(business_time_between(*s, *due, cal));
        }
        let between_rate = evaluations as f64 / started.elapsed().as_secs_f64();
        println!("{name:<22} {add_rate:>16.0} {between_rate:>16.0}");
        all_add += add_rate;
        all_between += between_rate;
    }
    let n = cals.len() as f64;
    println!("{:<22} {:>16.0} {:>16.0}", "mean", all_add / n, all_between / n);
    Ok(())
}

/// Times the forecast of a synthetic team (people part time and full time, some away, a mix of
/// assigned and unassigned work of 0.5-16 hours) and the cost of one more request at each
/// priority, which is four more forecasts and their comparison, and the six-week workload.
pub fn forecast(items: usize, people: usize) -> anyhow::Result<()> {
    use concentric_core::forecast::{forecast, slips, WorkItem, WorkKind, Worker};
    use concentric_core::PersonId;
    let mut rng = ChaCha8Rng::seed_from_u64(13);
    let (_, cal) = calendars()?.into_iter().next().ok_or_else(|| anyhow::anyhow!("no calendar"))?;
    let now = DateTime::<Utc>::from_timestamp(1_796_630_400, 0).unwrap_or_default(); // 2026-12-07
    let today = now.date_naive();
    let workers: Vec<Worker> = (0..people)
        .map(|n| Worker {
            person: PersonId(n as i64 + 1),
            hours_per_week: [40.0, 40.0, 32.0, 20.0][n % 4],
            away: (0..rng.random_range(0..6))
                .map(|_| (today + TimeDelta::days(rng.random_range(0..60)), 1.0))
                .collect(),
        })
        .collect();
    let queue: Vec<WorkItem> = (0..items)
        .map(|n| WorkItem {
            kind: WorkKind::Request,
            id: n as i64 + 1,
            priority: rng.random_range(1..=4),
            due: Some(now.timestamp_millis() + rng.random_range(0..90) * 86_400_000),
            created: now.timestamp_millis() - rng.random_range(0..30 * 86_400_000),
            effort_hours: [0.5, 1.0, 2.0, 4.0, 8.0, 16.0][rng.random_range(0..6)],
            assignee: rng.random_bool(0.7).then(|| PersonId(rng.random_range(1..=people as i64))),
            // One in ten is a recurring delivery whose period starts in the coming weeks.
            release: rng.random_bool(0.1).then(|| now.timestamp_millis() + rng.random_range(0..42) * 86_400_000),
        })
        .collect();
    let rounds = 20;
    let started = Instant::now();
    let mut base = None;
    for _ in 0..rounds {
        base = Some(black_box(forecast(&cal, &workers, &queue, now)));
    }
    let one = started.elapsed().as_secs_f64() * 1000.0 / f64::from(rounds);
    let base = base.ok_or_else(|| anyhow::anyhow!("no forecast"))?;
    let started = Instant::now();
    let mut slipped = 0;
    for _ in 0..rounds {
        for priority in 1..=4u8 {
            let mut more = queue.clone();
            more.push(WorkItem { id: 0, priority, assignee: None, effort_hours: 8.0, ..queue[0].clone() });
            slipped = black_box(slips(&base, &forecast(&cal, &workers, &more, now))).len();
        }
    }
    let cost = started.elapsed().as_secs_f64() * 1000.0 / f64::from(rounds);
    let started = Instant::now();
    for _ in 0..rounds {
        let weeks = concentric_core::workload::WEEKS;
        black_box(concentric_core::workload::workload(&cal, &workers, &queue, &base, now, weeks));
    }
    let load = started.elapsed().as_secs_f64() * 1000.0 / f64::from(rounds);
    let unscheduled = base.items.iter().filter(|p| p.finish.is_none()).count();
    println!("forecast: {items} open items, {people} people, Berlin weekdays with a lunch break");
    println!("one forecast            {one:>8.2} ms  ({unscheduled} items beyond a year)");
    println!("cost at four priorities {cost:>8.2} ms  ({slipped} items slip at P4)");
    println!("six weeks of workload   {load:>8.2} ms  (after the forecast it reads)");
    Ok(())
}

/// Thread name prefix of the runtime serving the bench's HTTP API.
const SERVER_THREADS: &str = "srv";

mod cpu {
    //! CPU time of the server's threads (its runtime's and the store's), from /proc.

    /// Clock ticks per second of /proc's times (USER_HZ, 100 on Linux).
    const TICKS_PER_SECOND: f64 = 100.0;

    /// User plus system ticks of this process's threads whose name starts with one of `prefixes`.
    fn ticks(prefixes: &[&str]) -> u64 {
        let Ok(tasks) = std::fs::read_dir("/proc/self/task") else { return 0 };
        tasks
            .flatten()
            .filter_map(|t| std::fs::read_to_string(t.path().join("stat")).ok())
            .filter_map(|stat| {
                // pid (comm) state ... utime stime: comm may hold spaces, so split after ')'.
                let (head, rest) = stat.rsplit_once(')')?;
                let name = head.split_once('(')?.1;
                prefixes.iter().any(|p| name.starts_with(p)).then_some(())?;
                let fields: Vec<&str> = rest.split_whitespace().collect();
                Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
            })
            .sum()
    }

    /// The server's CPU time from its start.
    pub struct Meter(u64);

    impl Meter {
        pub fn start() -> Self {
            Self(ticks(&[super::SERVER_THREADS, "db-"]))
        }

        /// Milliseconds of server CPU per operation since the start.
        pub fn per_op(&self, ops: usize) -> f64 {
            let used = ticks(&[super::SERVER_THREADS, "db-"]).saturating_sub(self.0);
            used as f64 / TICKS_PER_SECOND * 1000.0 / ops.max(1) as f64
        }
    }
}

mod load {
    //! A small load generator: `connections` keep-alive HTTP/1.1 connections, each sending
    //! requests back to back for a fixed time, recording every latency.

    use std::net::SocketAddr;
    use std::time::{Duration, Instant};

    use axum::body::Bytes;
    use http_body_util::{BodyExt, Full};
    use hyper::client::conn::http1::SendRequest;
    use hyper_util::rt::TokioIo;

    pub struct Conn {
        sender: SendRequest<Full<Bytes>>,
        token: String,
    }

    impl Conn {
        pub async fn open(addr: SocketAddr, token: &str) -> anyhow::Result<Self> {
            let stream = tokio::net::TcpStream::connect(addr).await?;
            stream.set_nodelay(true)?;
            let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
            tokio::spawn(conn);
            Ok(Self { sender, token: token.to_owned() })
        }

        /// Sends one request; fails on any status but `expect`.
        pub async fn send(
            &mut self,
            method: &str,
            path: &str,
            body: Option<&str>,
            expect: u16,
        ) -> anyhow::Result<Bytes> {
            self.sender.ready().await?;
            let req = hyper::Request::builder()
                .method(method)
                .uri(path)
                .header("host", "127.0.0.1")
                .header("authorization", format!("Bearer {}", self.token))
                .header("content-type", "application/json")
                .body(Full::new(Bytes::from(body.unwrap_or_default().to_owned())))?;
            let resp = self.sender.send_request(req).await?;
            let status = resp.status().as_u16();
            let bytes = resp.into_body().collect().await?.to_bytes();
            if status != expect {
                anyhow::bail!("{method} {path}: {status} {}", String::from_utf8_lossy(&bytes));
            }
            Ok(bytes)
        }
    }

    /// Latencies, in microseconds, of everything the workers sent.
    pub struct Run {
        pub latencies: Vec<u64>,
        pub elapsed: Duration,
    }

    impl Run {
        pub fn rate(&self) -> f64 {
            self.latencies.len() as f64 / self.elapsed.as_secs_f64()
        }

        pub fn percentile(&self, p: f64) -> f64 {
            let mut sorted = self.latencies.clone();
            sorted.sort_unstable();
            let i = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len().max(1)) - 1;
            sorted.get(i).copied().unwrap_or(0) as f64 / 1000.0
        }
    }

    /// Runs `connections` workers for `duration`; `make` builds each call from the worker's
    /// number and a counter.
    pub async fn run<F>(
        addr: SocketAddr,
        token: &str,
        connections: usize,
        duration: Duration,
        make: F,
    ) -> anyhow::Result<Run>
    where
        F: Fn(usize, u64) -> (&'static str, String, Option<String>, u16) + Send + Sync + Clone + 'static,
    {
        let started = Instant::now();
        let mut workers = Vec::new();
        for w in 0..connections {
            let mut conn = Conn::open(addr, token).await?;
            let make = make.clone();
            workers.push(tokio::spawn(async move {
                let mut latencies = Vec::new();
                let mut n = 0u64;
                while started.elapsed() < duration {
                    let (method, path, body, expect) = make(w, n);
                    let t = Instant::now();
                    conn.send(method, &path, body.as_deref(), expect).await?;
                    latencies.push(t.elapsed().as_micros() as u64);
                    n += 1;
                }
                anyhow::Ok(latencies)
            }));
        }
        let mut latencies = Vec::new();
        for w in workers {
            latencies.extend(w.await??);
        }
        Ok(Run { latencies, elapsed: started.elapsed() })
    }
}

/// Options of `bench requests`.
#[derive(Debug, Clone)]
pub struct RequestBench {
    pub database_like: String,
    pub requests: usize,
    pub connections: usize,
    /// Connections for the latency measurements (reads, queue, search).
    pub read_connections: usize,
    pub seconds: u64,
    pub keep_database: bool,
    /// The configured `database_synchronous`, so the bench measures what the server would do.
    pub synchronous: concentric_store::Synchronous,
}

/// Generates an organisation with `requests` requests in a fresh database, serves it on a
/// loopback port, and measures creation, reads, the queue and search through the HTTP API.
pub async fn requests(opts: RequestBench) -> anyhow::Result<()> {
    use concentric_server::auth::secrets::{digest, new_api_token};
    use concentric_store::scratch::Scratch;
    use concentric_store::{PoolOptions, Store};

    let scratch = Scratch::create(&opts.database_like).await?;
    let store = Store::connect(
        scratch.url(),
        PoolOptions { max_connections: 20, synchronous: opts.synchronous, ..PoolOptions::default() },
    )
    .await?;
    let result = async {
        store.migrate().await?;
        let org = concentric_core::demo::organisation();
        store.load_demo(&org, &[]).await?;
        let services = concentric_core::demo::services(&org);
        store.load_demo_catalog(&services).await?;
        // Targets on, so every create also starts its clocks and schedules their checks.
        store
            .load_demo_targets(&concentric_core::demo::calendars(&org), &concentric_core::demo::targets(&services, &org))
            .await?;
        let started = Instant::now();
        let generated = store.generate_requests(opts.requests, 42).await?;
        let gen_secs = started.elapsed().as_secs_f64();
        let durability = match store.backend() {
            concentric_store::Backend::Sqlite => format!(", synchronous {:?}", opts.synchronous),
            concentric_store::Backend::Postgres => String::new(),
        };
        println!(
            "database: {:?}{durability}; generated {generated} requests with comments in {gen_secs:.1} s ({:.0}/s)",
            store.backend(),
            generated as f64 / gen_secs.max(0.001)
        );

        // A requester in Sales files; an IT agent reads, works the queue and searches.
        let token_for = |email: String| {
            let store = store.clone();
            async move {
                let person = store.person_by_email(&email).await?;
                let actor = store.actor_for(person.id).await?;
                let (secret, prefix) = new_api_token();
                store.create_token(&actor, "bench", &digest(&secret), &prefix).await?;
                anyhow::Ok(secret)
            }
        };
        let member = |team: &str| {
            org.people
                .iter()
                .find(|p| p.team_key == team && p.role == concentric_core::team::MemberRole::Member)
                .map(|p| p.person.email.clone())
                .unwrap_or_default()
        };
        let requester = token_for(member("SAL")).await?;
        let agent = token_for(member("IT")).await?;

        // The server runs on a runtime of its own, with named threads, so its CPU time is told
        // apart from the load generator's in this same process.
        let server_rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name(SERVER_THREADS)
            .enable_all()
            .build()?;
        let config = concentric_server::Config::default();
        let state = concentric_server::AppState::new(store.clone(), config);
        let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let server = server_rt.spawn(async move {
            let listener = tokio::net::TcpListener::from_std(listener)?;
            axum::serve(listener, concentric_server::app(state)).await
        });

        let secs = Duration::from_secs(opts.seconds);
        let c = opts.connections;
        // The form's person field needs a real person: the requester files for themselves.
        let me = member("SAL");
        let cpu = cpu::Meter::start();
        let commits = store.commit_stats();
        let create = load::run(addr, &requester, c, secs, move |w, n| {
            let body = format!(
                r#"{{"subject":"bench {w}-{n} laptop broken","fields":{{"model":"14-inch standard","for_whom":"{me}"}}}}"#
            );
            ("POST", "/api/v1/teams/IT/services/laptop/requests".to_owned(), Some(body), 201)
        })
        .await?;
        let create_cpu = cpu.per_op(create.latencies.len());
        let (groups, units) = store.commit_stats();
        let per_group = (units - commits.1) as f64 / (groups - commits.0).max(1) as f64;
        let it_total = store
            .list_requests(&concentric_core::authz::Actor::system(), &concentric_core::request::RequestQuery { team: Some("IT".into()), ..Default::default() }, concentric_core::page::PageRequest::first(1))
            .await?
            .total
            .max(1);
        let rc = opts.read_connections;
        let cpu = cpu::Meter::start();
        let read = load::run(addr, &agent, rc, secs, move |w, n| {
            let number = (n.wrapping_mul(2_654_435_761).wrapping_add(w as u64 * 97)) % it_total + 1;
            ("GET", format!("/api/v1/requests/IT-{number}"), None, 200)
        })
        .await?;
        let read_cpu = cpu.per_op(read.latencies.len());
        let cpu = cpu::Meter::start();
        let queue = load::run(addr, &agent, rc, secs, |_, _| {
            ("GET", "/api/v1/requests?team=IT&status=open&sort=priority&limit=50".to_owned(), None, 200)
        })
        .await?;
        let queue_cpu = cpu.per_op(queue.latencies.len());
        let words: Vec<&'static str> = {
            let mut s = concentric_core::synthetic::Synth::new(9, 1, 1, 64);
            (0..64).map(|_| s.search_word()).collect()
        };
        let cpu = cpu::Meter::start();
        let search = load::run(addr, &agent, rc, secs, move |w, n| {
            let a = words[(n as usize + w) % words.len()];
            let b = words[(n as usize * 7 + w * 3 + 1) % words.len()];
            ("GET", format!("/api/v1/search?q={a}+{b}+team%3AIT&limit=20"), None, 200)
        })
        .await?;
        let search_cpu = cpu.per_op(search.latencies.len());
        server.abort();
        server_rt.shutdown_background();

        println!(
            "{} s per measurement through the HTTP API on 127.0.0.1: creation on {c} connections, the rest on {rc}",
            opts.seconds
        );
        println!(
            "{:<28} {:>12} {:>10} {:>10} {:>16}",
            "measurement", "per second", "p50 ms", "p99 ms", "server CPU ms/op"
        );
        for (name, run, cpu) in [
            ("create request (POST)", &create, create_cpu),
            ("read one request", &read, read_cpu),
            ("team queue, first page", &queue, queue_cpu),
            ("full-text search", &search, search_cpu),
        ] {
            println!(
                "{name:<28} {:>12.0} {:>10.2} {:>10.2} {cpu:>16.3}",
                run.rate(),
                run.percentile(0.50),
                run.percentile(0.99),
            );
        }
        println!("group commit while creating: {per_group:.1} units per commit on average");
        if let Ok(status) = std::fs::read_to_string("/proc/self/status") {
            if let Some(line) = status.lines().find(|l| l.starts_with("VmHWM")) {
                println!("peak memory of the process: {}", line.trim_start_matches("VmHWM:").trim());
            }
        }
        anyhow::Ok(())
    }
    .await;
    store.close().await;
    if opts.keep_database {
        println!("database kept: {}", scratch.url());
    } else {
        scratch.remove().await?;
    }
    result
}
