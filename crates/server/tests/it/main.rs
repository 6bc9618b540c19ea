//! Concentric's integration tests: one binary (each extra one is a slow link on 2 cores).
//! Every case runs on SQLite, and on PostgreSQL when CONCENTRIC_TEST_POSTGRES_URL is set.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod harness;

mod api;
mod audit;
mod auth;
mod authz;
mod backup;
mod capacity;
mod commitments;
mod directory;
mod home;
mod hostile;
mod import;
mod input;
mod mail;
mod meetings;
mod network;
mod news;
mod ops;
mod placements;
mod ratings;
mod requests;
mod responsibilities;
mod reviews;
mod scim;
mod showcase;
mod sso;
mod store;
mod surveys;
mod targets;
mod thanks;
mod web;
mod webhooks;
mod weekly;
