//! Concentric's domain: types and rules with no I/O, no async and no SQL.
//!
//! Everything here is deterministic and testable without a database; the store and the server
//! call into it to validate input, decide permissions and generate the demo organisation.
#![forbid(unsafe_code)]

pub mod anonymity;
pub mod attachment;
pub mod audit;
pub mod authz;
pub mod business_time;
pub mod calendar;
pub mod capacity;
pub mod circles;
pub mod commitment;
pub mod demo;
pub mod error;
pub mod event;
pub mod export;
pub mod feed;
pub mod forecast;
pub mod form;
pub mod goal;
pub mod health;
pub mod hierarchy;
pub mod home;
pub mod identity;
pub mod ids;
pub mod import;
pub mod inbound;
pub mod mail;
pub mod meeting;
pub mod network;
pub mod news;
pub mod notification;
pub mod page;
pub mod person;
pub mod placement;
pub mod rating;
pub mod recurrence;
pub mod relationship;
pub mod report;
pub mod request;
pub mod responsibility;
pub mod review;
#[cfg(test)]
mod robustness;
pub mod schedule;
pub mod scim;
pub mod search;
pub mod service;
pub mod session;
pub mod sign_in;
pub mod survey;
pub mod synthetic;
pub mod target;
pub mod team;
pub mod text;
pub mod thanks;
pub mod time;
pub mod token;
pub mod view;
pub mod webhook;
pub mod weekly;
pub mod workload;

pub use error::{FieldError, Invalid};
pub use ids::{
    ActionId, CommentId, MeetingId, PersonId, PlacementId, PostId, RequestId, ReviewId, RoundId, ServiceId, TeamId,
    ThanksId, TokenId,
};
