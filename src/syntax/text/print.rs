//! IR → canonical text.
