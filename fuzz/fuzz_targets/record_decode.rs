//! The record decoder must reject malformed bytes without panicking, and
//! every record it accepts must re-encode to the same bytes.
#![no_main]

use attologging_engine::{Args, RecordSpec, RecordView};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(view) = RecordView::parse(data) else { return };
    let args: Vec<_> = view.args().collect();
    assert_eq!(args.len(), view.n_args());
    let fields: Vec<_> = view.fields().collect();
    let positional: Vec<_> = args.iter().map(|(_, v)| *v).collect();
    let mapping: Vec<_> = args.iter().map(|(k, v)| (k.unwrap_or(""), *v)).collect();
    let spec = RecordSpec {
        route: view.route,
        level: view.level,
        template: view.template,
        args: if view.args_are_mapping() { Args::Mapping(&mapping) } else { Args::Positional(&positional) },
        fields: &fields,
    };
    let again = spec.to_vec(view.seq, view.ts_ns).expect("a decoded record re-encodes");
    // Flags other than "mapping" are not preserved; compare everything else.
    assert_eq!(&again[..6], &data[..6]);
    assert_eq!(&again[8..], &data[8..]);
});
