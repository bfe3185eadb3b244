/**
 * VISITOR, ENGAGEMENT and ACTALIKE audiences over HTTP, on a frozen clock: a
 * visitor audience counts the distinct matched people of its account's conversion
 * events inside its retention days (and its event and source filters); an
 * engagement audience the clicks and saves the ads analytics show; an actalike its
 * seeds' size × percentage; each rule checked naming its field. Every answer is
 * checked against the spec by the harness.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Clock } from '../../kernel/clock.js';
import { assertError, useServer } from '../../../test/harness.js';
import { adAccount, adsPerson, conversionEvents, servingAd } from '../../../test/ads.js';

const DAY = 86_400_000;
const clock = new Clock();
clock.freeze(Date.UTC(2026, 7, 3, 0, 0, 0));
const server = useServer({ clock, analyticsSeed: 2222 });
const day = (offset = 0) => new Date(Math.floor(clock.now() / DAY) * DAY + offset * DAY).toISOString().slice(0, 10);

describe('audience types', () => {
  let ready: ReturnType<typeof prepare> | null = null;
  const setup = () => (ready ??= prepare());
  /** An account with a tag, a day of one ad's delivery, and 120 matched people's events (some twice) plus strangers'. */
  async function prepare() {
    const s = server();
    const owner = await adsPerson(s);
    const acct = await adAccount(owner.client);
    const tag = await owner.client.post(`/ad_accounts/${acct.id}/conversion_tags`, { name: 'site' });
    assert.equal(tag.status, 200, JSON.stringify(tag.body));
    const start = day(0);
    const { campaign, ad } = await servingAd(s, owner.client, acct.id);
    await clock.advance('1d');
    const events = [
      ...conversionEvents(clock.now(), 120),
      ...conversionEvents(clock.now(), 20, (i) => `member-${i}@population.pinbox.test`, { event_name: 'signup', action_source: 'app_ios' }),
      ...conversionEvents(clock.now(), 5, (i) => `stranger-${i}@example.com`),
    ];
    const sent = await owner.client.post(`/ad_accounts/${acct.id}/events`, { data: events });
    assert.equal(sent.status, 200, JSON.stringify(sent.body));
    return { s, owner, acct, tag: tag.body, start, campaign, ad, path: `/ad_accounts/${acct.id}/audiences` };
  }
  const make = async (body: Record<string, unknown>) => {
    const { owner, path } = await setup();
    const made = await owner.client.post(path, { name: 'a', ...body });
    assert.equal(made.status, 200, JSON.stringify(made.body));
    return made.body;
  };

  test('VISITOR: the distinct matched people of the retention days, by event and source; READY from 100', async () => {
    const { tag, owner, path } = await setup();
    const all = await make({ audience_type: 'VISITOR', rule: { visitor_source_id: tag.id, retention_days: 30 } });
    assert.deepEqual([all.status, all.size, all.rule.retention_days, all.rule.prefill], ['READY', 120, 30, true]);
    const signups = await make({ audience_type: 'VISITOR', rule: { visitor_source_id: [tag.id], event: 'signup' } });
    assert.deepEqual([signups.status, signups.size, signups.rule.retention_days], ['TOO_SMALL', 20, 180]);
    const web = await make({ audience_type: 'VISITOR', rule: { visitor_source_id: tag.id, event_source: { '=': ['web'] }, ingestion_source: { '=': ['conversions_api'] } } });
    assert.equal(web.size, 120);
    const mobile = await make({ audience_type: 'VISITOR', rule: { visitor_source_id: tag.id, event_source: { '=': ['mobile'] } } });
    assert.equal(mobile.size, 20);
    // Two days on, a 1-day retention holds no one; the 30-day audience still everyone.
    const short = await make({ audience_type: 'VISITOR', rule: { visitor_source_id: tag.id, retention_days: 1 } });
    assert.equal(short.size, 120);
    await clock.advance('2d');
    assert.deepEqual([(await owner.client.get(`${path}/${short.id}`)).body.size, (await owner.client.get(`${path}/${short.id}`)).body.status], [0, 'TOO_SMALL']);
    assert.equal((await owner.client.get(`${path}/${all.id}`)).body.size, 120);
  });

  test('ENGAGEMENT: the clicks and saves of the retention days, as the ads analytics count them', async () => {
    const { owner, acct, start, campaign, ad } = await setup();
    const figures = await owner.client.get(`/ad_accounts/${acct.id}/analytics`, { query: { start_date: start, end_date: day(0), granularity: 'TOTAL', columns: 'TOTAL_CLICKTHROUGH,TOTAL_REPIN' } });
    assert.equal(figures.status, 200, JSON.stringify(figures.body));
    const [{ TOTAL_CLICKTHROUGH: clicks, TOTAL_REPIN: saves }] = figures.body;
    assert.ok(clicks + saves > 0);
    const everyone = await make({ audience_type: 'ENGAGEMENT', rule: { engagement_domain: ['www.example.com'], engager_type: 1 } });
    assert.equal(everyone.size, clicks + saves);
    assert.equal(everyone.status, clicks + saves >= 100 ? 'READY' : 'TOO_SMALL');
    const clickers = await make({ audience_type: 'ENGAGEMENT', rule: { engagement_domain: ['www.example.com'], engagement_type: 'click', campaign_id: [campaign.id] } });
    assert.equal(clickers.size, clicks);
    const savers = await make({ audience_type: 'ENGAGEMENT', rule: { engagement_domain: ['www.example.com'], engagement_type: 'save', ad_id: [ad.id] } });
    assert.equal(savers.size, saves);
    const elsewhere = await make({ audience_type: 'ENGAGEMENT', rule: { engagement_domain: ['www.example.com'], ad_id: ['1'] } });
    assert.deepEqual([elsewhere.size, elsewhere.status], [0, 'TOO_SMALL']);
  });

  test('ACTALIKE: its seeds\' size × percentage × 100; a seed under 100 people is TOO_SMALL', async () => {
    const { tag } = await setup();
    const seed = await make({ audience_type: 'VISITOR', rule: { visitor_source_id: tag.id, retention_days: 60 } });
    const like = await make({ audience_type: 'ACTALIKE', rule: { seed_id: [seed.id], country: 'US', percentage: 5 } });
    assert.deepEqual([like.status, like.size, like.rule], ['READY', seed.size * 5 * 100, { seed_id: [seed.id], country: 'US', percentage: 5 }]);
    const small = await make({ audience_type: 'VISITOR', rule: { visitor_source_id: tag.id, event: 'signup' } });
    const smallLike = await make({ audience_type: 'ACTALIKE', rule: { seed_id: [small.id], country: 'GB', percentage: '10' } });
    assert.deepEqual([smallLike.status, smallLike.size, smallLike.rule.percentage], ['TOO_SMALL', 0, 10]);
  });

  test('audience insights: sizes from the delivery, breakdowns of whole people adding up to the size, the same on every read', async () => {
    const { owner, acct, start } = await setup();
    const figures = (await owner.client.get(`/ad_accounts/${acct.id}/analytics`, { query: { start_date: start, end_date: day(0), granularity: 'TOTAL', columns: 'TOTAL_IMPRESSION,TOTAL_CLICKTHROUGH,TOTAL_REPIN' } })).body[0];
    const insights = async (type: string) => {
      const answer = await owner.client.get(`/ad_accounts/${acct.id}/audience_insights`, { query: { audience_insight_type: type } });
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      return answer.body;
    };
    const engaged = await insights('YOUR_ENGAGED_AUDIENCE');
    assert.equal(engaged.size, figures.TOTAL_CLICKTHROUGH + figures.TOTAL_REPIN);
    assert.equal((await insights('YOUR_TOTAL_AUDIENCE')).size, figures.TOTAL_IMPRESSION);
    assert.equal((await insights('PINTEREST_TOTAL_AUDIENCE')).size, 522_000_000);
    for (const [name, values] of Object.entries(engaged.demographics) as [string, { ratio: number }[]][]) {
      const people = values.map((v) => v.ratio * engaged.size);
      assert.ok(people.every((p) => Math.abs(p - Math.round(p)) < 1e-6), `${name}: whole people`);
      assert.equal(Math.round(people.reduce((a, b) => a + b, 0)), engaged.size, `${name} adds up to the size`);
    }
    assert.equal(Math.round(engaged.categories.reduce((t: number, c: any) => t + c.ratio * engaged.size, 0)), engaged.size);
    assert.deepEqual(await insights('YOUR_ENGAGED_AUDIENCE'), engaged);
    assertError(await owner.client.get(`/ad_accounts/${acct.id}/audience_insights`), 400, 1, 'audience_insight_type');
    const types = await owner.client.get(`/ad_accounts/${acct.id}/insights/audiences`);
    assert.deepEqual(types.body.items.map((i: any) => i.type), ['YOUR_TOTAL_AUDIENCE', 'YOUR_ENGAGED_AUDIENCE', 'PINTEREST_TOTAL_AUDIENCE']);
  });

  test('each rule is checked, naming the field', async () => {
    const { owner, path, tag, s } = await setup();
    const other = await adAccount(owner.client);
    const foreignTag = (await owner.client.post(`/ad_accounts/${other.id}/conversion_tags`, { name: 'x' })).body;
    const seed = await make({ audience_type: 'VISITOR', rule: { visitor_source_id: tag.id } });
    const like = await make({ audience_type: 'ACTALIKE', rule: { seed_id: [seed.id], country: 'CA', percentage: 1 } });
    const cases: [Record<string, unknown>, string][] = [
      [{ audience_type: 'VISITOR', rule: {} }, 'rule.visitor_source_id'],
      [{ audience_type: 'VISITOR', rule: { visitor_source_id: foreignTag.id } }, 'rule.visitor_source_id'],
      [{ audience_type: 'VISITOR', rule: { visitor_source_id: tag.id, retention_days: 541 } }, 'rule.retention_days'],
      [{ audience_type: 'VISITOR', rule: { visitor_source_id: tag.id, event: 'purchase' } }, 'rule.event'],
      [{ audience_type: 'VISITOR', rule: { visitor_source_id: tag.id, event_source: { '=': ['tv'] } } }, 'rule.event_source'],
      [{ audience_type: 'ENGAGEMENT', rule: { engager_type: 1 } }, 'rule.engagement_domain'],
      [{ audience_type: 'ENGAGEMENT', rule: { engagement_domain: ['a.com'], engager_type: 3 } }, 'rule.engager_type'],
      [{ audience_type: 'ENGAGEMENT', rule: { engagement_domain: ['a.com'], engagement_type: 'stare' } }, 'rule.engagement_type'],
      [{ audience_type: 'ACTALIKE', rule: { seed_id: [seed.id], country: 'FR', percentage: 1 } }, 'rule.country'],
      [{ audience_type: 'ACTALIKE', rule: { seed_id: [seed.id], country: 'US', percentage: 11 } }, 'rule.percentage'],
      [{ audience_type: 'ACTALIKE', rule: { seed_id: [], country: 'US', percentage: 1 } }, 'rule.seed_id'],
      [{ audience_type: 'ACTALIKE', rule: { seed_id: ['123'], country: 'US', percentage: 1 } }, 'rule.seed_id'],
      [{ audience_type: 'ACTALIKE', rule: { seed_id: [like.id], country: 'US', percentage: 1 } }, 'rule.seed_id'],
    ];
    for (const [body, field] of cases) assertError(await owner.client.post(path, { name: 'bad', ...body }), 400, 1, field);
    // An update's rule is checked by the audience's own type.
    assertError(await owner.client.patch(`${path}/${seed.id}`, { rule: { visitor_source_id: tag.id, retention_days: 0 } }), 400, 1, 'rule.retention_days');
    const stranger = await adsPerson(s);
    assertError(await stranger.client.post(path, { name: 'x', audience_type: 'ENGAGEMENT', rule: { engagement_domain: ['a.com'] } }), 403, 29);
  });
});
