//! Integration tests of the sandbox over real loopback HTTP (one binary; modules below).

mod sandbox {
    pub mod common;
    mod conformance_graph;
    mod conformance_x;
    mod determinism;
    mod faults;
    mod graph_api;
    mod oauth;
    mod rate_limits;
    mod x_api;
}
