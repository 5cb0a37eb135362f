pub mod pyfmt;
pub mod value;
