//! capture (todo)
