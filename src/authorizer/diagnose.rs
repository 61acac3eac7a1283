//! Diagnoses (stub: being written).
