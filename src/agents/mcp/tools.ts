/**
 * The MCP server's curated tools: each a thin way into one or a few Pinterest
 * operations (by operationId), run through `/v5` with the agent's key so the
 * gateway judges and records every call, plus the catalogue pair
 * (`list_operations`, `call_operation`) that reaches every operation pinbox
 * serves. A tool is listed only when pinbox serves its operations and the agent's
 * policy (with its identity's scopes) allows them; every call is judged again.
 * Every tool states all four annotations: a test fails when one is missing.
 */
import type { Verdict } from '../gateway.js';

/** JSON Schema, as MCP carries it. */
export type JsonSchema = Record<string, unknown>;

export interface ToolAnnotations {
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint: boolean;
}

/** What a call into `/v5` answered. */
export interface OperationAnswer {
  status: number;
  body: unknown;
}

export interface OperationArgs {
  params?: Record<string, unknown>;
  query?: Record<string, unknown>;
  body?: unknown;
}

/** What a tool runs with: the agent's calls into pinbox, judged and recorded by the gateway. */
export interface ToolContext {
  agentName: string;
  /** Posts an upload form (every parameter, then the file) to an upload URL pinbox answered. */
  upload(uploadUrl: string, parameters: Record<string, string>, bytes: Buffer): Promise<{ status: number; text: string }>;
  /** Waits `ms` of real time (a video's processing runs on pinbox's clock). */
  pause(ms: number): Promise<void>;
  /** Whether pinbox serves an operation, and its method and path. */
  served(operationId: string): { method: string; url: string } | undefined;
  /** Every operation pinbox serves. */
  catalogue(): { operationId: string; method: string; path: string; area: string; write: boolean }[];
  /** Calls an operation as the agent (through the gateway). */
  call(operationId: string, args: OperationArgs, options?: { approvalId?: string; quiet?: boolean }): Promise<OperationAnswer>;
  /** The gateway's verdict on an operation, with no side effect. */
  judge(operationId: string, args: OperationArgs): Promise<Verdict>;
  /** Records a dry run in the audit log. */
  recordDryRun(operationId: string, args: OperationArgs, verdict: Verdict): void;
  /** The admin-only controls, for an agent granted the control plane. */
  admin?: { reset(user?: string): Promise<void>; advanceClock(by: string | number): Promise<{ at: string }>; addFault(rule: Record<string, unknown>): Promise<unknown> };
  /** The agent's own audit entries, newest last. */
  auditTail(limit: number): Promise<{ sentence: string; decision: string; operation_id: string; at: string }[]>;
}

export interface ToolDefinition {
  name: string;
  title: string;
  description: string;
  /** The operations it runs: listed only when pinbox serves every one and the policy allows them. */
  operations: readonly string[];
  annotations: ToolAnnotations;
  inputSchema: JsonSchema;
  outputSchema: JsonSchema;
  /** Writes take `dry_run` and `approval_id`. */
  write: boolean;
  /** Only for an agent granted the control plane (`control_plane: true`). */
  adminOnly?: boolean;
  run(context: ToolContext, args: Record<string, unknown>): Promise<Record<string, unknown>>;
}

/** A tool's failure, carried to the agent as an `isError` result with Pinterest's `{code, message}` and a sentence it can act on. */
export class ToolError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly hint: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

const READ: ToolAnnotations = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false };
const WRITE: ToolAnnotations = { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false };
const UPDATE: ToolAnnotations = { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false };
/** Irreversible, or spends money: destructive in the sense the Ads MCPs use. */
const DESTRUCTIVE: ToolAnnotations = { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false };
const SPEND: ToolAnnotations = { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false };

const id = (description: string) => ({ type: 'string', pattern: '^\\d+$', description });
const text = (description: string) => ({ type: 'string', description });
const BOOKMARK = { type: 'string', description: "The `bookmark` of the previous page (Pinterest's cursor), to get the next one." };
const PAGE_SIZE = { type: 'integer', minimum: 1, maximum: 250, description: 'Items per page (default 25).' };
const DRY_RUN = { type: 'boolean', description: 'true: answer the exact request and the change it would make, without making it.' };
const APPROVAL_ID = { type: 'string', description: 'The id of an approval a person granted for exactly these arguments (after a "pending approval" answer).' };
const DATES = {
  start_date: { type: 'string', format: 'date', description: 'First day, YYYY-MM-DD.' },
  end_date: { type: 'string', format: 'date', description: 'Last day, YYYY-MM-DD.' },
};

