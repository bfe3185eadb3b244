/**
 * Ads: a user's ad accounts, each account's campaigns → ad groups → ads as a tree
 * with their statuses, a campaign's cumulative spend against its budget as pinbox's
 * clock moves, and the account's async reports and bulk requests with their files.
 * Routes: #/ads, #/ads/<user>, #/ads/<user>/<account>, #/ads/<user>/<account>/campaigns/<id>.
 */
import { UserSelect } from '../parts/user-select.js';
import { useState } from 'preact/hooks';
import { control, v5, v5All } from '../api.js';
import { TimeChart } from '../parts/chart.js';
import { ErrorNote, Show, money, useLoad, when } from '../parts/common.js';
import { href } from '../router.js';

interface AdAccount {
  id: string;
  name: string;
  currency?: string;
}
interface Campaign {
  id: string;
  name: string;
  status: string;
  summary_status?: string;
  objective_type?: string;
  lifetime_spend_cap?: number | null;
  daily_spend_cap?: number | null;
  created_time?: number;
}
interface AdGroup {
  id: string;
  name: string;
  campaign_id: string;
  status: string;
  summary_status?: string;
  budget_in_micro_currency?: number | null;
  budget_type?: string;
}
interface Ad {
  id: string;
  name?: string | null;
  ad_group_id: string;
  campaign_id: string;
  status: string;
  summary_status?: string;
  review_status?: string;
}

export function Ads({ parts }: { parts: string[] }) {
  const [user, account, kind, id] = parts;
  return (
    <>
      <h1>Ads</h1>
      <UserSelect view="ads" id="ads-user" user={user} />
      {user && !account && <Accounts user={user} />}
      {user && account && !kind && <Account user={user} account={account} />}
      {user && account && kind === 'campaigns' && id && <CampaignView user={user} account={account} campaign={id} />}
    </>
  );
}


function Accounts({ user }: { user: string }) {
  const accounts = useLoad(() => v5All<AdAccount>(user, '/ad_accounts'), [user]);
  return (
    <section aria-labelledby="ads-accounts-title">
      <h2 id="ads-accounts-title">Ad accounts of {user}</h2>
      <Show loaded={accounts}>
        {(items) =>
          items.length === 0 ? (
            <p class="muted">No ad accounts.</p>
          ) : (
            <ul id="ads-accounts">
              {items.map((a) => (
                <li key={a.id}>
                  <a href={href('ads', user, a.id)}>{a.name}</a> <span class="muted">{a.id}</span>
                </li>
              ))}
            </ul>
          )
        }
      </Show>
    </section>
  );
}

interface Tree {
  account: AdAccount;
  campaigns: Campaign[];
  groups: AdGroup[];
  ads: Ad[];
}

async function loadTree(user: string, account: string, campaignId?: string): Promise<Tree> {
  const filter = campaignId ? `?campaign_ids=${campaignId}` : '';
  const [acct, campaigns, groups, ads] = await Promise.all([
    v5<AdAccount>(user, 'GET', `/ad_accounts/${account}`),
    v5All<Campaign>(user, `/ad_accounts/${account}/campaigns${filter}`),
    v5All<AdGroup>(user, `/ad_accounts/${account}/ad_groups${filter}`),
    v5All<Ad>(user, `/ad_accounts/${account}/ads${filter}`),
  ]);
  return { account: acct, campaigns, groups, ads };
}

function Statuses({ item }: { item: { status: string; summary_status?: string; review_status?: string } }) {
  return (
    <span class="ads-statuses">
      <span class="badge" data-kind="status">{item.status}</span>
      {item.summary_status && (
        <span class="badge" data-kind="summary_status">
          {item.summary_status}
        </span>
      )}
      {item.review_status && (
        <span class={`badge ${item.review_status === 'APPROVED' ? 'ok' : ''}`} data-kind="review_status">
          review {item.review_status}
        </span>
      )}
    </span>
  );
}

