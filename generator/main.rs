//! The command line: parses arguments, calls the library, prints, and picks the exit code
//! (0 ok, 1 `--check` found differences, 2 invalid input or usage, 3 I/O failure or bug).

use std::io::IsTerminal;
use std::process::ExitCode;

use camino::{Utf8Path, Utf8PathBuf};
use clap::{Args, Parser, Subcommand};

use supabase_aws_gen::load::path::KeyPath;
use supabase_aws_gen::validate::Date;
use supabase_aws_gen::timings::Timings;
use supabase_aws_gen::plan::moves::{self, Address};
use supabase_aws_gen::{Checked, Error, Rendered, check_config, cost, output, render_with, report, safety, select};

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
    /// Let this run drop an address the committed output declares (a destroy at the next apply):
    /// <dir>:<address> as the refusal names it, or <region>/<env> for a removed environment.
    /// Never allows resources that hold data (see README).
    #[arg(long, value_name = "DIR:ADDRESS")]
    allow_removal: Vec<String>,
    /// Tests only (scripts/e2e.sh): rename a resource of a module and emit its `moved` block, as
    /// a rename in generator/plan/moves.rs would: modules/<module>:<type>.<old>=<type>.<new>.
    #[arg(long, hide = true, value_name = "RENAME")]
    test_rename: Vec<String>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    match run(cli, color) {
        Ok(code) => code,
        Err(err) => {
            match &err {
                Error::Invalid(report) => print_err(&report.render(color)),
                Error::Usage { help, .. } => print_err(&format!("error: {err}\nhelp: {help}\n")),
                _ => {}
            }
            if !matches!(err, Error::Usage { .. }) {
                print_err(&format!("error: {err}\n"));
            }
            ExitCode::from(match err {
                Error::Invalid(_) | Error::Usage { .. } | Error::Refused(_) | Error::Unsafe(_) => 2,
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
            let page = man_page().map_err(|source| Error::Io { action: "write", path: "the manual page".into(), source })?;
            print_out(&String::from_utf8_lossy(&page));
            return Ok(ExitCode::SUCCESS);
        }
        _ => {}
    }
    let Global { config, out } = cli.global;
    let mut timings = Timings::new(std::env::var_os("SUPABASE_AWS_GEN_TIMINGS").is_some());
    let Checked { model, warnings } = check_config(&config, today()?, &mut timings)?;
    if !warnings.items.is_empty() {
        print_err(&warnings.render(color));
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
            let renames = args.test_rename.iter().map(|r| test_rename(r)).collect::<Result<Vec<_>, _>>()?;
            let Rendered { files, scope, emitted } = render_with(&model, &envs, args.all, moves::table(), &renames, &mut timings)?;
            let fix = fix_command(&args, &config, out.as_deref());
            let root = out.unwrap_or_else(|| default_out(&config));
            supabase_aws_gen::refuse_unsafe_upgrades(&model, &envs, &root)?;
            // Before anything is compared or written: no silent destroys (`--check` refuses alike).
            timings.stage("guard", || safety::guard(&root, &scope, &files, &emitted, &args.allow_removal))?;
            let code = if args.check {
                let mut report = timings.stage("check", || output::check(&root, &files, &scope))?;
                report.fix = Some(fix);
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

/// Writes to stdout. A closed pipe (`... | head -1`) drops the rest of the output quietly and the
/// run keeps its exit code (`--check` still exits 1 when stale); any other failure exits 3.
fn print_out(text: &str) {
    use std::io::Write;
    let mut stdout = std::io::stdout().lock();
    if let Err(err) = stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()) {
        if err.kind() != std::io::ErrorKind::BrokenPipe {
            print_err(&format!("error: cannot write to stdout: {err}\n"));
            std::process::exit(3);
        }
    }
}

/// Writes a diagnostic to stderr. Unlike `eprint!`, never panics: with stderr closed
/// (`... 2>&1 | head -1`) the text is lost and the run keeps its exit code.
fn print_err(text: &str) {
    use std::io::Write;
    let mut stderr = std::io::stderr().lock();
    let _ = stderr.write_all(text.as_bytes()).and_then(|()| stderr.flush());
}

fn print_timings(timings: &Timings) {
    if let Some(report) = timings.report() {
        print_err(&report);
    }
}

/// Parses `--test-rename modules/<module>:<type>.<old>=<type>.<new>`.
fn test_rename(text: &str) -> Result<(String, Address, Address), Error> {
    let usage = |message: String| Error::Usage { message: format!("--test-rename {text}: {message}"), help: "write modules/<module>:<type>.<old>=<type>.<new>".into() };
    let (module, rename) = text.strip_prefix("modules/").and_then(|t| t.split_once(':')).ok_or_else(|| usage("no `modules/<module>:`".into()))?;
    let (from, to) = rename.split_once('=').ok_or_else(|| usage("no `=`".into()))?;
    Ok((module.to_string(), Address::parse(from).map_err(usage)?, Address::parse(to).map_err(usage)?))
}

/// The manual page: one page with every command in it (clap_mangen's own SUBCOMMANDS section
/// would point at `supabase-aws-gen-generate(1)` pages that are not installed anywhere).
fn man_page() -> std::io::Result<Vec<u8>> {
    let mut cmd = <Cli as clap::CommandFactory>::command();
    cmd.build();
    let man = clap_mangen::Man::new(cmd.clone());
    let mut page = Vec::new();
    man.render_title(&mut page)?;
    man.render_name_section(&mut page)?;
    man.render_synopsis_section(&mut page)?;
    man.render_description_section(&mut page)?;
    man.render_options_section(&mut page)?;
    let esc = |text: &str| {
        let text = text.replace('\\', "\\e").replace('-', "\\-");
        if text.starts_with(['.', '\'']) { format!("\\&{text}") } else { text }
    };
    let mut roff = String::from(".SH COMMANDS\n");
    for sub in cmd.get_subcommands_mut().filter(|s| !s.is_hide_set() && s.get_name() != "help") {
        let usage = sub.render_usage().to_string();
        let usage = usage.trim_start_matches("Usage: ").trim();
        roff.push_str(&format!(".SS {}\n", esc(sub.get_name())));
        roff.push_str(&format!(".B {}\n.br\n", esc(usage)));
        if let Some(about) = sub.get_long_about().or(sub.get_about()) {
            roff.push_str(&format!("{}\n", esc(&about.to_string())));
        }
        // The global --config and --out are described once, under OPTIONS.
        for arg in sub.get_arguments().filter(|a| !a.is_hide_set() && !a.is_global_set() && a.get_id() != "help") {
            let value = match (arg.get_long().is_some() && arg.get_action().takes_values(), arg.get_value_names()) {
                (true, Some(names)) => names.iter().map(|n| format!(" <{n}>")).collect::<String>(),
                (true, None) => format!(" <{}>", arg.get_id().as_str().to_uppercase()),
                _ => String::new(),
            };
            let names = match (arg.get_short(), arg.get_long()) {
                (Some(short), Some(long)) => format!("-{short}, --{long}"),
                (None, Some(long)) => format!("--{long}"),
                (Some(short), None) => format!("-{short}"),
                (None, None) => arg.get_value_names().map_or_else(|| arg.get_id().to_string(), |v| v.iter().map(|n| format!("<{n}>")).collect::<Vec<_>>().join(" ")),
            };
            roff.push_str(&format!(".TP\n\\fB{}\\fR{}\n", esc(&names), esc(&value)));
            if let Some(help) = arg.get_long_help().or(arg.get_help()) {
                roff.push_str(&format!("{}\n", esc(&help.to_string())));
            }
            let possible: Vec<String> = arg.get_possible_values().iter().filter(|v| !v.is_hide_set()).map(|v| v.get_name().to_string()).collect();
            if !possible.is_empty() {
                roff.push_str(&format!("[possible values: {}]\n", esc(&possible.join(", "))));
            }
        }
    }
    roff.push_str(concat!(
        ".SH \"EXIT STATUS\"\n",
        ".TP\n0\nSuccess.\n",
        ".TP\n1\n\\fBgenerate \\-\\-check\\fR found stale, missing or orphaned files.\n",
        ".TP\n2\nInvalid config or command line (every problem listed with file:line:column, key and a fix; nothing written), or a change that would destroy what the committed output declares.\n",
        ".TP\n3\nI/O failure or a generator bug: the config cannot be read, an output file cannot be written, renamed or removed, or another run held the output tree's lock for 2 minutes.\n",
        ".SH ENVIRONMENT\n",
        ".TP\nSUPABASE_AWS_GEN_TODAY\nYYYY\\-MM\\-DD: the date the version support calendars are checked against (default: today); an impossible date is an error.\n",
        ".TP\nSUPABASE_AWS_GEN_TIMINGS\nWhen set, the time of each pipeline stage is printed to stderr.\n",
        ".TP\nNO_COLOR\nWhen set, diagnostics are not coloured.\n",
    ));
    page.extend_from_slice(roff.as_bytes());
    man.render_version_section(&mut page)?;
    Ok(page)
}

/// The `generate` command that brings what `--check` compared up to date, repeating the
/// environments, `--config` and `--out` the user gave.
fn fix_command(args: &Generate, config: &Utf8Path, out: Option<&Utf8Path>) -> String {
    let quote = |s: &str| if s.chars().all(|c| c.is_ascii_alphanumeric() || "/._-+=:,".contains(c)) { s.to_string() } else { format!("'{}'", s.replace('\'', "'\\''")) };
    let mut cmd = String::from("cargo run -- generate");
    if args.all {
        cmd.push_str(" --all");
    }
    for env in &args.environments {
        cmd.push_str(&format!(" {}", quote(env)));
    }
    if config.as_str() != "service-tiers.yaml" {
        cmd.push_str(&format!(" --config {}", quote(config.as_str())));
    }
    if let Some(out) = out {
        cmd.push_str(&format!(" --out {}", quote(out.as_str())));
    }
    cmd
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
///
/// # Errors
/// [`Error::Usage`] when it is set but is not a real date (`2030-02-30`): silently using the clock
/// instead would check against the wrong day.
fn today() -> Result<Date, Error> {
    match std::env::var("SUPABASE_AWS_GEN_TODAY") {
        Err(_) => Ok(Date::today()),
        Ok(text) => Date::parse(&text).ok_or_else(|| Error::Usage {
            message: format!("SUPABASE_AWS_GEN_TODAY=`{text}` is not a calendar date"),
            help: "write it as YYYY-MM-DD with a day that exists in that month (e.g. 2030-02-28), or unset it to use today's date".into(),
        }),
    }
}
