//! Runtime contracts: what each Supabase component does to the database at start-up and per
//! request, read from its source at the pinned tag, performed as that component's own role
//! against a real PostgreSQL set up like RDS after our bootstrap (`common::pg`), on every major
//! we deploy. One module per component; one test binary, so their clusters start in parallel.

#[path = "../common/mod.rs"]
mod common;

mod bootstrap;
mod gotrue;
mod meta;
mod pooler;
mod postgrest;
mod realtime;
mod storage;
