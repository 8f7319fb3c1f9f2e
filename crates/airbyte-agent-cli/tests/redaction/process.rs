//! A long-running `airbyte-agent` process (a server) whose output is read
//! while it runs and collected in full once it is stopped.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::support::CliRun;

/// How long a server may take to start or to stop.
const PATIENCE: Duration = Duration::from_secs(30);

/// A server process; killed when dropped if [`stop`](Self::stop) did not run.
pub struct Spawned {
    child: Child,
    lines: Receiver<String>,
    stdout: Option<JoinHandle<String>>,
    stderr: Option<JoinHandle<String>>,
}

/// Reads a stream to its end, forwarding each line; trace output is large,
/// so both streams are drained at once and the server never blocks on them.
fn drain(
    stream: impl Read + Send + 'static,
    tx: std::sync::mpsc::Sender<String>,
) -> JoinHandle<String> {
    std::thread::spawn(move || {
        let mut all = String::new();
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            let _ = tx.send(line.clone());
            all.push_str(&line);
            all.push('\n');
        }
        all
    })
}

impl Spawned {
    /// Starts `cmd` with both output streams piped.
    pub fn start(mut cmd: Command) -> Self {
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the server process starts");
        let (tx, lines) = channel();
        let stdout = drain(child.stdout.take().expect("stdout"), tx.clone());
        let stderr = drain(child.stderr.take().expect("stderr"), tx);
        Self {
            child,
            lines,
            stdout: Some(stdout),
            stderr: Some(stderr),
        }
    }

    /// The first line (on either stream) for which `pick` returns a value.
    pub fn wait_for<T>(&self, mut pick: impl FnMut(&str) -> Option<T>) -> Option<T> {
        let deadline = Instant::now() + PATIENCE;
        while let Some(left) = deadline.checked_duration_since(Instant::now()) {
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    if let Some(found) = pick(&line) {
                        return Some(found);
                    }
                }
                Err(_) => return None,
            }
        }
        None
    }

    /// Stops the process as Ctrl-C would (SIGINT, so it shuts down and logs
    /// it), then returns everything it printed.
    pub fn stop(mut self) -> CliRun {
        // The shell's own `kill`: no extra binary or crate needed.
        let signalled = Command::new("sh")
            .args(["-c", &format!("kill -INT {}", self.child.id())])
            .status()
            .is_ok_and(|s| s.success());
        if !signalled {
            let _ = self.child.kill();
        }
        let deadline = Instant::now() + PATIENCE;
        let code = loop {
            match self.child.try_wait() {
                Ok(Some(status)) => break status.code(),
                Ok(None) if Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                _ => {
                    let _ = self.child.kill();
                    break self.child.wait().ok().and_then(|s| s.code());
                }
            }
        };
        let join =
            |h: Option<JoinHandle<String>>| h.and_then(|h| h.join().ok()).unwrap_or_default();
        CliRun {
            code,
            stdout: join(self.stdout.take()),
            stderr: join(self.stderr.take()),
        }
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
