//! Any bytes → JSON front-end → checker → every diagnostic format, and for a valid document the
//! passes after the checker (docs in both formats, diff): never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tariffc::load::load;
use tariffc::render::{self, FileDiagnostics};
use tariffc::source::{Source, SourceFormat};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let loaded = load(Source::new("fuzz.json", text), SourceFormat::Json);
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
});
