//! The local front door (being written).
