// The schema, as numbered migrations applied in order at start-up and by `parley migrate`.
// One dialect for PGlite and PostgreSQL; extension-specific indexes live in search-indexes.ts.

/** A schema change; `version` orders them and is recorded in schema_migrations. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'core',
    sql: `
create table tenants (
  id text primary key,
  name text not null unique,
  created_at timestamptz not null default now()
);
create table api_keys (
  id text primary key,
  tenant_id text not null references tenants(id) on delete cascade,
  -- scrypt(secret, salt); the key itself is never stored
  hash text not null,
  salt text not null,
  label text,
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);
create index api_keys_tenant on api_keys(tenant_id);
create table knowledge_bases (
  id text primary key,
  tenant_id text not null references tenants(id) on delete cascade,
  name text not null,
  created_at timestamptz not null default now(),
  unique (tenant_id, name)
);
create table documents (
  id text primary key,
  tenant_id text not null references tenants(id) on delete cascade,
  kb_id text not null references knowledge_bases(id) on delete cascade,
  -- identity of a document inside its knowledge base: the source if given, else the title
  source_key text not null,
  title text not null,
  source text,
  format text,
  content_hash text,
  status text not null default 'pending',
  chunk_count integer not null default 0,
  byte_size bigint,
  error text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (tenant_id, kb_id, source_key)
);
create index documents_tenant on documents(tenant_id, created_at);
create table chunks (
  id bigserial primary key,
  tenant_id text not null,
  kb_id text not null,
  document_id text not null references documents(id) on delete cascade,
  ordinal integer not null,
  heading_path text not null default '',
  text text not null,
  -- what keyword search indexes: title, heading path and text
  search_text text not null,
  token_count integer not null,
  metadata jsonb not null default '{}',
  search_tsv tsvector generated always as (to_tsvector('english', search_text)) stored
);
create index chunks_document on chunks(document_id, ordinal);
create index chunks_tenant_kb on chunks(tenant_id, kb_id);
create index chunks_tsv on chunks using gin(search_tsv);
create table jobs (
  id text primary key,
  tenant_id text not null references tenants(id) on delete cascade,
  kind text not null,
  document_id text,
  status text not null default 'queued',
  progress real not null default 0,
  attempts integer not null default 0,
  max_attempts integer not null default 3,
  payload jsonb not null default '{}',
  -- the uploaded bytes, kept until the job ends so that a crash loses nothing
  content bytea,
  result jsonb,
  error text,
  created_at timestamptz not null default now(),
  started_at timestamptz,
  heartbeat_at timestamptz,
  finished_at timestamptz
);
create index jobs_queue on jobs(status, created_at);
create index jobs_tenant on jobs(tenant_id, created_at);
create table conversations (
  id text primary key,
  tenant_id text not null references tenants(id) on delete cascade,
  title text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index conversations_tenant on conversations(tenant_id, updated_at);
create table messages (
  id text primary key,
  tenant_id text not null,
  conversation_id text not null references conversations(id) on delete cascade,
  turn_id text not null,
  role text not null,
  content text not null,
  citations jsonb,
  usage jsonb,
  created_at timestamptz not null default now()
);
create index messages_conversation on messages(conversation_id, created_at);
create table turn_traces (
  turn_id text primary key,
  tenant_id text not null,
  conversation_id text,
  trace jsonb not null,
  created_at timestamptz not null default now()
);
create index turn_traces_tenant on turn_traces(tenant_id, created_at);
`,
  },
  {
    version: 2,
    name: 'prompt versions',
    sql: `
create table prompt_versions (
  -- the first 16 hex digits of the prompt's SHA-256: the same text is always the same version
  id text primary key,
  system_prompt text not null,
  created_at timestamptz not null default now()
);
`,
  },
  {
    version: 3,
    name: 'conversation summaries',
    sql: `
alter table conversations add column summary text;
-- how many of the oldest messages the summary covers
alter table conversations add column summarized_messages integer not null default 0;
`,
  },
  {
    version: 4,
    name: 'bots',
    sql: `
-- A bot: its model policy, guardrail policy and system prompt, per tenant. The bot 'parley'
-- exists for every tenant with the server's defaults; a row for it overrides them.
create table bots (
  tenant_id text not null references tenants(id) on delete cascade,
  id text not null,
  name text not null,
  settings jsonb not null default '{}',
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, id)
);
alter table conversations add column bot_id text not null default 'parley';
`,
  },
  {
    version: 5,
    name: 'publishable keys',
    sql: `
-- 'secret' (full API access) or 'publishable' (the web widget: chat only, one bot, listed origins)
alter table api_keys add column kind text not null default 'secret';
alter table api_keys add column bot text;
alter table api_keys add column allowed_origins text[] not null default '{}';
alter table api_keys add column rate_limit_per_minute integer;
-- which widget visitor (a server-minted id, signed) started a conversation through which key
create table visitor_conversations (
  -- no foreign key: a conversation's row is written with its first turn, after this binding
  conversation_id text primary key,
  tenant_id text not null,
  key_id text not null references api_keys(id) on delete cascade,
  visitor_id text not null,
  created_at timestamptz not null default now()
);
create index visitor_conversations_visitor on visitor_conversations(key_id, visitor_id);
-- secrets the server generates once and every replica shares (the visitor-token HMAC key)
create table server_secrets (
  name text primary key,
  value text not null,
  created_at timestamptz not null default now()
);
`,
  },
  {
    version: 6,
    name: 'usage and budgets',
    sql: `
-- One row per turn: its tokens and cost, for GET /v1/usage and for spend read back on start-up.
create table usage (
  id bigserial primary key,
  tenant_id text not null references tenants(id) on delete cascade,
  key_id text,
  bot_id text not null,
  conversation_id text,
  -- unique: a retried background write inserts nothing twice
  turn_id text not null unique,
  model text not null,
  input_tokens integer not null default 0,
  cached_input_tokens integer not null default 0,
  output_tokens integer not null default 0,
  cost_usd numeric(20, 10) not null default 0,
  -- false when the model has no price (its cost is counted as 0)
  priced boolean not null default true,
  created_at timestamptz not null default now()
);
create index usage_tenant_time on usage(tenant_id, created_at);
create index usage_tenant_key_time on usage(tenant_id, key_id, created_at);
-- A tenant's budgets over the configured defaults (null: the default).
create table budgets (
  tenant_id text primary key references tenants(id) on delete cascade,
  tenant_daily_usd numeric(20, 10),
  tenant_monthly_usd numeric(20, 10),
  key_daily_usd numeric(20, 10),
  key_monthly_usd numeric(20, 10),
  updated_at timestamptz not null default now()
);
`,
  },
  {
    version: 7,
    name: 'dashboard indexes',
    sql: `
-- The dashboard reads a not-found turn's question by its turn id, and lists the latest
-- not-found turns of a tenant without reading every other trace of the range.
create index messages_turn on messages(turn_id);
create index turn_traces_not_found on turn_traces(tenant_id, created_at)
  where trace->>'mode' = 'not_found';
`,
  },
  {
    version: 8,
    name: 'search generations',
    sql: `
-- A counter per tenant, bumped in the same transaction as any change to its chunks (ingestion,
-- re-ingestion, deletion, cascades), whoever makes it: a server process holding an in-memory
-- keyword index polls this small table to learn that its copy no longer holds.
create table search_generations (
  tenant_id text primary key,
  generation bigint not null default 1
);
create function parley_bump_search_generation() returns trigger
language plpgsql as $fn$
begin
  insert into search_generations as g (tenant_id)
  select distinct tenant_id from changed_chunks
  on conflict (tenant_id) do update set generation = g.generation + 1;
  return null;
end
$fn$;
create trigger chunks_inserted after insert on chunks referencing new table as changed_chunks
  for each statement execute function parley_bump_search_generation();
create trigger chunks_updated after update on chunks referencing new table as changed_chunks
  for each statement execute function parley_bump_search_generation();
create trigger chunks_deleted after delete on chunks referencing old table as changed_chunks
  for each statement execute function parley_bump_search_generation();
`,
  },
  {
    version: 9,
    name: 'row-level security',
    sql: `
-- A second wall between tenants. Requests scoped to a tenant run as the role parley_tenant with
-- parley.tenant_id set for their transaction (storage/pool-queries.ts, tenantQueries); under it
-- every table holding tenant data shows and accepts only that tenant's rows, whatever a query's
-- own filter says. The login user owns the tables, so row security does not apply to it
-- (ingestion, write-behind, retention and start-up work across tenants).
-- Creating the role needs CREATEROLE; without it the wall is absent and the server says so at
-- start-up (PARLEY_ROW_SECURITY=auto) or refuses to start (=on).
do $do$
declare
  -- every table holding tenant data, and the column naming the tenant
  walled text[][] := array[
    ['tenants', 'id'], ['api_keys', 'tenant_id'], ['knowledge_bases', 'tenant_id'],
    ['documents', 'tenant_id'], ['chunks', 'tenant_id'], ['jobs', 'tenant_id'],
    ['conversations', 'tenant_id'], ['messages', 'tenant_id'], ['turn_traces', 'tenant_id'],
    ['bots', 'tenant_id'], ['visitor_conversations', 'tenant_id'], ['usage', 'tenant_id'],
    ['budgets', 'tenant_id'], ['search_generations', 'tenant_id']];
  entry text[];
  has_role boolean := true;
begin
  foreach entry slice 1 in array walled loop
    execute format('alter table %I enable row level security', entry[1]);
    execute format(
      'create policy tenant_isolation on %I using (%I = current_setting(''parley.tenant_id'', true)) '
        'with check (%I = current_setting(''parley.tenant_id'', true))',
      entry[1], entry[2], entry[2]);
  end loop;
  begin
    create role parley_tenant nologin;
  exception
    -- it exists, or another database on this server is creating it at the same moment
    when duplicate_object or unique_violation then null;
    when insufficient_privilege then
      -- made by an administrator, or nobody: then there is no role to grant anything to
      has_role := exists (select from pg_roles where rolname = 'parley_tenant');
  end;
  if not has_role then
    raise notice 'parley: cannot create role parley_tenant (needs CREATEROLE): no row-level security';
    return;
  end if;
  begin
    execute format('grant usage on schema %I to parley_tenant', current_schema());
  exception when insufficient_privilege then
    null; -- a schema this login does not own (public): its usage is granted to everyone already
  end;
  foreach entry slice 1 in array walled loop
    execute format('grant select, insert, update, delete on %I to parley_tenant', entry[1]);
  end loop;
  -- server secrets and migrations stay out of reach; prompt versions: see migration 10
  grant usage on sequence chunks_id_seq, usage_id_seq to parley_tenant;
  -- This login must be able to SET ROLE to it (PostgreSQL 16 gives a role's creator ADMIN but
  -- not SET); an administrator may have to grant it instead.
  begin
    execute format('grant parley_tenant to %I', current_user);
  exception when insufficient_privilege or invalid_grant_operation then
    raise notice 'parley: cannot grant role parley_tenant to %: grant it to enable row-level security', current_user;
  end;
end
$do$;
`,
  },
  {
    version: 10,
    name: 'prompt version owners',
    sql: `
-- Who may see a stored system prompt: the tenants whose bots registered it, and everyone for the
-- server's own prompt (tenant ''). A prompt is stored once by content hash, whoever registered it.
create table prompt_version_owners (
  tenant_id text not null,
  version_id text not null references prompt_versions(id) on delete cascade,
  primary key (tenant_id, version_id)
);
-- Versions stored before: each bot's current prompt is its tenant's (older texts stay unlisted).
insert into prompt_version_owners(tenant_id, version_id)
  select distinct b.tenant_id, p.id
    from bots b join prompt_versions p on p.system_prompt = b.settings->>'system_prompt'
  on conflict do nothing;
alter table prompt_version_owners enable row level security;
create policy tenant_isolation on prompt_version_owners
  using (tenant_id in (current_setting('parley.tenant_id', true), ''))
  with check (tenant_id = current_setting('parley.tenant_id', true));
alter table prompt_versions enable row level security;
create policy tenant_isolation on prompt_versions for select
  using (exists (select 1 from prompt_version_owners o where o.version_id = prompt_versions.id));
do $do$
begin
  if exists (select from pg_roles where rolname = 'parley_tenant') then
    grant select on prompt_versions, prompt_version_owners to parley_tenant;
  end if;
end
$do$;
`,
  },
  {
    version: 11,
    name: 'short GIN pending list',
    sql: `
-- New rows reach the full-text index through its pending list, which every search reads whole,
-- once per query word, until it is merged (by autovacuum, or when it fills). At the default
-- 4 MB that was ~380 pages per word: about a quarter of a 100k-chunk search's time on a server without
-- pg_textsearch. 256 kB bounds it at 32 pages; inserts merge it more often.
alter index chunks_tsv set (gin_pending_list_limit = 256);
`,
  },
  {
    version: 12,
    name: 'answer cache savings',
    sql: `
-- A turn answered from the answer cache costs nothing: what its answer cost when first given is
-- what the cache saved (expand only: older servers write rows without it).
alter table usage add column saved_usd numeric not null default 0;
`,
  },
  {
    version: 13,
    name: 'curated answers',
    sql: `
-- Operators' question -> answer pairs per bot (orchestrator/curated): a message close enough to a
-- question is answered with its answer, without a model call. No foreign key to bots: the default
-- bot has no row until it is changed.
create table curated_answers (
  id text primary key,
  -- the order entries were added in (an import's rows share their created_at)
  seq bigserial not null,
  tenant_id text not null references tenants(id) on delete cascade,
  bot_id text not null,
  question text not null,
  -- the question as matched (NFKC, lower case, no punctuation, single spaces), computed by the
  -- server: one question per bot in that form
  question_key text not null,
  answer text not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (tenant_id, bot_id, question_key)
);
create index curated_answers_bot on curated_answers(tenant_id, bot_id, seq);
-- the wall of migration 9
alter table curated_answers enable row level security;
create policy tenant_isolation on curated_answers
  using (tenant_id = current_setting('parley.tenant_id', true))
  with check (tenant_id = current_setting('parley.tenant_id', true));
do $do$
begin
  if exists (select from pg_roles where rolname = 'parley_tenant') then
    grant select, insert, update, delete on curated_answers to parley_tenant;
    grant usage on sequence curated_answers_seq_seq to parley_tenant;
  end if;
end
$do$;
`,
  },
  {
    version: 14,
    name: 'conversation state',
    sql: `
-- Where a conversation stands (see ConversationState): written with each turn, and by the agent
-- API (handoff, hand back).
alter table conversations add column state text not null default 'active'
  check (state in ('active', 'awaiting_clarification', 'handed_off', 'closed'));
create index conversations_handed_off on conversations(tenant_id, updated_at) where state = 'handed_off';
-- Who wrote an assistant message: the bot (null) or a person it was handed to ('agent').
alter table messages add column author text check (author in ('agent'));
`,
  },
  {
    version: 15,
    name: 'job kinds and handoff triggers',
    sql: `
-- The job queue serves more than ingestion (jobs.kind: 'ingest', 'webhook'): a job is not taken
-- before run_after (a retry waits out its backoff there).
alter table jobs add column run_after timestamptz not null default now();
create index jobs_due on jobs(kind, run_after) where status = 'queued';
-- Not-found answers in a row at the end of a conversation (a bot may hand over after some).
alter table conversations add column not_found_streak integer not null default 0;
`,
  },
  {
    version: 16,
    name: 'tools, their secrets and approvals',
    sql: `
-- Each tenant's HTTP tools (tools/http): a bot's model may call those its allowlist names. The
-- definition (description, parameters, method, url, headers, auth, timeout) is validated by the
-- server before it is stored.
create table tools (
  tenant_id text not null references tenants(id) on delete cascade,
  name text not null,
  definition jsonb not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, name)
);
-- Secrets a tool's auth header is taken from: written through the API, never read back by it;
-- encrypted by the server (AES-256-GCM under PARLEY_SECRETS_KEY) before they reach this table.
create table tool_secrets (
  tenant_id text not null references tenants(id) on delete cascade,
  name text not null,
  sealed text not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, name)
);
-- A call of a tool that acts on the world, waiting for the user's (or an operator's) decision:
-- the turn pauses; what its continuation needs is stored here, so a restart loses nothing. The
-- id is also the call's idempotency key; a decision moves status once (pending -> approved or
-- rejected), so an approved call runs at most once whoever approves twice.
create table tool_approvals (
  id text primary key,
  tenant_id text not null references tenants(id) on delete cascade,
  bot_id text not null,
  conversation_id text not null,
  turn_id text not null,
  tool text not null,
  call_id text not null,
  arguments text not null,
  approver text not null check (approver in ('user', 'operator')),
  resume jsonb not null,
  status text not null default 'pending' check (status in ('pending', 'approved', 'rejected', 'done')),
  result text,
  created_at timestamptz not null default now(),
  decided_at timestamptz
);
create index tool_approvals_pending on tool_approvals(tenant_id, created_at) where status = 'pending';
create index tool_approvals_conversation on tool_approvals(tenant_id, conversation_id);
-- the wall of migration 9
alter table tool_approvals enable row level security;
create policy tenant_isolation on tool_approvals
  using (tenant_id = current_setting('parley.tenant_id', true))
  with check (tenant_id = current_setting('parley.tenant_id', true));
alter table tools enable row level security;
create policy tenant_isolation on tools
  using (tenant_id = current_setting('parley.tenant_id', true))
  with check (tenant_id = current_setting('parley.tenant_id', true));
alter table tool_secrets enable row level security;
create policy tenant_isolation on tool_secrets
  using (tenant_id = current_setting('parley.tenant_id', true))
  with check (tenant_id = current_setting('parley.tenant_id', true));
do $do$
begin
  if exists (select from pg_roles where rolname = 'parley_tenant') then
    grant select, insert, update, delete on tools, tool_secrets, tool_approvals to parley_tenant;
  end if;
end
$do$;
`,
  },
  {
    version: 17,
    name: 'key lifecycle and audit log',
    sql: `
-- Keys: scopes (what a secret key may call; keys made before are admin), an expiry, and the
-- previous secret of a rotated key, valid until previous_expires_at. A rotation keeps the key's
-- salt: both secrets are 256 random bits, so one scrypt of a presented secret checks either.
alter table api_keys add column scopes text[] not null default '{admin}';
alter table api_keys add column expires_at timestamptz;
alter table api_keys add column previous_hash text;
alter table api_keys add column previous_expires_at timestamptz;
alter table api_keys add column rotated_at timestamptz;
-- A counter per tenant, bumped in the transaction of any change to a key that can end its use
-- (revocation, rotation, expiry, scopes; not last_used_at): each server process polls it for the
-- tenants whose keys it has cached, and drops those entries (edge/auth/api-keys.ts).
create table key_generations (
  tenant_id text primary key,
  generation bigint not null default 1
);
create function parley_bump_key_generation() returns trigger
language plpgsql as $fn$
begin
  insert into key_generations as g (tenant_id)
  values (case when tg_op = 'DELETE' then old.tenant_id else new.tenant_id end)
  on conflict (tenant_id) do update set generation = g.generation + 1;
  return null;
end
$fn$;
-- Row triggers: a statement trigger with transition tables cannot name columns, and last_used_at
-- (written every minute per key in use) must not bump the counter.
create trigger api_keys_changed
  after update of revoked_at, expires_at, hash, previous_hash, previous_expires_at, scopes, kind
  on api_keys for each row execute function parley_bump_key_generation();
create trigger api_keys_deleted after delete on api_keys
  for each row execute function parley_bump_key_generation();
-- Administrative actions (keys created, revoked, rotated; bots, documents and budgets changed),
-- newest first per tenant. Never holds a secret.
create table audit_log (
  seq bigserial primary key,
  tenant_id text not null references tenants(id) on delete cascade,
  -- when the action was taken (an entry written after the response carries its time)
  created_at timestamptz not null default now(),
  action text not null,
  -- the key that acted (null: a keyless loopback client or the command line)
  actor_key_id text,
  -- 'api' or 'cli'
  via text not null,
  target_id text,
  details jsonb not null default '{}'
);
create index audit_log_tenant on audit_log(tenant_id, created_at desc, seq desc);
create index audit_log_action on audit_log(tenant_id, action, created_at desc, seq desc);
-- the wall of migration 9
alter table key_generations enable row level security;
create policy tenant_isolation on key_generations
  using (tenant_id = current_setting('parley.tenant_id', true))
  with check (tenant_id = current_setting('parley.tenant_id', true));
alter table audit_log enable row level security;
create policy tenant_isolation on audit_log
  using (tenant_id = current_setting('parley.tenant_id', true))
  with check (tenant_id = current_setting('parley.tenant_id', true));
do $do$
begin
  if exists (select from pg_roles where rolname = 'parley_tenant') then
    grant select, insert, update, delete on key_generations, audit_log to parley_tenant;
    grant usage on sequence audit_log_seq_seq to parley_tenant;
  end if;
end
$do$;
`,
  },
  {
    version: 18,
    name: 'feedback',
    sql: `
-- A user's rating of one answer (thumbs up or down, an optional comment with PII redacted as in
-- stored messages): one per turn, a second rating replaces the first. The turn's conversation,
-- bot and time are copied here so the dashboard and the evaluation export read one table; a
-- conversation deleted (or erased) takes its ratings with it.
create table feedback (
  tenant_id text not null references tenants(id) on delete cascade,
  turn_id text not null,
  conversation_id text not null references conversations(id) on delete cascade,
  bot_id text not null,
  rating text not null check (rating in ('up', 'down')),
  comment text,
  -- when the rated answer was given (the dashboard counts satisfaction by that day)
  turn_at timestamptz not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (tenant_id, turn_id)
);
create index feedback_tenant on feedback(tenant_id, updated_at desc);
create index feedback_turn_at on feedback(tenant_id, turn_at);
-- the wall of migration 9
alter table feedback enable row level security;
create policy tenant_isolation on feedback
  using (tenant_id = current_setting('parley.tenant_id', true))
  with check (tenant_id = current_setting('parley.tenant_id', true));
do $do$
begin
  if exists (select from pg_roles where rolname = 'parley_tenant') then
    grant select, insert, update, delete on feedback to parley_tenant;
  end if;
end
$do$;
`,
  },
  {
    version: 19,
    name: 'bot generations',
    sql: `
-- A counter per tenant, bumped in the transaction of any change to one of its bots: each server
-- process polls it for the tenants whose bots it has cached and drops those profiles, so a bot
-- changed through one replica is answered with its new settings by every other within a poll
-- (orchestrator/bots/bots.ts), whoever made the change (the API, the CLI, SQL).
create table bot_generations (
  tenant_id text primary key,
  generation bigint not null default 1
);
create function parley_bump_bot_generation() returns trigger
language plpgsql as $fn$
begin
  insert into bot_generations as g (tenant_id)
  values (case when tg_op = 'DELETE' then old.tenant_id else new.tenant_id end)
  on conflict (tenant_id) do update set generation = g.generation + 1;
  return null;
end
$fn$;
create trigger bots_changed after insert or update or delete on bots
  for each row execute function parley_bump_bot_generation();
-- the wall of migration 9
alter table bot_generations enable row level security;
create policy tenant_isolation on bot_generations
  using (tenant_id = current_setting('parley.tenant_id', true))
  with check (tenant_id = current_setting('parley.tenant_id', true));
do $do$
begin
  if exists (select from pg_roles where rolname = 'parley_tenant') then
    grant select, insert, update, delete on bot_generations to parley_tenant;
  end if;
end
$do$;
`,
  },
  {
    version: 21,
    name: 'conversation users',
    sql: `
-- The end user a conversation belongs to (signed in by the operator's identity provider, or named
-- by a key allowed to act for users); null: the tenant's own, as every conversation was before.
-- A user lists, reads and changes only their own; the index serves their list, newest first.
alter table conversations add column user_id text;
create index conversations_user on conversations(tenant_id, user_id, updated_at desc)
  where user_id is not null;
`,
  },
  {
    version: 22,
    name: 'retention periods',
    sql: `
-- How long a tenant keeps its conversations (with their messages, traces, feedback, waiting
-- actions and visitor claims) after their last activity; null: the server's default
-- (PARLEY_CONVERSATION_RETENTION_DAYS). The background sweep deletes what is older.
create table retention_periods (
  tenant_id text primary key references tenants(id) on delete cascade,
  conversation_days integer check (conversation_days between 1 and 36500),
  updated_at timestamptz not null default now()
);
-- the wall of migration 9
alter table retention_periods enable row level security;
create policy tenant_isolation on retention_periods
  using (tenant_id = current_setting('parley.tenant_id', true))
  with check (tenant_id = current_setting('parley.tenant_id', true));
do $do$
begin
  if exists (select from pg_roles where rolname = 'parley_tenant') then
    grant select, insert, update, delete on retention_periods to parley_tenant;
  end if;
end
$do$;
`,
  },
  {
    version: 23,
    name: 'trace and usage detail retention',
    sql: `
-- A tenant's own periods for its turn traces and its per-turn usage rows (null: the server's
-- defaults, PARLEY_TRACE_RETENTION_DAYS and PARLEY_USAGE_DETAIL_RETENTION_DAYS, each capped by the
-- operator's maximum). Expand only: older servers ignore the columns.
alter table retention_periods
  add column trace_days integer check (trace_days between 1 and 36500),
  add column usage_detail_days integer check (usage_detail_days between 1 and 36500);
-- Usage by UTC day, tenant, key, bot and model: what the usage detail sweep leaves of the per-turn
-- rows it deletes (accounting/usage-retention.ts), so that GET /v1/usage and the budgets' spend,
-- which read both tables, keep their totals. No conversation or turn: that is the detail let go.
create table usage_daily (
  tenant_id text not null references tenants(id) on delete cascade,
  day date not null,
  key_id text,
  bot_id text not null,
  model text not null,
  turns integer not null default 0,
  unpriced_turns integer not null default 0,
  input_tokens bigint not null default 0,
  cached_input_tokens bigint not null default 0,
  output_tokens bigint not null default 0,
  cost_usd numeric(20, 10) not null default 0,
  saved_usd numeric not null default 0,
  -- a turn without a key (loopback) rolls up with the others of its day, bot and model
  unique nulls not distinct (tenant_id, day, key_id, bot_id, model)
);
-- the wall of migration 9
alter table usage_daily enable row level security;
create policy tenant_isolation on usage_daily
  using (tenant_id = current_setting('parley.tenant_id', true))
  with check (tenant_id = current_setting('parley.tenant_id', true));
do $do$
begin
  if exists (select from pg_roles where rolname = 'parley_tenant') then
    grant select, insert, update, delete on usage_daily to parley_tenant;
  end if;
end
$do$;
`,
  },
  {
    version: 24,
    name: 'user memories',
    sql: `
-- Long-term memory (orchestrator/memories): facts and preferences about one end user, taken from
-- their conversations by the bot's model after a turn, and brought into later turns' prompts.
-- One row per (tenant, user, topic): a changed preference replaces the old one. The server keeps
-- at most a bounded number per user (the least recently updated go first) and deletes rows past
-- the retention period. No foreign key to conversations: a memory outlives the conversation it
-- came from (turn_id says which turn that was) until the user deletes it or is erased.
create table memories (
  id text primary key,
  tenant_id text not null references tenants(id) on delete cascade,
  user_id text not null,
  -- a short stable name for what the memory is about (e.g. answer_language), lower case
  topic text not null,
  kind text not null check (kind in ('fact', 'preference')),
  text text not null,
  bot_id text not null,
  conversation_id text,
  turn_id text not null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (tenant_id, user_id, topic)
);
create index memories_user on memories(tenant_id, user_id, updated_at desc);
create index memories_updated on memories(updated_at);
-- the wall of migration 9
alter table memories enable row level security;
create policy tenant_isolation on memories
  using (tenant_id = current_setting('parley.tenant_id', true))
  with check (tenant_id = current_setting('parley.tenant_id', true));
do $do$
begin
  if exists (select from pg_roles where rolname = 'parley_tenant') then
    grant select, insert, update, delete on memories to parley_tenant;
  end if;
end
$do$;
`,
  },
  {
    version: 25,
    name: 'message retention',
    sql: `
-- A tenant's own period for messages (null: the server's default, PARLEY_MESSAGE_RETENTION_DAYS):
-- a message older than it goes even from a conversation still in use, with its turn's trace and
-- rating (orchestrator/conversation-retention.ts). The index serves that sweep, oldest first.
alter table retention_periods
  add column message_days integer check (message_days between 1 and 36500);
create index messages_tenant_created on messages(tenant_id, created_at);
`,
  },
  {
    version: 26,
    name: 'curated answers and tools bump the bot generation',
    sql: `
-- What a turn reads besides the bot, and each process caches per tenant (curated answers, HTTP
-- tools; a tool's secrets are read when a call needs them), bumps the tenant's bot generation in its change's transaction too:
-- the processes that poll it drop those caches with the bots', so a change made through one
-- replica is used by every other within a poll (orchestrator/bots/bots.ts).
create trigger curated_answers_changed after insert or update or delete on curated_answers
  for each row execute function parley_bump_bot_generation();
create trigger tools_changed after insert or update or delete on tools
  for each row execute function parley_bump_bot_generation();
`,
  },
  {
    version: 27,
    name: 'user erasures',
    sql: `
-- The latest erasure of each end user (DELETE /v1/users/{id}, orchestrator/user-data.ts): a turn of
-- theirs asked before it but written after it (answered while the erasure ran, its write still in
-- the write-behind queue, on this process or another) is not stored; one asked after it is. Only
-- an id and a time, kept a day (longer than any turn's write is in flight: its answer, then at most
-- a minute of retries), then deleted by the conversation retention sweep.
create table user_erasures (
  tenant_id text not null references tenants(id) on delete cascade,
  user_id text not null,
  erased_at timestamptz not null default now(),
  primary key (tenant_id, user_id)
);
create index user_erasures_erased on user_erasures(erased_at);
-- the wall of migration 9
alter table user_erasures enable row level security;
create policy tenant_isolation on user_erasures
  using (tenant_id = current_setting('parley.tenant_id', true))
  with check (tenant_id = current_setting('parley.tenant_id', true));
do $do$
begin
  if exists (select from pg_roles where rolname = 'parley_tenant') then
    grant select, insert, update, delete on user_erasures to parley_tenant;
  end if;
end
$do$;
`,
  },
  {
    version: 28,
    name: 'turn traces compressed cheaply',
    sql: `
-- A turn's trace (about 13 KB, most of it the prompt sent to the model) is written on every turn
-- and read rarely. PostgreSQL compressed it with pglz, its default, which took about a quarter of
-- the CPU of a turn's write on the embedded database (bench/turn-batch-write.ts,
-- docs/benchmarks.md "A turn's write"). Where the server is built with lz4 (PostgreSQL packages
-- are), lz4 instead: as fast to write as no compression, rows as small as pglz's. Where it is not
-- (the embedded database), stored uncompressed: twice the bytes for a third less CPU. Only rows
-- written from now on change; a metadata-only change, no rewrite.
do $do$
begin
  if exists (select from pg_settings where name = 'default_toast_compression' and 'lz4' = any(enumvals)) then
    alter table turn_traces alter column trace set compression lz4;
  else
    alter table turn_traces alter column trace set storage external;
  end if;
end
$do$;
`,
  },
];
