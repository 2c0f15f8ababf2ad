//! The command line: parses arguments, calls the library, prints, and picks the exit code
//! (0 ok, 1 `--check` found differences, 2 invalid input or usage, 3 I/O failure or bug).
//! `plan`, `apply` and `drift` add theirs (generator/orchestrate): 1 the committed output is
//! stale (refused), 4 terraform or helm failed, is missing or too old, 5 changes pending (`plan`)
//! or drift found (`drift`), 6 not approved at the prompt (`apply`).

use std::io::IsTerminal;

/// A run allocates many small strings and trees and frees them at exit: mimalloc's per-thread
/// free lists make that about a fifth faster than glibc's malloc (`scripts/bench.sh`).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

// mimalloc's own options (mi_option_e in include/mimalloc.h of the mimalloc libmimalloc-sys
// 0.1.49 builds, the same number in its v2 and v3).
unsafe extern "C" {
    fn mi_option_set(option: std::ffi::c_int, value: std::ffi::c_long);
}
const MI_OPTION_PURGE_DELAY: std::ffi::c_int = 15;
const PURGE_DELAY_MS: std::ffi::c_long = 20;

/// Keeps peak memory near the heap. mimalloc asks for transparent huge pages on its arenas (each
/// touched 4 KiB can then hold 2 MiB) and keeps freed pages a while before returning them:
/// generating 5000 environments peaked at 164 MiB of RSS. With huge pages off for the process and
/// a 20 ms purge delay it peaks at about 145 MiB, as fast; purging at once (0 ms) saves 6 MiB
/// more and costs 15% of the time (`scripts/bench.sh 5000`). Set before anything large is
/// allocated. (Child processes, terraform and helm under `plan`/`apply`, inherit the huge-page
/// setting; it costs them nothing noticeable.)
fn tune_allocator() {
    // SAFETY: prctl(PR_SET_THP_DISABLE) and mi_option_set take plain integers and touch no
    // memory of ours; a failed prctl only leaves huge pages allowed.
    unsafe {
        #[cfg(target_os = "linux")]
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
        mi_option_set(MI_OPTION_PURGE_DELAY, PURGE_DELAY_MS);
    }
}

use std::process::ExitCode;

use camino::{Utf8Path, Utf8PathBuf};
use clap::{Args, Parser, Subcommand};

use supabase_aws_gen::load::path::KeyPath;
use supabase_aws_gen::validate::Date;
use supabase_aws_gen::timings::Timings;
use supabase_aws_gen::plan::moves::Address;
use supabase_aws_gen::{Checked, Error, Settled, check_config, cost, emit, orchestrate, output, render_settled, report, safety, select};

/// Generate reviewable Terraform for Supabase on AWS from one service-tiers.yaml.
///
/// Output goes to modules/ (shared Terraform modules) and out/environments/<region>/<env>/<layer>/
/// (one root per layer and environment), to be committed and applied with the stock terraform.
#[derive(Parser)]
#[command(name = "supabase-aws-gen", version, max_term_width = 100, after_help = EXIT_CODES)]
struct Cli {
    #[command(flatten)]
    global: Global,
    #[command(subcommand)]
    command: Command,
}

/// The exit codes, for `--help` (the manual page lists them too).
const EXIT_CODES: &str = "Exit codes:
  0  success, nothing pending
  1  generate --check: output differs; plan, apply, drift: refused, the committed output is stale
  2  invalid config or command line
  3  I/O failure or generator bug
  4  terraform or helm failed, is missing, or is older than required
  5  plan: changes pending; drift: drift found
  6  apply: not approved at the prompt";

#[derive(Args)]
struct Global {
    /// Config file to read (with environments/<region>/<env>.yaml next to it, if any).
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
    /// List the environment layers and modules whose generated files differ from a git revision.
    Affected(AffectedArgs),
    /// Plan an environment's layers in order with the stock terraform (exit 5: changes pending).
    Plan(Deploy),
    /// Apply an environment's layers in order: each layer's saved plan, shown and approved first.
    Apply(Apply),
    /// Plan every layer of environments against their real objects, for a scheduled job (exit 5: drift).
    Drift(Drift),
    /// Print a shell completion script: `supabase-aws-gen completions bash > /etc/bash_completion.d/supabase-aws-gen`.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff): `supabase-aws-gen man | man -l -`.
    Man,
}