const LIST_OUTPUT: JsonSchema = {
  type: 'object',
  properties: { items: { type: 'array', items: { type: 'object' } }, bookmark: { type: ['string', 'null'] } },
  required: ['items'],
};
const OBJECT_OUTPUT: JsonSchema = { type: 'object' };
const DATA_OUTPUT: JsonSchema = { type: 'object', description: "The operation's answer; an array answer is given as `items`." };
const WRITE_OUTPUT: JsonSchema = {
  type: 'object',
  description: 'What the operation answered, or with dry_run the exact request and the change it would make.',
  properties: { dry_run: { type: 'boolean' }, request: { type: 'object' }, decision: { type: 'object' }, before: {}, after: {} },
};
const DELETE_OUTPUT: JsonSchema = {
  type: 'object',
  properties: { ok: { type: 'boolean' }, deleted: { type: 'string' }, dry_run: { type: 'boolean' }, request: { type: 'object' }, decision: { type: 'object' }, before: {}, after: {} },
};

type BodyShape = 'none' | 'fields' | 'items';

interface OperationToolSpec {
  name: string;
  title: string;
  description: string;
  operationId: string;
  annotations: ToolAnnotations;
  /** Path parameters, by name. */
  params?: Record<string, JsonSchema>;
  /** Query arguments, by name. */
  query?: Record<string, JsonSchema>;
  /** Body fields (`fields`: the other arguments; `items`: an `items` array, for Pinterest's bulk writes). */
  body?: BodyShape;
  bodyFields?: Record<string, JsonSchema>;
  required?: string[];
  output: 'list' | 'object' | 'data' | 'deleted';
  /** For a dry run of an update or delete: the operation that reads what it changes. */
  reads?: { operationId: string; params: (args: Record<string, unknown>) => Record<string, unknown> };
}

/** An answer as `structuredContent`: an object (an array as `items`; a 204 as `{ok, deleted}`). */
function structured(answer: OperationAnswer, deleted?: string): Record<string, unknown> {
  if (answer.status === 204 || answer.body === undefined || answer.body === null) return { ok: true, ...(deleted ? { deleted } : {}) };
  if (Array.isArray(answer.body)) return { items: answer.body };
  if (typeof answer.body === 'object') return answer.body as Record<string, unknown>;
  return { result: answer.body };
}

/** A Pinterest error as the agent's error, with the sentence it can act on. */
export function failed(answer: OperationAnswer): ToolError {
  const body = (answer.body ?? {}) as { code?: number; message?: string };
  const code = typeof body.code === 'number' ? body.code : answer.status;
  const message = typeof body.message === 'string' ? body.message : `Pinterest answered ${answer.status}.`;
  const approval = /pending approval (ap_\d+)/.exec(message)?.[1];
  if (approval) {
    return new ToolError(code, message, `A person must approve this call first (\`pinbox agents approve ${approval}\`); then call the same tool again with the same arguments and approval_id "${approval}".`, {
      status: 'pending_approval',
      approval_id: approval,
    });
  }
  const rule = /\(rule ([a-z_.\-/]+)\)/.exec(message)?.[1];
  if (answer.status === 403 && rule) {
    return new ToolError(code, message, `This agent's policy does not allow it (rule ${rule}); do not retry. Ask the person who runs this agent to change its policy if the task needs it.`, { rule });
  }
  if (answer.status === 400) return new ToolError(code, message, 'Fix the argument the message names and call again.');
  if (answer.status === 404) return new ToolError(code, message, 'Check the id: list the resources first to find the right one.');
  if (answer.status === 429) return new ToolError(code, message, 'Rate limited: wait a minute, then call again.');
  if (answer.status === 401) return new ToolError(code, message, "The agent's key is not accepted (revoked or rotated): ask for a new one.");
  return new ToolError(code, message, 'Pinterest refused the call; read the message, then change the arguments or stop.');
}

function pick(args: Record<string, unknown>, names: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(names.filter((name) => args[name] !== undefined).map((name) => [name, args[name]]));
}

const RESERVED_ARGS = new Set(['dry_run', 'approval_id']);

