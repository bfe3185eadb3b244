import { sqlBlock, type Migration } from '../../storage/migrate.js';

/**
 * Analytics state shared by both engines: real events on Pins (a save through the
 * API), metrics fixed for tests, per-user daily totals materialized for the days
 * asked about, and the log of changes not yet folded into those totals.
 */
const analyticsTables = (seqColumn: string) => `
CREATE TABLE analytics_pin_events (
  pin_id TEXT NOT NULL,
  day TEXT NOT NULL,
  metric TEXT NOT NULL,
  count INTEGER NOT NULL,
  PRIMARY KEY (pin_id, day, metric)
);

CREATE TABLE analytics_overrides (
  pin_id TEXT NOT NULL,
  day TEXT NOT NULL,
  metric TEXT NOT NULL,
  value BIGINT NOT NULL,
  PRIMARY KEY (pin_id, day, metric)
);

CREATE TABLE analytics_user_days (
  user_id TEXT NOT NULL,
  day TEXT NOT NULL,
  format TEXT NOT NULL,
  totals TEXT NOT NULL,
  PRIMARY KEY (user_id, day, format)
);

CREATE TABLE analytics_changes (
  ${seqColumn},
  user_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  pin_id TEXT NOT NULL,
  created_at TEXT,
  creative_type TEXT,
  day TEXT,
  metric TEXT,
  delta BIGINT
);
CREATE INDEX analytics_changes_user ON analytics_changes(user_id, seq);
`;

/**
 * Triggers that log what changes a user's analytics totals, in the transaction of
 * the write: a Pin made or deleted (its generated series) and a save of a Pin (a
 * SAVE event on the source Pin, on the day of the save). Nothing is logged for a
 * user whose totals were never materialized: they are computed whole when first asked.
 */
function analyticsTriggers(dialect: 'sqlite' | 'postgres'): string {
  const materialized = (user: string) => `EXISTS (SELECT 1 FROM analytics_user_days d WHERE d.user_id = ${user})`;
  const onInsert = `
    INSERT INTO analytics_changes (user_id, kind, pin_id, created_at, creative_type)
      SELECT NEW.owner_id, 'add', NEW.id, NEW.created_at, NEW.creative_type WHERE ${materialized('NEW.owner_id')};
    INSERT INTO analytics_pin_events (pin_id, day, metric, count)
      SELECT NEW.parent_pin_id, substr(NEW.created_at, 1, 10), 'SAVE', 1 FROM pins src WHERE src.id = NEW.parent_pin_id
      ON CONFLICT (pin_id, day, metric) DO UPDATE SET count = analytics_pin_events.count + 1;
    INSERT INTO analytics_changes (user_id, kind, pin_id, creative_type, day, metric, delta)
      SELECT src.owner_id, 'delta', src.id, src.creative_type, substr(NEW.created_at, 1, 10), 'SAVE', 1
      FROM pins src WHERE src.id = NEW.parent_pin_id AND ${materialized('src.owner_id')};`;
  const onDelete = `
    INSERT INTO analytics_changes (user_id, kind, pin_id, created_at, creative_type)
      SELECT OLD.owner_id, 'remove', OLD.id, OLD.created_at, OLD.creative_type WHERE ${materialized('OLD.owner_id')};
    DELETE FROM analytics_pin_events WHERE pin_id = OLD.id AND NOT ${materialized('OLD.owner_id')};
    DELETE FROM analytics_overrides WHERE pin_id = OLD.id AND NOT ${materialized('OLD.owner_id')};`;
  if (dialect === 'sqlite') {
    // SQLite needs a WHERE before ON CONFLICT in INSERT ... SELECT (a parsing ambiguity), hence 'AND true'.
    return (
      sqlBlock(`CREATE TRIGGER pins_analytics_insert AFTER INSERT ON pins BEGIN${onInsert.replace('ON CONFLICT', 'AND true ON CONFLICT')}
END;`) +
      sqlBlock(`CREATE TRIGGER pins_analytics_delete AFTER DELETE ON pins BEGIN${onDelete}
END;`)
    );
  }
  return (
    sqlBlock(`CREATE FUNCTION pins_analytics_insert() RETURNS TRIGGER AS $$
BEGIN${onInsert}
  RETURN NULL;
END $$ LANGUAGE plpgsql;`) +
    'CREATE TRIGGER pins_analytics_insert AFTER INSERT ON pins FOR EACH ROW EXECUTE FUNCTION pins_analytics_insert();\n' +
    sqlBlock(`CREATE FUNCTION pins_analytics_delete() RETURNS TRIGGER AS $$
BEGIN${onDelete}
  RETURN NULL;
END $$ LANGUAGE plpgsql;`) +
    'CREATE TRIGGER pins_analytics_delete AFTER DELETE ON pins FOR EACH ROW EXECUTE FUNCTION pins_analytics_delete();\n'
  );
}

/** The analytics tables are shared SQL; only their upkeep triggers differ in syntax. */
export const ANALYTICS_MIGRATIONS: readonly Migration[] = [
  {
    version: 6,
    name: 'analytics',
    sql: {
      sqlite: analyticsTables('seq INTEGER PRIMARY KEY') + analyticsTriggers('sqlite'),
      postgres: analyticsTables('seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY') + analyticsTriggers('postgres'),
    },
  },
];
