//! A `moto_server` S3 emulator on 127.0.0.1, and unsigned HTTP/1.1 requests to it (moto accepts
//! them), so that tests can create buckets and read back what the CLI wrote.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A `moto_server` child process, killed on drop.
pub struct Moto {
    child: Child,
    pub port: u16,
    pub endpoint: String,
}

impl Moto {
    /// Starts moto (`pip install 'moto[server]'`; scripts/test.sh installs it) on a free port.
    pub fn start() -> Moto {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("free port");
        let child = Command::new("moto_server")
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto_server not found: run scripts/test.sh, or pip install 'moto[server]'");
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "moto_server did not start on port {port}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Moto {
            child,
            port,
            endpoint: format!("http://127.0.0.1:{port}"),
        }
    }

    /// One request; returns (status, body).
    pub fn request(&self, method: &str, path: &str) -> (u16, Vec<u8>) {
        self.request_with_body(method, path, &[])
    }

    /// One request with a body; returns (status, body).
    pub fn request_with_body(&self, method: &str, path: &str, payload: &[u8]) -> (u16, Vec<u8>) {
        let mut s = TcpStream::connect(("127.0.0.1", self.port)).expect("connect to moto");
        s.set_read_timeout(Some(Duration::from_secs(30))).ok();
        // moto does not verify signatures but treats a request without credentials as anonymous
        // (denied on private objects): a well-formed, unverified Authorization header suffices.
        let auth = "AWS4-HMAC-SHA256 Credential=testing/20251215/us-east-1/s3/aws4_request, SignedHeaders=host, Signature=0";
        write!(s, "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nAuthorization: {auth}\r\nx-amz-date: 20251215T000000Z\r\nx-amz-content-sha256: UNSIGNED-PAYLOAD\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", self.port, payload.len())
            .expect("send to moto");
        s.write_all(payload).expect("send to moto");
        let mut raw = Vec::new();
        s.read_to_end(&mut raw).expect("read from moto");
        let split = raw
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("HTTP response head");
        let head = String::from_utf8_lossy(&raw[..split]).to_string();
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .expect("HTTP status");
        let mut body = raw[split + 4..].to_vec();
        if head
            .to_ascii_lowercase()
            .contains("transfer-encoding: chunked")
        {
            body = dechunk(&body);
        }
        (status, body)
    }

    pub fn create_bucket(&self, bucket: &str) {
        let (status, body) = self.request("PUT", &format!("/{bucket}"));
        assert!(
            (200..300).contains(&status),
            "create bucket {bucket}: {status} {}",
            String::from_utf8_lossy(&body)
        );
    }

    /// Writes an object.
    pub fn put(&self, bucket: &str, key: &str, bytes: &[u8]) {
        let (status, body) = self.request_with_body("PUT", &format!("/{bucket}/{key}"), bytes);
        assert!(
            (200..300).contains(&status),
            "PUT {bucket}/{key}: {status} {}",
            String::from_utf8_lossy(&body)
        );
    }

    /// An object's bytes, `None` when it does not exist.
    pub fn get(&self, bucket: &str, key: &str) -> Option<Vec<u8>> {
        let (status, body) = self.request("GET", &format!("/{bucket}/{key}"));
        match status {
            200 => Some(body),
            404 => None,
            other => panic!(
                "GET {bucket}/{key}: {other} {}",
                String::from_utf8_lossy(&body)
            ),
        }
    }

    /// Keys under a prefix.
    pub fn list(&self, bucket: &str, prefix: &str) -> Vec<String> {
        let (status, body) = self.request("GET", &format!("/{bucket}?list-type=2&prefix={prefix}"));
        assert_eq!(status, 200, "list {bucket}/{prefix}");
        let xml = String::from_utf8_lossy(&body);
        xml.split("<Key>")
            .skip(1)
            .filter_map(|s| s.split("</Key>").next())
            .map(str::to_string)
            .collect()
    }
}

fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(eol) = body.windows(2).position(|w| w == b"\r\n") {
        let size =
            usize::from_str_radix(String::from_utf8_lossy(&body[..eol]).trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        let start = eol + 2;
        out.extend_from_slice(&body[start..(start + size).min(body.len())]);
        body = &body[(start + size + 2).min(body.len())..];
    }
    out
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
