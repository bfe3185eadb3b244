/**
 * Audiences: an ad account's customer lists and audiences with their match status,
 * the Conversions API events it received (newest first, polled every few seconds),
 * and its leads' webhook deliveries with every try.
 * Routes: #/audiences, #/audiences/<user>, #/audiences/<user>/<ad_account_id>.
 */
import { useEffect } from 'preact/hooks';
import { control, v5All } from '../api.js';
import { money, Show, useLoad, when } from '../parts/common.js';
import { href } from '../router.js';
import { UserSelect } from '../parts/user-select.js';

interface CustomerList {
  id: string;
  name: string;
  status?: string;
  num_batches?: number;
  num_uploaded_user_records?: number;
  num_removed_user_records?: number;
}
interface Audience {
  id: string;
  name: string;
  audience_type?: string;
  status?: string;
  size?: number | null;
}
interface ConversionEvent {
  event_id: string;
  event_name: string;
  action_source: string;
  event_time: number;
  value_micro: number | null;
  currency: string | null;
  received_at: number;
  email_hashed: boolean;
}
interface LeadDelivery {
  id: string;
  lead_id: string;
  subscription_id: string;
  state: string;
  attempts: number;
  next_at: number | null;
  tries: { at: number; status: number | null; error: string | null }[];
}

export function Audiences({ parts }: { parts: string[] }) {
  const [user, account] = parts;
  return (
    <>
      <h1>Audiences</h1>
      <UserSelect view="audiences" user={user} id="audiences-user" />
      {user && !account && <AccountLinks user={user} />}
      {user && account && (
        <>
          <p>
            <a href={href('ads', user, account)}>Campaigns of ad account {account}</a> · <a href={href('catalogs', user, account)}>Catalogs of {user}</a> ·{' '}
            <a href={href('audiences', user)}>Other ad accounts</a>
          </p>
          <CustomerLists user={user} account={account} />
          <AudienceList user={user} account={account} />
          <Conversions account={account} />
          <Leads account={account} />
        </>
      )}
    </>
  );
}

function AccountLinks({ user }: { user: string }) {
  const accounts = useLoad(() => v5All<{ id: string; name: string }>(user, '/ad_accounts'), [user]);
  return (
    <section aria-labelledby="audiences-accounts-title">
      <h2 id="audiences-accounts-title">Ad accounts</h2>
      <Show loaded={accounts}>
        {(items) =>
          items.length === 0 ? (
            <p class="muted">No ad accounts.</p>
          ) : (
            <ul id="audiences-accounts">
              {items.map((a) => (
                <li key={a.id}>
                  <a href={href('audiences', user, a.id)}>{a.name}</a> <span class="muted">{a.id}</span>
                </li>
              ))}
            </ul>
          )
        }
      </Show>
    </section>
  );
}