/** A tool over one operation: its path parameters, query and body from the arguments. */
function operationTool(spec: OperationToolSpec): ToolDefinition {
  const write = !spec.annotations.readOnlyHint;
  const params = spec.params ?? {};
  const query = spec.query ?? {};
  const bodyFields = spec.bodyFields ?? {};
  const properties: Record<string, JsonSchema> = { ...params, ...query, ...bodyFields };
  if (spec.body === 'items') properties.items = { type: 'array', minItems: 1, items: { type: 'object' }, description: 'The objects to write, as the Pinterest operation takes them.' };
  if (write) Object.assign(properties, { dry_run: DRY_RUN, approval_id: APPROVAL_ID });
  const inputSchema: JsonSchema = {
    type: 'object',
    properties,
    required: [...Object.keys(params), ...(spec.required ?? []), ...(spec.body === 'items' ? ['items'] : [])],
    additionalProperties: spec.body === 'fields',
  };
  const outputSchema = write ? (spec.output === 'deleted' ? DELETE_OUTPUT : WRITE_OUTPUT) : spec.output === 'list' ? LIST_OUTPUT : spec.output === 'data' ? DATA_OUTPUT : OBJECT_OUTPUT;
  const argsOf = (args: Record<string, unknown>): { operation: Required<OperationArgs> } => {
    const body =
      spec.body === 'fields'
        ? Object.fromEntries(Object.entries(args).filter(([name]) => !(name in params) && !(name in query) && !RESERVED_ARGS.has(name)))
        : spec.body === 'items'
          ? args.items
          : undefined;
    return { operation: { params: pick(args, Object.keys(params)), query: pick(args, Object.keys(query)), body } };
  };
  return {
    name: spec.name,
    title: spec.title,
    description: spec.description,
    operations: [spec.operationId, ...(spec.reads ? [spec.reads.operationId] : [])].filter((op, i, all) => all.indexOf(op) === i),
    annotations: spec.annotations,
    inputSchema,
    outputSchema,
    write,
    async run(context, args) {
      const { operation } = argsOf(args);
      if (write && args.dry_run === true) return dryRun(context, spec, operation, args);
      const answer = await context.call(spec.operationId, operation, { approvalId: typeof args.approval_id === 'string' ? args.approval_id : undefined });
      if (answer.status >= 400) throw failed(answer);
      return structured(answer, spec.output === 'deleted' ? String(Object.values(operation.params)[0] ?? '') : undefined);
    },
  };
}

/** The exact request and the change it would make, judged by the policy; nothing is written. */
async function dryRun(context: ToolContext, spec: OperationToolSpec, operation: Required<OperationArgs>, args: Record<string, unknown>): Promise<Record<string, unknown>> {
  const served = context.served(spec.operationId)!;
  const path = `/v5${served.url.replace(/:([a-z_]+)/g, (_m, name: string) => encodeURIComponent(String(operation.params[name] ?? `{${name}}`)))}`;
  const verdict = await context.judge(spec.operationId, operation);
  context.recordDryRun(spec.operationId, operation, verdict);
  let before: unknown = null;
  if (spec.reads && context.served(spec.reads.operationId)) {
    const read = await context.call(spec.reads.operationId, { params: spec.reads.params(args) }, { quiet: true });
    before = read.status < 400 ? read.body : null;
  }
  const body = operation.body;
  const after = spec.output === 'deleted' ? null : before && body && typeof body === 'object' && !Array.isArray(body) ? { ...(before as object), ...(body as object) } : body ?? null;
  return {
    dry_run: true,
    request: { method: served.method, path, query: operation.query, body: body ?? null },
    decision: { decision: verdict.decision, rule: verdict.rule, ...(verdict.reason ? { reason: verdict.reason } : {}) },
    before,
    after,
  };
}

/** How long create_video_pin waits for a video's processing before answering its media id to resume with. */
const VIDEO_WAIT_MS = 20_000;

/**
 * A video Pin with the upload flow done for the agent: register the upload
 * (media/create), post the file to the upload URL, wait for the processing
 * (media/get), then make the Pin (pins/create). A video still processing after the
 * wait answers its media_id: call again with it (and no video) to resume.
 */
function createVideoPinTool(): ToolDefinition {
  const base = operationTool({
    name: 'create_video_pin',
    title: 'Create a video Pin',
    description:
      'Makes a video Pin: uploads video_base64 (an .mp4 or .mov), waits for the processing, then pins it with a cover (cover_image_key_frame_time, default 0 s, or cover_image_url). With media_id instead of a video, resumes one already uploaded. Takes dry_run.',
    operationId: 'pins/create',
    annotations: WRITE,
    body: 'fields',
    bodyFields: {
      board_id: id('The board to pin to.'),
      title: text('Title.'),
      description: text('Description.'),
      link: text('Where the Pin leads.'),
      video_base64: { type: 'string', description: 'The video file, base64.' },
      media_id: id('A media id an earlier call answered, to resume.'),
      cover_image_url: text('The cover picture, by URL.'),
      cover_image_key_frame_time: { type: 'integer', minimum: 0, description: 'Seconds into the video for the cover (default 0).' },
    },
    required: ['board_id'],
    output: 'object',
  });
  return {
    ...base,
    operations: ['media/create', 'media/get', 'pins/create'],
    async run(context, args) {
      const { video_base64, media_id, cover_image_url, cover_image_key_frame_time, dry_run, approval_id, ...pin } = args as Record<string, unknown>;
      if (typeof video_base64 !== 'string' && typeof media_id !== 'string') throw new ToolError(1, "Invalid parameters: 'video_base64' or 'media_id' is required.", 'Send the video as base64, or the media_id an earlier call answered.');
      const cover = typeof cover_image_url === 'string' ? { cover_image_url } : { cover_image_key_frame_time: typeof cover_image_key_frame_time === 'number' ? cover_image_key_frame_time : 0 };
      if (dry_run === true) return base.run(context, { ...pin, media_source: { source_type: 'video_id', media_id: media_id ?? '{media_id}', ...cover }, dry_run: true });
      let mediaId = typeof media_id === 'string' ? media_id : null;
      if (!mediaId) {
        const registered = await context.call('media/create', { body: { media_type: 'video' } });
        if (registered.status >= 400) throw failed(registered);
        const made = registered.body as { media_id: string; upload_url: string; upload_parameters: Record<string, string> };
        const uploaded = await context.upload(made.upload_url, made.upload_parameters, Buffer.from(String(video_base64), 'base64'));
        if (uploaded.status >= 300) throw new ToolError(uploaded.status, `The upload was refused (${uploaded.status}): ${uploaded.text.slice(0, 300)}`, 'Check the video file (an .mp4 or .mov of 4 seconds or more) and call again.');
        mediaId = made.media_id;
      }
      const deadline = performance.now() + VIDEO_WAIT_MS;
      for (;;) {
        const media = await context.call('media/get', { params: { media_id: mediaId } });
        if (media.status >= 400) throw failed(media);
        const status = (media.body as { status?: string }).status;
        if (status === 'succeeded') break;
        if (status === 'failed') throw new ToolError(400, `pinbox could not process video ${mediaId}.`, 'Upload another file (an .mp4 or .mov of 4 seconds or more).');
        if (performance.now() > deadline) {
          throw new ToolError(409, `Video ${mediaId} is still ${status ?? 'processing'}.`, `Call create_video_pin again with media_id "${mediaId}" (and no video) in a few seconds.`, { media_id: mediaId, status: status ?? 'processing' });
        }
        await context.pause(250);
      }
      const answer = await context.call('pins/create', { body: { ...pin, media_source: { source_type: 'video_id', media_id: mediaId, ...cover } } }, { approvalId: typeof approval_id === 'string' ? approval_id : undefined });
      if (answer.status >= 400) throw failed(answer);
      return answer.body as Record<string, unknown>;
    },
  };
}

