//! Deploys one CloudFormation stack through a change set: create it, show it, execute it, wait, and
//! on failure show why each resource failed. Used for the s0 stacks and the s1 stack alike.

use std::time::{Duration, Instant};

use anyhow::bail;
use aws_sdk_cloudformation::operation::describe_change_set::DescribeChangeSetOutput;
use aws_sdk_cloudformation::types::{Capability, ChangeSetType, Parameter};

use crate::aws::{Clients, explain};
use crate::progress::{Event, Progress, ResourceChange};
use crate::stacks::describe_stack;

/// One stack to deploy.
#[derive(Clone, Debug)]
pub struct StackSpec {
    pub name: String,
    pub template_body: String,
    /// Key → value; `None` keeps the deployed value (UsePreviousValue) on updates.
    pub parameters: Vec<(String, Option<String>)>,
    pub capabilities: Vec<Capability>,
}

/// How the deployment behaves.
#[derive(Clone, Debug)]
pub struct DeployOptions {
    /// Show the change set, then delete it: nothing changes.
    pub dry_run: bool,
    pub poll: Duration,
    pub timeout: Duration,
}

impl Default for DeployOptions {
    fn default() -> Self {
        DeployOptions {
            dry_run: false,
            poll: Duration::from_secs(3),
            timeout: Duration::from_secs(30 * 60),
        }
    }
}

impl DeployOptions {
    /// The options of a command: `wait_timeout` seconds at most, polling often against an
    /// emulator (`endpoint_url` set), where stacks settle at once, and gently against AWS.
    pub fn for_command(dry_run: bool, wait_timeout: u64, aws: &crate::aws::AwsTarget) -> Self {
        DeployOptions {
            dry_run,
            timeout: Duration::from_secs(wait_timeout),
            poll: if aws.endpoint_url.is_some() {
                Duration::from_millis(500)
            } else {
                Duration::from_secs(5)
            },
        }
    }
}

/// What happened to the stack.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StackOutcome {
    /// The template and parameters equal what is deployed.
    NoChanges,
    /// The change set was shown and deleted.
    DryRun { changes: usize },
    /// The change set was executed and the stack reached `status`.
    Deployed { changes: usize, status: String },
}

/// True for change-set failure reasons that only mean "nothing to do".
pub fn is_no_change_reason(reason: &str) -> bool {
    reason.contains("didn't contain changes") || reason.contains("No updates are to be performed")
}

/// Deploys `spec`. Errors (non-zero exit for the CLI) when the stack ends rolled back or failed.
pub async fn deploy_stack(
    clients: &Clients,
    spec: &StackSpec,
    options: &DeployOptions,
    progress: &dyn Progress,
) -> anyhow::Result<StackOutcome> {
    let Some(change_set_type) = change_set_type(clients, spec, options, progress).await? else {
        return Ok(StackOutcome::DryRun { changes: 0 });
    };
    let change_set = ChangeSet {
        stack: &spec.name,
        name: format!(
            "vectora-inbox-{}",
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs())
                .unwrap_or_default()
        ),
        is_create: change_set_type == ChangeSetType::Create,
    };
    let Some(described) = create_change_set(
        clients,
        spec,
        &change_set,
        change_set_type,
        options,
        progress,
    )
    .await?
    else {
        return Ok(StackOutcome::NoChanges);
    };
    let changes = read_changes(clients, &change_set, described).await?;
    progress.report(Event::ChangeSetComputed {
        stack: &spec.name,
        changes: &changes,
    });
    if options.dry_run {
        change_set.cleanup(clients).await;
        progress.report(Event::ChangeSetDiscarded { stack: &spec.name });
        return Ok(StackOutcome::DryRun {
            changes: changes.len(),
        });
    }
    let status = execute(clients, &change_set, options, progress).await?;
    Ok(StackOutcome::Deployed {
        changes: changes.len(),
        status,
    })
}

