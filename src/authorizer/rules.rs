//! The evaluation rules (stub: being written).