const BOARD_ID = { board_id: id('The board id.') };
const PIN_ID = { pin_id: id('The Pin id.') };
const AD_ACCOUNT = { ad_account_id: id('The ad account id.') };
const PAGING = { bookmark: BOOKMARK, page_size: PAGE_SIZE };
const ANALYTICS_QUERY = {
  ...DATES,
  columns: { type: 'array', items: { type: 'string' }, description: 'Metrics, e.g. SPEND_IN_DOLLAR, IMPRESSION_1, CLICKTHROUGH_1.' },
  granularity: { type: 'string', enum: ['TOTAL', 'DAY', 'HOUR', 'WEEK', 'MONTH'] },
};

/** The curated tools, in the order `tools/list` gives them. */
export const CURATED_TOOLS: readonly ToolDefinition[] = [
  // account
  operationTool({ name: 'get_user_account', title: 'Get the account', description: 'The Pinterest account the agent acts as: username, type, counts.', operationId: 'user_account/get', annotations: READ, output: 'object' }),
  operationTool({
    name: 'get_account_analytics',
    title: 'Account analytics',
    description: "The account's daily metrics (impressions, saves, clicks) between two dates.",
    operationId: 'user_account/analytics',
    annotations: READ,
    query: { ...DATES, metric_types: { type: 'string', description: 'Comma-separated metrics, e.g. IMPRESSION,SAVE.' } },
    required: ['start_date', 'end_date'],
    output: 'data',
  }),
  // boards
  operationTool({ name: 'list_boards', title: 'List boards', description: "The account's boards, a page at a time.", operationId: 'boards/list', annotations: READ, query: { ...PAGING, privacy: { type: 'string', enum: ['PUBLIC', 'PROTECTED', 'SECRET', 'ALL'] } }, output: 'list' }),
  operationTool({ name: 'get_board', title: 'Get a board', description: 'One board by id.', operationId: 'boards/get', annotations: READ, params: BOARD_ID, output: 'object' }),
  operationTool({ name: 'list_board_pins', title: "List a board's Pins", description: 'The Pins on a board, a page at a time.', operationId: 'boards/list_pins', annotations: READ, params: BOARD_ID, query: PAGING, output: 'list' }),
  operationTool({ name: 'list_board_sections', title: "List a board's sections", description: 'The sections of a board.', operationId: 'board_sections/list', annotations: READ, params: BOARD_ID, query: PAGING, output: 'list' }),
  operationTool({
    name: 'create_board',
    title: 'Create a board',
    description: 'Makes a board. Takes dry_run.',
    operationId: 'boards/create',
    annotations: WRITE,
    body: 'fields',
    bodyFields: { name: text('The board name (unique for the account).'), description: text('What the board is about.'), privacy: { type: 'string', enum: ['PUBLIC', 'PROTECTED', 'SECRET'] } },
    required: ['name'],
    output: 'object',
  }),
  operationTool({
    name: 'update_board',
    title: 'Update a board',
    description: "Changes a board's name, description or privacy. Takes dry_run (shows the board before and after).",
    operationId: 'boards/update',
    annotations: UPDATE,
    params: BOARD_ID,
    body: 'fields',
    bodyFields: { name: text('New name.'), description: text('New description.'), privacy: { type: 'string', enum: ['PUBLIC', 'PROTECTED', 'SECRET'] } },
    reads: { operationId: 'boards/get', params: (args) => ({ board_id: args.board_id }) },
    output: 'object',
  }),
  operationTool({
    name: 'delete_board',
    title: 'Delete a board',
    description: 'Deletes a board and every Pin on it: irreversible. Takes dry_run (shows what would go).',
    operationId: 'boards/delete',
    annotations: DESTRUCTIVE,
    params: BOARD_ID,
    reads: { operationId: 'boards/get', params: (args) => ({ board_id: args.board_id }) },
    output: 'deleted',
  }),
  operationTool({
    name: 'create_board_section',
    title: 'Create a board section',
    description: 'Adds a section to a board. Takes dry_run.',
    operationId: 'board_sections/create',
    annotations: WRITE,
    params: BOARD_ID,
    body: 'fields',
    bodyFields: { name: text('The section name.') },
    required: ['name'],
    output: 'object',
  }),
  // pins
  operationTool({ name: 'list_pins', title: 'List Pins', description: "The account's Pins, a page at a time.", operationId: 'pins/list', annotations: READ, query: PAGING, output: 'list' }),
  operationTool({ name: 'get_pin', title: 'Get a Pin', description: 'One Pin by id.', operationId: 'pins/get', annotations: READ, params: PIN_ID, output: 'object' }),
  operationTool({
    name: 'get_pin_analytics',
    title: 'Pin analytics',
    description: "A Pin's metrics between two dates.",
    operationId: 'pins/analytics',
    annotations: READ,
    params: PIN_ID,
    query: { ...DATES, metric_types: { type: 'string', description: 'Comma-separated metrics, e.g. IMPRESSION,SAVE,PIN_CLICK.' } },
    required: ['start_date', 'end_date', 'metric_types'],
    output: 'data',
  }),
  operationTool({ name: 'search_my_pins', title: 'Search my Pins', description: "Full-text search over the account's Pins.", operationId: 'search_user_pins/list', annotations: READ, query: { query: text('Words to find.'), ...PAGING }, required: ['query'], output: 'list' }),
  operationTool({ name: 'search_my_boards', title: 'Search my boards', description: "Full-text search over the account's boards.", operationId: 'search_user_boards/get', annotations: READ, query: { query: text('Words to find.'), ...PAGING }, required: ['query'], output: 'list' }),
  operationTool({
    name: 'create_pin',
    title: 'Create a Pin',
    description:
      'Makes an image Pin on a board: media_source {source_type: "image_url", url} or {source_type: "image_base64", content_type, data}. For a video, use create_video_pin. Takes dry_run.',
    operationId: 'pins/create',
    annotations: WRITE,
    body: 'fields',
    bodyFields: { board_id: id('The board to pin to.'), title: text('Title.'), description: text('Description.'), link: text('Where the Pin leads.'), media_source: { type: 'object' } },
    required: ['board_id', 'media_source'],
    output: 'object',
  }),
  operationTool({
    name: 'update_pin',
    title: 'Update a Pin',
    description: "Changes a Pin's title, description, link or board. Takes dry_run (shows the Pin before and after).",
    operationId: 'pins/update',
    annotations: UPDATE,
    params: PIN_ID,
    body: 'fields',
    bodyFields: { title: text('New title.'), description: text('New description.'), link: text('New link.'), board_id: id('Move to this board.') },
    reads: { operationId: 'pins/get', params: (args) => ({ pin_id: args.pin_id }) },
    output: 'object',
  }),
  operationTool({
    name: 'save_pin',
    title: 'Save a Pin',
    description: 'Saves a Pin to one of the account\'s boards. Takes dry_run.',
    operationId: 'pins/save',
    annotations: WRITE,
    params: PIN_ID,
    body: 'fields',
    bodyFields: { board_id: id('The board to save to.'), board_section_id: id('A section of that board.') },
    output: 'object',
  }),
  operationTool({
    name: 'delete_pin',
    title: 'Delete a Pin',
    description: 'Deletes a Pin: irreversible. Takes dry_run (shows what would go).',
    operationId: 'pins/delete',
    annotations: DESTRUCTIVE,
    params: PIN_ID,
    reads: { operationId: 'pins/get', params: (args) => ({ pin_id: args.pin_id }) },
    output: 'deleted',
  }),
  createVideoPinTool(),
  // ads: the Ads MCP families (campaign performance, analytics, reports, keywords, targeting)
  operationTool({ name: 'list_ad_accounts', title: 'List ad accounts', description: 'The ad accounts the agent can reach.', operationId: 'ad_accounts/list', annotations: READ, query: PAGING, output: 'list' }),
  operationTool({
    name: 'list_campaigns',
    title: 'List campaigns',
    description: "An ad account's campaigns.",
    operationId: 'campaigns/list',
    annotations: READ,
    params: AD_ACCOUNT,
    query: { ...PAGING, entity_statuses: { type: 'array', items: { type: 'string', enum: ['ACTIVE', 'PAUSED', 'ARCHIVED'] } } },
    output: 'list',
  }),
  operationTool({ name: 'list_ad_groups', title: 'List ad groups', description: "An ad account's ad groups.", operationId: 'ad_groups/list', annotations: READ, params: AD_ACCOUNT, query: { ...PAGING, campaign_ids: { type: 'array', items: { type: 'string' } } }, output: 'list' }),
  operationTool({ name: 'list_ads', title: 'List ads', description: "An ad account's ads.", operationId: 'ads/list', annotations: READ, params: AD_ACCOUNT, query: { ...PAGING, ad_group_ids: { type: 'array', items: { type: 'string' } } }, output: 'list' }),
  operationTool({
    name: 'get_campaign_performance',
    title: 'Campaign performance',
    description: 'Campaign analytics: spend, impressions, clicks per campaign between two dates.',
    operationId: 'campaigns/analytics',
    annotations: READ,
    params: AD_ACCOUNT,
    query: { campaign_ids: { type: 'array', items: { type: 'string' } }, ...ANALYTICS_QUERY },
    required: ['campaign_ids', 'start_date', 'end_date', 'columns', 'granularity'],
    output: 'data',
  }),
  operationTool({
    name: 'get_ads_analytics',
    title: 'Ads analytics',
    description: 'Ad analytics between two dates.',
    operationId: 'ads/analytics',
    annotations: READ,
    params: AD_ACCOUNT,
    query: { ad_ids: { type: 'array', items: { type: 'string' } }, ...ANALYTICS_QUERY },
    required: ['ad_ids', 'start_date', 'end_date', 'columns', 'granularity'],
    output: 'data',
  }),
  operationTool({
    name: 'get_ad_account_analytics',
    title: 'Ad account analytics',
    description: 'Ad account analytics between two dates.',
    operationId: 'ad_account/analytics',
    annotations: READ,
    params: AD_ACCOUNT,
    query: ANALYTICS_QUERY,
    required: ['start_date', 'end_date', 'columns', 'granularity'],
    output: 'data',
  }),
  operationTool({
    name: 'run_report',
    title: 'Start an async report',
    description: 'Asks for an asynchronous ads report; read it with get_report and the token it answers.',
    operationId: 'analytics/create_report',
    annotations: { ...READ, idempotentHint: false },
    params: AD_ACCOUNT,
    body: 'fields',
    bodyFields: { ...DATES, granularity: { type: 'string' }, level: { type: 'string' }, columns: { type: 'array', items: { type: 'string' } } },
    required: ['start_date', 'end_date', 'granularity', 'level'],
    output: 'data',
  }),
  operationTool({ name: 'get_report', title: 'Get an async report', description: "An async report's status and, once finished, its URL.", operationId: 'analytics/get_report', annotations: READ, params: AD_ACCOUNT, query: { token: text('The report token run_report answered.') }, required: ['token'], output: 'data' }),
  operationTool({
    name: 'get_keyword_metrics',
    title: 'Keyword metrics',
    description: 'Search volume and bids for keywords in a country.',
    operationId: 'country_keywords_metrics/get',
    annotations: READ,
    params: AD_ACCOUNT,
    query: { country_code: text('Two-letter country code, e.g. US.'), keywords: { type: 'array', items: { type: 'string' } } },
    required: ['country_code', 'keywords'],
    output: 'data',
  }),
  operationTool({
    name: 'get_trending_keywords',
    title: 'Trending keywords',
    description: 'The top trending search keywords of a region.',
    operationId: 'trending_keywords/list',
    annotations: READ,
    params: { region: text('A region, e.g. US.'), trend_type: { type: 'string', enum: ['growing', 'monthly', 'yearly', 'seasonal'] } },
    query: { interests: { type: 'array', items: { type: 'string' } }, limit: { type: 'integer', minimum: 1, maximum: 50 } },
    output: 'data',
  }),
  operationTool({
    name: 'get_targeting_options',
    title: 'Targeting options',
    description: 'The values a targeting type takes (interests, locations, ages, genders, …).',
    operationId: 'targeting_options/get',
    annotations: READ,
    params: { targeting_type: { type: 'string', enum: ['APPTYPE', 'COUNTRY', 'REGION', 'LOCATION', 'GENDER', 'AGE_BUCKET', 'INTEREST', 'LOCALE'] } },
    query: { ad_account_id: id('An ad account, for options that depend on it.') },
    output: 'data',
  }),
  operationTool({
    name: 'update_campaigns',
    title: 'Update campaigns',
    description: 'Changes campaigns (status, budgets: money). Activating one or raising a budget spends; the policy may ask a person first. Takes dry_run.',
    operationId: 'campaigns/update',
    annotations: SPEND,
    params: AD_ACCOUNT,
    body: 'items',
    output: 'data',
  }),
];