function CampaignTree({ user, tree, open = false }: { user: string; tree: Tree; open?: boolean }) {
  const inCampaign = open;
  if (tree.campaigns.length === 0) return <p class="muted">No campaigns.</p>;
  return (
    <ul class="ads-tree" id="ads-tree">
      {tree.campaigns.map((c) => (
        <li key={c.id} id={`campaign-${c.id}`}>
          <details open={open}>
            <summary>
              Campaign <strong>{c.name}</strong> <Statuses item={c} />
            </summary>
            {!inCampaign && (
              <p>
                <a href={href('ads', user, tree.account.id, 'campaigns', c.id)}>Spend and ads of {c.name}</a>
              </p>
            )}
            <ul>
              {tree.groups
                .filter((g) => g.campaign_id === c.id)
                .map((g) => (
                  <li key={g.id} id={`ad-group-${g.id}`}>
                    <details open={open}>
                      <summary>
                        Ad group <strong>{g.name}</strong> <Statuses item={g} /> <span class="muted">budget {money(g.budget_in_micro_currency)}</span>
                      </summary>
                      <ul>
                        {tree.ads
                          .filter((a) => a.ad_group_id === g.id)
                          .map((a) => (
                            <li key={a.id} id={`ad-${a.id}`}>
                              Ad <strong>{a.name || a.id}</strong> <Statuses item={a} />
                            </li>
                          ))}
                      </ul>
                    </details>
                  </li>
                ))}
            </ul>
          </details>
        </li>
      ))}
    </ul>
  );
}

function Account({ user, account }: { user: string; account: string }) {
  const tree = useLoad(() => loadTree(user, account), [user, account]);
  return (
    <>
      <p>
        <a href={href('ads', user)}>All ad accounts of {user}</a> · <a href={href('catalogs', user, account)}>Catalogs &amp; audiences of this account</a>
      </p>
      <Show loaded={tree}>
        {(data) => (
          <section aria-labelledby="ads-account-title">
            <h2 id="ads-account-title">
              {data.account.name} <span class="muted">{data.account.id}</span>
            </h2>
            <CampaignTree user={user} tree={data} />
          </section>
        )}
      </Show>
      <Requests user={user} account={account} />
    </>
  );
}

const DAY = 86_400_000;
const HOUR = 3_600_000;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

interface SpendData {
  x: number[];
  cumulative: number[];
  budget: (number | null)[];
  total: number;
  budgetLabel: string;
  granularity: 'DAY' | 'HOUR';
}

async function loadSpend(user: string, account: string, campaign: Campaign, groups: AdGroup[], granularity: 'DAY' | 'HOUR'): Promise<SpendData> {
  const clock = await control<{ now: number }>('GET', '/clock');
  const end = Math.floor(clock.now / DAY) * DAY;
  const created = campaign.created_time ? Math.floor((campaign.created_time * 1000) / DAY) * DAY : end;
  // Pinterest keeps hourly figures for a few days only: HOUR shows the last two days and today.
  const start = Math.max(created, end - (granularity === 'HOUR' ? 2 : 89) * DAY);
  const step = granularity === 'HOUR' ? HOUR : DAY;
  const last = granularity === 'HOUR' ? Math.floor(clock.now / HOUR) * HOUR : end;
  const rows = await v5<{ DATE?: string; HOUR?: number; SPEND_IN_MICRO_DOLLAR?: number }[]>(
    user,
    'GET',
    `/ad_accounts/${account}/campaigns/analytics?campaign_ids=${campaign.id}&columns=SPEND_IN_MICRO_DOLLAR&granularity=${granularity}&start_date=${isoDay(start)}&end_date=${isoDay(end)}`,
  );
  const byDay = new Map<string, number>();
  const keyOf = (date: string, hour?: number) => (granularity === 'HOUR' ? `${date}T${hour ?? 0}` : date);
  for (const row of rows) if (row.DATE) byDay.set(keyOf(row.DATE, row.HOUR), (byDay.get(keyOf(row.DATE, row.HOUR)) ?? 0) + (row.SPEND_IN_MICRO_DOLLAR ?? 0));
  const x: number[] = [];
  const cumulative: number[] = [];
  const budget: (number | null)[] = [];
  let sum = 0;
  let days = 0;
  // Without a campaign cap, the budget is its ad groups': daily ones add up each day, lifetime ones once.
  const own = groups.filter((g) => g.campaign_id === campaign.id && g.budget_in_micro_currency);
  const groupDaily = own.filter((g) => g.budget_type !== 'LIFETIME').reduce((n, g) => n + (g.budget_in_micro_currency ?? 0), 0);
  const groupLifetime = own.filter((g) => g.budget_type === 'LIFETIME').reduce((n, g) => n + (g.budget_in_micro_currency ?? 0), 0);
  for (let t = start; t <= last; t += step) {
    days = Math.floor((t - start) / DAY) + 1;
    sum += byDay.get(keyOf(isoDay(t), new Date(t).getUTCHours())) ?? 0;
    x.push(t / 1000);
    cumulative.push(Number((sum / 1_000_000).toFixed(2)));
    if (campaign.lifetime_spend_cap) budget.push(campaign.lifetime_spend_cap / 1_000_000);
    else if (campaign.daily_spend_cap) budget.push(Number(((campaign.daily_spend_cap * days) / 1_000_000).toFixed(2)));
    else if (own.length) budget.push(Number(((groupDaily * days + groupLifetime) / 1_000_000).toFixed(2)));
    else budget.push(null);
  }
  const budgetLabel = campaign.lifetime_spend_cap
    ? 'against its lifetime spend cap'
    : campaign.daily_spend_cap
      ? 'against its daily spend cap, summed by day'
      : own.length
        ? "against its ad groups' budgets, summed by day"
        : 'no budget';
  return { x, cumulative, budget, total: sum, budgetLabel, granularity };
}

