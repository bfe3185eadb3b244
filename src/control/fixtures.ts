import { readFile } from 'node:fs/promises';
import { dirname, extname, isAbsolute, resolve } from 'node:path';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { BOARD_LIMITS } from '../families/boards/schemas.js';
import type { LoadedImage } from '../families/media/image-service.js';
import { DEV_APP_NAME } from '../families/oauth/dev-identity.js';
import { newClientSecret } from '../families/oauth/app-store.js';
import { hashPassword } from '../families/oauth/password.js';
import { PIN_LIMITS } from '../families/pins/schemas.js';
import { pinterestTimestamp } from '../kernel/clock.js';
import { parseDuration } from '../kernel/duration.js';
import { ApiError } from '../kernel/errors.js';
import { ALL_SCOPES, isScope } from '../kernel/scopes.js';
import { ACCESS_TIERS } from '../kernel/rate-limits/tiers.js';
import { findDev, type ControlDeps } from './deps.js';

/**
 * The fixture format (JSON): who exists and what they made. Every list is optional.
 * Boards are named `owner/board name` by Pins; sections by their name on the board.
 * Apps are named by `name`; a token without `app` is for the dev app. Images come
 * by URL or from a file (a path relative to the fixture file), and go through the
 * same checks and processing as a Pin made through the API.
 * @example
 * {
 *   "users":  [{ "username": "alice", "password": "wonderland", "account_type": "business" }],
 *   "apps":   [{ "name": "shop", "owner": "alice", "secret": "s3cret", "redirect_uris": ["http://localhost:8080/cb"], "tier": "standard" }],
 *   "tokens": [{ "user": "alice", "app": "shop", "scopes": ["boards:read", "pins:read"], "token": "pina_alice_read_only_token" }],
 *   "boards": [{ "owner": "alice", "name": "Recipes", "privacy": "PUBLIC", "sections": ["Salads"] }],
 *   "pins":   [{ "board": "alice/Recipes", "section": "Salads", "title": "Greek salad", "image_file": "greek-salad.png" }]
 * }
 */
export interface Fixture {
  users?: { username: string; password?: string; account_type?: 'personal' | 'business'; business_name?: string; about?: string; website_url?: string }[];
  apps?: { name: string; owner?: string; id?: string; secret?: string; redirect_uris?: string[]; tier?: 'trial' | 'standard'; sandbox?: boolean }[];
  tokens?: { user: string; app?: string; scopes?: string[]; token?: string; expires_in?: string | number }[];
  boards?: { owner: string; name: string; description?: string; privacy?: 'PUBLIC' | 'PROTECTED' | 'SECRET'; sections?: string[] }[];
  pins?: { board: string; section?: string; title?: string; description?: string; link?: string; alt_text?: string; image_url?: string; image_file?: string }[];
}

/** What a fixture made, with the ids and credentials a test needs. */
export interface FixtureResult {
  users: { username: string; id: string }[];
  apps: { name: string; id: string; secret: string }[];
  tokens: { user: string; app: string; token: string; scopes: string[]; expires_at: number }[];
  boards: { owner: string; name: string; id: string; sections: Record<string, string> }[];
  pins: { board: string; id: string; title: string | null }[];
}

const text = (maxLength: number) => ({ type: 'string', maxLength }) as const;
const list = (items: object) => ({ type: 'array', items }) as const;