/** Catalogs (agents.md's catalogs area): catalogs, feeds and their processing, item batches; conversion tags, read. */
const AD_ACCOUNT_QUERY = { ad_account_id: id('The ad account to act for (Business Access), if not your own.') };
export const CATALOG_TOOLS: readonly ToolDefinition[] = [
  operationTool({ name: 'list_catalogs', title: 'List catalogs', description: "The account's catalogs, a page at a time.", operationId: 'catalogs/list', annotations: READ, query: { ...PAGING, ...AD_ACCOUNT_QUERY }, output: 'list' }),
  operationTool({
    name: 'list_feeds',
    title: 'List feeds',
    description: "The catalogs' data feeds (data sources), a page at a time; catalog_id keeps one catalog's.",
    operationId: 'feeds/list',
    annotations: READ,
    query: { ...PAGING, ...AD_ACCOUNT_QUERY, catalog_id: id('Only this catalog.') },
    output: 'list',
  }),
  operationTool({
    name: 'get_feed_processing_results',
    title: "A feed's processing results",
    description: "How each ingestion of a feed went: status, item counts, errors and warnings, newest first.",
    operationId: 'feed_processing_results/list',
    annotations: READ,
    params: { feed_id: id('The feed.') },
    query: { ...PAGING, ...AD_ACCOUNT_QUERY },
    output: 'list',
  }),
  operationTool({
    name: 'create_feed',
    title: 'Create a feed',
    description: 'Adds a data feed (name, format, location, default_locale, …) as Pinterest takes it; its first ingestion runs on pinbox\'s clock. Takes dry_run.',
    operationId: 'feeds/create',
    annotations: WRITE,
    query: AD_ACCOUNT_QUERY,
    body: 'fields',
    required: ['name', 'format', 'location'],
    output: 'object',
  }),
  operationTool({
    name: 'batch_items',
    title: 'Batch catalog items',
    description: 'Creates, updates, upserts or deletes catalog items in one batch (catalog_type, country, language, operation, items); answers the batch to read back. Takes dry_run.',
    operationId: 'items_batch/post',
    annotations: WRITE,
    query: AD_ACCOUNT_QUERY,
    body: 'fields',
    required: ['catalog_type', 'items'],
    output: 'object',
  }),
  operationTool({ name: 'list_conversion_tags', title: 'List conversion tags', description: "An ad account's conversion tags (the Pinterest tag).", operationId: 'conversion_tags/list', annotations: READ, params: AD_ACCOUNT, query: { filter_deleted: { type: 'boolean' } }, output: 'list' }),
];

