//! Sending a plan: worker threads, users, the schedule, and the bounds.
//!
//! Each worker thread runs a single-threaded runtime holding its share of
//! the users; each user is one task with its own connection, looping:
//! claim the next request (closed model: from the request budget; open
//! model: the next arrival slot, sleeping until it is due), send it, record
//! it into the thread's statistics. Nothing crosses threads per request but
//! an atomic counter; the caller reads the statistics twice a second for
//! the progress line and merges them at the end.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::client::{Answer, Conn, Connector, Failure, Template};
use crate::flow::{fill_request, run_setup};
use crate::plan::{Model, Plan};
use crate::report::{ErrorKind, Report, Stress};
use crate::stats::{Stats, Tick, histogram};

/// A glance at a running load, for a progress line.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Progress {
    pub elapsed: Duration,
    /// Requests answered or failed so far.
    pub requests: u64,
    /// Answers per second over the last half second.
    pub rate: f64,
    /// The p95 of every answer so far.
    pub p95: Option<Duration>,
    /// Failed requests so far.
    pub errors: u64,
}

/// Sends `plan` and reports what came back. `progress` is called about
/// twice a second while the load runs. An error means the load could not
/// start: the plan is invalid, the host does not resolve, or a setup
/// request failed.
pub async fn run(
    plan: &Plan,
    mut progress: Option<&mut (dyn FnMut(&Progress) + Send)>,
) -> Result<Report, String> {
    plan.validate().map_err(|e| e.0)?;
    let vars = run_setup(&plan.setup, plan.protocol, &plan.tls, plan.timeout).await?;
    let request = fill_request(&plan.request, &vars)?;
    let template = Template::new(
        request.method.clone(),
        &request.target,
        &request.headers,
        request.body.clone(),
    )?;
    let connector = Connector::new(&request.target, plan.protocol, &plan.tls, plan.timeout)
        .await
        .map_err(|f| f.message)?;

    let (base_users, peak_users) = plan.users_range();
    let threads = match plan.threads {
        0 => std::thread::available_parallelism().map_or(2, usize::from),
        n => n,
    }
    .clamp(1, peak_users as usize);
    let stats: Vec<Arc<Mutex<Stats>>> = (0..threads)
        .map(|_| Arc::new(Mutex::new(Stats::new())))
        .collect();
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let start = Instant::now();
    let shared = Arc::new(Shared {
        plan: plan.clone(),
        template,
        connector,
        start,
        deadline: plan.bound.duration.map(|d| start + d),
        issued: AtomicU64::new(0),
        connected: AtomicBool::new(false),
        connect_failures: AtomicU64::new(0),
        abort_after: u64::from(peak_users.clamp(3, 20)),
        aborted: Mutex::new(None),
        stop: stop_tx,
        base_users,
        peak_users,
    });

    let (done_tx, mut done_rx) = tokio::sync::mpsc::unbounded_channel::<()>();
    // Dropping the run (a check's time limit) stops the users at once.
    let _stop_on_drop = StopOnDrop(shared.clone());
    for (t, thread_stats) in stats.iter().enumerate() {
        let users: Vec<u32> = (0..peak_users)
            .filter(|u| *u as usize % threads == t)
            .collect();
        let for_thread = shared.clone();
        let thread_stats = thread_stats.clone();
        let done = done_tx.clone();
        let stop = stop_rx.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("golive-load-{t}"))
            .spawn(move || {
                // I/O and timers only: the signal and process drivers
                // would be looked at on every park for nothing.
                match tokio::runtime::Builder::new_current_thread()
                    .enable_io()
                    .enable_time()
                    .build()
                {
                    Ok(rt) => rt.block_on(thread_main(for_thread, thread_stats, users, stop)),
                    Err(e) => for_thread.abort(format!("cannot start a worker runtime: {e}")),
                }
                let _ = done.send(());
            });
        if let Err(e) = spawned {
            shared.abort(format!("cannot start a worker thread: {e}"));
            let _ = done_tx.send(());
        }
    }
    drop(done_tx);

    let mut ticker = tokio::time::interval(Duration::from_millis(500));
    ticker.tick().await;
    let mut last = (Instant::now(), 0u64);
    let mut finished = 0;
    while finished < threads {
        tokio::select! {
            got = done_rx.recv() => match got {
                Some(()) => finished += 1,
                None => break,
            },
            _ = ticker.tick() => {
                if let Some(cb) = progress.as_mut() {
                    let p = snapshot(&stats, start, &mut last);
                    cb(&p);
                }
            }
        }
    }
    let end = Instant::now();
    let elapsed = match shared.deadline {
        Some(d) => end.min(d) - start,
        None => end - start,
    };

    let mut total = Stats::new();
    for s in &stats {
        total.merge(&lock(s));
    }
    let mut report = Report::from_stats(total);
    report.model = plan.model.name();
    report.plan = plan.describe();
    report.users = peak_users;
    report.elapsed = elapsed;
    if let Model::Open { rate, .. } = plan.model {
        report.rate = Some(rate * plan.stress.unwrap_or(1.0));
        let due = shared.due_before_end();
        report.dropped = due.saturating_sub(report.requests() + report.cancelled);
    }
    report.aborted = lock(&shared.aborted).clone();
    if let Some(factor) = plan.stress {
        report.stress = Some(shared.stress(factor, &report.timeline));
    }
    Ok(report)
}

