/**
 * Catalogs: a user's feeds with their processing results (counts, errors, warnings)
 * and a result's item issues, and the product groups of each feed with their counts.
 * Routes: #/catalogs, #/catalogs/<user>.
 */
import { UserSelect } from '../parts/user-select.js';
import { useState } from 'preact/hooks';
import { v5, v5All } from '../api.js';
import { Show, useLoad, when } from '../parts/common.js';
import { href } from '../router.js';

interface Feed {
  id: string;
  name: string;
  status?: string;
  catalog_id?: string;
  format?: string;
  location?: string;
}
interface ProcessingResult {
  id: string;
  status: string;
  created_at?: string;
  product_counts?: Record<string, number> | null;
  validation_details?: { errors?: Record<string, number>; warnings?: Record<string, number> };
}
interface ProductGroup {
  id: string;
  name: string;
  status?: string;
}

/** `{a: 1, b: 2}` as "a 1 · b 2" (numbers only, nested objects flattened). */
export function counts(value: unknown): string {
  if (!value || typeof value !== 'object') return '—';
  const out: string[] = [];
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (typeof v === 'number') out.push(`${key} ${v}`);
    else if (v && typeof v === 'object') out.push(`${key}: ${counts(v)}`);
  }
  return out.length ? out.join(' · ') : '—';
}


export function Catalogs({ parts }: { parts: string[] }) {
  const [user, account] = parts;
  return (
    <>
      <h1>Catalogs</h1>
      <UserSelect view="catalogs" user={user} id="catalogs-user" />
      {user && (
        <p>
          <a href={account ? href('audiences', user, account) : href('audiences', user)}>Audiences, conversions and leads of {user}</a>
        </p>
      )}
      {user && <Feeds user={user} />}
    </>
  );
}

function Feeds({ user }: { user: string }) {
  const feeds = useLoad(() => v5All<Feed>(user, '/catalogs/feeds'), [user]);
  return (
    <section aria-labelledby="feeds-title">
      <h2 id="feeds-title">Feeds</h2>
      <Show loaded={feeds}>
        {(items) =>
          items.length === 0 ? (
            <p class="muted">No feeds.</p>
          ) : (
            <ul id="feeds" class="ads-tree">
              {items.map((f) => (
                <li key={f.id} id={`feed-${f.id}`}>
                  <h3>
                    Feed {f.name} <span class="badge">{f.status ?? '—'}</span> <span class="muted">{f.format} {f.location}</span>
                  </h3>
                  <FeedResults user={user} feed={f} />
                  <ProductGroups user={user} feed={f} />
                </li>
              ))}
            </ul>
          )
        }
      </Show>
    </section>
  );
}

function FeedResults({ user, feed }: { user: string; feed: Feed }) {
  const results = useLoad(() => v5<{ items: ProcessingResult[] }>(user, 'GET', `/catalogs/feeds/${feed.id}/processing_results?page_size=25`).then((r) => r.items), [user, feed.id]);
  const [issuesOf, setIssuesOf] = useState<string | null>(null);
  return (
    <Show loaded={results}>
      {(items) =>
        items.length === 0 ? (
          <p class="muted">Not processed yet.</p>
        ) : (
          <>
            <table class="processing-results" id={`processing-results-${feed.id}`}>
              <caption>Processing results of {feed.name}</caption>
              <thead>
                <tr>
                  <th scope="col">result</th>
                  <th scope="col">status</th>
                  <th scope="col">when</th>
                  <th scope="col">products</th>
                  <th scope="col">errors</th>
                  <th scope="col">warnings</th>
                  <th scope="col">item issues</th>
                </tr>
              </thead>
              <tbody>
                {items.map((r) => (
                  <tr key={r.id} data-status={r.status}>
                    <td>{r.id}</td>
                    <td>
                      <span class="badge">{r.status}</span>
                    </td>
                    <td>{when(r.created_at)}</td>
                    <td class="product-counts">{counts(r.product_counts)}</td>
                    <td>{counts(r.validation_details?.errors)}</td>
                    <td>{counts(r.validation_details?.warnings)}</td>
                    <td>
                      <button type="button" class="small" aria-expanded={issuesOf === r.id} onClick={() => setIssuesOf(issuesOf === r.id ? null : r.id)}>
                        {issuesOf === r.id ? 'Hide issues' : 'Show issues'}
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {issuesOf && <ItemIssues user={user} result={issuesOf} />}
          </>
        )
      }
    </Show>
  );
}

function ItemIssues({ user, result }: { user: string; result: string }) {
  const issues = useLoad(() => v5<{ items: { item_id?: string | null; item_number?: number; errors?: unknown; warnings?: unknown }[] }>(user, 'GET', `/catalogs/processing_results/${result}/item_issues?page_size=100`).then((r) => r.items), [user, result]);
  return (
    <Show loaded={issues}>
      {(items) =>
        items.length === 0 ? (
          <p class="muted" id={`item-issues-${result}`}>
            No item issues.
          </p>
        ) : (
          <table id={`item-issues-${result}`}>
            <caption>Item issues of processing result {result}</caption>
            <thead>
              <tr>
                <th scope="col">item</th>
                <th scope="col">line</th>
                <th scope="col">errors</th>
                <th scope="col">warnings</th>
              </tr>
            </thead>
            <tbody>
              {items.map((i, n) => (
                <tr key={n}>
                  <td>{i.item_id ?? '—'}</td>
                  <td>{i.item_number ?? '—'}</td>
                  <td>{issueText(i.errors)}</td>
                  <td>{issueText(i.warnings)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )
      }
    </Show>
  );
}

function issueText(value: unknown): string {
  if (!value || typeof value !== 'object') return '—';
  const keys = Object.keys(value as object);
  return keys.length ? keys.join(', ') : '—';
}

function ProductGroups({ user, feed }: { user: string; feed: Feed }) {
  const groups = useLoad(async () => {
    const items = await v5All<ProductGroup>(user, `/catalogs/product_groups?feed_id=${feed.id}`);
    return Promise.all(items.map(async (g) => ({ group: g, counts: await v5<unknown>(user, 'GET', `/catalogs/product_groups/${g.id}/product_counts`).catch(() => null) })));
  }, [user, feed.id]);
  return (
    <Show loaded={groups}>
      {(items) =>
        items.length === 0 ? (
          <p class="muted">No product groups.</p>
        ) : (
          <table id={`product-groups-${feed.id}`}>
            <caption>Product groups of {feed.name}</caption>
            <thead>
              <tr>
                <th scope="col">product group</th>
                <th scope="col">status</th>
                <th scope="col">counts</th>
              </tr>
            </thead>
            <tbody>
              {items.map(({ group, counts: c }) => (
                <tr key={group.id}>
                  <td>{group.name}</td>
                  <td>{group.status ?? '—'}</td>
                  <td>{counts(c)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )
      }
    </Show>
  );
}
