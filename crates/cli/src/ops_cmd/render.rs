//! The deployment commands on the terminal: each progress event of the ops library as the lines
//! users read (and the e2e scripts check), and each command's outcome at its end.

use serde_json::Value;
use vectora_ops::config_push::PushReport;
use vectora_ops::deploy::{DeployOutcome, TestInvocation};
use vectora_ops::fan_out::ExecutionOutcome;
use vectora_ops::invoke::InvokeOutcome;
use vectora_ops::progress::{Event, Progress, ResourceChange};
use vectora_ops::validate::ValidatedPackage;

/// Prints every event as it comes: build messages and stack failures on stderr, the rest on stdout.
pub struct Terminal;

impl Progress for Terminal {
    fn report(&self, event: Event<'_>) {
        let on_stderr = matches!(event, Event::Building { .. } | Event::StackFailed { .. });
        for line in event_lines(&event) {
            if on_stderr {
                eprintln!("{line}");
            } else {
                println!("{line}");
            }
        }
    }
}

/// The lines of one event.
pub fn event_lines(event: &Event<'_>) -> Vec<String> {
    match event {
        Event::Building {
            bin,
            arch,
            builder,
            target,
            profile,
            workspace,
        } => vec![format!(
            "building {bin} for {arch} with {builder:?} (target {target}, profile {profile}) in {}",
            workspace.display()
        )],
        Event::Packaged(package) => package_lines(package),
        Event::Uploaded { bucket, key } => vec![format!("  uploaded s3://{bucket}/{key}")],
        Event::AlreadyUploaded { bucket, key } => {
            vec![format!(
                "  s3://{bucket}/{key} already uploaded (same content)"
            )]
        }
        Event::WouldUpload { bucket, key } => vec![format!("  would upload s3://{bucket}/{key}")],
        Event::WouldUploadCode { bucket, key } => {
            vec![format!(
                "dry run: would upload s3://{bucket}/{key} and latest.zip"
            )]
        }
        Event::WouldUploadDefinition { bucket, key } => vec![format!(
            "dry run: would upload the fan-out definition to s3://{bucket}/{key}"
        )],
        Event::ConfigValid { dir, files } => {
            vec![format!("config {} is valid ({files} files)", dir.display())]
        }
        Event::FunctionDeployed(f) => vec![format!(
            "function {}: runtime {}, {} MB, timeout {} s, architectures {:?}, code sha256 (base64) {}",
            f.name, f.runtime, f.memory_mb, f.timeout_s, f.architectures, f.code_sha256
        )],
        Event::Invoking {
            function,
            endpoint: Some(url),
            event,
        } => vec![format!("invoking {function} at {url} with {event}")],
        Event::Invoking {
            function, event, ..
        } => vec![format!("invoking {function} with {event}")],
        Event::NoLogLines {
            request_id,
            log_group,
            waited_s,
        } => vec![format!(
            "no log line of request {request_id} in {log_group} after {waited_s} s"
        )],
        Event::LogTail { function, lines } => {
            std::iter::once(format!("last log lines of {function}:"))
                .chain(lines.iter().map(|l| format!("  | {l}")))
                .collect()
        }
        Event::ExecutionStarted { arn, input } => {
            vec![format!("started execution {arn} with {input}")]
        }
        stack_event => stack_lines(stack_event),
    }
}