struct Shared {
    plan: Plan,
    template: Template,
    connector: Connector,
    start: Instant,
    deadline: Option<Instant>,
    /// Requests claimed: the budget (closed model) or the next arrival
    /// slot (open model).
    issued: AtomicU64,
    /// Some connection succeeded: connect errors are then the server's
    /// trouble under load, not a wrong address.
    connected: AtomicBool,
    connect_failures: AtomicU64,
    /// Connect failures, with no success ever, after which the load stops.
    abort_after: u64,
    aborted: Mutex<Option<String>>,
    stop: tokio::sync::watch::Sender<bool>,
    base_users: u32,
    peak_users: u32,
}

struct StopOnDrop(Arc<Shared>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.stop.send_replace(true);
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Shared {
    fn abort(&self, why: String) {
        let mut a = lock(&self.aborted);
        if a.is_none() {
            *a = Some(why);
        }
        drop(a);
        self.stop.send_replace(true);
    }

    fn duration(&self) -> Option<f64> {
        self.plan.bound.duration.map(|d| d.as_secs_f64())
    }

    /// When an open model's request `i` is due, from the start: arrivals at
    /// `rate`, or ramping linearly to `rate × stress` over the duration.
    fn offset(&self, i: u64) -> Option<Duration> {
        let Model::Open { rate, .. } = self.plan.model else {
            return None;
        };
        let n = i as f64;
        let secs = match (self.plan.stress, self.duration()) {
            (Some(f), Some(d)) if f > 1.0 => {
                // Arrivals by time t: rate·t + a·t², a = rate·(f−1)/(2d).
                let a = rate * (f - 1.0) / (2.0 * d);
                (-rate + (rate * rate + 4.0 * a * n).sqrt()) / (2.0 * a)
            }
            _ => n / rate,
        };
        Some(Duration::from_secs_f64(secs.max(0.0)))
    }

    /// Open model: how many requests were due before the end, counted with
    /// the same schedule the users follow.
    fn due_before_end(&self) -> u64 {
        let Model::Open { rate, .. } = self.plan.model else {
            return 0;
        };
        let by_time = self.plan.bound.duration.map(|d| {
            let f = self.plan.stress.unwrap_or(1.0);
            let mut n = (rate * d.as_secs_f64() * (1.0 + f) / 2.0).ceil() as u64;
            while n > 0 && self.offset(n - 1).is_some_and(|o| o >= d) {
                n -= 1;
            }
            while self.offset(n).is_some_and(|o| o < d) {
                n += 1;
            }
            n
        });
        match (by_time, self.plan.bound.requests) {
            (Some(t), Some(n)) => t.min(n),
            (Some(t), None) => t,
            (None, Some(n)) => n,
            (None, None) => 0,
        }
    }

    /// Closed-model stress ramp: when user `u` joins.
    fn join_at(&self, u: u32) -> Duration {
        let extra = self.peak_users - self.base_users;
        match self.plan.bound.duration {
            Some(d) if u >= self.base_users && extra > 0 => {
                d.mul_f64(f64::from(u - self.base_users + 1) / f64::from(extra + 1))
            }
            _ => Duration::ZERO,
        }
    }

    /// The load relative to its start, `t` into the ramp.
    fn factor_at(&self, t: Duration, planned: f64) -> (f64, f64) {
        let d = self.duration().unwrap_or(1.0).max(1e-9);
        match self.plan.model {
            Model::Open { rate, .. } => {
                let f = 1.0 + (planned - 1.0) * (t.as_secs_f64() / d).min(1.0);
                (f, rate * f)
            }
            Model::Closed { .. } => {
                let active = (0..self.peak_users)
                    .filter(|&u| self.join_at(u) <= t)
                    .count() as f64;
                (active / f64::from(self.base_users), active)
            }
        }
    }

    /// Where a stress ramp got to: the first second in which 1% or more of
    /// the requests failed, and the load just before it.
    fn stress(&self, planned: f64, timeline: &[Tick]) -> Stress {
        let began = timeline
            .iter()
            .position(|t| t.errors > 0 && t.errors * 100 >= t.requests);
        match began {
            None => Stress {
                planned,
                stable_factor: planned,
                errors_began: None,
            },
            Some(s) => {
                let at = Duration::from_secs(s as u64);
                let (factor, load) = self.factor_at(at, planned);
                Stress {
                    planned,
                    stable_factor: factor,
                    errors_began: Some((at, factor, load)),
                }
            }
        }
    }

    /// Closed model: takes one request from the budget.
    fn claim(&self) -> bool {
        match self.plan.bound.requests {
            Some(n) => self.issued.fetch_add(1, Ordering::Relaxed) < n,
            None => true,
        }
    }

    async fn connect(&self, stats: &Mutex<Stats>) -> Result<Conn, Failure> {
        match self.connector.connect().await {
            Ok(c) => {
                self.connected.store(true, Ordering::Relaxed);
                let mut s = lock(stats);
                if c.is_http2() {
                    s.h2_connections += 1;
                } else {
                    s.h1_connections += 1;
                }
                Ok(c)
            }
            Err(f) => {
                // Refused, unreachable, a certificate not trusted, HTTP/2
                // not agreed: if no connection ever succeeded, more
                // attempts would only say the same.
                let n = self.connect_failures.fetch_add(1, Ordering::Relaxed) + 1;
                if n >= self.abort_after && !self.connected.load(Ordering::Relaxed) {
                    self.abort(format!(
                        "stopped after {n} failed connection attempts and none that succeeded: {}",
                        f.message
                    ));
                }
                Err(f)
            }
        }
    }

    /// One request on the user's connection, opening one when there is
    /// none or the server closed it.
    async fn send(&self, conn: &mut Option<Conn>, stats: &Mutex<Stats>) -> Result<Answer, Failure> {
        for _ in 0..2 {
            if !conn.as_ref().is_some_and(Conn::usable) {
                *conn = Some(self.connect(stats).await?);
            }
            let Some(c) = conn.as_mut() else { break };
            let req = self.template.build(c.is_http2());
            match c.exchange(req, false).await {
                Ok((answer, _)) => return Ok(answer),
                // Closed before the request left: a keep-alive connection
                // the server let go of. Try once on a new one.
                Err(f) if f.unsent => *conn = None,
                Err(f) => return Err(f),
            }
        }
        Err(Failure::new(
            ErrorKind::Reset,
            "the server closed two connections in a row before a request could be sent",
        ))
    }
}

async fn thread_main(
    shared: Arc<Shared>,
    stats: Arc<Mutex<Stats>>,
    users: Vec<u32>,
    stop: tokio::sync::watch::Receiver<bool>,
) {
    let mut set = tokio::task::JoinSet::new();
    for u in users {
        let shared = shared.clone();
        let stats = stats.clone();
        let mut stop = stop.clone();
        set.spawn(async move {
            tokio::select! {
                () = user(&shared, &stats, u) => {}
                _ = stop.wait_for(|s| *s) => {}
            }
        });
    }
    while set.join_next().await.is_some() {}
}

/// Sleeps until `at`, or the deadline if that is sooner; false when the
/// deadline came first.
async fn sleep_until(at: Instant, deadline: Option<Instant>) -> bool {
    match deadline {
        Some(d) if d <= at => {
            tokio::time::sleep_until(d.into()).await;
            false
        }
        _ => {
            tokio::time::sleep_until(at.into()).await;
            true
        }
    }
}

async fn user(sh: &Shared, stats: &Mutex<Stats>, index: u32) {
    let joins = sh.join_at(index);
    if !joins.is_zero() && !sleep_until(sh.start + joins, sh.deadline).await {
        return;
    }
    let mut conn: Option<Conn> = None;
    // One timer per user, moved for each request, rather than a timer
    // created and cancelled per request.
    let timer = tokio::time::sleep_until((Instant::now() + sh.plan.timeout).into());
    tokio::pin!(timer);
    loop {
        // When this request counts from: now (closed model), or when it
        // was due (open model) if the user was busy then, so that time
        // spent waiting for a free connection is part of its latency.
        let from = match sh.plan.model {
            Model::Closed { .. } => {
                if !sh.claim() {
                    return;
                }
                Instant::now()
            }
            Model::Open { .. } => {
                let i = sh.issued.fetch_add(1, Ordering::Relaxed);
                if sh.plan.bound.requests.is_some_and(|n| i >= n) {
                    return;
                }
                let Some(offset) = sh.offset(i) else { return };
                if sh.plan.bound.duration.is_some_and(|d| offset >= d) {
                    return;
                }
                let due = sh.start + offset;
                if due > Instant::now() {
                    if !sleep_until(due, sh.deadline).await {
                        return;
                    }
                    // Idle until due: the timer's lateness is ours, not the
                    // server's, so the clock starts now.
                    Instant::now()
                } else {
                    due
                }
            }
        };
        let began = Instant::now();
        if sh.deadline.is_some_and(|d| began >= d) {
            if matches!(sh.plan.model, Model::Open { .. }) {
                // Due before the end, but the timer woke after it (timers
                // tick in milliseconds): cut off, not dropped by the server.
                lock(stats).cancelled += 1;
            }
            return;
        }
        let mut bound = began + sh.plan.timeout;
        let mut at_deadline = false;
        if let Some(d) = sh.deadline
            && d < bound
        {
            bound = d;
            at_deadline = true;
        }
        timer.as_mut().reset(bound.into());
        let result = tokio::select! {
            biased;
            r = sh.send(&mut conn, stats) => Ok(r),
            () = &mut timer => Err(()),
        };
        let end = Instant::now();
        let second = end.saturating_duration_since(sh.start).as_secs();
        let mut connect_failed = false;
        match result {
            Ok(Ok(answer)) => lock(stats).answer(end - from, answer, second),
            Ok(Err(failure)) => {
                conn = None;
                connect_failed = matches!(failure.kind, ErrorKind::Connect | ErrorKind::Tls);
                lock(stats).failure(&failure, second);
            }
            Err(_) if at_deadline => {
                lock(stats).cancelled += 1;
                return;
            }
            Err(_) => {
                conn = None;
                let f = Failure::new(
                    ErrorKind::Timeout,
                    format!(
                        "no answer within {}",
                        golive_core::format_duration(sh.plan.timeout)
                    ),
                );
                lock(stats).failure(&f, second);
            }
        }
        if !sh.plan.keep_alive {
            conn = None;
        }
        // A refused connection fails in microseconds; a short pause keeps a
        // dead port from turning the load into a busy loop.
        let pause = if connect_failed {
            Duration::from_millis(10)
        } else {
            match sh.plan.model {
                Model::Closed { think, .. } => think,
                Model::Open { .. } => Duration::ZERO,
            }
        };
        if !pause.is_zero() && !sleep_until(Instant::now() + pause, sh.deadline).await {
            return;
        }
    }
}

fn snapshot(stats: &[Arc<Mutex<Stats>>], start: Instant, last: &mut (Instant, u64)) -> Progress {
    let mut hist = histogram();
    let (mut requests, mut responses, mut errors) = (0, 0, 0);
    for s in stats {
        let s = lock(s);
        let _ = hist.add(&s.hist);
        requests += s.requests();
        responses += s.responses;
        errors += s.failed();
    }
    let now = Instant::now();
    let secs = now.duration_since(last.0).as_secs_f64();
    let rate = if secs > 0.0 {
        (responses - last.1.min(responses)) as f64 / secs
    } else {
        0.0
    };
    *last = (now, responses);
    Progress {
        elapsed: now - start,
        requests,
        rate,
        p95: (!hist.is_empty()).then(|| Duration::from_micros(hist.value_at_quantile(0.95))),
        errors,
    }
}
