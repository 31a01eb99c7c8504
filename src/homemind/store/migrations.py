"""Schema migrations, applied in order, each in its own transaction.

Hand-written rather than Alembic: the store is one SQLite file, migrations are a
handful of SQL statements, and `homemind ask` starts as a process for every
command, so SQLAlchemy's import time would be paid on every spoken sentence.
The version lives in SQLite's own ``PRAGMA user_version``. Never edit a
migration that has shipped; add the next one.
"""

from __future__ import annotations

MIGRATIONS: list[str] = [
    # 1: entity states and the action log
    """
    CREATE TABLE entity_state (
        entity_id    TEXT PRIMARY KEY,
        state        TEXT NOT NULL,
        attributes   TEXT NOT NULL,
        last_changed TEXT NOT NULL,
        last_updated TEXT NOT NULL
    );
    CREATE TABLE action_log (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        time       TEXT NOT NULL,
        member     TEXT NOT NULL,
        channel    TEXT NOT NULL,
        entity_id  TEXT NOT NULL,
        service    TEXT NOT NULL,
        data       TEXT NOT NULL,
        result     TEXT NOT NULL,
        detail     TEXT
    );
    CREATE INDEX action_log_time ON action_log(time);
    """,
    # 2: who caused each entity's current state, so another process can tell its listeners
    """
    ALTER TABLE entity_state ADD COLUMN context TEXT;
    """,
    # 3: confirmations waiting for their "yes", shared by every process on the data dir
    """
    CREATE TABLE pending_confirmation (
        conversation_id TEXT PRIMARY KEY,
        member          TEXT NOT NULL,
        payload         TEXT NOT NULL,
        expires_at      REAL NOT NULL
    );
    """,
    # 4: what the last turn of each conversation was about, for "and the bedroom too"
    """
    CREATE TABLE conversation_context (
        conversation_id TEXT PRIMARY KEY,
        member          TEXT NOT NULL,
        payload         TEXT NOT NULL,
        updated_at      REAL NOT NULL
    );
    """,
    # 5: household skills: timers, alarms, reminders, calendar, lists, orders, notifications,
    # automations' switches. Times are epoch seconds (UTC); a row fires when next_fire <= now,
    # and firing inserts its notification and moves next_fire in one transaction, so kill -9
    # can neither lose a firing nor repeat it (UNIQUE(kind, source_id, due) guards the rest).
    """
    CREATE TABLE timers (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        member      TEXT NOT NULL,
        name        TEXT,
        duration_s  REAL NOT NULL,
        remaining_s REAL NOT NULL,
        next_fire   REAL,
        state       TEXT NOT NULL,
        created     REAL NOT NULL
    );
    CREATE TABLE alarms (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        member      TEXT NOT NULL,
        first       TEXT NOT NULL,
        recurrence  TEXT,
        next_fire   REAL,
        enabled     INTEGER NOT NULL DEFAULT 1,
        created     REAL NOT NULL
    );
    CREATE TABLE reminders (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        member      TEXT NOT NULL,
        created_by  TEXT NOT NULL,
        text        TEXT NOT NULL,
        first       TEXT NOT NULL,
        recurrence  TEXT,
        next_fire   REAL,
        created     REAL NOT NULL
    );
    CREATE TABLE calendar_events (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        member      TEXT NOT NULL,
        title       TEXT NOT NULL,
        start       REAL NOT NULL,
        end         REAL NOT NULL,
        created_by  TEXT NOT NULL,
        created     REAL NOT NULL
    );
    CREATE TABLE lists (
        name        TEXT PRIMARY KEY,
        created     REAL NOT NULL
    );
    CREATE TABLE list_items (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        list        TEXT NOT NULL REFERENCES lists(name) ON DELETE CASCADE,
        item        TEXT NOT NULL,
        item_key    TEXT NOT NULL,
        done        INTEGER NOT NULL DEFAULT 0,
        added_by    TEXT NOT NULL,
        added       REAL NOT NULL,
        UNIQUE (list, item_key)
    );
    CREATE TABLE orders (
        id            INTEGER PRIMARY KEY AUTOINCREMENT,
        requested_by  TEXT NOT NULL,
        items         TEXT NOT NULL,
        total_fen     INTEGER NOT NULL,
        status        TEXT NOT NULL,
        merchant      TEXT NOT NULL,
        merchant_ref  TEXT,
        created       REAL NOT NULL,
        expires_at    REAL,
        decided_by    TEXT,
        decided_at    REAL
    );
    CREATE TABLE notifications (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        member      TEXT NOT NULL,
        kind        TEXT NOT NULL,
        source_id   TEXT NOT NULL,
        due         REAL NOT NULL,
        fired_at    REAL NOT NULL,
        late        INTEGER NOT NULL,
        message     TEXT NOT NULL,
        params      TEXT NOT NULL,
        read        INTEGER NOT NULL DEFAULT 0,
        UNIQUE (kind, source_id, due)
    );
    CREATE INDEX notifications_member ON notifications(member, id);
    CREATE TABLE automation_state (
        id          TEXT PRIMARY KEY,
        enabled     INTEGER NOT NULL,
        next_fire   REAL,
        last_fired  REAL
    );
    """,
    # 6: members, permissions and audit (issue 6): the audit fields the action log lacked,
    # the log made append-only (no UPDATE; DELETE only of entries older than a day, for
    # retention), credentials (argon2 hashes), API tokens (hashed), web sessions, failed
    # attempts (PINs, codes, logins; shared by every process), members added from the CLI
    """
    ALTER TABLE action_log ADD COLUMN conversation_id TEXT;
    ALTER TABLE action_log ADD COLUMN text TEXT;
    ALTER TABLE action_log ADD COLUMN intent TEXT;
    ALTER TABLE action_log ADD COLUMN decision TEXT;
    ALTER TABLE action_log ADD COLUMN action_class TEXT;
    CREATE INDEX action_log_member ON action_log(member);
    CREATE TRIGGER action_log_no_update BEFORE UPDATE ON action_log
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    CREATE TRIGGER action_log_no_recent_delete BEFORE DELETE ON action_log
    WHEN old.time > strftime('%Y-%m-%dT%H:%M:%f', 'now', '-1 day')
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
    CREATE TABLE credential (
        member     TEXT NOT NULL,
        kind       TEXT NOT NULL,
        hash       TEXT NOT NULL,
        updated_at REAL NOT NULL,
        PRIMARY KEY (member, kind)
    );
    CREATE TABLE api_token (
        id         TEXT PRIMARY KEY,
        member     TEXT NOT NULL,
        name       TEXT NOT NULL,
        hash       TEXT NOT NULL,
        created_at REAL NOT NULL,
        revoked_at REAL,
        last_used  REAL
    );
    CREATE TABLE web_session (
        hash       TEXT PRIMARY KEY,
        member     TEXT NOT NULL,
        csrf       TEXT NOT NULL,
        expires_at REAL NOT NULL
    );
    CREATE TABLE failed_attempt (
        key  TEXT NOT NULL,
        time REAL NOT NULL
    );
    CREATE INDEX failed_attempt_key ON failed_attempt(key, time);
    CREATE TABLE added_member (
        id       TEXT PRIMARY KEY,
        name     TEXT NOT NULL,
        role     TEXT NOT NULL,
        language TEXT NOT NULL
    );
    """,
    # Weather, public warnings and energy (issue 26). The forecast cache (one row per kind,
    # shared by every process: the server refreshes it, a CLI question reads it), the CAP
    # feeds' ETag / Last-Modified and each alert once (keyed by sender and identifier: an
    # update or a cancellation changes the status of the alerts it references), and energy
    # statistics: integer micro-Wh and micro-currency per source and UTC hour, local day and
    # local month, WITHOUT ROWID so that a year of hours for 50 devices stays a few MB.
    """
    CREATE TABLE weather_cache (
        kind        TEXT PRIMARY KEY,
        fetched_at  REAL,
        payload     TEXT,
        failed_at   REAL,
        problem     TEXT
    );
    CREATE TABLE warning_feed (
        url            TEXT PRIMARY KEY,
        etag           TEXT,
        last_modified  TEXT,
        polled_at      REAL,
        problem        TEXT
    );
    CREATE TABLE warning_alert (
        key          TEXT PRIMARY KEY,
        sender       TEXT NOT NULL,
        identifier   TEXT NOT NULL,
        sent         REAL NOT NULL,
        msg_type     TEXT NOT NULL,
        state        TEXT NOT NULL,
        event_type   TEXT,
        severity     TEXT NOT NULL,
        expires      REAL,
        payload      TEXT NOT NULL,
        received_at  REAL NOT NULL,
        replaced_by  TEXT
    );
    CREATE INDEX warning_alert_state ON warning_alert(state);
    CREATE TABLE energy_source (
        id          INTEGER PRIMARY KEY,
        key         TEXT NOT NULL UNIQUE,
        last_time   REAL,
        last_value  REAL
    );
    CREATE TABLE energy_hour (
        source  INTEGER NOT NULL,
        hour    INTEGER NOT NULL,
        uwh     INTEGER NOT NULL,
        ucost   INTEGER NOT NULL,
        PRIMARY KEY (source, hour)
    ) WITHOUT ROWID;
    CREATE TABLE energy_day (
        source  INTEGER NOT NULL,
        day     INTEGER NOT NULL,
        uwh     INTEGER NOT NULL,
        ucost   INTEGER NOT NULL,
        PRIMARY KEY (source, day)
    ) WITHOUT ROWID;
    CREATE TABLE energy_month (
        source  INTEGER NOT NULL,
        month   INTEGER NOT NULL,
        uwh     INTEGER NOT NULL,
        ucost   INTEGER NOT NULL,
        PRIMARY KEY (source, month)
    ) WITHOUT ROWID;
    """,
    # The model tier and the MCP server (issue 25): API tokens that only read and that
    # expire; the last few turns of each conversation (what a model tier is shown, shared by
    # local and model turns); each member's model turns, for the per-member rate limit
    """
    ALTER TABLE api_token ADD COLUMN read_only INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE api_token ADD COLUMN expires_at REAL;
    CREATE TABLE conversation_turn (
        id              INTEGER PRIMARY KEY AUTOINCREMENT,
        conversation_id TEXT NOT NULL,
        member          TEXT NOT NULL,
        role            TEXT NOT NULL,
        content         TEXT NOT NULL,
        time            REAL NOT NULL
    );
    CREATE INDEX conversation_turn_conversation ON conversation_turn(conversation_id, id);
    CREATE TABLE model_turn (
        member TEXT NOT NULL,
        time   REAL NOT NULL
    );
    CREATE INDEX model_turn_member ON model_turn(member, time);
    """,
    # automations made by voice or text ("every day at 7pm turn on the balcony light"): who made
    # them (they run with that member's permissions), what triggers them (a time with an optional
    # RFC 5545 repeat, a state, or a reading crossing a value) and the steps, as JSON
    """
    CREATE TABLE spoken_automation (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        creator     TEXT NOT NULL,
        language    TEXT NOT NULL,
        said        TEXT NOT NULL,
        trigger     TEXT NOT NULL,
        steps       TEXT NOT NULL,
        enabled     INTEGER NOT NULL DEFAULT 1,
        next_fire   REAL,
        last_fired  REAL,
        created     REAL NOT NULL,
        removed     REAL
    );
    """,
    # Care for older members (issue 23). Incidents and their timeline (evidence and every
    # escalation step, so a restart resumes the same incident at the same stage), device signals
    # already handled (a replayed message is not a second fall), activity per room and minute
    # (the inactivity baselines), where each member was last seen, holidays, medication doses,
    # vitals states and hourly ranges, the wearable's condition, outbound pushes waiting to be
    # delivered (never dropped), and device tokens for wearables that post over HTTP.
    """
    CREATE TABLE care_incidents (
        id              INTEGER PRIMARY KEY AUTOINCREMENT,
        member          TEXT NOT NULL,
        kind            TEXT NOT NULL,
        severity        TEXT NOT NULL,
        state           TEXT NOT NULL,
        stage           TEXT NOT NULL,
        contact_index   INTEGER NOT NULL DEFAULT 0,
        round           INTEGER NOT NULL DEFAULT 0,
        next_at         REAL,
        area            TEXT,
        opened_at       REAL NOT NULL,
        updated_at      REAL NOT NULL,
        acknowledged_by TEXT,
        acknowledged_at REAL,
        closed_by       TEXT,
        closed_at       REAL,
        false_alarm     INTEGER NOT NULL DEFAULT 0,
        trigger_key     TEXT UNIQUE,
        detail          TEXT NOT NULL DEFAULT '{}'
    );
    CREATE INDEX care_incidents_due ON care_incidents(state, next_at);
    CREATE INDEX care_incidents_member ON care_incidents(member, opened_at);
    CREATE TABLE care_timeline (
        id       INTEGER PRIMARY KEY AUTOINCREMENT,
        incident INTEGER NOT NULL REFERENCES care_incidents(id),
        at       REAL NOT NULL,
        type     TEXT NOT NULL,
        kind     TEXT NOT NULL,
        detail   TEXT NOT NULL
    );
    CREATE INDEX care_timeline_incident ON care_timeline(incident, id);
    CREATE TABLE care_signals (
        key TEXT PRIMARY KEY,
        at  REAL NOT NULL
    );
    CREATE TABLE care_activity (
        member TEXT NOT NULL,
        area   TEXT NOT NULL,
        minute INTEGER NOT NULL,
        PRIMARY KEY (member, minute, area)
    );
    CREATE TABLE care_presence (
        member     TEXT PRIMARY KEY,
        last_at    REAL,
        last_area  TEXT,
        area_since REAL,
        door_at    REAL
    );
    CREATE TABLE care_away (
        member TEXT PRIMARY KEY,
        until  REAL NOT NULL,
        set_by TEXT NOT NULL,
        set_at REAL NOT NULL
    );
    CREATE TABLE care_doses (
        id           INTEGER PRIMARY KEY AUTOINCREMENT,
        member       TEXT NOT NULL,
        notification INTEGER NOT NULL UNIQUE,
        text         TEXT NOT NULL,
        due          REAL NOT NULL,
        state        TEXT NOT NULL,
        asked        INTEGER NOT NULL DEFAULT 1,
        family_told  INTEGER NOT NULL DEFAULT 0,
        next_at      REAL,
        confirmed_at REAL
    );
    CREATE INDEX care_doses_member ON care_doses(member, due);
    CREATE TABLE care_vitals (
        member        TEXT NOT NULL,
        metric        TEXT NOT NULL,
        state         TEXT NOT NULL,
        value         REAL,
        at            REAL,
        pending_since REAL,
        since         REAL,
        PRIMARY KEY (member, metric)
    );
    CREATE TABLE care_readings (
        member TEXT NOT NULL,
        metric TEXT NOT NULL,
        hour   INTEGER NOT NULL,
        low    REAL NOT NULL,
        high   REAL NOT NULL,
        n      INTEGER NOT NULL,
        PRIMARY KEY (member, metric, hour)
    );
    CREATE TABLE care_device (
        member       TEXT PRIMARY KEY,
        worn         INTEGER,
        off_since    REAL,
        battery      REAL,
        last_reading REAL,
        problem      TEXT,
        reported     TEXT
    );
    CREATE TABLE care_outbox (
        id           INTEGER PRIMARY KEY AUTOINCREMENT,
        incident     INTEGER,
        target       TEXT NOT NULL,
        recipient    TEXT NOT NULL,
        payload      TEXT NOT NULL,
        created      REAL NOT NULL,
        attempts     INTEGER NOT NULL DEFAULT 0,
        next_try     REAL NOT NULL,
        delivered_at REAL,
        last_error   TEXT,
        reported     INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX care_outbox_due ON care_outbox(delivered_at, next_try);
    CREATE TABLE care_device_tokens (
        id         TEXT PRIMARY KEY,
        member     TEXT NOT NULL,
        name       TEXT NOT NULL,
        hash       TEXT NOT NULL,
        created_at REAL NOT NULL,
        revoked_at REAL
    );
    """,
]
