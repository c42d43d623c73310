-- Scratch tables for the pgbench baseline of docs/benchmarks.md, in their own schema: shaped like Marten's
-- mt_streams / mt_events (uuid stream id, version, jsonb body, type, timestamps, the (stream, version) unique key).
-- Recreated before every pgbench run so runs never accumulate.
drop schema if exists bench_pgbench cascade;
create schema bench_pgbench;
create table bench_pgbench.streams (
    id uuid primary key,
    type varchar,
    version bigint,
    timestamp timestamptz not null default now(),
    created timestamptz not null default now(),
    is_archived boolean default false
);
create table bench_pgbench.events (
    seq_id bigserial primary key,
    id uuid not null,
    stream_id uuid references bench_pgbench.streams (id),
    version bigint not null,
    data jsonb not null,
    type varchar(500) not null,
    timestamp timestamptz not null default now(),
    mt_dotnet_type varchar,
    is_archived boolean default false,
    unique (stream_id, version)
);