/// The change set a deploy creates.
struct ChangeSet<'a> {
    stack: &'a str,
    name: String,
    /// A CREATE change set (the stack does not exist yet, or had to be deleted).
    is_create: bool,
}

impl ChangeSet<'_> {
    async fn cleanup(&self, clients: &Clients) {
        cleanup(clients, self.stack, &self.name, self.is_create).await;
    }
}

/// CREATE or UPDATE, from the stack's state; a stack whose first creation failed is deleted first
/// (`None` in a dry run, which only says so). A busy stack is an error.
async fn change_set_type(
    clients: &Clients,
    spec: &StackSpec,
    options: &DeployOptions,
    progress: &dyn Progress,
) -> anyhow::Result<Option<ChangeSetType>> {
    let existing = describe_stack(clients, &spec.name).await?;
    let status = existing
        .as_ref()
        .and_then(|s| s.stack_status())
        .map(|s| s.as_str().to_owned());
    Ok(Some(match status.as_deref() {
        None | Some("REVIEW_IN_PROGRESS") => ChangeSetType::Create,
        Some(s @ ("ROLLBACK_COMPLETE" | "ROLLBACK_FAILED")) => {
            progress.report(Event::StackRecreated {
                stack: &spec.name,
                status: s,
                dry_run: options.dry_run,
            });
            if options.dry_run {
                return Ok(None);
            }
            delete_and_wait(clients, &spec.name, options).await?;
            ChangeSetType::Create
        }
        Some(s) if s.ends_with("_IN_PROGRESS") => bail!(
            "stack {} is busy ({s}); wait for the running operation to finish and deploy again",
            spec.name
        ),
        Some(_) => ChangeSetType::Update,
    }))
}

/// The parameters of the change set: a kept value (`None`) only on updates, where there is one.
fn change_set_parameters(spec: &StackSpec, is_create: bool) -> Vec<Parameter> {
    spec.parameters
        .iter()
        .filter(|(_, v)| v.is_some() || !is_create)
        .map(|(k, v)| match v {
            Some(v) => Parameter::builder()
                .parameter_key(k)
                .parameter_value(v)
                .build(),
            None => Parameter::builder()
                .parameter_key(k)
                .use_previous_value(true)
                .build(),
        })
        .collect()
}

/// Creates the change set and waits until CloudFormation has computed it; `None` when there is
/// nothing to change (refused up front or FAILED for that reason; reported as unchanged).
async fn create_change_set(
    clients: &Clients,
    spec: &StackSpec,
    change_set: &ChangeSet<'_>,
    change_set_type: ChangeSetType,
    options: &DeployOptions,
    progress: &dyn Progress,
) -> anyhow::Result<Option<DescribeChangeSetOutput>> {
    progress.report(Event::ChangeSetCreating {
        stack: &spec.name,
        change_set: &change_set.name,
        create: change_set.is_create,
    });
    let created = clients
        .cfn
        .create_change_set()
        .stack_name(&spec.name)
        .change_set_name(&change_set.name)
        .change_set_type(change_set_type)
        .template_body(&spec.template_body)
        .set_parameters(Some(change_set_parameters(spec, change_set.is_create)))
        .set_capabilities(Some(spec.capabilities.clone()))
        .description("vectora-inbox deploy")
        .send()
        .await;
    if let Err(e) = created {
        let text = explain(&e);
        // Some "nothing to change" cases are refused up front instead of as a FAILED change set.
        if is_no_change_reason(&text) {
            progress.report(Event::StackUnchanged { stack: &spec.name });
            return Ok(None);
        }
        bail!(
            "CloudFormation refused the change set for {}: {text}",
            spec.name
        );
    }
    let described = wait_computed(clients, change_set, options).await?;
    if described.status().map(|s| s.as_str()) == Some("FAILED") {
        let reason = described.status_reason().unwrap_or_default().to_owned();
        change_set.cleanup(clients).await;
        if is_no_change_reason(&reason) {
            progress.report(Event::StackUnchanged { stack: &spec.name });
            return Ok(None);
        }
        bail!("change set for {} failed: {reason}", spec.name);
    }
    Ok(Some(described))
}