function SpendChart({ user, account, campaign, groups }: { user: string; account: string; campaign: Campaign; groups: AdGroup[] }) {
  const [granularity, setGranularity] = useState<'DAY' | 'HOUR'>('DAY');
  const spend = useLoad(() => loadSpend(user, account, campaign, groups, granularity), [user, account, campaign.id, granularity]);
  return (
    <section aria-labelledby="campaign-spend-title">
      <h2 id="campaign-spend-title">Spend against budget</h2>
      <div class="row">
        <label for="campaign-spend-granularity">By</label>
        <select id="campaign-spend-granularity" value={granularity} onChange={(event) => setGranularity(event.currentTarget.value as 'DAY' | 'HOUR')}>
          <option value="DAY">day</option>
          <option value="HOUR">hour (the last days)</option>
        </select>
      </div>
      <Show loaded={spend}>
        {(data) => (
          <>
            <p id="campaign-spend-total" data-spend-micro={data.total} data-granularity={data.granularity}>
              Spent so far: <strong>{money(data.total)}</strong>
              {campaign.lifetime_spend_cap ? <> of a lifetime cap of {money(campaign.lifetime_spend_cap)}</> : null}
              {campaign.daily_spend_cap ? <> ({money(campaign.daily_spend_cap)} a day)</> : null}
            </p>
            <TimeChart
              id="campaign-spend-chart"
              title={`Cumulative spend of ${campaign.name} by ${data.granularity === 'HOUR' ? 'hour' : 'day'}, ${data.budgetLabel}`}
              x={data.x}
              series={[
                { label: 'cumulative spend', values: data.cumulative },
                ...(data.budget.some((b) => b !== null) ? [{ label: 'budget', values: data.budget }] : []),
              ]}
            />
          </>
        )}
      </Show>
      <button type="button" id="campaign-spend-reload" onClick={spend.reload}>
        Reload spend
      </button>
    </section>
  );
}