#[derive(Args)]
struct Deploy {
    /// Environment as <region>/<env>, e.g. ireland/development.
    environment: String,
    /// Only this layer (order: networking, core, applications, monitoring).
    #[arg(long, value_enum)]
    layer: Option<LayerArg>,
    /// Also the Helm releases of applications/ (after core, before monitoring).
    #[arg(long)]
    with_applications: bool,
}

#[derive(Args)]
struct Apply {
    #[command(flatten)]
    deploy: Deploy,
    /// Apply each saved plan without asking (required when stdin is not a terminal).
    #[arg(long)]
    auto_approve: bool,
}

#[derive(Args)]
struct Drift {
    /// Environments as <region>/<env>, e.g. ireland/development.
    #[arg(value_name = "ENVIRONMENT", required_unless_present = "all", conflicts_with = "all")]
    environments: Vec<String>,
    /// Every environment in the config.
    #[arg(long)]
    all: bool,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum LayerArg {
    Networking,
    Core,
    Applications,
    Monitoring,
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

#[derive(Args)]
struct AffectedArgs {
    /// Git revision to compare the working tree with (committed, staged, unstaged and untracked
    /// changes all count), e.g. origin/main.
    #[arg(long, value_name = "GIT_REF")]
    since: String,
    /// text: one `<region>/<env> <layer>` (then `modules/<name>`) per line, in apply order;
    /// json: a GitHub Actions matrix of the Terraform layers to plan.
    #[arg(long, value_enum, default_value_t = AffectedFormat::Text)]
    format: AffectedFormat,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum AffectedFormat {
    Text,
    Json,
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
    /// Write no generated file; list stale, missing and orphaned files with diffs and exit 1 if any.
    #[arg(long)]
    check: bool,
    /// Let this run drop an address the committed output declares (a destroy at the next apply):
    /// <dir>:<address> as the refusal names it, or <region>/<env> for a removed environment.
    /// Never allows resources that hold data (see README).
    #[arg(long, value_name = "DIR:ADDRESS")]
    allow_removal: Vec<String>,
    /// Compare every file even when the stamp says nothing changed since the last run that found
    /// the tree up to date (see README, "The up-to-date stamp").
    #[arg(long)]
    no_stamp: bool,
    /// Tests only (scripts/e2e.sh): rename a resource of a module and emit its `moved` block, as
    /// a rename in generator/plan/moves.rs would: modules/<module>:<type>.<old>=<type>.<new>.
    #[arg(long, hide = true, value_name = "RENAME")]
    test_rename: Vec<String>,
}

fn main() -> ExitCode {
    tune_allocator();
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
    let started = std::time::SystemTime::now();
    let Global { config, out } = cli.global;
    let mut timings = Timings::new(std::env::var_os("SUPABASE_AWS_GEN_TIMINGS").is_some());
    let today = today()?;
    let mut key = None;
    if let Command::Generate(args) = &cli.command {
        key = stamp_key(args, &config, out.as_deref(), today, color);
        let root = out.clone().unwrap_or_else(|| default_out(&config));
        if let Some(key) = key
            && let Some(code) = timings.stage("stamp", || up_to_date(&root, key, args))?
        {
            print_timings(&timings);
            return Ok(code);
        }
    }
    // What every environment shares does not depend on the config: rendered while it is read.
    let shared = matches!(cli.command, Command::Generate(_)).then(emit::Shared::start);
    let Checked { model, warnings } = check_config(&config, today, &mut timings)?;
    let warned = if warnings.items.is_empty() { String::new() } else { warnings.render(color) };
    print_err(&warned);
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
        Command::Affected(args) => {
            let root = out.unwrap_or_else(|| default_out(&config));
            let affected = supabase_aws_gen::affected::affected(&model, &root, &args.since)?;
            for note in &affected.notes {
                print_err(&format!("note: {note}\n"));
            }
            if affected.units.is_empty() {
                print_err(&format!("note: no generated file differs from {}\n", args.since));
            }
            print_out(&match args.format {
                AffectedFormat::Text => affected.text(),
                AffectedFormat::Json => affected.json(),
            });
        }
        Command::Plan(deploy) => return deploy_run(&model, &config, out, deploy, orchestrate::Mode::Plan),
        Command::Apply(Apply { deploy, auto_approve }) => {
            return deploy_run(&model, &config, out, deploy, orchestrate::Mode::Apply { auto_approve });
        }
        Command::Drift(args) => {
            let envs = select(&model, &args.environments, args.all)?;
            let fix = fix_command(&generate_args(args.environments, args.all), &config, out.as_deref());
            let root = out.unwrap_or_else(|| default_out(&config));
            return orchestrate::drift(&model, &envs, &root, &fix).map(ExitCode::from);
        }
        Command::Generate(args) => {
            let envs = select(&model, &args.environments, args.all)?;
            let renames = args.test_rename.iter().map(|r| test_rename(r)).collect::<Result<Vec<_>, _>>()?;
            let fix = fix_command(&args, &config, out.as_deref());
            let root = out.unwrap_or_else(|| default_out(&config));
            supabase_aws_gen::refuse_unsafe_upgrades(&model, &envs, &root)?;
            // Held from the first comparison to the last rename: what was found unchanged stays so.
            let _lock = if args.check { output::TreeLock::shared(&root)? } else { output::TreeLock::exclusive(&root)? };
            let produced = if args.check { output::Produced::comparing(&root) } else { output::Produced::writing(&root, output::HELD_BYTES) };
            let Settled { mut produced, scope, emitted } = render_settled(&model, &envs, args.all, &renames, produced, shared.unwrap_or_else(emit::Shared::start), &mut timings)?;
            // Before anything is written: no silent destroys (`--check` refuses alike).
            timings.stage("guard", || safety::guard(&root, &scope, &produced, &emitted, &args.allow_removal))?;
            let (code, clean) = if args.check {
                let mut report = timings.stage("check", || output::check_produced(&root, &produced, &scope))?;
                report.fix = Some(fix);
                print_out(&format!("{report}\n"));
                if report.is_clean() { (ExitCode::SUCCESS, true) } else { (ExitCode::from(1), false) }
            } else {
                let outcome = timings.stage("write", || output::write_produced(&root, &mut produced, &scope))?;
                print_out(&format!("{outcome}\n"));
                (ExitCode::SUCCESS, outcome.created.is_empty() && outcome.updated.is_empty() && outcome.removed.is_empty())
            };
            // Up to date: the next run with the same key can say so from the stamp alone.
            if let (Some(key), true) = (key, clean)
                && let Some(watched) = supabase_aws_gen::watched(&config, &root, &scope, &produced)
            {
                let fresh = output::stamp::Fresh { files: produced.len(), warnings: warned };
                timings.stage("stamp", || output::stamp::record(&root, key, started, watched, &fresh));
            }
            print_timings(&timings);
            return Ok(code);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The stamp key of a `generate` (see `output::stamp`): everything its output and messages
/// depend on besides files. `None` for a run that must never be answered from a stamp (a test
/// rename changes the output without changing any file).
fn stamp_key(args: &Generate, config: &Utf8Path, out: Option<&Utf8Path>, today: Date, color: bool) -> Option<output::stamp::Key> {
    if !args.test_rename.is_empty() {
        return None;
    }
    let cwd = std::env::current_dir().ok()?;
    let cwd = cwd.to_str()?;
    // Not `--check`: a clean check and a `generate` that wrote nothing found the same thing.
    let (all, color, today) = (if args.all { "all" } else { "named" }, if color { "color" } else { "plain" }, today.to_string());
    let mut parts = vec![cwd, config.as_str(), out.map_or("", Utf8Path::as_str), all, color, &today, "environments"];
    parts.extend(args.environments.iter().map(String::as_str));
    parts.push("allow-removal");
    parts.extend(args.allow_removal.iter().map(String::as_str));
    output::stamp::Key::new(&parts)
}

/// Answers a `generate` from the tree's stamp, when it says nothing has changed since a run with
/// the same key found every file up to date: prints what that run printed and returns its exit
/// code. `None` (run in full) otherwise, or with `--no-stamp`.
fn up_to_date(root: &Utf8Path, key: output::stamp::Key, args: &Generate) -> Result<Option<ExitCode>, Error> {
    if args.no_stamp || !root.join(output::stamp::STAMP_FILE).is_file() {
        return Ok(None);
    }
    // Shared: a `generate` writing the tree meanwhile would otherwise be seen half done.
    let _lock = output::TreeLock::shared(root)?;
    let Some(fresh) = output::stamp::fresh(root, key) else { return Ok(None) };
    print_err(&fresh.warnings);
    if args.check {
        print_out(&format!("{}\n", output::CheckReport { checked: fresh.files, ..output::CheckReport::default() }));
    } else {
        print_out(&format!("{}\n", output::Outcome { unchanged: fresh.files, ..output::Outcome::default() }));
    }
    Ok(Some(ExitCode::SUCCESS))
}

/// `plan`/`apply` of one environment (generator/orchestrate).
fn deploy_run(model: &supabase_aws_gen::resolve::Model, config: &Utf8Path, out: Option<Utf8PathBuf>, deploy: Deploy, mode: orchestrate::Mode) -> Result<ExitCode, Error> {
    use orchestrate::Step;
    use supabase_aws_gen::plan::naming::Layer;
    let env = select(model, std::slice::from_ref(&deploy.environment), false)?[0];
    let fix = fix_command(&generate_args(vec![deploy.environment.clone()], false), config, out.as_deref());
    let root = out.unwrap_or_else(|| default_out(config));
    let only = deploy.layer.map(|l| match l {
        LayerArg::Networking => Step::Terraform(Layer::Networking),
        LayerArg::Core => Step::Terraform(Layer::Core),
        LayerArg::Monitoring => Step::Terraform(Layer::Monitoring),
        LayerArg::Applications => Step::Applications,
    });
    let request = orchestrate::Request { model, env, root: &root, mode, only, with_applications: deploy.with_applications, fix };
    orchestrate::run(&request).map(ExitCode::from)
}

/// A `generate` of these environments, for [`fix_command`].
fn generate_args(environments: Vec<String>, all: bool) -> Generate {
    Generate { environments, all, check: false, allow_removal: Vec::new(), no_stamp: false, test_rename: Vec::new() }
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
        ".TP\n1\n\\fBgenerate \\-\\-check\\fR found stale, missing or orphaned files; \\fBplan\\fR, \\fBapply\\fR, \\fBdrift\\fR: refused because the committed output is stale.\n",
        ".TP\n2\nInvalid config or command line (every problem listed with file:line:column, key and a fix; nothing written), or a change that would destroy what the committed output declares.\n",
        ".TP\n3\nI/O failure or a generator bug: the config cannot be read, an output file cannot be written, renamed or removed, or another run held the output tree's lock for 2 minutes.\n",
        ".TP\n4\nterraform or helm failed, is missing, or is older than the generated roots require (\\fBplan\\fR, \\fBapply\\fR, \\fBdrift\\fR).\n",
        ".TP\n5\n\\fBplan\\fR: changes pending; \\fBdrift\\fR: drift found.\n",
        ".TP\n6\n\\fBapply\\fR: not approved at the prompt.\n",
        ".SH ENVIRONMENT\n",
        ".TP\nSUPABASE_AWS_GEN_TERRAFORM, SUPABASE_AWS_GEN_HELM\nThe terraform and helm binaries \\fBplan\\fR, \\fBapply\\fR and \\fBdrift\\fR run (default: terraform and helm on PATH).\n",
        ".TP\nSUPABASE_AWS_GEN_RDS_CA_BUNDLE\nThe RDS CA bundle file \\fBapply \\-\\-with\\-applications\\fR installs the Supabase release with.\n",
        ".TP\nSUPABASE_AWS_GEN_TODAY\nYYYY\\-MM\\-DD: the date the version support calendars are checked against (default: today); an impossible date is an error.\n",
        ".TP\nSUPABASE_AWS_GEN_TIMINGS\nWhen set, the time of each pipeline stage is printed to stderr.\n",
        ".TP\nNO_COLOR\nWhen set, diagnostics are not coloured.\n",
        ".SH FILES\n",
        ".TP\n<out>/.supabase\\-aws\\-gen.lock\nThe lock \\fBgenerate\\fR holds exclusively and \\fBgenerate \\-\\-check\\fR shared, so runs on one output tree take turns.\n",
        ".TP\n<out>/.supabase\\-aws\\-gen.stamp\nThe up\\-to\\-date stamp: written by a \\fBgenerate\\fR or \\fB\\-\\-check\\fR that found every file up to date, it lets the next identical run answer without rendering while the config, the output files and directories, the date and the binary are unchanged (\\fB\\-\\-no\\-stamp\\fR ignores it). Not to be committed.\n",
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
