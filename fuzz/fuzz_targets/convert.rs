//! Any bytes read as either form; a valid document converted to the other form (and to text
//! again) must check to the same IR.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tariffc::cmd::convert::to_json;
use tariffc::ir::Document;
use tariffc::load::load;
use tariffc::source::{Source, SourceFormat};
use tariffc::syntax::text::print::print;

fn checked(text: &str, format: SourceFormat) -> Option<(Document, tariffc::load::Loaded)> {
    let mut loaded = load(Source::new("fuzz", text), format);
    loaded.document.take().map(|d| (d, loaded))
}

fn reload(text: &str, format: SourceFormat, want: &Document) {
    match checked(text, format) {
        Some((got, _)) => assert_eq!(&got, want, "IR changed:\n{text}"),
        None => panic!("converted document does not check:\n{text}"),
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for format in [SourceFormat::Json, SourceFormat::Text] {
        let Some((document, loaded)) = checked(text, format) else {
            continue;
        };
        reload(&print(&document), SourceFormat::Text, &document);
        if let Some(tree) = &loaded.tree {
            reload(&to_json(tree), SourceFormat::Json, &document);
        }
    }
});
