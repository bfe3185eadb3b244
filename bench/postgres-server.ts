/**
 * PostgreSQL's own ceiling: a bare Fastify + node-postgres server answering GET a
 * Pin and create a Pin on the schema a pinbox made and seeded (`DATABASE_URL`, with
 * `?schema=`), with the statements those calls cannot do without. GET: the Pin
 * joined with its board and owner, one prepared statement on the pool. Create: the
 * body validated with Ajv (Fastify's schema), then one transaction (READ COMMITTED,
 * PostgreSQL's default) that takes a reference to the picture, inserts the Pin
 * (pinbox's triggers firing on it: search index, analytics) and counts it on its
 * board, each a prepared statement. Each caller's board and picture are found from
 * its token through a map made at start (`SEED`: token -> board id and picture key):
 * no token lookup, no permission checks, no rate limits, no journal. What stands
 * between this and pinbox on PostgreSQL is pinbox.
 */
import Fastify from 'fastify';
import pg from 'pg';
import { withDefaultUser } from '../src/storage/postgres/postgres-database.js';
import { CREATE_PIN_SCHEMA, PIN_COLUMNS, createdPin, pinText, type CeilingPinRow, type CreatePinBody } from './ceiling-pins.js';

const DATABASE_URL = process.env.DATABASE_URL;
const SEED = process.env.SEED;
if (!DATABASE_URL || !SEED) throw new Error('DATABASE_URL (with ?schema=) and SEED (token -> { board, picture, owner }) are required');
const callers = new Map(Object.entries(JSON.parse(SEED) as Record<string, { board: string; picture: string; owner: string; username: string; media: string }>));

const url = withDefaultUser(new URL(DATABASE_URL));
const schema = url.searchParams.get('schema')!;
url.searchParams.delete('schema');
// The same pool size as a pinbox process's default.
const pool = new pg.Pool({ connectionString: url.toString(), options: `-c search_path=${schema}`, max: 10, application_name: `ceiling ${schema}` });
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

const GET_PIN = { name: 'get_pin', text: `SELECT ${PIN_COLUMNS}, u.username AS board_owner_username FROM pins p JOIN boards b ON b.id = p.board_id JOIN users u ON u.id = b.owner_id WHERE p.id = $1` };
const RETAIN = { name: 'retain', text: 'UPDATE images SET refs = refs + 1 WHERE key = $1' };
const INSERT = {
  name: 'insert_pin',
  text: `INSERT INTO pins (id, owner_id, board_id, board_section_id, title, description, link, alt_text, dominant_color, parent_pin_id,
     creative_type, is_standard, has_been_promoted, media, created_at)
   VALUES ($1, $2, $3, NULL, $4, $5, $6, NULL, NULL, NULL, 'REGULAR', 1, 0, $7, $8)`,
};
const COUNT = { name: 'count_pin', text: 'UPDATE boards SET pin_count = pin_count + 1, board_pins_modified_at = $1 WHERE id = $2' };

const callerOf = (authorization: string | undefined) => callers.get((authorization ?? '').replace(/^Bearer /, ''));

// Ids of their own, well clear of pinbox's (which start with the time in ms).
let nextId = 2_000_000_000_000_000_000n + BigInt(process.pid) * 1_000_000_000n;
const app = Fastify({ logger: false });
app.get('/v5/pins/:pin_id', async (request, reply) => {
  const { rows } = await pool.query<CeilingPinRow & { board_owner_username: string }>({ ...GET_PIN, values: [(request.params as { pin_id: string }).pin_id] });
  if (!rows[0]) return reply.code(404).send({ code: 50, message: 'Pin not found.' });
  return reply.type('application/json').send(pinText(rows[0], rows[0].board_owner_username, callerOf(request.headers.authorization)?.owner));
});
app.post(
  '/v5/pins',
  {
    schema: CREATE_PIN_SCHEMA,
  },
  async (request, reply) => {
    const caller = callerOf(request.headers.authorization);
    if (!caller) return reply.code(401).send({ code: 2, message: 'Authentication failed.' });
    const body = request.body as CreatePinBody;
    const id = (nextId++).toString();
    const now = new Date().toISOString().slice(0, 19);
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query({ ...RETAIN, values: [caller.picture] });
      await client.query({ ...INSERT, values: [id, caller.owner, body.board_id, body.title ?? null, body.description ?? null, body.link ?? null, caller.media, now] });
      await client.query({ ...COUNT, values: [now, body.board_id] });
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
    const row = createdPin(id, caller.owner, body, caller.media, now);
    return reply.code(201).type('application/json').send(pinText(row, caller.username, caller.owner));
  },
);
await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : ''}\n`);
