//! chancery-net