function CustomerLists({ user, account }: { user: string; account: string }) {
  const lists = useLoad(() => v5All<CustomerList>(user, `/ad_accounts/${account}/customer_lists`), [user, account]);
  return (
    <section aria-labelledby="customer-lists-title">
      <h2 id="customer-lists-title">Customer lists</h2>
      <Show loaded={lists}>
        {(items) =>
          items.length === 0 ? (
            <p class="muted">No customer lists.</p>
          ) : (
            <table id="customer-lists">
              <thead>
                <tr>
                  <th scope="col">name</th>
                  <th scope="col">status</th>
                  <th scope="col">batches</th>
                  <th scope="col">uploaded records</th>
                  <th scope="col">removed records</th>
                </tr>
              </thead>
              <tbody>
                {items.map((l) => (
                  <tr key={l.id} id={`customer-list-${l.id}`}>
                    <th scope="row">{l.name}</th>
                    <td>
                      <span class="badge">{l.status ?? '—'}</span>
                    </td>
                    <td>{l.num_batches ?? '—'}</td>
                    <td>{l.num_uploaded_user_records ?? '—'}</td>
                    <td>{l.num_removed_user_records ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Show>
    </section>
  );
}

function AudienceList({ user, account }: { user: string; account: string }) {
  const audiences = useLoad(() => v5All<Audience>(user, `/ad_accounts/${account}/audiences`), [user, account]);
  return (
    <section aria-labelledby="audiences-title">
      <h2 id="audiences-title">Audiences</h2>
      <Show loaded={audiences}>
        {(items) =>
          items.length === 0 ? (
            <p class="muted">No audiences.</p>
          ) : (
            <table id="audiences">
              <thead>
                <tr>
                  <th scope="col">name</th>
                  <th scope="col">type</th>
                  <th scope="col">status</th>
                  <th scope="col">size</th>
                </tr>
              </thead>
              <tbody>
                {items.map((a) => (
                  <tr key={a.id} id={`audience-${a.id}`}>
                    <th scope="row">{a.name}</th>
                    <td>{a.audience_type ?? '—'}</td>
                    <td>
                      <span class="badge">{a.status ?? '—'}</span>
                    </td>
                    <td>{a.size ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Show>
    </section>
  );
}

function Conversions({ account }: { account: string }) {
  const events = useLoad(() => control<{ items: ConversionEvent[] }>('GET', `/ad_accounts/${account}/conversion_events?limit=50`).then((r) => r.items), [account]);
  useEffect(() => {
    // Conversion events arrive from the advertiser's server: the table polls for them.
    const timer = setInterval(events.reload, 2000);
    return () => clearInterval(timer);
  }, [events.reload]);
  return (
    <section aria-labelledby="conversions-title">
      <h2 id="conversions-title">Conversion events</h2>
      <Show loaded={events}>
        {(items) =>
          items.length === 0 ? (
            <p class="muted" id="conversion-events-none">
              No conversion events received.
            </p>
          ) : (
            <table id="conversion-events">
              <thead>
                <tr>
                  <th scope="col">event</th>
                  <th scope="col">source</th>
                  <th scope="col">event time</th>
                  <th scope="col">received</th>
                  <th scope="col">value</th>
                  <th scope="col">hashed email</th>
                  <th scope="col">event id</th>
                </tr>
              </thead>
              <tbody>
                {items.map((e) => (
                  <tr key={e.event_id}>
                    <td>{e.event_name}</td>
                    <td>{e.action_source}</td>
                    <td>{when(e.event_time)}</td>
                    <td>{when(e.received_at)}</td>
                    <td>{e.value_micro === null ? '—' : `${money(e.value_micro)} ${e.currency ?? ''}`}</td>
                    <td>{e.email_hashed ? 'yes' : 'no'}</td>
                    <td>
                      <code>{e.event_id}</code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Show>
    </section>
  );
}

function Leads({ account }: { account: string }) {
  const deliveries = useLoad(() => control<{ items: LeadDelivery[] }>('GET', `/ad_accounts/${account}/lead_deliveries`).then((r) => r.items), [account]);
  return (
    <section aria-labelledby="leads-title">
      <h2 id="leads-title">Leads delivered</h2>
      <Show loaded={deliveries}>
        {(items) =>
          items.length === 0 ? (
            <p class="muted">No leads delivered.</p>
          ) : (
            <table id="lead-deliveries">
              <thead>
                <tr>
                  <th scope="col">lead</th>
                  <th scope="col">subscription</th>
                  <th scope="col">state</th>
                  <th scope="col">attempts</th>
                  <th scope="col">tries</th>
                  <th scope="col">next try</th>
                </tr>
              </thead>
              <tbody>
                {items.map((d) => (
                  <tr key={d.id}>
                    <td>{d.lead_id}</td>
                    <td>{d.subscription_id}</td>
                    <td>
                      <span class="badge">{d.state}</span>
                    </td>
                    <td>{d.attempts}</td>
                    <td>{d.tries.map((t) => `${when(t.at)} ${t.status ?? t.error ?? '—'}`).join('; ') || '—'}</td>
                    <td>{when(d.next_at)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Show>
    </section>
  );
}