/// Polls the change set until it is CREATE_COMPLETE or FAILED.
async fn wait_computed(
    clients: &Clients,
    change_set: &ChangeSet<'_>,
    options: &DeployOptions,
) -> anyhow::Result<DescribeChangeSetOutput> {
    let started = Instant::now();
    loop {
        let out = clients
            .cfn
            .describe_change_set()
            .stack_name(change_set.stack)
            .change_set_name(&change_set.name)
            .send()
            .await
            .map_err(|e| anyhow::anyhow!("cannot read change set: {}", explain(&e)))?;
        let status = out
            .status()
            .map(|s| s.as_str().to_owned())
            .unwrap_or_default();
        if status == "CREATE_COMPLETE" || status == "FAILED" {
            return Ok(out);
        }
        if started.elapsed() > options.timeout {
            bail!(
                "change set {} still {status} after {:?}",
                change_set.name,
                options.timeout
            );
        }
        tokio::time::sleep(options.poll).await;
    }
}

/// Every resource change of the computed change set, over all its pages.
async fn read_changes(
    clients: &Clients,
    change_set: &ChangeSet<'_>,
    first: DescribeChangeSetOutput,
) -> anyhow::Result<Vec<ResourceChange>> {
    let mut changes = Vec::new();
    let mut page = Some(first);
    while let Some(out) = page.take() {
        for rc in out.changes().iter().filter_map(|c| c.resource_change()) {
            changes.push(ResourceChange {
                action: rc.action().map(|a| a.as_str()).unwrap_or("?").to_owned(),
                logical_id: rc.logical_resource_id().unwrap_or("?").to_owned(),
                resource_type: rc.resource_type().unwrap_or("?").to_owned(),
                replacement: rc.replacement().map(|r| r.as_str().to_owned()),
            });
        }
        if let Some(token) = out.next_token() {
            page = Some(
                clients
                    .cfn
                    .describe_change_set()
                    .stack_name(change_set.stack)
                    .change_set_name(&change_set.name)
                    .next_token(token)
                    .send()
                    .await
                    .map_err(|e| anyhow::anyhow!("cannot read change set: {}", explain(&e)))?,
            );
        }
    }
    Ok(changes)
}

/// Executes the change set and waits; returns the complete status, or errors with the reason of
/// each resource that failed.
async fn execute(
    clients: &Clients,
    change_set: &ChangeSet<'_>,
    options: &DeployOptions,
    progress: &dyn Progress,
) -> anyhow::Result<String> {
    let stack = change_set.stack;
    let executed_at =
        aws_sdk_cloudformation::primitives::DateTime::from(std::time::SystemTime::now());
    clients
        .cfn
        .execute_change_set()
        .stack_name(stack)
        .change_set_name(&change_set.name)
        .send()
        .await
        .map_err(|e| anyhow::anyhow!("cannot execute change set: {}", explain(&e)))?;
    progress.report(Event::StackExecuting { stack });
    let status = wait_stable(clients, stack, options).await?;
    if status == "CREATE_COMPLETE" || status == "UPDATE_COMPLETE" {
        progress.report(Event::StackSettled {
            stack,
            status: &status,
        });
        return Ok(status);
    }
    let reasons = failure_reasons(clients, stack, executed_at).await;
    progress.report(Event::StackFailed {
        stack,
        status: &status,
        reasons: &reasons,
    });
    bail!(
        "deployment of {stack} failed ({status}; CloudFormation rolled back what it had changed): {}",
        if reasons.is_empty() {
            "no failure reason recorded".to_owned()
        } else {
            reasons.join("; ")
        }
    )
}

