//! Real processes for the tests that need them: a Redis server of the test's own (to freeze,
//! stop and restart), and instances of the built server binary.

use std::ffi::OsStr;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A free loopback port (bound, read, released).
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn signal(pid: u32, name: &str) {
    let status = Command::new("kill")
        .args([&format!("-{name}"), &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success(), "kill -{name} {pid}");
}

/// Polls `ready` every 50 ms until it holds or `limit` passes.
pub async fn eventually<F, Fut>(limit: Duration, ready: F) -> bool
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    while start.elapsed() < limit {
        if ready().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

pub struct RedisProcess {
    pub port: u16,
    /// The certificate and key it serves TLS with, on its only port; plain TCP when `None`.
    tls: Option<(PathBuf, PathBuf)>,
    child: Option<Child>,
    dir: tempfile::TempDir,
}

impl RedisProcess {
    pub async fn start() -> RedisProcess {
        Self::start_serving(None).await
    }

    /// A Redis that speaks only TLS, presenting `certificate` (with its `key`); clients need no
    /// certificate of their own.
    pub async fn start_with_tls(certificate: PathBuf, key: PathBuf) -> RedisProcess {
        Self::start_serving(Some((certificate, key))).await
    }

    async fn start_serving(tls: Option<(PathBuf, PathBuf)>) -> RedisProcess {
        let mut redis = RedisProcess {
            port: free_port(),
            tls,
            child: None,
            dir: tempfile::tempdir().unwrap(),
        };
        redis.restart().await;
        redis
    }

    pub fn url(&self) -> String {
        let scheme = if self.tls.is_some() {
            "rediss"
        } else {
            "redis"
        };
        format!("{scheme}://127.0.0.1:{}", self.port)
    }

    /// Starts (again) on the same port, and waits until it answers.
    pub async fn restart(&mut self) {
        let port = self.port.to_string();
        let listen: Vec<&OsStr> = match &self.tls {
            None => vec!["--port".as_ref(), port.as_ref()],
            Some((certificate, key)) => vec![
                "--port".as_ref(),
                "0".as_ref(),
                "--tls-port".as_ref(),
                port.as_ref(),
                "--tls-cert-file".as_ref(),
                certificate.as_os_str(),
                "--tls-key-file".as_ref(),
                key.as_os_str(),
                "--tls-auth-clients".as_ref(),
                "no".as_ref(),
            ],
        };
        let child = Command::new("redis-server")
            .args(listen)
            .args(["--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .arg("--dir")
            .arg(self.dir.path())
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server is installed (scripts/setup.sh --test installs it)");
        self.child = Some(child);
        let port = self.port;
        let up = eventually(Duration::from_secs(5), || async move {
            std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
        })
        .await;
        assert!(up, "redis-server did not start");
    }

    pub fn freeze(&self) {
        signal(self.child.as_ref().unwrap().id(), "STOP");
    }

    pub fn thaw(&self) {
        signal(self.child.as_ref().unwrap().id(), "CONT");
    }

    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = signal_quietly(child.id(), "CONT");
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A real SMTP server (Python's aiosmtpd, Debian's `python3-aiosmtpd`) that files every message
/// it accepts into a maildir, as a mail provider's inbox would.
/// How an SMTP server speaks TLS: from the first byte (SMTPS), or only after STARTTLS, which it
/// then requires before it accepts any mail.
#[derive(Clone, Copy, Debug)]
pub enum SmtpTls {
    Implicit,
    StartTls,
}

pub struct SmtpProcess {
    pub port: u16,
    /// How it speaks TLS, with its certificate and key; plain when `None`.
    tls: Option<(SmtpTls, PathBuf, PathBuf)>,
    child: Option<Child>,
    dir: tempfile::TempDir,
}

impl SmtpProcess {
    /// A server to be started later on its port ([`SmtpProcess::start`]): until then, nothing
    /// listens there, as while a mail provider is down.
    pub fn not_yet_started() -> SmtpProcess {
        SmtpProcess {
            port: free_port(),
            tls: None,
            child: None,
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// A server that accepts mail only over TLS (`mode`), presenting `certificate` (with its
    /// `key`).
    pub async fn started_with_tls(
        mode: SmtpTls,
        certificate: PathBuf,
        key: PathBuf,
    ) -> SmtpProcess {
        let mut smtp = Self::not_yet_started();
        smtp.tls = Some((mode, certificate, key));
        smtp.start().await;
        smtp
    }

    pub async fn started() -> SmtpProcess {
        let mut smtp = Self::not_yet_started();
        smtp.start().await;
        smtp
    }

    /// Starts on its port and waits until it answers.
    pub async fn start(&mut self) {
        let child = Command::new("/usr/bin/python3")
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{}", self.port))
            .args(self.tls.iter().flat_map(|(mode, certificate, key)| {
                let (certificate_flag, key_flag) = match mode {
                    SmtpTls::Implicit => ("--smtpscert", "--smtpskey"),
                    SmtpTls::StartTls => ("--tlscert", "--tlskey"),
                };
                [
                    certificate_flag.as_ref(),
                    certificate.as_os_str(),
                    key_flag.as_ref(),
                    key.as_os_str(),
                ]
            }))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(self.dir.path().join("maildir"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3-aiosmtpd is installed (scripts/setup.sh --test installs it)");
        self.child = Some(child);
        let port = self.port;
        let up = eventually(Duration::from_secs(10), || async move {
            std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
        })
        .await;
        assert!(up, "the SMTP server did not start");
    }

    pub fn url(&self) -> String {
        let port = self.port;
        match self.tls {
            None => format!("smtp://127.0.0.1:{port}"),
            Some((SmtpTls::Implicit, ..)) => format!("smtps://127.0.0.1:{port}"),
            Some((SmtpTls::StartTls, ..)) => format!("smtp://127.0.0.1:{port}?tls=required"),
        }
    }

    /// The messages it has accepted, oldest first.
    pub fn received(&self) -> Vec<crate::mail::ReadMail> {
        crate::mail::read_maildir(&self.dir.path().join("maildir"))
    }
}

impl Drop for SmtpProcess {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn signal_quietly(pid: u32, name: &str) -> std::io::Result<std::process::ExitStatus> {
    Command::new("kill")
        .args([&format!("-{name}"), &pid.to_string()])
        .stderr(Stdio::null())
        .status()
}

impl Drop for RedisProcess {
    fn drop(&mut self) {
        self.stop();
    }
}

/// One instance of the built server binary.
pub struct ServerProcess {
    pub address: String,
    child: Child,
}

impl ServerProcess {
    pub async fn start(vars: &[(&str, &str)]) -> ServerProcess {
        let port = free_port();
        let child = Command::new(env!("CARGO_BIN_EXE_server"))
            .arg("serve")
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
            .env("LEPTOS_OUTPUT_NAME", app::product::SLUG)
            .env("RUST_LOG", "error")
            .env(
                "MAIL_OUTBOX",
                std::env::temp_dir().join(format!("outbox-{port}")),
            )
            .envs(vars.iter().copied())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let address = format!("http://127.0.0.1:{port}");
        let health = format!("{address}/healthz");
        let up = eventually(Duration::from_secs(20), || {
            let health = health.clone();
            async move {
                crate::helpers::http_client()
                    .timeout(Duration::from_secs(2))
                    .build()
                    .unwrap()
                    .get(&health)
                    .send()
                    .await
                    .is_ok_and(|r| r.status().is_success())
            }
        })
        .await;
        assert!(up, "server on port {port} did not become healthy");
        ServerProcess { address, child }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A PostgreSQL cluster of the test's own, to stop and start again.
pub struct PostgresProcess {
    pub port: u16,
    bin: std::path::PathBuf,
    dir: tempfile::TempDir,
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|output| output.stdout.starts_with(b"0\n"))
}

/// Runs a PostgreSQL program, as the postgres user when we are root (it refuses root).
fn postgres_command(program: &std::path::Path) -> Command {
    if running_as_root() {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--"]).arg(program);
        command
    } else {
        Command::new(program)
    }
}

impl PostgresProcess {
    pub async fn start() -> PostgresProcess {
        let bin = std::fs::read_dir("/usr/lib/postgresql")
            .expect("PostgreSQL is installed (scripts/setup.sh --test installs it)")
            .filter_map(|entry| entry.ok().map(|entry| entry.path().join("bin")))
            .filter(|bin| bin.join("initdb").exists())
            .max()
            .expect("a PostgreSQL server with initdb");
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        if running_as_root() {
            let status = Command::new("chown")
                .arg("postgres:postgres")
                .arg(dir.path())
                .status()
                .unwrap();
            assert!(status.success());
        }
        let status = postgres_command(&bin.join("initdb"))
            .arg("-D")
            .arg(dir.path().join("data"))
            .args([
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C.UTF-8",
            ])
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "initdb");
        let cluster = PostgresProcess { port, bin, dir };
        cluster.start_server();
        cluster
    }

    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Starts the server and waits until it accepts connections.
    pub fn start_server(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.dir.path().display()
        );
        let status = self
            .pg_ctl()
            .arg("-l")
            .arg(self.dir.path().join("server.log"))
            .args(["-w", "-o", &options, "start"])
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "pg_ctl start");
    }

    pub fn stop_server(&self) {
        let status = self
            .pg_ctl()
            .args(["-w", "-m", "fast", "stop"])
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "pg_ctl stop");
    }

    fn pg_ctl(&self) -> Command {
        let mut command = postgres_command(&self.bin.join("pg_ctl"));
        command.arg("-D").arg(self.dir.path().join("data"));
        command
    }
}

impl Drop for PostgresProcess {
    fn drop(&mut self) {
        let _ = self
            .pg_ctl()
            .args(["-m", "immediate", "stop"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}