/// The lines of the deploy and stack events.
fn stack_lines(event: &Event<'_>) -> Vec<String> {
    match event {
        Event::DeployTarget {
            function,
            stack,
            region,
            core,
            role,
        } => vec![
            format!("deploying {function} to {stack} ({region})"),
            format!("  config bucket: {}", core.config_bucket),
            format!("  data bucket:   {}", core.data_bucket),
            format!(
                "  code bucket:   {}{}",
                core.code_bucket,
                if core.code_bucket_by_convention {
                    " (by convention: s0-core has no CodeBucketName output)"
                } else {
                    ""
                }
            ),
            format!("  role:          {} (from {})", role.arn, role.source),
        ],
        Event::FanOutKept { stack } => vec![format!(
            "note: stack {stack} exists and keeps its schedule; deploy with --fan-out to update it"
        )],
        Event::StackRecreated {
            stack,
            status,
            dry_run: true,
        } => vec![format!(
            "stack {stack} is {status} (its first creation failed): a real deploy deletes it, then creates it again"
        )],
        Event::StackRecreated { stack, status, .. } => vec![format!(
            "stack {stack} is {status} (its first creation failed) and can only be deleted: deleting it"
        )],
        Event::ChangeSetCreating {
            stack,
            change_set,
            create,
        } => vec![format!(
            "stack {stack}: creating change set {change_set} ({})",
            if *create { "CREATE" } else { "UPDATE" }
        )],
        Event::StackUnchanged { stack } => {
            vec![format!("stack {stack}: no changes (already up to date)")]
        }
        Event::ChangeSetComputed { stack, changes } => {
            std::iter::once(format!("stack {stack}: {} change(s)", changes.len()))
                .chain(changes.iter().map(change_line))
                .collect()
        }
        Event::ChangeSetDiscarded { stack } => {
            vec![format!(
                "dry run: change set deleted, stack {stack} unchanged"
            )]
        }
        Event::StackExecuting { stack } => {
            vec![format!("stack {stack}: executing, waiting for completion")]
        }
        Event::StackSettled { stack, status } => vec![format!("stack {stack}: {status}")],
        Event::StackFailed {
            stack,
            status,
            reasons,
        } => std::iter::once(format!("stack {stack}: {status}"))
            .chain(reasons.iter().map(|r| format!("  {r}")))
            .collect(),
        other => vec![format!("{other:?}")],
    }
}

/// One resource of a change set, in columns.
fn change_line(rc: &ResourceChange) -> String {
    format!(
        "  {:<8} {:<32} {:<32}{}",
        rc.action,
        rc.logical_id,
        rc.resource_type,
        rc.replacement
            .as_deref()
            .map(|r| format!(" replacement: {r}"))
            .unwrap_or_default()
    )
}

/// A validated package: path, sizes, hash, architecture and glibc floor.
fn package_lines(package: &ValidatedPackage) -> Vec<String> {
    let glibc = package
        .max_glibc
        .map(|v| format!("glibc >= {v}"))
        .unwrap_or_else(|| "no glibc".to_owned());
    vec![
        format!("package: {}", package.path.display()),
        format!(
            "  size: {} bytes zipped, {} bytes unzipped",
            package.zipped_bytes, package.unzipped_bytes
        ),
        format!("  sha256: {}", package.sha256),
        format!("  arch: {}, needs {glibc}", package.arch),
    ]
}

/// The function's answer: its status code and body.
pub fn invoke_lines(outcome: &InvokeOutcome) -> Vec<String> {
    vec![
        format!("statusCode {}", outcome.status_code),
        serde_json::to_string_pretty(&outcome.body).unwrap_or_else(|_| outcome.body.to_string()),
    ]
}

/// The end of a deploy: the smoke test's answer, or that it was skipped.
pub fn deploy_lines(outcome: &DeployOutcome) -> Vec<String> {
    match &outcome.test {
        TestInvocation::NotRun => Vec::new(),
        TestInvocation::Skipped => vec!["test invocation skipped (--skip-test)".to_owned()],
        TestInvocation::Ran(answer) => invoke_lines(answer),
    }
}

/// The push's count line.
pub fn push_lines(report: &PushReport) -> Vec<String> {
    vec![format!(
        "{}{} file(s) {}, {} unchanged, bucket {}",
        if report.dry_run { "dry run: " } else { "" },
        report.uploaded.len(),
        if report.dry_run {
            "to upload"
        } else {
            "uploaded"
        },
        report.unchanged.len(),
        report.bucket
    )]
}

/// A fan-out execution: one line per client, then the summary as JSON.
pub fn execution_lines(outcome: &ExecutionOutcome) -> Vec<String> {
    let mut lines = summary_lines(&outcome.summary);
    lines.push(
        serde_json::to_string_pretty(&outcome.summary)
            .unwrap_or_else(|_| outcome.summary.to_string()),
    );
    lines
}

