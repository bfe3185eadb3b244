/**
 * Over HTTP: keyword metrics, trending keywords, related and suggested terms, all
 * from the seeded model over a real word list: the spec's regions, trend types and
 * filters, the limits' 400s, and the same answers for the same instance seed (other
 * answers for another). Every answer is checked against the official spec by the harness.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { answeredStatuses, assertError, useServer, type Client } from '../../../test/harness.js';
import { adAccount, adsPerson } from '../../../test/ads.js';

const server = useServer({ analyticsSeed: 7 });
const twin = useServer({ analyticsSeed: 7 });
const other = useServer({ analyticsSeed: 8 });

const VOLUMES = ['<100', '100+', '1K+', '10K+', '100K+', '500K+', '1M+', '5M+'];
const DAY = 86_400_000;

async function metrics(client: Client, accountId: string, keywords: string[], country = 'US'): Promise<Map<string, string>> {
  const response = await client.get(`/ad_accounts/${accountId}/keywords/metrics`, { query: { country_code: country, keywords: keywords.join(',') } });
  assert.equal(response.status, 200, JSON.stringify(response.body));
  return new Map(response.body.data.map((row: any) => [row.keyword, row.metrics.keyword_query_volume]));
}

describe('keyword metrics', () => {
  test('a search-volume floor for each keyword: common words above rare ones and phrases, the US above a small market; bad input refused', async () => {
    const s = server();
    const owner = await adsPerson(s);
    const acct = await adAccount(owner.client);
    const us = await metrics(owner.client, acct.id, ['water', 'garden', 'zymurgy', 'garden water hose', 'qqqq']);
    assert.deepEqual([...us.keys()], ['water', 'garden', 'zymurgy', 'garden water hose', 'qqqq']);
    for (const volume of us.values()) assert.ok(VOLUMES.includes(volume), volume);
    const rank = (volume: string) => VOLUMES.indexOf(volume);
    assert.ok(rank(us.get('water')!) > rank(us.get('zymurgy')!), JSON.stringify([...us]));
    assert.ok(rank(us.get('garden')!) > rank(us.get('garden water hose')!), JSON.stringify([...us]));
    const small = await metrics(owner.client, acct.id, ['water', 'garden'], 'LU');
    assert.ok(rank(small.get('water')!) <= rank(us.get('water')!) && rank(small.get('garden')!) <= rank(us.get('garden')!));

    const path = `/ad_accounts/${acct.id}/keywords/metrics`;
    assertError(await owner.client.get(path, { query: { country_code: 'XX', keywords: 'water' } }), 400, 1, 'country_code');
    assertError(await owner.client.get(path, { query: { keywords: 'water' } }), 400, 1, 'country_code');
    assertError(await owner.client.get(path, { query: { country_code: 'US' } }), 400, 1, 'keywords');
    assertError(await owner.client.get(path, { query: { country_code: 'US', keywords: Array.from({ length: 2001 }, (_, i) => `k${i}`).join(',') } }), 400, 1, 'keywords');
    assertError(await (await adsPerson(s)).client.get(path, { query: { country_code: 'US', keywords: 'water' } }), 403, 29);
  });
});

describe('trending keywords', () => {
  test('every region and trend type; weekly series ending on a Sunday, normalized per keyword or against the group; limit and filters', async () => {
    const { api, pinbox } = server();
    const today = Math.floor(pinbox.clock.now() / DAY) * DAY;
    for (const [region, type] of [['US', 'growing'], ['GB+IE', 'monthly'], ['MX+AR+CO+CL', 'yearly'], ['AU+NZ', 'seasonal']]) {
      const response = await api.get(`/trends/keywords/${region}/top/${type}`);
      assert.equal(response.status, 200, JSON.stringify(response.body));
      const { trends } = response.body;
      assert.equal(trends.length, 50);
      assert.equal(new Set(trends.map((t: any) => t.keyword)).size, 50);
      for (const trend of trends) {
        const dates = Object.keys(trend.time_series);
        assert.equal(dates.length, 53);
        const last = Date.parse(dates.at(-1)!);
        assert.ok(new Date(last).getUTCDay() === 0 && last <= today && today - last < 7 * DAY, dates.at(-1));
        assert.equal(Math.max(...(Object.values(trend.time_series) as number[])), 100);
        assert.ok(!('predicted_time_series' in trend) && !('demographics' in trend));
      }
    }
    const grouped = (await api.get('/trends/keywords/US/top/monthly', { query: { normalize_against_group: true, limit: 10 } })).body.trends;
    assert.equal(grouped.length, 10);
    const peaks = grouped.map((t: any) => Math.max(...(Object.values(t.time_series) as number[])));
    assert.equal(Math.max(...peaks), 100);
    assert.ok(peaks.some((peak: number) => peak < 100), JSON.stringify(peaks));

    const food = (await api.get('/trends/keywords/US/top/growing', { query: { interests: 'food_and_drinks', limit: 5 } })).body.trends;
    const all = (await api.get('/trends/keywords/US/top/growing', { query: { limit: 50 } })).body.trends.map((t: any) => t.keyword);
    assert.equal(food.length, 5);
    assert.notDeepEqual(food.map((t: any) => t.keyword), all.slice(0, 5));
    const withSalad = (await api.get('/trends/keywords/US/top/growing', { query: { include_keywords: ['salad', 'soup'] } })).body.trends;
    assert.ok(withSalad.length > 0 && withSalad.every((t: any) => / ?(salad|soup) ?/.test(` ${t.keyword} `)), JSON.stringify(withSalad.map((t: any) => t.keyword)));
    const women = (await api.get('/trends/keywords/US/top/growing', { query: { genders: 'female', ages: ['18-24', '25-34'], limit: 50 } })).body.trends.map((t: any) => t.keyword);
    assert.notDeepEqual(women, all);

    const rich = (await api.get('/trends/keywords/CA/top/seasonal', { query: { include_prediction: true, include_demographics: true, limit: 3 } })).body.trends;
    for (const trend of rich) {
      assert.equal(trend.has_prediction, true);
      const ahead = Object.keys(trend.predicted_time_series);
      assert.equal(ahead.length, 13);
      assert.equal(Date.parse(ahead[0]) - Date.parse(Object.keys(trend.time_series).at(-1)!), 7 * DAY);
      const ages = Object.values(trend.demographics.age_distribution) as number[];
      assert.deepEqual(Object.keys(trend.demographics.gender_distribution), ['female', 'male', 'unspecified']);
      assert.ok(Math.abs(ages.reduce((a, b) => a + b, 0) - 1) < 0.1, JSON.stringify(ages));
    }

    assertError(await api.get('/trends/keywords/XX/top/growing'), 400, 1);
    assertError(await api.get('/trends/keywords/US/top/weekly'), 400, 1);
    assertError(await api.get('/trends/keywords/US/top/growing', { query: { limit: 51 } }), 400, 1, 'limit');
    assertError(await api.get('/trends/keywords/US/top/growing', { query: { interests: 'cars' } }), 400, 1);
    assertError(await api.get('/trends/keywords/US/top/growing', { query: { include_keywords: Array.from({ length: 51 }, (_, i) => `k${i}`) } }), 400, 1, 'include_keywords');
  });
});

describe('featured topics', () => {
  test('the five fastest-growing topics of an interest and market, each with its growth, related searches and series', async () => {
    const { api } = server();
    const [all] = (await api.get('/trends/topics/featured', { query: { region: 'US' } })).body;
    assert.deepEqual([all.interest, all.market, all.trends.length], ['ALL', 'US', 5]);
    const growing = (await api.get('/trends/keywords/US/top/growing', { query: { limit: 5 } })).body.trends;
    assert.deepEqual(all.trends.map((t: any) => [t.title, t.percent_growth_mom, t.time_series]), growing.map((t: any) => [t.keyword, t.pct_growth_mom, t.time_series]));
    for (const topic of all.trends) {
      assert.equal(topic.related_searches.length, 5);
      assert.ok(topic.related_searches.every((search: string) => search.includes(topic.title)));
      assert.match(topic.description, /month over month in US/);
    }
    const [food] = (await api.get('/trends/topics/featured', { query: { region: 'GB+IE', interest: 'FOOD_AND_DRINKS' } })).body;
    assert.ok(food.trends.every((t: any) => t.related_interests[0] === 'food_and_drinks'), JSON.stringify(food.trends.map((t: any) => t.related_interests)));
    const [fashion] = (await api.get('/trends/topics/featured', { query: { region: 'CA', interest: 'FASHION' } })).body;
    assert.ok(fashion.trends.every((t: any) => t.related_interests[0].endsWith('_fashion')));
    assertError(await api.get('/trends/topics/featured', { query: { region: 'DE' } }), 400, 1);
    assertError(await api.get('/trends/topics/featured'), 400, 1, 'region');
  });
});

describe('terms', () => {
  test('related terms hold their term; suggested terms begin with it, up to the limit', async () => {
    const { api } = server();
    const related = (await api.get('/terms/related', { query: { terms: ['workout', 'garden'] } })).body;
    assert.deepEqual(related.related_terms_list.map((r: any) => r.term), ['workout', 'garden']);
    for (const { term, related_terms } of related.related_terms_list) {
      assert.equal(related_terms.length, 8);
      assert.ok(related_terms.every((t: string) => t.split(' ').includes(term)), JSON.stringify(related_terms));
    }
    assert.equal(related.related_term_count, 16);
    const sport = (await api.get('/terms/suggested', { query: { term: 'sport', limit: 10 } })).body;
    assert.equal(sport.length, 10);
    assert.ok(sport.every((t: string) => t.startsWith('sport') && t !== 'sport'), JSON.stringify(sport));
    assert.ok(sport.includes('sports'), JSON.stringify(sport));
    assert.equal((await api.get('/terms/suggested', { query: { term: 'garden party' } })).body.length, 4);
    assertError(await api.get('/terms/suggested', { query: { term: 'sport', limit: 11 } }), 400, 1, 'limit');
    assertError(await api.get('/terms/suggested'), 400, 1, 'term');
    assertError(await api.get('/terms/related'), 400, 1, 'terms');
  });
});

describe('one model, one seed', () => {
  test('two instances with the same seed answer alike; another seed answers otherwise', async () => {
    const answers = async (api: Client, accountId: string) => ({
      metrics: [...(await metrics(api, accountId, ['water', 'garden', 'lamp', 'winter coat', 'recipes'])).entries()],
      related: (await api.get('/terms/related', { query: { terms: 'lamp' } })).body,
      suggested: (await api.get('/terms/suggested', { query: { term: 'garden party', limit: 10 } })).body,
      trends: (await api.get('/trends/keywords/US/top/growing', { query: { limit: 20 } })).body.trends.map((t: any) => [t.keyword, t.pct_growth_wow, t.pct_growth_mom, t.pct_growth_yoy, Object.values(t.time_series)]),
    });
    const on = async (s: ReturnType<typeof server>) => {
      const person = await adsPerson(s);
      return answers(person.client, (await adAccount(person.client)).id);
    };
    const [first, second, third] = [await on(server()), await on(twin()), await on(other())];
    assert.deepEqual(second, first);
    assert.notDeepEqual(third.trends, first.trends);
    assert.notDeepEqual(third.related, first.related);
    assert.notDeepEqual(third.metrics, first.metrics);
  });
});

test('every planning and trends operation was answered here both as it succeeds and as it is refused', () => {
  for (const operationId of ['country_keywords_metrics/get', 'trending_keywords/list', 'trends_featured_topics/list', 'terms_related/list', 'terms_suggested/list']) {
    const statuses = answeredStatuses(operationId);
    assert.ok(statuses.some((status) => status < 300), `${operationId} never answered a success here (${statuses.join(', ') || 'not called'})`);
    assert.ok(statuses.some((status) => status >= 400), `${operationId} never answered a refusal here (${statuses.join(', ') || 'not called'})`);
  }
});
