//! The command line: parses arguments, calls the library, prints, and picks the exit code
//! (0 ok, 1 `--check` found differences, 2 invalid input or usage, 3 I/O failure or bug).

use std::io::IsTerminal;
use std::process::ExitCode;

use camino::{Utf8Path, Utf8PathBuf};
use clap::{Args, Parser, Subcommand};

use supabase_aws_gen::load::path::KeyPath;
use supabase_aws_gen::validate::Date;
use supabase_aws_gen::timings::Timings;
use supabase_aws_gen::{Checked, Error, check_config, cost, output, render_timed, report, select};

/// Generate reviewable Terraform for Supabase on AWS from one service-tiers.yaml.
///
/// Output goes to modules/ (shared Terraform modules) and out/environments/<region>/<env>/<layer>/
/// (one root per layer and environment), to be committed and applied with the stock terraform.
#[derive(Parser)]
#[command(name = "supabase-aws-gen", version, max_term_width = 100)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args)]
struct Global {
    /// Config file to read.
    #[arg(long, global = true, value_name = "FILE", default_value = "service-tiers.yaml")]
    config: Utf8PathBuf,
    /// Root of the output tree (modules/ and out/ go under it) [default: the config file's directory]
    #[arg(long, global = true, value_name = "DIR")]
    out: Option<Utf8PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Write the generated files of environments, or with --check verify they are current.
    Generate(Generate),
    /// Show the tiers, regions and environments of the config.
    List,
    /// Show an environment's resolved configuration and where each value came from.
    Explain {
        /// Environment as <region>/<env>, e.g. ireland/development.
        environment: String,
        /// Only this key and what is under it, e.g. eks.node_groups or rds.multi_az.
        key: Option<String>,
    },
    /// Check the config and report every problem; writes nothing.
    Validate,
    /// Estimate the monthly cost of environments, itemised, against their tier's band.
    Cost(Cost),
    /// Print a shell completion script: `supabase-aws-gen completions bash > /etc/bash_completion.d/supabase-aws-gen`.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff): `supabase-aws-gen man | man -l -`.
    Man,
}

#[derive(Args)]
struct Cost {
    /// Environments as <region>/<env>, e.g. ireland/development.
    #[arg(value_name = "ENVIRONMENT", required_unless_present = "all", conflicts_with = "all")]
    environments: Vec<String>,
    /// Every environment in the config.
    #[arg(long)]
    all: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = CostFormat::Table)]
    format: CostFormat,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum CostFormat {
    Table,
    Json,
    Csv,
}

#[derive(Args)]
struct Generate {
    /// Environments as <region>/<env>, e.g. ireland/development.
    #[arg(value_name = "ENVIRONMENT", required_unless_present = "all", conflicts_with = "all")]
    environments: Vec<String>,
    /// Every environment in the config (also removes generated files no longer produced).
    #[arg(long)]
    all: bool,
    /// Write nothing; list stale, missing and orphaned files with diffs and exit 1 if any.
    #[arg(long)]
    check: bool,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    match run(cli, color) {
        Ok(code) => code,
        Err(err) => {
            match &err {
                Error::Invalid(report) => eprint!("{}", report.render(color)),
                Error::Usage { help, .. } => eprintln!("error: {err}\nhelp: {help}"),
                _ => {}
            }
            if !matches!(err, Error::Usage { .. }) {
                eprintln!("error: {err}");
            }
            ExitCode::from(match err {
                Error::Invalid(_) | Error::Usage { .. } | Error::Refused(_) => 2,
                Error::Io { .. } | Error::Bug(_) => 3,
            })
        }
    }
}

