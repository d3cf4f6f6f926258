//! The deployment commands: their command lines ([`args`]) become the ops library's requests, the
//! library runs them and reports to the terminal ([`render`]), the outcome is printed at the end.

pub mod args;
pub mod render;

use std::path::Path;
use std::process::ExitCode;

use render::Terminal;

/// One deployment command.
pub enum OpsCommand {
    Package(args::PackageArgs),
    Deploy(args::DeployArgs),
    DeployCore(args::DeployCoreArgs),
    Invoke(args::InvokeArgs),
    ConfigPush(args::ConfigPushArgs),
}

/// Runs `command`; an error is printed by `main`.
pub async fn run(
    command: OpsCommand,
    validate_config: &(dyn Fn(&Path) -> anyhow::Result<()> + Sync),
) -> anyhow::Result<ExitCode> {
    let lines = match command {
        OpsCommand::Package(a) => {
            vectora_ops::package::run_package(&a.into(), &Terminal).await?;
            Vec::new()
        }
        OpsCommand::Deploy(a) => {
            let outcome = vectora_ops::deploy::run_deploy(&a.into(), &Terminal).await?;
            render::deploy_lines(&outcome)
        }
        OpsCommand::DeployCore(a) => {
            vectora_ops::deploy_core::run_deploy_core(&a.into(), &Terminal).await?;
            Vec::new()
        }
        OpsCommand::Invoke(a) if a.fan_out => {
            let outcome = vectora_ops::invoke::invoke_fan_out(&a.into(), &Terminal).await?;
            render::execution_lines(&outcome)
        }
        OpsCommand::Invoke(a) => {
            let outcome = vectora_ops::invoke::invoke(&a.into(), &Terminal).await?;
            render::invoke_lines(&outcome)
        }
        OpsCommand::ConfigPush(a) => {
            let report =
                vectora_ops::config_push::run_config_push(&a.into(), validate_config, &Terminal)
                    .await?;
            render::push_lines(&report)
        }
    };
    for line in lines {
        println!("{line}");
    }
    Ok(ExitCode::SUCCESS)
}