const FIXTURE_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    users: list({
      type: 'object',
      additionalProperties: false,
      required: ['username'],
      properties: {
        username: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,100}$' },
        password: { type: 'string', minLength: 1 },
        account_type: { enum: ['personal', 'business'] },
        business_name: text(100),
        about: text(500),
        website_url: text(2048),
      },
    }),
    apps: list({
      type: 'object',
      additionalProperties: false,
      required: ['name'],
      properties: {
        name: { type: 'string', minLength: 1, maxLength: 100 },
        owner: { type: 'string' },
        // Pinterest: app (client) ids are 7-digit numbers.
        id: { type: 'string', pattern: '^\\d{7}$' },
        secret: { type: 'string', minLength: 8, maxLength: 200 },
        redirect_uris: list({ type: 'string', minLength: 1 }),
        tier: { enum: [...ACCESS_TIERS] },
        sandbox: { type: 'boolean' },
      },
    }),
    tokens: list({
      type: 'object',
      additionalProperties: false,
      required: ['user'],
      properties: {
        user: { type: 'string' },
        app: { type: 'string' },
        scopes: list({ type: 'string' }),
        token: { type: 'string', pattern: '^[A-Za-z0-9_-]{16,200}$' },
        expires_in: { type: ['string', 'integer'] },
      },
    }),
    boards: list({
      type: 'object',
      additionalProperties: false,
      required: ['owner', 'name'],
      properties: {
        owner: { type: 'string' },
        name: { type: 'string', minLength: 1, maxLength: BOARD_LIMITS.nameMax },
        description: text(BOARD_LIMITS.descriptionMax),
        privacy: { enum: ['PUBLIC', 'PROTECTED', 'SECRET'] },
        sections: list({ type: 'string', minLength: 1, maxLength: BOARD_LIMITS.sectionNameMax }),
      },
    }),
    pins: list({
      type: 'object',
      additionalProperties: false,
      required: ['board'],
      properties: {
        board: { type: 'string' },
        section: { type: 'string' },
        title: text(PIN_LIMITS.titleMax),
        description: text(PIN_LIMITS.descriptionMax),
        link: text(PIN_LIMITS.linkMax),
        alt_text: text(PIN_LIMITS.altTextMax),
        image_url: { type: 'string', minLength: 1, maxLength: PIN_LIMITS.linkMax },
        image_file: { type: 'string', minLength: 1 },
      },
    }),
  },
} as const;

/** Compiled on the first fixture: a pinbox that loads none does not pay for it at start-up. */
let shapeValidator: ValidateFunction | null = null;

/** `/boards/2/name` -> `boards[2].name`: the path as a reader of the file names it. */
function pathOf(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((path, part) => (/^\d+$/.test(part) ? `${path}[${part}]` : path ? `${path}.${part}` : part), '');
}

function invalidFixture(path: string, problem: string): ApiError {
  return new ApiError('invalid_parameters', `Invalid fixture: '${path || '(document)'}' ${problem}.`);
}

function fromAjv(error: ErrorObject): ApiError {
  const path = pathOf(error.instancePath);
  if (error.keyword === 'required') return invalidFixture(path ? `${path}.${error.params.missingProperty}` : String(error.params.missingProperty), 'is required');
  if (error.keyword === 'additionalProperties') {
    const extra = String(error.params.additionalProperty);
    return invalidFixture(path ? `${path}.${extra}` : extra, 'is not a fixture field');
  }
  if (error.keyword === 'enum') return invalidFixture(path, `must be one of ${(error.params.allowedValues as string[]).join(', ')}`);
  return invalidFixture(path, error.message ?? 'is invalid');
}

const IMAGE_FILE_TYPES: Record<string, string> = { '.png': 'image/png', '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg' };

/**
 * Reads a fixture file (JSON) and loads it; image files are found relative to it.
 * @example await loadFixtureFile(deps, 'test/fixtures/shop.json')
 */