function CampaignView({ user, account, campaign }: { user: string; account: string; campaign: string }) {
  const tree = useLoad(() => loadTree(user, account, campaign), [user, account, campaign]);
  return (
    <>
      <p>
        <a href={href('ads', user, account)}>Back to the ad account {account}</a>
      </p>
      <Show loaded={tree}>
        {(data) => {
          const c = data.campaigns.find((x) => x.id === campaign);
          if (!c) return <ErrorNote error={new Error(`No campaign ${campaign} in ad account ${account}.`)} />;
          return (
            <>
              <section aria-labelledby="campaign-title" id="campaign">
                <h2 id="campaign-title">
                  Campaign {c.name} <Statuses item={c} />
                </h2>
                <dl class="facts">
                  <dt>id</dt>
                  <dd>{c.id}</dd>
                  <dt>objective</dt>
                  <dd>{c.objective_type ?? '—'}</dd>
                  <dt>lifetime cap</dt>
                  <dd>{money(c.lifetime_spend_cap)}</dd>
                  <dt>daily cap</dt>
                  <dd>{money(c.daily_spend_cap)}</dd>
                </dl>
              </section>
              <SpendChart user={user} account={account} campaign={c} groups={data.groups} />
              <section aria-labelledby="campaign-ads-title">
                <h2 id="campaign-ads-title">Ad groups and ads</h2>
                <CampaignTree user={user} tree={data} open />
              </section>
            </>
          );
        }}
      </Show>
    </>
  );
}

interface Requests {
  reports: { token: string; kind: string; created_at: number; due_at: number; finished_at: number | null }[];
  bulk_requests: { id: string; kind: string; status: string; created_at: number; due_at: number }[];
}

function Requests({ user, account }: { user: string; account: string }) {
  const requests = useLoad(() => control<Requests>('GET', `/ad_accounts/${account}/requests`), [account]);
  return (
    <section aria-labelledby="ads-requests-title">
      <h2 id="ads-requests-title">Reports and bulk requests</h2>
      <Show loaded={requests}>
        {(data) => (
          <>
            <h3>Reports</h3>
            {data.reports.length === 0 ? (
              <p class="muted">No reports asked for.</p>
            ) : (
              <table id="ads-reports">
                <thead>
                  <tr>
                    <th scope="col">token</th>
                    <th scope="col">kind</th>
                    <th scope="col">asked</th>
                    <th scope="col">state</th>
                  </tr>
                </thead>
                <tbody>
                  {data.reports.map((r) => (
                    <tr key={r.token}>
                      <td>
                        <code>{r.token}</code>
                      </td>
                      <td>{r.kind}</td>
                      <td>{when(r.created_at)}</td>
                      <td>
                        <FileState user={user} path={`/ad_accounts/${account}/${r.kind === 'MMM' ? 'mmm_reports' : r.kind === 'PRODUCT' ? 'reports/brand_category_sku' : 'reports'}?token=${encodeURIComponent(r.token)}`} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            <h3>Bulk requests</h3>
            {data.bulk_requests.length === 0 ? (
              <p class="muted">No bulk requests.</p>
            ) : (
              <table id="ads-bulk">
                <thead>
                  <tr>
                    <th scope="col">id</th>
                    <th scope="col">kind</th>
                    <th scope="col">asked</th>
                    <th scope="col">state</th>
                  </tr>
                </thead>
                <tbody>
                  {data.bulk_requests.map((b) => (
                    <tr key={b.id}>
                      <td>{b.id}</td>
                      <td>{b.kind}</td>
                      <td>{when(b.created_at)}</td>
                      <td>
                        <FileState user={user} path={`/ad_accounts/${account}/bulk/${b.id}`} />
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </>
        )}
      </Show>
    </section>
  );
}

/** A report's or bulk request's state as v5 answers it, with a link to its signed file once there is one. */
function FileState({ user, path }: { user: string; path: string }) {
  const state = useLoad(async () => {
    const body = await v5<Record<string, unknown>>(user, 'GET', path);
    const data = (body.data as Record<string, unknown> | undefined) ?? body;
    return { status: String(data.report_status ?? data.status ?? '—'), url: (data.url ?? data.result_url ?? data.file_url ?? null) as string | null };
  }, [user, path]);
  return (
    <Show loaded={state}>
      {(s) => (
        <>
          <span class="badge">{s.status}</span>{' '}
          {s.url && (
            <a href={s.url} class="file-link">
              file
            </a>
          )}
        </>
      )}
    </Show>
  );
}
