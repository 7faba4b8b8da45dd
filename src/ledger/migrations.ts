/**
 * Schema changes, applied in order and recorded in `schema_migrations`. Append only: an applied
 * migration is never edited, because ledgers in the field already ran it.
 */
export const MIGRATIONS: Array<{ id: number; name: string; sql: string }> = [
  {
    id: 1,
    name: 'ledger core',
    sql: `
CREATE TABLE calls (
  call_sid TEXT PRIMARY KEY,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  locale TEXT NOT NULL,
  caller_hash TEXT,
  caller_enc TEXT,
  called TEXT,
  country TEXT,
  state TEXT NOT NULL DEFAULT 'active',          -- active | ended
  outcome TEXT,                                   -- granted | declined | withdrawn | no_answer | abandoned
  consent_id TEXT,
  method TEXT,
  routed_to TEXT NOT NULL DEFAULT 'none',
  recording_started_ms INTEGER,
  ended_at TEXT
);
CREATE INDEX calls_caller ON calls(caller_hash);
CREATE INDEX calls_created ON calls(created_at);

CREATE TABLE notices (
  id TEXT PRIMARY KEY,                            -- sha256 of the content: the exact version heard
  locale TEXT NOT NULL,
  kind TEXT NOT NULL,                             -- text | audio
  content TEXT NOT NULL,
  created_at TEXT NOT NULL
);

CREATE TABLE consents (
  id TEXT PRIMARY KEY,
  call_sid TEXT NOT NULL REFERENCES calls(call_sid),
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  caller_hash TEXT,
  caller_enc TEXT,
  locale TEXT NOT NULL,
  method TEXT NOT NULL,                           -- dtmf | speech
  input_enc TEXT,                                 -- digits or transcript, sealed with the caller's key
  confidence REAL,
  notice_id TEXT NOT NULL REFERENCES notices(id),
  decision TEXT NOT NULL,                         -- granted | declined
  purposes TEXT NOT NULL DEFAULT '{}',            -- purpose id -> true/false, as answered
  status TEXT NOT NULL,                           -- active | declined | withdrawn
  withdrawn_at TEXT,
  clip_start_ms INTEGER,                          -- wall clock of the answered question's start
  clip_end_ms INTEGER                             -- wall clock of the last consent answer
);
CREATE INDEX consents_caller ON consents(caller_hash);
CREATE INDEX consents_call ON consents(call_sid);
CREATE INDEX consents_created ON consents(created_at);

CREATE TABLE events (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  call_sid TEXT,
  consent_id TEXT,
  type TEXT NOT NULL,
  at TEXT NOT NULL,
  data TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE INDEX events_call ON events(call_sid, seq);
CREATE INDEX events_consent ON events(consent_id, seq);
CREATE TRIGGER events_no_update BEFORE UPDATE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;

CREATE TABLE subject_keys (
  subject_hash TEXT PRIMARY KEY,
  wrapped_key TEXT,                               -- NULL once shredded (erasure)
  created_at TEXT NOT NULL,
  shredded_at TEXT
);

CREATE TABLE secrets (
  name TEXT PRIMARY KEY,
  wrapped_key TEXT NOT NULL,
  sealed TEXT NOT NULL,
  public TEXT
);

CREATE TABLE recordings (
  recording_sid TEXT PRIMARY KEY,
  call_sid TEXT NOT NULL,
  status TEXT NOT NULL,
  duration_sec INTEGER,
  media_url TEXT,
  received_at TEXT NOT NULL
);
CREATE INDEX recordings_call ON recordings(call_sid);

CREATE TABLE clips (
  consent_id TEXT PRIMARY KEY REFERENCES consents(id),
  call_sid TEXT NOT NULL,
  recording_sid TEXT,
  status TEXT NOT NULL,                           -- pending | stored | none | deleted
  object_key TEXT,
  wrapped_key TEXT,
  key_id TEXT,
  format TEXT,
  duration_sec REAL,
  plain_bytes INTEGER,
  cipher_bytes INTEGER,
  plain_sha256 TEXT,
  cipher_sha256 TEXT,
  offset_start_sec REAL,
  offset_end_sec REAL,
  stored_at TEXT,
  deleted_at TEXT
);

CREATE TABLE jobs (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  payload TEXT NOT NULL,
  dedupe_key TEXT UNIQUE,
  status TEXT NOT NULL DEFAULT 'pending',         -- pending | running | done | failed
  attempts INTEGER NOT NULL DEFAULT 0,
  run_at INTEGER NOT NULL,
  last_error TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX jobs_due ON jobs(status, run_at);
`,
  },
  {
    id: 2,
    name: 'auditor portal',
    sql: `
CREATE TABLE users (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  email TEXT NOT NULL UNIQUE COLLATE NOCASE,
  role TEXT NOT NULL,                             -- admin | auditor | ops
  password_hash TEXT NOT NULL,                    -- scrypt$N$r$p$salt$hash
  totp_enc TEXT NOT NULL,                         -- TOTP secret wrapped by the key ring
  totp_last_step INTEGER NOT NULL DEFAULT 0,      -- a code is accepted once
  failed_logins INTEGER NOT NULL DEFAULT 0,
  locked_until INTEGER NOT NULL DEFAULT 0,
  disabled INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL
);

CREATE TABLE sessions (
  id_hash TEXT PRIMARY KEY,                       -- sha256 of the cookie value: a leaked database opens no session
  user_id INTEGER NOT NULL REFERENCES users(id),
  csrf TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  last_seen INTEGER NOT NULL,
  reason TEXT,
  ip TEXT
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_tokens (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  token_hash TEXT NOT NULL UNIQUE,
  user_id INTEGER NOT NULL REFERENCES users(id),
  name TEXT NOT NULL,
  created_by INTEGER NOT NULL REFERENCES users(id),
  created_at TEXT NOT NULL,
  last_used_at TEXT,
  revoked_at TEXT
);

CREATE TABLE access_log (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  call_sid TEXT,
  consent_id TEXT,
  type TEXT NOT NULL,                             -- the action
  at TEXT NOT NULL,
  data TEXT NOT NULL,                             -- who, from where, why
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL
);
CREATE TRIGGER access_log_no_update BEFORE UPDATE ON access_log BEGIN SELECT RAISE(ABORT, 'access log is append-only'); END;
CREATE TRIGGER access_log_no_delete BEFORE DELETE ON access_log BEGIN SELECT RAISE(ABORT, 'access log is append-only'); END;

CREATE TABLE approvals (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  consent_id TEXT NOT NULL,
  requester_id INTEGER NOT NULL REFERENCES users(id),
  reason TEXT NOT NULL,
  status TEXT NOT NULL DEFAULT 'pending',         -- pending | approved
  approver_id INTEGER REFERENCES users(id),
  created_at TEXT NOT NULL,
  decided_at TEXT
);
CREATE INDEX approvals_consent ON approvals(consent_id, requester_id);
`,
  },
  {
    id: 3,
    name: 'portal hardening: enrolment, service accounts, token expiry, single-use approvals',
    sql: `
-- A person enrols through a one-time link (password_hash and totp_enc stay '' until then);
-- a service account never signs in and only holds API tokens.
ALTER TABLE users ADD COLUMN kind TEXT NOT NULL DEFAULT 'person';        -- person | service
ALTER TABLE users ADD COLUMN enrolled_at TEXT;
UPDATE users SET enrolled_at = created_at;
-- Failures count within a window that a success does not reset, so a sign-in racing a guessing
-- attack cannot reopen the account.
ALTER TABLE users ADD COLUMN fail_window_start INTEGER NOT NULL DEFAULT 0;

CREATE TABLE enrolments (
  token_hash TEXT PRIMARY KEY,                    -- sha256 of the link's token
  user_id INTEGER NOT NULL REFERENCES users(id),
  created_by INTEGER REFERENCES users(id),
  created_at TEXT NOT NULL,
  expires_at INTEGER NOT NULL,                    -- ms since epoch
  totp_enc TEXT,                                  -- the secret shown to the enrolling user, wrapped
  used_at TEXT
);
CREATE INDEX enrolments_user ON enrolments(user_id);

-- Tokens made before this migration expire 90 days after they were made.
ALTER TABLE api_tokens ADD COLUMN expires_at INTEGER NOT NULL DEFAULT 0;
UPDATE api_tokens SET expires_at = CAST(strftime('%s', created_at) AS INTEGER) * 1000 + 90 * 86400000;

ALTER TABLE approvals ADD COLUMN expires_at INTEGER NOT NULL DEFAULT 0;
UPDATE approvals SET expires_at = CAST(strftime('%s', decided_at) AS INTEGER) * 1000 + 86400000 WHERE decided_at IS NOT NULL;
ALTER TABLE approvals ADD COLUMN used_at INTEGER;
ALTER TABLE approvals ADD COLUMN used_by TEXT;                             -- session hash, token id or cli user
ALTER TABLE approvals ADD COLUMN used_for TEXT;                            -- play | download | export | cli
`,
  },
  {
    id: 4,
    name: 'merkle log and signed checkpoints',
    sql: `
CREATE TABLE merkle_nodes (
  level INTEGER NOT NULL,                         -- 0: the leaf of event seq idx+1
  idx INTEGER NOT NULL,                           -- the subtree covers leaves [idx*2^level, (idx+1)*2^level)
  hash BLOB NOT NULL,
  PRIMARY KEY (level, idx)
) WITHOUT ROWID;
CREATE TRIGGER merkle_nodes_no_update BEFORE UPDATE ON merkle_nodes BEGIN SELECT RAISE(ABORT, 'merkle nodes are append-only'); END;
CREATE TRIGGER merkle_nodes_no_delete BEFORE DELETE ON merkle_nodes BEGIN SELECT RAISE(ABORT, 'merkle nodes are append-only'); END;

CREATE TABLE checkpoints (
  epoch INTEGER NOT NULL,                         -- 1, then one more after each acknowledged incident
  size INTEGER NOT NULL,
  origin TEXT NOT NULL,
  root TEXT NOT NULL,                             -- base64, as in the note
  note TEXT NOT NULL,                             -- the signed note, byte for byte as published
  signed_at TEXT NOT NULL,
  published_at TEXT,                              -- when the bucket copy was written
  PRIMARY KEY (epoch, size)
);

CREATE TABLE ledger_incidents (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  detected_at TEXT NOT NULL,
  epoch INTEGER NOT NULL,
  checkpoint_size INTEGER NOT NULL,
  ledger_size INTEGER NOT NULL,
  reason TEXT NOT NULL,
  acknowledged_by TEXT,
  acknowledged_at TEXT
);
`,
  },
  {
    id: 5,
    name: 'retention: purposes end, consents expire',
    sql: `
ALTER TABLE consents ADD COLUMN purposes_ended TEXT NOT NULL DEFAULT '{}'; -- purpose id -> when its retention ended it
ALTER TABLE consents ADD COLUMN expired_at TEXT;                           -- when no granted purpose was left
CREATE INDEX consents_status ON consents(status, created_at);
`,
  },
  {
    id: 6,
    name: 'data-subject lifecycle: deletions, privacy codes, rate limits',
    sql: `
CREATE TABLE deletions (
  consent_id TEXT PRIMARY KEY REFERENCES consents(id),
  reason TEXT NOT NULL,                           -- withdrawn | expired | erased
  channel TEXT NOT NULL,
  reference TEXT NOT NULL,                        -- the withdrawal reference the caller or staff is given
  requested_at TEXT NOT NULL,
  completed_at TEXT                               -- NULL until every item is done
);

CREATE TABLE deletion_items (
  consent_id TEXT NOT NULL REFERENCES deletions(consent_id),
  system TEXT NOT NULL,                           -- s3 | twilio | keyring | ledger | crm
  object TEXT NOT NULL,                           -- object key, recording SID, key id, webhook id (no personal data)
  action TEXT NOT NULL,
  result TEXT,                                    -- NULL while pending
  done_at TEXT,
  PRIMARY KEY (consent_id, system, object)
);

CREATE TABLE privacy_codes (
  id TEXT PRIMARY KEY,                            -- random handle in the form; names no number
  caller_hash TEXT,                               -- NULL when the number has no consents (no SMS sent)
  code_hash TEXT NOT NULL,
  locale TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  failures INTEGER NOT NULL DEFAULT 0,
  session_hash TEXT,                              -- sha256 of the cookie a right code opens (until expires_at)
  used_at INTEGER
);
CREATE INDEX privacy_codes_session ON privacy_codes(session_hash);

CREATE TABLE rate_limits (
  bucket TEXT NOT NULL,                           -- keyed hash of what is limited (client, number)
  window_start INTEGER NOT NULL,
  hits INTEGER NOT NULL,
  PRIMARY KEY (bucket, window_start)
);
`,
  },
  {
    id: 7,
    name: 'merkle subtrees in append order',
    sql: `
-- One integer key per subtree in in-order numbering (leaf i is 2i): the subtrees an append completes
-- sit next to each other, so a commit writes one page of them instead of one per tree level.
-- The ledger rebuilds the table from the events when it opens.
DROP TABLE merkle_nodes;
CREATE TABLE merkle_tree (
  id INTEGER PRIMARY KEY,                         -- subtree (level l, index i) is i*2^(l+1) + 2^l - 1
  hash BLOB NOT NULL
);
CREATE TRIGGER merkle_tree_no_update BEFORE UPDATE ON merkle_tree BEGIN SELECT RAISE(ABORT, 'the merkle tree is append-only'); END;
CREATE TRIGGER merkle_tree_no_delete BEFORE DELETE ON merkle_tree BEGIN SELECT RAISE(ABORT, 'the merkle tree is append-only'); END;
`,
  },
  {
    id: 8,
    name: 'job leases',
    sql: `
-- A claimed job is leased to one worker (any process) until lease_until; a lapsed lease makes it
-- due again, so a crash loses no work and two processes never run the same job at once.
ALTER TABLE jobs ADD COLUMN lease_until INTEGER;
ALTER TABLE jobs ADD COLUMN lease_owner TEXT;
CREATE INDEX jobs_lease ON jobs(status, lease_until);
`,
  },
  {
    id: 9,
    name: 'notice versions with sign-off',
    sql: `
-- Everything callers hear, per language, as one version; a new version is a draft until a dpo
-- (or admin) approves it. The approval itself is also a ledger event (notice_approved).
CREATE TABLE notice_versions (
  id TEXT PRIMARY KEY,                            -- sha256 of content
  created_at TEXT NOT NULL,
  content TEXT NOT NULL,                          -- JSON: locale -> key -> text, or audio:<path>#sha256=<hash>
  approved_by TEXT,                               -- e-mail of the approving user
  approved_at TEXT
);
`,
  },
  {
    id: 10,
    name: 'approval rejections',
    sql: `
-- A second auditor may reject a request to hear a clip, saying why; the requester reads it.
ALTER TABLE approvals ADD COLUMN decision_note TEXT;
`,
  },
  {
    id: 11,
    name: 'notice version sources',
    sql: `
-- What a notice version was built from (locale texts, the operator's spoken settings, recordings by
-- hash), so the live version keeps playing while a newer draft waits for sign-off.
ALTER TABLE notice_versions ADD COLUMN source TEXT;
`,
  },
  {
    id: 12,
    name: 'events follow their predecessor',
    sql: `
-- An event names the one before it (seq - 1, its hash) or is refused: an append on a stale view of
-- the chain fails instead of leaving a gap, so appenders may keep the head they wrote last.
CREATE TRIGGER events_follow BEFORE INSERT ON events
WHEN NEW.seq <> 1 AND NOT EXISTS (SELECT 1 FROM events WHERE seq = NEW.seq - 1 AND hash = NEW.prev_hash)
BEGIN SELECT RAISE(ABORT, 'event does not follow the head of the chain'); END;
`,
  },
];