export async function loadFixtureFile(deps: ControlDeps, file: string): Promise<FixtureResult> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new ApiError('invalid_parameters', `Invalid fixture: ${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return loadFixture(deps, parsed, dirname(resolve(file)));
}

/**
 * Loads a fixture: everything in it is checked (shape, references, names already
 * taken, every image fetched and processed) before anything is written, then
 * written in one transaction. A bad fixture is refused with a 400 naming the
 * path in the file (e.g. `boards[2].name`) and leaves no row and no file behind.
 */
export async function loadFixture(deps: ControlDeps, input: unknown, baseDir: string = process.cwd()): Promise<FixtureResult> {
  const validateShape = (shapeValidator ??= new Ajv({ allErrors: false, strict: false }).compile(FIXTURE_SCHEMA));
  if (!validateShape(input)) throw fromAjv(validateShape.errors![0]);
  const fixture = input as Fixture;
  const { db, clock, ids } = deps.core;
  const { users, apps, tokens, boards, pins } = deps.families.stores;
  const imageService = deps.families.services.images;

  // Names: users of the fixture or of the store; apps of the fixture; boards `owner/name`.
  const newUsers = new Map<string, number>();
  for (const [i, user] of (fixture.users ?? []).entries()) {
    if (newUsers.has(user.username) || (await users.getByUsername(user.username))) throw invalidFixture(`users[${i}].username`, `${user.username} is taken`);
    newUsers.set(user.username, i);
  }
  const knownUser = async (username: string, path: string) => {
    if (!newUsers.has(username) && !(await users.getByUsername(username))) throw invalidFixture(path, `names no user of the fixture or of pinbox (${username})`);
  };
  const dev = await findDev(deps, db);
  const appNames = new Set<string>();
  for (const [i, app] of (fixture.apps ?? []).entries()) {
    if (appNames.has(app.name)) throw invalidFixture(`apps[${i}].name`, `${app.name} appears twice`);
    appNames.add(app.name);
    if (app.owner !== undefined) await knownUser(app.owner, `apps[${i}].owner`);
    else if (!dev) throw invalidFixture(`apps[${i}].owner`, 'is required: this pinbox has no dev user');
    if (app.id !== undefined && (await apps.get(app.id))) throw invalidFixture(`apps[${i}].id`, `${app.id} is taken`);
    for (const [j, uri] of (app.redirect_uris ?? []).entries()) {
      if (!/^https?:\/\/[^\s#]+$/.test(uri)) throw invalidFixture(`apps[${i}].redirect_uris[${j}]`, 'must be an http(s) URL without a fragment');
    }
  }
  const tokenLifetimes: (number | undefined)[] = [];
  for (const [i, token] of (fixture.tokens ?? []).entries()) {
    await knownUser(token.user, `tokens[${i}].user`);
    if (token.app !== undefined && !appNames.has(token.app)) throw invalidFixture(`tokens[${i}].app`, `names no app of the fixture (${token.app})`);
    if (token.app === undefined && !dev?.appId) throw invalidFixture(`tokens[${i}].app`, 'is required: this pinbox has no dev app');
    for (const [j, scope] of (token.scopes ?? []).entries()) if (!isScope(scope)) throw invalidFixture(`tokens[${i}].scopes[${j}]`, `is not a Pinterest scope (${scope})`);
    let lifetime: number | undefined;
    if (token.expires_in !== undefined) {
      try {
        lifetime = parseDuration(token.expires_in);
      } catch {
        throw invalidFixture(`tokens[${i}].expires_in`, 'must be milliseconds or a duration like 30d, 12h');
      }
    }
    tokenLifetimes.push(lifetime);
  }
  const boardKeys = new Map<string, { index: number; sections: Set<string> }>();
  for (const [i, board] of (fixture.boards ?? []).entries()) {
    await knownUser(board.owner, `boards[${i}].owner`);
    const key = `${board.owner}/${board.name}`;
    const owner = await users.getByUsername(board.owner);
    const taken = owner && (await db.get('SELECT 1 AS found FROM boards WHERE owner_id = ? AND name = ?', [owner.id, board.name]));
    if (boardKeys.has(key) || taken) throw invalidFixture(`boards[${i}].name`, `${board.owner} has a board named ${board.name} already`);
    const sections = new Set<string>();
    for (const [j, name] of (board.sections ?? []).entries()) {
      if (sections.has(name)) throw invalidFixture(`boards[${i}].sections[${j}]`, `${name} appears twice on the board`);
      sections.add(name);
    }
    boardKeys.set(key, { index: i, sections });
  }
  const images: LoadedImage[] = [];
  for (const [i, pin] of (fixture.pins ?? []).entries()) {
    const board = boardKeys.get(pin.board);
    if (!board) throw invalidFixture(`pins[${i}].board`, `names no board of the fixture (expected "owner/board name", got ${pin.board})`);
    if (pin.section !== undefined && !board.sections.has(pin.section)) throw invalidFixture(`pins[${i}].section`, `names no section of ${pin.board}`);
    if ((pin.image_url === undefined) === (pin.image_file === undefined)) throw invalidFixture(`pins[${i}]`, 'needs exactly one of image_url and image_file');
  }
  // The slow part, still before any write: every image is fetched or read, checked and processed.
  for (const [i, pin] of (fixture.pins ?? []).entries()) {
    if (pin.image_url !== undefined) {
      images.push(await imageService.fromUrl(pin.image_url, `pins[${i}].image_url`).catch(asFixtureError));
      continue;
    }
    const field = `pins[${i}].image_file`;
    const file = isAbsolute(pin.image_file!) ? pin.image_file! : resolve(baseDir, pin.image_file!);
    const contentType = IMAGE_FILE_TYPES[extname(file).toLowerCase()];
    if (!contentType) throw invalidFixture(field, 'must be a .png, .jpg or .jpeg file');
    const bytes = await readFile(file).catch(() => {
      throw invalidFixture(field, `cannot be read (${file})`);
    });
    const loaded = await imageService.fromBase64(contentType, bytes.toString('base64'), field).catch((error: unknown) => {
      // The image service names the base64 it decoded; the fixture gave a file.
      if (error instanceof ApiError) throw new ApiError('invalid_parameters', error.message.replace(`'${field}.data'`, `'${field}'`).replace(/^Invalid parameters:/, 'Invalid fixture:'));
      throw error;
    });
    images.push(loaded);
  }
  const passwords = await Promise.all((fixture.users ?? []).map((user) => (user.password === undefined ? undefined : hashPassword(user.password))));

  const result: FixtureResult = { users: [], apps: [], tokens: [], boards: [], pins: [] };
  const { blobs } = deps.core;
  await db.transaction(async (tx) => {
    const blobsBefore = new Set(await blobs.list());
    try {
      const userIds = new Map<string, string>();
      const userId = async (username: string) => userIds.get(username) ?? (await users.getByUsername(username, tx))!.id;
      for (const [i, user] of (fixture.users ?? []).entries()) {
        const business = user.account_type === 'business';
        const row = await users.create(tx, {
          username: user.username,
          accountType: business ? 'BUSINESS' : 'PINNER',
          businessName: business ? (user.business_name ?? user.username) : null,
          about: user.about,
          websiteUrl: user.website_url,
          passwordHash: passwords[i],
        });
        userIds.set(user.username, row.id);
        result.users.push({ username: row.username, id: row.id });
      }
      const appIds = new Map<string, string>();
      for (const app of fixture.apps ?? []) {
        const secret = app.secret ?? newClientSecret();
        const ownerUserId = app.owner !== undefined ? await userId(app.owner) : dev!.userId;
        const made = await apps.create(tx, { name: app.name, ownerUserId, tier: app.tier, sandbox: app.sandbox, secret, id: app.id });
        for (const uri of app.redirect_uris ?? []) await apps.addRedirectUri(tx, made.id, uri);
        appIds.set(app.name, made.id);
        result.apps.push({ name: app.name, id: made.id, secret });
      }
      for (const [i, token] of (fixture.tokens ?? []).entries()) {
        const appId = token.app !== undefined ? appIds.get(token.app)! : dev!.appId!;
        const scopes = token.scopes ?? [...ALL_SCOPES];
        const issued = await tokens.issue(tx, { userId: await userId(token.user), appId, scopes, token: token.token, lifetimeMs: tokenLifetimes[i] });
        result.tokens.push({ user: token.user, app: token.app ?? DEV_APP_NAME, token: issued.token, scopes, expires_at: issued.expiresAt });
      }
      const boardIds = new Map<string, { id: string; sections: Map<string, string> }>();
      const now = pinterestTimestamp(clock.now());
      for (const board of fixture.boards ?? []) {
        const id = ids.next();
        await boards.insert(tx, {
          id,
          ownerId: await userId(board.owner),
          name: board.name,
          description: board.description ?? null,
          privacy: board.privacy ?? 'PUBLIC',
          isAdsOnly: false,
          now,
        });
        const sections = new Map<string, string>();
        for (const name of board.sections ?? []) {
          const section = { id: ids.next(), board_id: id, name, created_at: now };
          await boards.insertSection(tx, section);
          sections.set(name, section.id);
        }
        boardIds.set(`${board.owner}/${board.name}`, { id, sections });
        result.boards.push({ owner: board.owner, name: board.name, id, sections: Object.fromEntries(sections) });
      }
      for (const [i, pin] of (fixture.pins ?? []).entries()) {
        const board = boardIds.get(pin.board)!;
        const stored = await imageService.retain(tx, images[i]);
        const id = ids.next();
        await pins.insert(tx, {
          id,
          owner_id: await userId(pin.board.slice(0, pin.board.indexOf('/'))),
          board_id: board.id,
          board_section_id: pin.section !== undefined ? board.sections.get(pin.section)! : null,
          title: pin.title ?? null,
          description: pin.description ?? null,
          link: pin.link ?? null,
          alt_text: pin.alt_text ?? null,
          dominant_color: stored.dominantColor,
          parent_pin_id: null,
          creative_type: 'REGULAR',
          is_standard: 1,
          has_been_promoted: 0,
          media: JSON.stringify({ media_type: 'image', images: stored.images }),
          created_at: now,
        });
        await boards.pinsChanged(tx, board.id, +1, now);
        result.pins.push({ board: pin.board, id, title: pin.title ?? null });
      }
    } catch (error) {
      // The rows roll back; the files written for new pictures go with them.
      for (const key of await blobs.list()) if (!blobsBefore.has(key)) await blobs.delete(key);
      throw error;
    }
  });
  return result;
}

function asFixtureError(error: unknown): never {
  if (error instanceof ApiError) throw new ApiError('invalid_parameters', error.message.replace(/^Invalid parameters:/, 'Invalid fixture:'));
  throw error;
}
