#![doc = include_str!("../README.md")]

pub mod clock;
mod consumer;
mod dispatch;
mod engine;
pub mod formatter;
pub mod frame;
pub mod pyfmt;
pub mod pytime;
pub mod record;
mod ring;
pub mod sink;
pub mod value;
mod wake;

pub use crate::engine::{frame_record, Engine, EngineBuilder, EngineConfig, EngineCounts, FormatterId, Route, RouteId, SinkCounts, SinkId, Target};
pub use crate::formatter::{CompileError, Formatter, FormatterSpec, Needs, Style};
pub use crate::record::{Field, RecordError, RecordSpec, RecordView};
pub use crate::ring::{LogError, Logged, OverflowPolicy};
pub use crate::sink::{
    FileMode, FileSink, Handover, NetOptions, NetSink, NullSink, Peer, RotatingFileSink, Sink, StreamSink, Tls, TlsOptions, WatchedFileSink, WriteError,
    WriteResult,
};
pub use crate::value::{Args, OwnedValue, Value};
