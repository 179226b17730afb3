//! Human output: aligned tables, money in major units.
