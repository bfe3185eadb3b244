/**
 * The content of the store as Pinterest shows it: the users, a user's boards as a
 * grid of their covers, a board's sections and Pins as a masonry of the served
 * image sizes, and a Pin's page (every size, colour, link, video, analytics).
 * Everything past the user list is read through /v5 as that user.
 */
import { control, v5, v5All } from '../api.js';
import { TimeChart } from '../parts/chart.js';
import { Show, useLoad } from '../parts/common.js';
import { href } from '../router.js';

interface UserRow {
  id: string;
  username: string;
  account_type: string;
  business_name: string | null;
  board_count: number;
  pin_count: number;
}

interface Board {
  id: string;
  name: string;
  description?: string | null;
  privacy?: string;
  pin_count?: number;
  media?: { image_cover_url?: string | null; pin_thumbnail_urls?: string[] } | null;
}

interface Section {
  id: string;
  name: string;
}

interface ImageSize {
  width: number;
  height: number;
  url: string;
}

interface Pin {
  id: string;
  title?: string | null;
  description?: string | null;
  link?: string | null;
  alt_text?: string | null;
  dominant_color?: string | null;
  board_id?: string;
  board_section_id?: string | null;
  created_at?: string;
  creative_type?: string | null;
  media?: {
    media_type?: string;
    images?: Record<string, ImageSize>;
    cover_image_url?: string;
    video_url?: string;
    duration?: number;
    width?: number;
    height?: number;
    items?: { images?: Record<string, ImageSize> }[];
  } | null;
}

/** The size the masonry shows, as Pinterest's grid does: the 600px-wide one (the 400x300 crop where there is none). */
export const GRID_SIZE = '600x';

export function Content({ parts }: { parts: string[] }) {
  const [username, kind, id] = parts;
  if (!username) return <Users />;
  if (kind === 'boards' && id) return <BoardPage username={username} boardId={id} />;
  if (kind === 'pins' && id) return <PinPage username={username} pinId={id} />;
  return <UserBoards username={username} />;
}

