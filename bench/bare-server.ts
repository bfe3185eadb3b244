/**
 * The baseline: a bare Fastify server answering the bench's requests from memory
 * (a fixed Pin, a fixed page of 25 Pins, a create that validates and stores in a
 * Map, a fixed search page, 90 days of account analytics, a fixed page of 25
 * campaigns and a bulk create of 30 campaigns). pinbox is measured
 * against it in the same run.
 */
import Fastify from 'fastify';

const pin = {
  id: '1800000000000000001',
  created_at: '2026-01-01T00:00:00',
  link: 'https://example.com/',
  title: 'A fixed Pin',
  description: 'Served from memory',
  dominant_color: null,
  alt_text: null,
  creative_type: 'REGULAR',
  board_id: '1800000000000000000',
  board_section_id: null,
  board_owner: { username: 'bare' },
  is_owner: true,
  media: { media_type: 'image', images: { originals: { url: 'https://example.com/image.jpg', width: null, height: null } } },
  parent_pin_id: null,
  is_standard: true,
  has_been_promoted: false,
};
const page = { items: Array.from({ length: 25 }, (_, i) => ({ ...pin, id: String(1800000000000000001n + BigInt(i)) })), bookmark: 'AAAAAAAAAAAAAAAAAAAAAAAA' };
const stored = new Map<string, unknown>();
const metrics = { ENGAGEMENT: 120, ENGAGEMENT_RATE: 0.04, IMPRESSION: 3000, OUTBOUND_CLICK: 20, OUTBOUND_CLICK_RATE: 0.0067, PIN_CLICK: 60, PIN_CLICK_RATE: 0.02, SAVE: 40, SAVE_RATE: 0.0133 };
const analytics = {
  all: {
    daily_metrics: Array.from({ length: 90 }, (_, i) => ({ date: new Date(Date.UTC(2026, 0, 1 + i)).toISOString().slice(0, 10), data_status: 'READY', metrics })),
    summary_metrics: metrics,
  },
};
let nextId = 1900000000000000000n;

const app = Fastify({ logger: false });
app.get('/v5/pins/:pin_id', async () => pin);
app.get('/v5/boards/:board_id/pins', async () => page);
app.get('/v5/search/pins', async () => page);
app.get('/v5/user_account/analytics', async () => analytics);
app.post(
  '/v5/pins',
  {
    schema: {
      body: {
        type: 'object',
        required: ['board_id', 'media_source'],
        properties: {
          board_id: { type: 'string', pattern: '^\\d+$' },
          title: { type: ['string', 'null'], maxLength: 100 },
          media_source: { type: 'object', required: ['source_type'] },
        },
      },
    },
  },
  async (request, reply) => {
    const id = (nextId++).toString();
    const created = { ...pin, ...(request.body as object), id };
    stored.set(id, created);
    return reply.code(201).send(created);
  },
);
// The ads scenarios: a fixed page of 25 campaigns, and a bulk create of 1..30 items validated and kept in a Map.
const campaign = {
  id: '700000000000000001',
  ad_account_id: '700000000000000000',
  name: 'A fixed campaign',
  status: 'ACTIVE',
  objective_type: 'CONSIDERATION',
  daily_spend_cap: 50_000_000,
  lifetime_spend_cap: null,
  is_campaign_budget_optimization: false,
  is_performance_plus: false,
  is_flexible_daily_budgets: false,
  is_automated_campaign: false,
  default_ad_group_budget_in_micro_currency: null,
  order_line_id: null,
  start_time: 1767225600,
  end_time: null,
  summary_status: 'RUNNING',
  type: 'campaign',
  created_time: 1767225600,
  updated_time: 1767225600,
};
const campaignPage = { items: Array.from({ length: 25 }, (_, i) => ({ ...campaign, id: String(700000000000000001n + BigInt(i)) })), bookmark: 'AAAAAAAAAAAAAAAAAAAAAAAA' };
app.get('/v5/ad_accounts/:ad_account_id/campaigns', async () => campaignPage);
// The ads analytics bench: 90 DAY rows of an ad account, from memory.
const adAnalyticsRows = Array.from({ length: 90 }, (_, i) => ({
  AD_ACCOUNT_ID: '549755885175',
  DATE: new Date(Date.UTC(2026, 0, 1) + i * 86_400_000).toISOString().slice(0, 10),
  SPEND_IN_MICRO_DOLLAR: 1_234_567_890,
  IMPRESSION_1: 1_234_567,
  CLICKTHROUGH_1: 12_345,
  CTR: 0.01,
  CPC_IN_MICRO_DOLLAR: 100_005.5,
  CPM_IN_MICRO_DOLLAR: 1_000_000.1,
}));
app.get('/v5/ad_accounts/:ad_account_id/analytics', async () => adAnalyticsRows);
app.post(
  '/v5/ad_accounts/:ad_account_id/campaigns',
  {
    schema: {
      body: {
        type: 'array',
        minItems: 1,
        maxItems: 30,
        items: {
          type: 'object',
          required: ['name', 'objective_type'],
          properties: {
            name: { type: 'string', minLength: 1, maxLength: 255 },
            objective_type: { enum: ['AWARENESS', 'CONSIDERATION', 'WEB_CONVERSION', 'CATALOG_SALES', 'VIDEO_COMPLETION'] },
            daily_spend_cap: { type: ['integer', 'null'] },
          },
        },
      },
    },
  },
  async (request) => ({
    items: (request.body as object[]).map((item) => {
      const id = (nextId++).toString();
      const created = { ...campaign, ...item, id };
      stored.set(id, created);
      return { data: created, exceptions: [] };
    }),
  }),
);
await app.listen({ port: Number(process.env.PORT ?? 0), host: '127.0.0.1' });
const address = app.server.address();
process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : ''}\n`);
