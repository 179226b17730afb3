//! fmt.