/// Deletes a change set; for a CREATE change set also the empty REVIEW_IN_PROGRESS stack it made.
async fn cleanup(clients: &Clients, stack: &str, change_set: &str, is_create: bool) {
    let _ = clients
        .cfn
        .delete_change_set()
        .stack_name(stack)
        .change_set_name(change_set)
        .send()
        .await;
    if is_create
        && let Ok(Some(s)) = describe_stack(clients, stack).await
        && s.stack_status().map(|s| s.as_str()) == Some("REVIEW_IN_PROGRESS")
    {
        let _ = clients.cfn.delete_stack().stack_name(stack).send().await;
    }
}

async fn delete_and_wait(
    clients: &Clients,
    stack: &str,
    options: &DeployOptions,
) -> anyhow::Result<()> {
    clients
        .cfn
        .delete_stack()
        .stack_name(stack)
        .send()
        .await
        .map_err(|e| anyhow::anyhow!("cannot delete stack {stack}: {}", explain(&e)))?;
    let started = Instant::now();
    while let Some(s) = describe_stack(clients, stack).await? {
        let status = s.stack_status().map(|s| s.as_str()).unwrap_or_default();
        if status == "DELETE_COMPLETE" {
            break;
        }
        if status == "DELETE_FAILED" {
            bail!(
                "could not delete stack {stack}: {}",
                s.stack_status_reason().unwrap_or_default()
            );
        }
        if started.elapsed() > options.timeout {
            bail!("stack {stack} still {status} after {:?}", options.timeout);
        }
        tokio::time::sleep(options.poll).await;
    }
    Ok(())
}

/// Polls until the stack leaves every *_IN_PROGRESS state; returns the final status.
async fn wait_stable(
    clients: &Clients,
    stack: &str,
    options: &DeployOptions,
) -> anyhow::Result<String> {
    let started = Instant::now();
    loop {
        let Some(s) = describe_stack(clients, stack).await? else {
            bail!("stack {stack} disappeared while deploying");
        };
        let status = s
            .stack_status()
            .map(|s| s.as_str().to_owned())
            .unwrap_or_default();
        if !status.ends_with("_IN_PROGRESS") {
            return Ok(status);
        }
        if started.elapsed() > options.timeout {
            bail!(
                "stack {stack} still {status} after {:?}; CloudFormation goes on: check the console",
                options.timeout
            );
        }
        tokio::time::sleep(options.poll).await;
    }
}

/// "Logical (Type) STATUS: reason" for each resource that failed since `since`, oldest first.
async fn failure_reasons(
    clients: &Clients,
    stack: &str,
    since: aws_sdk_cloudformation::primitives::DateTime,
) -> Vec<String> {
    let mut reasons = Vec::new();
    let mut token: Option<String> = None;
    'pages: for _ in 0..20 {
        let Ok(out) = clients
            .cfn
            .describe_stack_events()
            .stack_name(stack)
            .set_next_token(token.clone())
            .send()
            .await
        else {
            break;
        };
        for event in out.stack_events() {
            if let Some(ts) = event.timestamp()
                && ts.secs() < since.secs() - 5
            {
                break 'pages;
            }
            let status = event
                .resource_status()
                .map(|s| s.as_str())
                .unwrap_or_default();
            if status.ends_with("_FAILED") {
                reasons.push(format!(
                    "{} ({}) {status}: {}",
                    event.logical_resource_id().unwrap_or("?"),
                    event.resource_type().unwrap_or("?"),
                    event.resource_status_reason().unwrap_or("no reason given")
                ));
            }
        }
        token = out.next_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    reasons.reverse();
    reasons
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_nothing_to_change_reasons() {
        assert!(is_no_change_reason(
            "The submitted information didn't contain changes. Submit different information to create a change set."
        ));
        assert!(is_no_change_reason("No updates are to be performed."));
        assert!(!is_no_change_reason("Parameters: [Env] must have values"));
    }
}