/// One line per client of a summary, for the terminal.
pub fn summary_lines(summary: &Value) -> Vec<String> {
    let text = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
    let mut lines = vec![format!(
        "run {}: {} — {} client(s), {} succeeded, {} partial, {} failed, {} items",
        text(summary, "run_id"),
        text(summary, "status"),
        summary["clients_planned"],
        summary["clients_succeeded"],
        summary["clients_partial"],
        summary["clients_failed"],
        summary["items_final"],
    )];
    for c in summary["clients"].as_array().into_iter().flatten() {
        let error = text(c, "error");
        lines.push(format!(
            "  {:<24} {:<8} sources {}/{} failed, {} items{}",
            text(c, "client_id"),
            text(c, "status"),
            c["sources_failed"],
            c["sources_processed"],
            c["items_final"],
            if error.is_empty() {
                String::new()
            } else {
                format!(" — {error}: {}", text(c, "message"))
            }
        ));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::path::PathBuf;
    use vectora_ops::arch::Arch;
    use vectora_ops::elf::GlibcVersion;

    #[test]
    fn summary_lines_name_each_client_and_its_error() {
        let s = json!({"run_id": "r1", "status": "partial", "clients_planned": 2,
            "clients_succeeded": 1, "clients_partial": 0, "clients_failed": 1, "items_final": 7,
            "clients": [
                {"client_id": "a", "status": "success", "sources_processed": 3, "sources_failed": 0, "items_final": 7},
                {"client_id": "b", "status": "failed", "error": "no_result", "message": "see the Map run",
                 "sources_processed": 0, "sources_failed": 0, "items_final": 0}]});
        let lines = summary_lines(&s);
        assert_eq!(lines.len(), 3);
        assert!(
            lines[0].contains("r1: partial") && lines[0].contains("7 items"),
            "{lines:?}"
        );
        assert!(lines[2].contains("no_result: see the Map run"), "{lines:?}");
    }

    #[test]
    fn a_package_shows_the_size_line_the_benchmark_summary_reads() {
        let package = ValidatedPackage {
            path: PathBuf::from("dist/vectora-inbox-ingest-v2-arm64.zip"),
            arch: Arch::Arm64,
            zipped_bytes: 3_145_728,
            unzipped_bytes: 9_000_000,
            sha256: "ab12".to_owned(),
            max_glibc: Some(GlibcVersion::AL2023),
        };
        let lines = event_lines(&Event::Packaged(&package));
        assert_eq!(
            lines,
            [
                "package: dist/vectora-inbox-ingest-v2-arm64.zip",
                "  size: 3145728 bytes zipped, 9000000 bytes unzipped",
                "  sha256: ab12",
                "  arch: arm64, needs glibc >= 2.34",
            ]
        );
    }

    #[test]
    fn a_change_set_lists_each_resource_in_columns() {
        let changes = [ResourceChange {
            action: "Modify".to_owned(),
            logical_id: "IngestV2Function".to_owned(),
            resource_type: "AWS::Lambda::Function".to_owned(),
            replacement: Some("False".to_owned()),
        }];
        let lines = event_lines(&Event::ChangeSetComputed {
            stack: "s1",
            changes: &changes,
        });
        assert_eq!(lines[0], "stack s1: 1 change(s)");
        assert_eq!(
            lines[1],
            format!(
                "  Modify   {:<32} {:<32} replacement: False",
                "IngestV2Function", "AWS::Lambda::Function"
            )
        );
    }

    #[test]
    fn a_dry_run_push_counts_what_it_would_upload() {
        let report = PushReport {
            bucket: "b".to_owned(),
            uploaded: vec!["clients/a.yaml".to_owned()],
            unchanged: vec![],
            dry_run: true,
        };
        assert_eq!(
            push_lines(&report),
            ["dry run: 1 file(s) to upload, 0 unchanged, bucket b"]
        );
    }
}
