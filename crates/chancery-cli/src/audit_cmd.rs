//! `chancery audit verify|export`.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{bail, Context};
use chancery_core::audit::ExportFormat;
use clap::Subcommand;

use crate::lookup::Session;

#[derive(Subcommand)]
pub enum AuditCommand {
    /// Check the whole hash chain; names the first entry that does not check out.
    Verify,
    /// Write every entry (with its hashes) for records officers.
    Export {
        /// csv or json.
        #[arg(long, default_value = "csv")]
        format: String,
        /// Write to this file instead of standard output.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

pub async fn run(s: &Session, cmd: &AuditCommand) -> anyhow::Result<bool> {
    match cmd {
        AuditCommand::Verify => {
            let v = s.app.verify_audit().await?;
            if s.json {
                s.print_json(&v)?;
            } else if v.ok {
                println!("audit trail intact: {} entries checked", v.entries_checked);
                if let Some(h) = &v.head_hash {
                    println!("head hash {h} (keep a copy elsewhere to anchor the chain)");
                }
            } else if let Some(b) = &v.first_bad {
                println!("AUDIT TRAIL DAMAGED at entry {}: {}", b.seq, b.problem);
                println!("{} entries before it check out", v.entries_checked);
            }
            Ok(v.ok)
        }
        AuditCommand::Export { format, out } => {
            let Some(f) = ExportFormat::parse(format) else {
                bail!("--format is csv or json, not {format:?}")
            };
            let n = match out {
                Some(path) => {
                    let mut file = std::io::BufWriter::new(
                        std::fs::File::create(path)
                            .with_context(|| format!("creating {}", path.display()))?,
                    );
                    let n = s.app.export_audit(f, &mut file).await?;
                    file.flush()?;
                    eprintln!("wrote {n} entries to {}", path.display());
                    n
                }
                None => {
                    let mut stdout = std::io::stdout();
                    s.app.export_audit(f, &mut stdout).await?
                }
            };
            let _ = n;
            Ok(true)
        }
    }
}