function Users() {
  const users = useLoad(() => control<{ items: UserRow[] }>('GET', '/users'));
  return (
    <>
      <h1>Content</h1>
      <Show loaded={users}>
        {({ items }) =>
          items.length === 0 ? (
            <p class="muted">No users yet.</p>
          ) : (
            <table id="content-users">
              <thead>
                <tr>
                  <th scope="col">user</th>
                  <th scope="col">account</th>
                  <th scope="col">boards</th>
                  <th scope="col">Pins</th>
                </tr>
              </thead>
              <tbody>
                {items.map((user) => (
                  <tr key={user.id}>
                    <th scope="row">
                      <a href={href('content', user.username)} id={`user-${user.username}`}>
                        {user.username}
                      </a>
                    </th>
                    <td>
                      {user.account_type}
                      {user.business_name ? ` · ${user.business_name}` : ''}
                    </td>
                    <td>{user.board_count}</td>
                    <td>{user.pin_count}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        }
      </Show>
    </>
  );
}

function Crumbs({ username, board }: { username: string; board?: { id: string; name: string } }) {
  return (
    <nav aria-label="Breadcrumb" class="crumbs">
      <a href={href('content')}>Content</a> / <a href={href('content', username)}>{username}</a>
      {board && (
        <>
          {' '}
          / <a href={href('content', username, 'boards', board.id)}>{board.name}</a>
        </>
      )}
    </nav>
  );
}

function UserBoards({ username }: { username: string }) {
  const boards = useLoad(() => v5All<Board>(username, '/boards'), [username]);
  return (
    <>
      <Crumbs username={username} />
      <h1>Boards of {username}</h1>
      <Show loaded={boards}>
        {(items) =>
          items.length === 0 ? (
            <p class="muted">{username} has no boards.</p>
          ) : (
            <ul class="board-grid" id="board-grid">
              {items.map((board) => (
                <li key={board.id} class="board-card" id={`board-${board.id}`}>
                  <a href={href('content', username, 'boards', board.id)}>
                    <BoardCover board={board} />
                    <span class="board-name">{board.name}</span>
                  </a>
                  <span class="muted small">
                    {board.pin_count ?? 0} Pins{board.privacy && board.privacy !== 'PUBLIC' ? ` · ${board.privacy.toLowerCase()}` : ''}
                  </span>
                </li>
              ))}
            </ul>
          )
        }
      </Show>
    </>
  );
}

/** A board's cover as Pinterest draws it: the cover image large, two more Pins' thumbnails beside it. */
function BoardCover({ board }: { board: Board }) {
  const cover = board.media?.image_cover_url ?? null;
  const thumbs = (board.media?.pin_thumbnail_urls ?? []).filter((url) => url !== cover).slice(0, 2);
  return (
    <span class="board-cover" aria-hidden={cover ? undefined : 'true'}>
      {cover ? <img class="board-cover-main" src={cover} alt="" loading="lazy" /> : <span class="board-cover-main empty" />}
      <span class="board-cover-side">
        {[0, 1].map((i) => (thumbs[i] ? <img key={i} src={thumbs[i]} alt="" loading="lazy" /> : <span key={i} class="empty" />))}
      </span>
    </span>
  );
}

function BoardPage({ username, boardId }: { username: string; boardId: string }) {
  const loaded = useLoad(async () => {
    const [board, sections, pins] = await Promise.all([
      v5<Board>(username, 'GET', `/boards/${boardId}`),
      v5All<Section>(username, `/boards/${boardId}/sections`),
      v5All<Pin>(username, `/boards/${boardId}/pins`),
    ]);
    return { board, sections, pins };
  }, [username, boardId]);
  return (
    <Show loaded={loaded}>
      {({ board, sections, pins }) => {
        const unsectioned = pins.filter((pin) => !pin.board_section_id || !sections.some((s) => s.id === pin.board_section_id));
        return (
          <>
            <Crumbs username={username} />
            <h1>{board.name}</h1>
            {board.description && <p>{board.description}</p>}
            <p class="muted">
              {pins.length} Pins · {sections.length} sections
            </p>
            {sections.map((section) => (
              <section key={section.id} aria-labelledby={`section-${section.id}`} class="board-section">
                <h2 id={`section-${section.id}`}>{section.name}</h2>
                <Masonry username={username} pins={pins.filter((pin) => pin.board_section_id === section.id)} />
              </section>
            ))}
            <section aria-labelledby="board-pins-title">
              <h2 id="board-pins-title">{sections.length ? 'Other Pins' : 'Pins'}</h2>
              <Masonry username={username} pins={unsectioned} id="board-pins" />
            </section>
          </>
        );
      }}
    </Show>
  );
}

/** The images of a Pin (a carousel's first item's for a carousel). */
function imagesOf(pin: Pin): Record<string, ImageSize> {
  return pin.media?.images ?? pin.media?.items?.[0]?.images ?? {};
}

function gridImage(pin: Pin): { size: string; image: ImageSize } | null {
  const images = imagesOf(pin);
  for (const size of [GRID_SIZE, '400x300', '150x150', ...Object.keys(images)]) {
    if (images[size]) return { size, image: images[size] };
  }
  return null;
}

function Masonry({ username, pins, id }: { username: string; pins: Pin[]; id?: string }) {
  if (pins.length === 0) return <p class="muted">No Pins.</p>;
  return (
    <ul class="masonry" id={id}>
      {pins.map((pin) => {
        const shown = gridImage(pin);
        const label = pin.title || pin.alt_text || `Pin ${pin.id}`;
        return (
          <li key={pin.id} class="masonry-pin" id={`pin-${pin.id}`}>
            <a href={href('content', username, 'pins', pin.id)} style={pin.dominant_color ? { background: pin.dominant_color } : undefined}>
              {shown ? (
                <img src={shown.image.url} width={shown.image.width} height={shown.image.height} alt={pin.alt_text || ''} data-size={shown.size} data-pin={pin.id} />
              ) : (
                <span class="empty" />
              )}
              {pin.media?.media_type === 'video' && <span class="badge pin-kind">video</span>}
              <span class="pin-title">{label}</span>
            </a>
          </li>
        );
      })}
    </ul>
  );
}

interface ClockNow {
  now: number;
}

interface DailyRow {
  date: string;
  data_status: string;
  metrics: Record<string, number | null>;
}

const METRICS = ['IMPRESSION', 'SAVE', 'PIN_CLICK', 'OUTBOUND_CLICK'];

function day(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function PinPage({ username, pinId }: { username: string; pinId: string }) {
  const pin = useLoad(() => v5<Pin>(username, 'GET', `/pins/${pinId}`), [username, pinId]);
  const board = useLoad(async () => (pin.data?.board_id ? v5<Board>(username, 'GET', `/boards/${pin.data.board_id}`) : null), [username, pin.data?.board_id]);
  return (
    <Show loaded={pin}>
      {(data) => {
        const images = imagesOf(data);
        const media = data.media;
        const video = media?.media_type === 'video' && media.video_url;
        return (
          <>
            <Crumbs username={username} board={board.data ?? undefined} />
            <h1>{data.title || `Pin ${data.id}`}</h1>
            <div class="pin-page">
              <div class="pin-media">
                {video ? (
                  <video id="pin-video" controls preload="metadata" poster={media.cover_image_url} src={media.video_url} width={media.width} height={media.height}>
                    <track kind="captions" />
                  </video>
                ) : (
                  gridImage(data) && <img id="pin-image" src={(images['1200x'] ?? gridImage(data)!.image).url} alt={data.alt_text || ''} />
                )}
              </div>
              <dl class="facts" id="pin-facts">
                <dt>id</dt>
                <dd>{data.id}</dd>
                <dt>type</dt>
                <dd>{data.creative_type ?? media?.media_type ?? '—'}</dd>
                {data.description && (
                  <>
                    <dt>description</dt>
                    <dd id="pin-description">{data.description}</dd>
                  </>
                )}
                <dt>link</dt>
                <dd id="pin-link">
                  {data.link ? (
                    <a href={data.link} rel="noopener noreferrer" target="_blank">
                      {data.link}
                    </a>
                  ) : (
                    '—'
                  )}
                </dd>
                <dt>dominant colour</dt>
                <dd id="pin-color">
                  {data.dominant_color ? (
                    <>
                      <span class="swatch" style={{ background: data.dominant_color }} aria-hidden="true" /> {data.dominant_color}
                    </>
                  ) : (
                    '—'
                  )}
                </dd>
                {video && (
                  <>
                    <dt>video</dt>
                    <dd>
                      {media.width}×{media.height}, {((media.duration ?? 0) / 1000).toFixed(1)} s
                    </dd>
                  </>
                )}
                <dt>created</dt>
                <dd>{data.created_at ?? '—'}</dd>
              </dl>
            </div>
            <h2 id="pin-sizes-title">Image sizes</h2>
            <table id="pin-sizes" aria-labelledby="pin-sizes-title">
              <thead>
                <tr>
                  <th scope="col">size</th>
                  <th scope="col">width×height</th>
                  <th scope="col">image</th>
                </tr>
              </thead>
              <tbody>
                {Object.entries(images).map(([size, image]) => (
                  <tr key={size} data-size={size}>
                    <th scope="row">{size}</th>
                    <td class="pin-size-dims">
                      {image.width}×{image.height}
                    </td>
                    <td>
                      <a href={image.url} target="_blank" rel="noopener noreferrer">
                        <img class="pin-size-image" src={image.url} alt={`${size} image`} data-size={size} loading="lazy" />
                      </a>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            <PinAnalytics username={username} pinId={data.id} />
          </>
        );
      }}
    </Show>
  );
}

function PinAnalytics({ username, pinId }: { username: string; pinId: string }) {
  const analytics = useLoad(async () => {
    // The dates by pinbox's clock: its today, not the browser's.
    const { now } = await control<ClockNow>('GET', '/clock');
    const end = day(now);
    const start = day(now - 29 * 86_400_000);
    const body = await v5<{ all?: { daily_metrics?: DailyRow[] } }>(
      username,
      'GET',
      `/pins/${pinId}/analytics?start_date=${start}&end_date=${end}&metric_types=${METRICS.join(',')}`,
    );
    return body.all?.daily_metrics ?? [];
  }, [username, pinId]);
  return (
    <section aria-labelledby="pin-analytics-title">
      <h2 id="pin-analytics-title">Analytics</h2>
      <Show loaded={analytics}>
        {(rows) => {
          const x = rows.map((row) => Date.parse(`${row.date}T00:00:00Z`) / 1000);
          const processing = rows.map((row, i) => ({ row, t: x[i] })).filter(({ row }) => row.data_status === 'PROCESSING');
          const marks = processing.length ? [{ from: processing[0].t, to: processing[processing.length - 1].t + 86_400, label: 'PROCESSING' }] : [];
          return (
            <>
              <TimeChart
                id="pin-chart"
                title="Last 30 days"
                x={x}
                series={METRICS.map((metric) => ({ label: metric, values: rows.map((row) => (row.data_status === 'READY' ? (row.metrics[metric] ?? null) : null)) }))}
                marks={marks}
              />
              <p class="muted small" id="pin-processing">
                {processing.length
                  ? `Shaded: ${processing.map(({ row }) => row.date).join(', ')} — Pinterest still reports these days as PROCESSING.`
                  : 'Every day is READY.'}
              </p>
            </>
          );
        }}
      </Show>
    </section>
  );
}
