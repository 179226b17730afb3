//! What the fuzz targets share.

pub mod trace_line;

use tariffc::load::load;
use tariffc::render::{self, FileDiagnostics};
use tariffc::source::{Source, SourceFormat};

/// Load `text` in `format`, render its diagnostics in every format and, when it is a valid
/// document, run the passes after the checker (docs in both formats, diff): whatever the input,
/// nothing may panic.
pub fn check_and_render(name: &str, text: &str, format: SourceFormat) {
    let loaded = load(Source::new(name, text), format);
    let files = [FileDiagnostics {
        source: &loaded.source,
        diagnostics: &loaded.diagnostics,
    }];
    let _ = render::human(&loaded.source, &loaded.diagnostics, false);
    let _ = render::json(&files);
    let _ = render::github(&files);
    let _ = render::sarif(&files);
    if let Some(document) = &loaded.document {
        let _ = tariffc::docs::render(document, tariffc::docs::Format::Markdown);
        let _ = tariffc::docs::render(document, tariffc::docs::Format::Html);
        let empty = tariffc::ir::Document { plans: Vec::new() };
        for (old, new) in [(document, document), (&empty, document), (document, &empty)] {
            let _ = tariffc::diff::diff(old, new);
        }
    }
}
