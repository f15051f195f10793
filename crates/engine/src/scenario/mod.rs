//! placeholder: owned by its issue's helper
