//! Integration tests of the composer, approvals, crisis pause, outbox and audit trail, against
//! a real SQLite file in a temporary folder.

mod governance {
    pub mod approvals;
    pub mod audit;
    pub mod conformance;
    pub mod pause_outbox;
    pub mod world;
}