/** The catalogue pair: every operation pinbox serves, and a call to any of them. */
export const CATALOGUE_TOOLS: readonly ToolDefinition[] = [
  {
    name: 'list_operations',
    title: 'List operations',
    description: "Every Pinterest operation pinbox serves (operationId, method, path, area, whether it writes), optionally only one area's. Call one with call_operation.",
    operations: [],
    annotations: READ,
    write: false,
    inputSchema: { type: 'object', properties: { area: text('Only this area (a spec tag such as boards or campaigns).') }, additionalProperties: false },
    outputSchema: {
      type: 'object',
      properties: {
        items: {
          type: 'array',
          items: { type: 'object', properties: { operationId: { type: 'string' }, method: { type: 'string' }, path: { type: 'string' }, area: { type: 'string' }, write: { type: 'boolean' } }, required: ['operationId', 'method', 'path', 'area', 'write'] },
        },
      },
      required: ['items'],
    },
    async run(context, args) {
      const area = typeof args.area === 'string' ? args.area : undefined;
      return { items: context.catalogue().filter((operation) => !area || operation.area === area) };
    },
  },
  {
    name: 'call_operation',
    title: 'Call any operation',
    description: 'Calls one Pinterest operation by operationId with its path parameters, query and body; judged by the policy like every call. Writes take dry_run.',
    operations: [],
    // Any operation, writes and deletes included: classed destructive, as N-Graves's pinterest_call is.
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false },
    write: true,
    inputSchema: {
      type: 'object',
      properties: {
        operation_id: text('The operationId, e.g. boards/list (see list_operations).'),
        params: { type: 'object', description: 'Path parameters by name.' },
        query: { type: 'object', description: 'Query parameters by name.' },
        body: { description: 'The JSON body.' },
        dry_run: DRY_RUN,
        approval_id: APPROVAL_ID,
      },
      required: ['operation_id'],
      additionalProperties: false,
    },
    outputSchema: DATA_OUTPUT,
    async run(context, args) {
      const operationId = String(args.operation_id);
      const served = context.served(operationId);
      if (!served) throw new ToolError(404, `pinbox does not serve ${operationId}.`, 'Call list_operations to see the operations pinbox serves.');
      const operation = { params: (args.params ?? {}) as Record<string, unknown>, query: (args.query ?? {}) as Record<string, unknown>, body: args.body };
      if (args.dry_run === true) {
        const verdict = await context.judge(operationId, operation);
        context.recordDryRun(operationId, operation, verdict);
        const path = `/v5${served.url.replace(/:([a-z_]+)/g, (_m, name: string) => encodeURIComponent(String(operation.params[name] ?? `{${name}}`)))}`;
        return { dry_run: true, request: { method: served.method, path, query: operation.query, body: operation.body ?? null }, decision: { decision: verdict.decision, rule: verdict.rule } };
      }
      const answer = await context.call(operationId, operation, { approvalId: typeof args.approval_id === 'string' ? args.approval_id : undefined });
      if (answer.status >= 400) throw failed(answer);
      return structured(answer);
    },
  },
];