fn run(cli: Cli, color: bool) -> Result<ExitCode, Error> {
    // These two need no config file.
    match &cli.command {
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(*shell, &mut <Cli as clap::CommandFactory>::command(), "supabase-aws-gen", &mut script);
            print_out(&String::from_utf8_lossy(&script));
            return Ok(ExitCode::SUCCESS);
        }
        Command::Man => {
            let mut page = Vec::new();
            clap_mangen::Man::new(<Cli as clap::CommandFactory>::command())
                .render(&mut page)
                .map_err(|source| Error::Io { action: "write", path: "the manual page".into(), source })?;
            print_out(&String::from_utf8_lossy(&page));
            return Ok(ExitCode::SUCCESS);
        }
        _ => {}
    }
    let Global { config, out } = cli.global;
    let mut timings = Timings::new(std::env::var_os("SUPABASE_AWS_GEN_TIMINGS").is_some());
    let Checked { model, warnings } = check_config(&config, today(), &mut timings)?;
    if !warnings.items.is_empty() {
        eprint!("{}", warnings.render(color));
    }
    match cli.command {
        Command::Validate => {
            print_out(&format!(
                "{}: {} tiers, {} regions, {} environments; {} warnings\n",
                config,
                model.tiers.len(),
                model.regions.len(),
                model.environments.len(),
                warnings.warnings()
            ));
        }
        Command::List => print_out(&report::list(&model)),
        Command::Explain { environment, key } => {
            let resolved = select(&model, std::slice::from_ref(&environment), false)?[0];
            let prefix = match key.as_deref() {
                Some(k) => KeyPath::parse(k).map_err(|message| Error::Usage { message, help: "write a key path such as eks.node_groups[0].instance_types".into() })?,
                None => KeyPath::root(),
            };
            let text = report::explain(&model, resolved, &prefix)
                .map_err(|message| Error::Usage { message, help: "run `explain <env>` without a key to see every key".into() })?;
            print_out(&text);
        }
        Command::Cost(args) => {
            let envs = select(&model, &args.environments, args.all)?;
            let estimates: Vec<_> = envs.iter().map(|r| cost::estimate(&r.env, &model.pricing)).collect();
            match args.format {
                CostFormat::Table => print_out(&estimates.iter().map(cost::table).collect::<Vec<_>>().join("\n")),
                CostFormat::Json => print_out(&cost::json(&estimates)),
                CostFormat::Csv => print_out(&cost::csv(&estimates)),
            }
        }
        Command::Completions { .. } | Command::Man => unreachable!("handled before the config is read"),
        Command::Generate(args) => {
            let envs = select(&model, &args.environments, args.all)?;
            let (files, scope) = render_timed(&model, &envs, args.all, &mut timings)?;
            let root = out.unwrap_or_else(|| default_out(&config));
            let code = if args.check {
                let report = timings.stage("check", || output::check(&root, &files, &scope))?;
                print_out(&format!("{report}\n"));
                if report.is_clean() { ExitCode::SUCCESS } else { ExitCode::from(1) }
            } else {
                let outcome = timings.stage("write", || output::write(&root, &files, &scope))?;
                print_out(&format!("{outcome}\n"));
                ExitCode::SUCCESS
            };
            print_timings(&timings);
            return Ok(code);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Writes to stdout; a closed pipe (`... | head`) ends the program quietly instead of panicking.
fn print_out(text: &str) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    if let Err(err) = stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()) {
        if err.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: cannot write to stdout: {err}");
        std::process::exit(3);
    }
}

fn print_timings(timings: &Timings) {
    if let Some(report) = timings.report() {
        eprint!("{report}");
    }
}

/// The directory holding the config file: the repository, when run from its root.
fn default_out(config: &Utf8Path) -> Utf8PathBuf {
    match config.parent() {
        Some(dir) if !dir.as_str().is_empty() => dir.to_owned(),
        _ => Utf8PathBuf::from("."),
    }
}

/// The date support calendars are checked against. `SUPABASE_AWS_GEN_TODAY=YYYY-MM-DD` pins it
/// (tests use this so warnings do not change as time passes).
fn today() -> Date {
    std::env::var("SUPABASE_AWS_GEN_TODAY").ok().and_then(|d| Date::parse(&d)).unwrap_or_else(Date::today)
}
