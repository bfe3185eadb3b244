/**
 * The storage ceiling: a bare Fastify + better-sqlite3 server answering the
 * kernel scenarios (GET a Pin, a page of 25 of a board's Pins, create a Pin) from a
 * store of pinbox's own shape. It opens a store an empty pinbox made (`STORE`, a
 * --data file: every table, index and trigger of pinbox's migrations), adds one
 * board with `PINS` Pins, and serves that copy from memory, as the bench's pinbox
 * serves its in-memory store. Each call is one prepared statement (GET: the Pin
 * joined with its board and owner, as pinbox reads it; list: the board, then 25
 * rows); each row is JSON.stringify'd with the stored media JSON spliced in as
 * text (as pinbox writes it: no parse per row). Create validates
 * its body with Ajv (Fastify's schema) and INSERTs the Pin in a transaction, with
 * pinbox's triggers (search index, analytics) firing on it. No auth, no rate
 * limits, no journal: what stands between this and pinbox is the kernel.
 */
import BetterSqlite3 from 'better-sqlite3';
import Fastify from 'fastify';
import { CREATE_PIN_SCHEMA, PIN_COLUMNS, createdPin, pinText, type CeilingPinRow, type CreatePinBody } from './ceiling-pins.js';

const STORE = process.env.STORE;
const PINS = Number(process.env.PINS ?? 10_000);
if (!STORE) throw new Error('STORE (a --data file made by pinbox) is required');

/** A processed picture's media JSON, as pinbox stores it (paths relative to its own host). */
function mediaOf(hash: string): string {
  const size = (name: string, width: number, height: number, ext: string) => ({ width, height, url: `/media/images/${name}/${hash}.${ext}` });
  return JSON.stringify({
    media_type: 'image',
    images: {
      '150x150': size('150x150', 150, 150, 'jpg'),
      '400x300': size('400x300', 400, 300, 'jpg'),
      '600x': size('600x', 600, 450, 'jpg'),
      '1200x': size('1200x', 800, 600, 'jpg'),
      originals: size('originals', 800, 600, 'png'),
    },
  });
}
const MEDIA = mediaOf('7d2f'.repeat(16));

// Seed the file pinbox made, then serve a copy of it from memory.
const file = new BetterSqlite3(STORE);
file.pragma('journal_mode = DELETE');
const user = file.prepare("SELECT id, username FROM users WHERE username = 'pinbox_dev'").get() as { id: string; username: string };
const boardId = '1800000000000000000';
const created = '2026-01-01T00:00:00';
file
  .prepare("INSERT INTO boards (id, owner_id, name, description, privacy, pin_count, created_at, board_pins_modified_at) VALUES (?, ?, 'bench board', NULL, 'PUBLIC', ?, ?, ?)")
  .run(boardId, user.id, PINS, created, created);
const seed = file.prepare(
  `INSERT INTO pins (id, owner_id, board_id, board_section_id, title, description, link, alt_text, dominant_color, parent_pin_id,
     creative_type, is_standard, has_been_promoted, media, created_at)
   VALUES (?, ?, ?, NULL, ?, NULL, NULL, NULL, '#6e7874', NULL, 'REGULAR', 1, 0, ?, ?)`,
);
file.transaction(() => {
  for (let i = 1; i <= PINS; i++) seed.run(String(1800000000000000000n + BigInt(i)), user.id, boardId, `bench pin ${i}`, MEDIA, created);
})();
const db = new BetterSqlite3(file.serialize());
file.close();
db.pragma('foreign_keys = ON');

/** A Pin row as pinbox's store reads it, with its board owner's username (one join, as pinbox's GET does). */
type Row = CeilingPinRow & { board_owner_username: string };

const getPin = db.prepare(`SELECT ${PIN_COLUMNS}, u.username AS board_owner_username FROM pins p JOIN boards b ON b.id = p.board_id JOIN users u ON u.id = b.owner_id WHERE p.id = ?`);
const getBoard = db.prepare('SELECT b.id, u.username FROM boards b JOIN users u ON u.id = b.owner_id WHERE b.id = ?');
const listPins = db.prepare(`SELECT ${PIN_COLUMNS} FROM pins p WHERE p.board_id = ? ORDER BY p.id DESC LIMIT ?`);
const insertPin = db.prepare(
  `INSERT INTO pins (id, owner_id, board_id, board_section_id, title, description, link, alt_text, dominant_color, parent_pin_id,
     creative_type, is_standard, has_been_promoted, media, created_at)
   VALUES (?, ?, ?, NULL, ?, ?, ?, NULL, NULL, NULL, 'REGULAR', 1, 0, ?, ?)`,
);
const insert = db.transaction((id: string, body: CreatePinBody) =>
  insertPin.run(id, user.id, body.board_id, body.title ?? null, body.description ?? null, body.link ?? null, MEDIA, created),
);

let nextId = 1900000000000000000n;
const app = Fastify({ logger: false });
app.get('/v5/pins/:pin_id', async (request, reply) => {
  const row = getPin.get((request.params as { pin_id: string }).pin_id) as Row | undefined;
  if (!row) return reply.code(404).send({ code: 50, message: 'Pin not found.' });
  return reply.type('application/json').send(pinText(row, row.board_owner_username, user.id));
});
app.get('/v5/boards/:board_id/pins', async (request, reply) => {
  const board = getBoard.get((request.params as { board_id: string }).board_id) as { id: string; username: string } | undefined;
  if (!board) return reply.code(404).send({ code: 40, message: 'Board not found.' });
  const rows = listPins.all(board.id, 25) as Row[];
  const bookmark = rows.length === 25 ? JSON.stringify(rows[24].id) : 'null';
  return reply.type('application/json').send(`{"items":[${rows.map((row) => pinText(row, board.username, user.id)).join(',')}],"bookmark":${bookmark}}`);
});
app.post(
  '/v5/pins',
  {
    schema: CREATE_PIN_SCHEMA,
  },
  async (request, reply) => {
    const body = request.body as CreatePinBody;
    const id = (nextId++).toString();
    insert(id, body);
    const row = createdPin(id, user.id, body, MEDIA, created);
    return reply.code(201).type('application/json').send(pinText(row, user.username, user.id));
  },
);
await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : ''}\n`);