/** pinbox's own tools: who the agent is, what it may do, its log; and the admin-only controls. */
export const PINBOX_TOOLS: readonly ToolDefinition[] = [
  {
    name: 'my_permissions',
    title: 'My permissions',
    description: 'What this agent may do: for each operation pinbox serves, the policy\'s decision (allowed, ask, denied) and its rule. Nothing is called.',
    operations: [],
    annotations: READ,
    write: false,
    inputSchema: { type: 'object', properties: { area: text('Only this area.') }, additionalProperties: false },
    outputSchema: {
      type: 'object',
      properties: {
        agent: { type: 'string' },
        items: { type: 'array', items: { type: 'object', properties: { operationId: { type: 'string' }, decision: { type: 'string' }, rule: { type: 'string' } }, required: ['operationId', 'decision', 'rule'] } },
      },
      required: ['agent', 'items'],
    },
    async run(context, args) {
      const area = typeof args.area === 'string' ? args.area : undefined;
      const items = [];
      for (const operation of context.catalogue()) {
        if (area && operation.area !== area) continue;
        const verdict = await context.judge(operation.operationId, {});
        items.push({ operationId: operation.operationId, decision: verdict.decision, rule: verdict.rule });
      }
      return { agent: context.agentName, items };
    },
  },
  {
    name: 'audit_tail',
    title: 'My recent calls',
    description: "This agent's latest entries in pinbox's audit log, as sentences.",
    operations: [],
    annotations: READ,
    write: false,
    inputSchema: { type: 'object', properties: { limit: { type: 'integer', minimum: 1, maximum: 100 } }, additionalProperties: false },
    outputSchema: {
      type: 'object',
      properties: { items: { type: 'array', items: { type: 'object', properties: { sentence: { type: 'string' }, decision: { type: 'string' } }, required: ['sentence', 'decision'] } } },
      required: ['items'],
    },
    async run(context, args) {
      return { items: await context.auditTail(typeof args.limit === 'number' ? args.limit : 20) };
    },
  },
  {
    name: 'reset',
    title: 'Reset pinbox',
    description: "Empties pinbox's store (or one user's content). Admin only.",
    operations: [],
    adminOnly: true,
    annotations: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
    write: true,
    inputSchema: { type: 'object', properties: { user: text("Only this user's content.") }, additionalProperties: false },
    outputSchema: { type: 'object', properties: { reset: { type: 'string' } }, required: ['reset'] },
    async run(context, args) {
      const user = typeof args.user === 'string' ? args.user : undefined;
      await context.admin!.reset(user);
      return { reset: user ?? 'all' };
    },
  },
  {
    name: 'advance_clock',
    title: "Move pinbox's clock",
    description: "Moves pinbox's clock forward (ms, or a duration like 2d, 90m): due work runs. Admin only.",
    operations: [],
    adminOnly: true,
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    write: true,
    inputSchema: { type: 'object', properties: { by: { type: ['string', 'integer'] } }, required: ['by'], additionalProperties: false },
    outputSchema: { type: 'object', properties: { at: { type: 'string' } }, required: ['at'] },
    async run(context, args) {
      return context.admin!.advanceClock(args.by as string | number);
    },
  },
  {
    name: 'inject_fault',
    title: 'Add a fault',
    description: 'Adds a fault rule (an error status, a delay, a dropped connection on matching calls). Admin only.',
    operations: [],
    adminOnly: true,
    annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    write: true,
    inputSchema: { type: 'object', properties: { rule: { type: 'object' } }, required: ['rule'], additionalProperties: false },
    outputSchema: { type: 'object' },
    async run(context, args) {
      return (await context.admin!.addFault(args.rule as Record<string, unknown>)) as Record<string, unknown>;
    },
  },
];

export const ALL_TOOLS: readonly ToolDefinition[] = [...CURATED_TOOLS, ...CATALOG_TOOLS, ...CATALOGUE_TOOLS, ...PINBOX_TOOLS];
